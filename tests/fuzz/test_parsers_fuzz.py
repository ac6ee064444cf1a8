"""Fuzzing the parsers with strings built from the pieces documents print (numbers, units, months, terms):
each parser returns a value or raises ParseError, nothing else; what it returns is what was printed."""
from __future__ import annotations

from decimal import Decimal

from hypothesis import given, strategies as st

from parsers import (ParseError, format_number, join_wrapped, normalise_whitespace, parse_amount, parse_assessment,
                     parse_goal_code, parse_in_control_plan, parse_number, parse_period, parse_scale,
                     parse_traffic_light, parse_yes_no, project_key, repair_lines)
from parsers.facts import extract_facts, extract_labelled_fields
from tests.fuzz.conftest import fuzz_settings

SPACES = [" ", "\u00a0", "\u202f", "\u2009", "", "\t", "  "]
PIECES = ["0", "1", "12", "123", "1 234", "-", "−", "–", "—", ",", ".", "5", "99", "000", "%", " %", "Mnkr", "mnkr",
          "mkr", "tkr", "kr", "Kr", "EUR", "miljoner", "miljon kr", "miljoner kr", "januari", "februari", "april",
          "december", "2019", "2022", "2023-09-01", "2019-08-01", "VT", "HT", "Hösten", "Våren", "T2", "Pågående",
          "Inte bestämt", "Ja", "Nej", "Nej, endast VoR", "*", "Osannolikt", "Möjlig", "Mycket allvarlig",
          "Tillräcklig", "Delvis tillräcklig", "Otillräcklig", "Grön", "Gul", "Röd", "1.1", "3.2.", "(", ")", "/",
          "\u00ad", "e", "E5", "Infinity", "NaN", "1e309", "٣", "１", "\x00", "'", "<script>"]

printed = st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), max_size=8).map(
    lambda parts: "".join(p + s for p, s in parts))
anything = st.one_of(printed, st.text(max_size=40))

PARSERS = [parse_number, parse_amount, parse_period, parse_goal_code, parse_yes_no, parse_in_control_plan,
           parse_traffic_light, parse_assessment, lambda t: parse_scale(t, "probability"),
           lambda t: parse_scale(t, "consequence"), lambda t: parse_amount(t, default_unit="kr")]


@fuzz_settings(200)
@given(anything)
def test_parsers_raise_only_parse_error(text: str):
    for parse in PARSERS:
        try:
            parse(text)
        except ParseError as exc:
            assert str(exc)  # the error says what was expected


@fuzz_settings(200)
@given(printed)
def test_a_parsed_number_is_what_was_printed(text: str):
    try:
        p = parse_number(text)
    except ParseError:
        return
    assert p.value.is_finite()
    assert p.printed == text or p.printed.strip() == normalise_whitespace(text).strip() or p.printed in text
    assert parse_number(format_number(p.value, p.decimals, percent=p.percent)).value == p.value


@fuzz_settings(200)
@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=Decimal("-1e15"), max_value=Decimal("1e15"),
                   places=3), st.integers(0, 3))
def test_amounts_round_trip_through_print(value: Decimal, decimals: int):
    v = value.quantize(Decimal(1).scaleb(-decimals))
    a = parse_amount(format_number(v, decimals) + " tkr")
    assert a.value == v * 1000


@fuzz_settings(60)
@given(anything, anything)
def test_text_repair_is_total(first: str, second: str):
    assert isinstance(join_wrapped(first, second), str)
    assert isinstance(repair_lines([first, second, first]), str)
    assert isinstance(project_key(first + second), str)


@fuzz_settings(10)
@given(st.lists(st.one_of(printed, st.sampled_from(["ungdomar", "nådda", "av", "de", "sökta", "var", "kvinnor",
                                                     "män", "jämfört med", "år", "procent", "."])), max_size=30))
def test_facts_from_prose_never_raise(words: list[str]):
    text = " ".join(words)
    for f in extract_facts(text, 2022, context=text[:30]).facts:
        assert text[f.start:f.end] == f.printed


@fuzz_settings(100)
@given(st.lists(st.tuples(st.sampled_from(["Budget", "Medfinansiering", "Projektperiod", "Period", "Förvaltning",
                                           "Finansiär", "Projektägare", "", "Okänd etikett"]), anything), max_size=6))
def test_labelled_fields_never_raise(lines: list[tuple[str, str]]):
    out = extract_labelled_fields(lines)
    assert all(isinstance(k, str) for k in out)
