import pytest
from hypothesis import given, strategies as st

from parsers import ParseError, parse_period


@pytest.mark.parametrize("text,start,end,precision", [
    ("februari 2021 – april 2023", "2021-02", "2023-04", "month"),
    ("2019-08-01 - 2022-04-30", "2019-08", "2022-04", "day"),
    ("2020 - 2023", "2020-01", "2023-12", "year"),
    ("2018-2022", "2018-01", "2022-12", "year"),
    ("december 2017 - juni 2022", "2017-12", "2022-06", "month"),
    ("VT 2022", "2022-01", "2022-06", "term"),
    ("HT 2022", "2022-08", "2022-12", "term"),
    ("Hösten 2022", "2022-08", "2022-12", "term"),
    ("2022 T2", "2022-05", "2022-08", "tertial"),
    ("mars 2022", "2022-03", "2022-03", "month"),
    ("2022", "2022-01", "2022-12", "year"),
    ("mars - juni 2022", "2022-03", "2022-06", "month"),
])
def test_parse_period(text, start, end, precision):
    p = parse_period(text)
    assert (p.start_month, p.end_month, p.precision) == (start, end, precision)
    assert not p.open_end and p.printed == text


def test_open_end():
    p = parse_period("2023-09-01 -")
    assert p.start_month == "2023-09" and p.end_month is None and p.open_end


def test_ongoing_and_undecided():
    assert parse_period("Pågående").ongoing
    assert parse_period("Inte bestämt").undecided


@pytest.mark.parametrize("text", ["", "snart", "2022-13-01", "februari", "13 2022"])
def test_rejects(text):
    with pytest.raises(ParseError):
        parse_period(text)


@given(st.text(max_size=30))
def test_random_text_raises_only_parse_error(text):
    try:
        parse_period(text)
    except ParseError:
        pass
