from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from parsers import ParseError, format_number, parse_amount, parse_number


@pytest.mark.parametrize("text,value,decimals,percent", [
    ("1 163,6", "1163.6", 1, False),
    ("-168,3", "-168.3", 1, False),
    ("−2 425 249,73", "-2425249.73", 2, False),
    ("1 483 500 000,00", "1483500000.00", 2, False),
    ("1\u00a0163,6", "1163.6", 1, False),
    ("1\u202f163,6", "1163.6", 1, False),
    ("49,9 %", "49.9", 1, True),
    ("5,60%", "5.60", 2, True),
    ("72%", "72", 0, True),
    ("0,0", "0.0", 1, False),
    ("705", "705", 0, False),
    ("– 12", "-12", 0, False),
])
def test_parse_number(text, value, decimals, percent):
    p = parse_number(text)
    assert p.value == Decimal(value) and p.decimals == decimals and p.percent is percent and p.printed == text


def test_dash_is_nil():
    p = parse_number("(-)")
    assert p.nil and p.value == 0


@pytest.mark.parametrize("text", ["", "abc", "1.163,6", "12,", ",5", "1 16,6", "5 %%", "1,2,3", "2022-01-01", None, 5])
def test_parse_number_rejects(text):
    with pytest.raises(ParseError) as e:
        parse_number(text)
    assert e.value.text == text


def test_interval_is_half_unit_of_last_printed_digit():
    lo, hi = parse_number("49,9 %").interval()
    assert (lo, hi) == (Decimal("49.85"), Decimal("49.95"))
    lo, hi = parse_number("-168,3").interval()
    assert (lo, hi) == (Decimal("-168.35"), Decimal("-168.25"))
    assert parse_number("72%").interval() == (Decimal("71.5"), Decimal("72.5"))


@pytest.mark.parametrize("text,sek,unit,currency", [
    ("24,2 mkr", "24200000", "mkr", "SEK"),
    ("25,2 mnkr", "25200000", "mnkr", "SEK"),
    ("18,7 miljoner kr", "18700000", "miljoner kr", "SEK"),
    ("9 miljoner", "9000000", "miljoner", "SEK"),
    ("761 tkr", "761000", "tkr", "SEK"),
    ("450 000 kr", "450000", "kr", "SEK"),
    ("779 009 kr", "779009", "kr", "SEK"),
    ("7, 8 miljoner kr", "7800000", "miljoner kr", "SEK"),
    ("2 006 mnkr", "2006000000", "mnkr", "SEK"),
    ("1 miljon kr", "1000000", "miljon kr", "SEK"),
])
def test_parse_amount(text, sek, unit, currency):
    a = parse_amount(text)
    assert a.value == Decimal(sek) and a.unit == unit and a.currency == currency and a.value_sek == Decimal(sek)


def test_euro_is_kept_as_euro():
    a = parse_amount("38 750 EUR")
    assert a.value == Decimal(38750) and a.currency == "EUR" and a.value_sek is None


@pytest.mark.parametrize("text", ["okänt", "Inte bestämt", "Okänt."])
def test_unknown_amounts(text):
    a = parse_amount(text)
    assert a.unknown and a.value is None


def test_bare_number_needs_a_default_unit():
    with pytest.raises(ParseError):
        parse_amount("761 742")
    a = parse_amount("761 742", default_unit="kr")
    assert a.value == Decimal(761742) and a.unit_defaulted


def test_unknown_unit_is_an_error():
    with pytest.raises(ParseError):
        parse_amount("12 parsec")


@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), allow_nan=False, places=2),
       st.integers(min_value=0, max_value=2), st.booleans(), st.booleans())
def test_format_then_parse_is_identity(value, decimals, nbsp, percent):
    q = Decimal(1).scaleb(-decimals)
    v = value.quantize(q)
    p = parse_number(format_number(v, decimals, grouped=True, nbsp=nbsp, percent=percent))
    assert p.value == v and p.decimals == decimals and p.percent is percent


@given(st.text(max_size=30))
def test_random_text_raises_only_parse_error(text):
    for fn in (parse_number, parse_amount):
        try:
            fn(text)
        except ParseError:
            pass


@given(st.text(alphabet=st.sampled_from(list("ab 1,-%\u00a0\u202f\u2009\u2007\u2002\u2003\u00e5a\u030a\t")), max_size=30))
def test_normalise_spaces_maps_every_space_then_collapses_runs(text):
    import re
    import unicodedata

    from parsers.numbers import SPACES, normalise_spaces

    want = unicodedata.normalize("NFC", text)  # the definition, step by step, without the fast path for ASCII
    for ch in SPACES:
        want = want.replace(ch, " ")
    assert normalise_spaces(text) == re.sub(r" +", " ", want).strip()
    assert normalise_spaces("a\u00a0 \u202fb") == "a b" and normalise_spaces("a\u030a") == "\u00e5"
