"""extract_facts against the transcribed KAA report (samples/source/vb/120_kaa.yaml), rule tables,
robustness on random text, and extract_labelled_fields."""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from parsers import Amount, Period
from parsers.facts import Fact, FactResult, extract_facts, extract_labelled_fields, field_for_label

ROOT = Path(__file__).resolve().parents[2]
KAA = ROOT / "samples" / "source" / "vb" / "120_kaa.yaml"
REPORT_YEAR = 2022
HEADLINE_SECTIONS = {"2", "6", "7"}  # "2. Sammanfattning av resultat" bullets, sections 6 and 7
RECALL_FLOOR = Decimal("1.00")  # measured: 80/80 expected facts found (value, unit, comparison, position)
PRECISION_FLOOR = Decimal("1.00")  # measured: 80 facts emitted over all text blocks, 0 not in the truth


# ----- the KAA ground truth -----------------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    """A text block of the KAA file with the heading it sits under and the facts the truth lists."""

    section: str
    heading: str
    text: str
    expected: list[dict]


def kaa_blocks() -> list[Block]:
    """Every paragraph / bullets block of 120_kaa.yaml (bullets joined by newlines)."""
    data = yaml.safe_load(KAA.read_text(encoding="utf-8"))
    out, heading, section = [], "", ""
    for b in data["blocks"]:
        if "heading" in b:
            heading = b["heading"]
            m = re.match(r"(\d+)\.", heading)
            if b.get("level") == 1 and m:
                section = m.group(1)
            continue
        if "paragraph" in b:
            text = b["paragraph"]
        elif "bullets" in b:
            text = "\n".join(b["bullets"])
        else:
            continue
        out.append(Block(section, heading, text, list(b.get("facts") or [])))
    return out


def _value(v: str) -> Decimal:
    return Decimal(str(v).replace(",", "."))


def _occurrences(text: str, printed: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(printed)) for m in re.finditer(re.escape(printed), text)]


def _matches(exp: dict, got: Fact, text: str) -> bool:
    """Same value, unit and comparison (and vs_year where given), printed where the truth says."""
    if got.value != _value(exp["value"]) or got.unit != exp["unit"]:
        return False
    if got.comparison != exp.get("comparison"):
        return False
    if "vs_year" in exp and got.vs_year != int(exp["vs_year"]):
        return False
    return any(got.start < b and a < got.end for a, b in _occurrences(text, exp["printed"]))


def _same_reading(exp: dict, got: Fact) -> bool:
    """Metric, year, group and qualifier as the truth reads them."""
    return (got.metric == exp["metric"] and got.year == int(exp["year"])
            and got.group_value == exp.get("group_value") and got.group_by == exp.get("group_by")
            and got.qualifier == exp.get("qualifier"))


def _pair(block: Block, result: FactResult) -> tuple[list[tuple[dict, Fact | None]], list[Fact]]:
    """Match expected facts to emitted ones one-to-one; return the pairs and the unclaimed emitted facts."""
    free = list(result.facts)
    pairs = []
    for exp in block.expected:
        cands = [f for f in free if _matches(exp, f, block.text)]
        cands.sort(key=lambda f: (f.printed != exp["printed"], not _same_reading(exp, f)))
        got = cands[0] if cands else None
        if got is not None:
            free.remove(got)
        pairs.append((exp, got))
    return pairs, free


@pytest.fixture(scope="module")
def kaa_results() -> list[tuple[Block, FactResult]]:
    return [(b, extract_facts(b.text, default_year=REPORT_YEAR, context=b.heading)) for b in kaa_blocks()]


def test_kaa_file_has_facts(kaa_results):
    assert sum(len(b.expected) for b, _ in kaa_results) >= 70


def test_kaa_recall(kaa_results):
    found, total, missing = 0, 0, []
    for block, result in kaa_results:
        for exp, got in _pair(block, result)[0]:
            total += 1
            found += got is not None
            if got is None:
                missing.append((exp, block.text[:80]))
    recall = Decimal(found) / Decimal(total)
    print(f"\nKAA recall (value, unit, comparison, position): {found}/{total} = {recall:.3f}")
    assert recall >= RECALL_FLOOR, missing


def test_kaa_headline_facts_read_exactly(kaa_results):
    """Sammanfattning bullets and sections 6-7: every fact found with the truth's metric, year, group, qualifier."""
    wrong, total = [], 0
    for block, result in kaa_results:
        if block.section not in HEADLINE_SECTIONS:
            continue
        for exp, got in _pair(block, result)[0]:
            total += 1
            if got is None or not _same_reading(exp, got):
                wrong.append((exp, got))
    print(f"\nKAA headline facts read exactly: {total - len(wrong)}/{total}")
    assert total >= 60 and not wrong, wrong


def test_kaa_all_facts_read_exactly(kaa_results):
    """Outside the headline sections too (Ungvux, Studiesluss, slussplatser): measured 100 %."""
    pairs = [p for block, result in kaa_results for p in _pair(block, result)[0]]
    exact = sum(got is not None and _same_reading(exp, got) for exp, got in pairs)
    print(f"\nKAA facts read exactly (metric, year, group, qualifier): {exact}/{len(pairs)}")
    assert exact == len(pairs)


def test_kaa_printed_is_exact_where_unambiguous(kaa_results):
    """printed equals the truth's printed, except where the truth lengthened it to be unique in the text."""
    differ = []
    for block, result in kaa_results:
        for exp, got in _pair(block, result)[0]:
            if got is not None and got.printed != exp["printed"]:
                differ.append((exp["printed"], got.printed))
    assert differ == [("54 procent 2022", "54 procent")]


def test_kaa_precision(kaa_results):
    """Facts emitted over every text block of the file (with or without facts) that the truth does not list."""
    emitted = sum(len(r.facts) for _, r in kaa_results)
    extra = [f for block, result in kaa_results for f in _pair(block, result)[1]]
    precision = Decimal(emitted - len(extra)) / Decimal(emitted)
    print(f"\nKAA precision: {emitted - len(extra)}/{emitted} = {precision:.3f}")
    assert precision >= PRECISION_FLOOR, extra


def test_kaa_nothing_unmatched(kaa_results):
    """Every figure of the report is read; ages, dates, references and the 1-5 scale are not figures."""
    assert [u for _, r in kaa_results for u in r.unmatched] == []


def test_offsets_point_at_printed(kaa_results):
    for block, result in kaa_results:
        for f in result.facts:
            assert block.text[f.start:f.end] == f.printed
            assert f.sentence in block.text and f.printed in f.sentence
            assert f.unit in ("count", "percent", "score")


# ----- rule tables --------------------------------------------------------------------------------


def _one(text: str, printed: str, context: str = "") -> Fact:
    facts = [f for f in extract_facts(text, default_year=2022, context=context).facts if f.printed == printed]
    assert len(facts) == 1, extract_facts(text, default_year=2022, context=context)
    return facts[0]


@pytest.mark.parametrize("text,printed,metric,value,year,comparison,vs_year", [
    # diff: "N fler/färre än ..."
    ("Enligt BER omfattades 7154 ungdomar av KAA under 2022, vilket är 67 fler än under 2021.",
     "67 fler", "omfattade", "67", 2022, "diff_vs_2021", 2021),
    ("Under perioden har 283 ungdomar varit inskrivna, vilket är 10 personer fler än föregående år.",
     "10", "inskrivna", "10", 2022, "diff_vs_2021", 2021),
    ("Under perioden avslutades 651 ungdomar, vilket är 9 färre än 2021.",
     "9 färre", "avslutade", "-9", 2022, "diff_vs_2021", 2021),
    # increase / decrease: "en ökning med N", "minskade med N"
    ("2801 ungdomar nåddes och erbjöds stöd, en ökning med 376 personer jämfört med 2021",
     "376", "nadda", "376", 2022, "increase", 2021),
    ("5101 unika ungdomar söktes vilket är en ökning med 243 ungdomar, jämfört med 2020.",
     "243", "sokta", "243", 2022, "increase", 2020),
    ("Antalet som avslutas till arbete ökade till 140 personer, en ökning med 39 personer.",
     "39", "till_arbete", "39", 2022, "increase", 2021),
    ("Under 2022 nåddes 2801 ungdomar, antalet minskade med 12 personer.",
     "12", "nadda", "12", 2022, "decrease", 2021),
    # prior: "jämfört med N under 2021", "till skillnad från N", "(N) after än YEAR", "(N unit YEAR)", "mot N föregående år"
    ("Fler nya ungdomar skrevs in under 2022, 705 jämfört med 668 under 2021",
     "668", "nyinskrivna", "668", 2021, "prior", None),
    ("983 ungdomar tog del av stöd/insatser till skillnad från 933 under 2021",
     "933", "inskrivna", "933", 2021, "prior", None),
    ("Under perioden avslutades 651 ungdomar vilket är färre än 2021 (660).",
     "(660)", "avslutade", "660", 2021, "prior", None),
    ("Andelen som avslutas till studier är 49,9 procent (49,7 procent 2021).",
     "49,7 procent", "andel_till_studier", "49.7", 2021, "prior", None),
    ("Andelen till arbete är 21,5 procent mot cirka 17 procent föregående år.",
     "17 procent", "andel_till_arbete", "17", 2021, "prior", None),
    ("KAA nådde fler ungdomar 2022 än under 2021 (2801 jämfört med 2425 personer).",
     "2425", "nadda", "2425", 2021, "prior", None),
    # from / to
    ("Gruppen nyinskrivna ökade också från 668 till 705.", "668", "nyinskrivna", "668", 2021, "from", None),
    ("Gruppen nyinskrivna ökade också från 668 till 705.", "705", "nyinskrivna", "705", 2022, "to", None),
    ("Totalt har andelen nådda ökat från 49 procent 2021 till 54 procent 2022.",
     "49 procent", "andel_nadda", "49", 2021, "from", None),
    ("Totalt har andelen nådda ökat från 49 procent 2021 till 54 procent 2022.",
     "54 procent", "andel_nadda", "54", 2022, "to", None),
    # no comparison
    ("Antalet som avslutas till arbete ökade betydligt till 140 personer, 21,5 procent",
     "140", "till_arbete", "140", 2022, None, None),
    ("Andelen till arbete är 21,5 procent, vilket ligger över målet på 20 procent.",
     "20 procent", "mal_andel_till_arbete", "20", 2022, None, None),
    ("Under 2021 nåddes 2425 ungdomar.", "2425", "nadda", "2425", 2021, None, None),
])
def test_comparison_forms(text, printed, metric, value, year, comparison, vs_year):
    f = _one(text, printed)
    assert (f.metric, f.value, f.year, f.comparison, f.vs_year) == (metric, Decimal(value), year, comparison, vs_year)


@pytest.mark.parametrize("text,printed,metric", [
    ("Drygt 17500 olika kontaktförsök genomfördes för att försöka nå unga i registret.", "17500", "kontaktforsok"),
    ("I gruppen ej nådda fanns 2351 ungdomar.", "2351", "ej_nadda"),
    ("67 procent av ungdomarna som nåddes och som omfattades av KAA hade redan någon form av sysselsättning.",
     "67 procent", "andel_nadda_med_sysselsattning"),
    ("Andelen av de nådda ungdomarna som tog del av stöd ökade till 35 procent.", "35 procent",
     "andel_inskrivna_av_nadda"),
    ("Andelen av de sökta männen ligger på 55 procent.", "55 procent", "andel_nadda"),
    ("Totalt 172 ungdomar skrevs ut under perioden.", "172", "avslutade"),
    ("Av dessa gick cirka 75 procent eller 82 ungdomar tillbaka till studier.", "82", "till_studier"),
    ("Däremot skickades fler brev cirka 7550 stycken.", "7550", "brev"),
])
def test_metric_from_lemmas(text, printed, metric):
    assert _one(text, printed).metric == metric


@pytest.mark.parametrize("text,printed,group_by,group_value,metric", [
    ("Registret omfattade 7154 ungdomar (3329 kvinnor och 3825 män).", "3329", "gender", "Kvinna", "omfattade"),
    ("Registret omfattade 7154 ungdomar (3329 kvinnor och 3825 män).", "3825", "gender", "Man", "omfattade"),
    ("Andelen av de sökta männen ligger på 55 procent, jämfört med 54 procent av de sökta kvinnorna.",
     "54 procent", "gender", "Kvinna", "andel_nadda"),
    ("Jobbtorg Kista hade 201 inskrivna under 2022.", "201", "jobbtorg", "Kista", "inskrivna"),
])
def test_groups(text, printed, group_by, group_value, metric):
    f = _one(text, printed)
    assert (f.group_by, f.group_value, f.metric, f.comparison) == (group_by, group_value, metric, None)


def test_programme_from_sentence_earlier_sentence_or_heading():
    assert _one("Under perioden har 283 ungdomar varit inskrivna vid Aim.", "283").metric == "aim_inskrivna"
    assert _one("Totalt 172 ungdomar skrevs ut.", "172", context="7.2 Inskrivna vid Aim").metric == "aim_avslutade"
    text = "Av enkätsvaren framgår att de var nöjda. Totalt 29 personer besvarade frågorna."
    assert _one(text, "29").metric == "enkat_svarande"


def test_qualifier_and_score():
    assert _one("Drygt 17500 olika kontaktförsök genomfördes.", "17500").qualifier == "drygt"
    f = _one("Medelvärdet för samtliga 22 personer som svarade på frågan var 4,23.", "4,23")
    assert (f.unit, f.value, f.metric) == ("score", Decimal("4.23"), "medelvarde")
    assert _one("Medelvärdet för samtliga 22 personer som svarade på frågan var 4,23.", "22").unit == "count"


@pytest.mark.parametrize("text,value", [
    ("Andelen nådda var 72% under året.", "72"),
    ("Andelen nådda var 72 % under året.", "72"),
    ("Andelen nådda var 49,9 procent.", "49.9"),
])
def test_percent_prints(text, value):
    f = extract_facts(text, 2022).facts[0]
    assert (f.unit, f.value, f.metric) == ("percent", Decimal(value), "andel_nadda")


def test_grouped_thousands_and_offsets():
    text = "Enligt BER omfattades totalt 7\u00a0154 ungdomar av KAA."
    f = extract_facts(text, 2022).facts[0]
    assert f.value == 7154 and f.printed == "7\u00a0154" and text[f.start:f.end] == f.printed


@pytest.mark.parametrize("text", [
    "Kommunen har ett aktivitetsansvar för ungdomar som inte har fyllt 20 år.",
    "Projektet förstärker stödet för unga mellan 16-29 år som är inskrivna på Jobbtorg Stockholm.",
    "I den revidering av handlingsplanen för KAA (se sid. 4) fattade kommunfullmäktige beslut i juni 2022.",
    "Handlingsplanen (Dnr AmF 2021/866) reviderades under 2021.",
    "Statistiken avser perioden 1 december 2021 till 31 november 2022.",
    "På en skala från 1-5 svarade de flesta att de var nöjda.",
    "KAA väntar två veckor innan uppsöksarbetet påbörjas.",
    "Aim startade 2013 som en del av KAA.",
    "Läsåret 2022/2023 anordnas särskilda utbildningsplatser.",
    "Syftet är att 1) nå målgruppen, 2) stärka samverkan.",
    "2021 nåddes totalt en större andel av de sökta männen än av de sökta kvinnorna.",
    "",
])
def test_not_figures(text):
    assert extract_facts(text, 2022) == FactResult([], [])


@pytest.mark.parametrize("text,facts", [
    ("Idag är 412 organisationer medlemmar och fler tillkommer stadigt.", 0),  # no cue for 'organisationer'
    ("Projektets budget är 24,2 mkr.", 0),  # amounts are out of scope here
    ("Grupperna hade mellan 10-15 deltagare.", 0),  # a range is not one figure
    ("Vuxenutbildningen har 80 % upphandlade anordnare.", 0),
    ("Totalt 29 personer besvarade enkäten. Idag är 412 organisationer medlemmar.", 1),
])
def test_unmatched_sentences_are_reported(text, facts):
    result = extract_facts(text, 2022)
    assert len(result.facts) == facts
    assert len(result.unmatched) == 1 and result.unmatched[0] in text
    assert re.search(r"[0-9]", result.unmatched[0])


def test_without_default_year():
    result = extract_facts("Gruppen nyinskrivna ökade från 668 till 705.")
    assert [(f.value, f.year) for f in result.facts] == [(668, None), (705, None)]
    f = extract_facts("Under perioden har 283 ungdomar varit inskrivna, vilket är 10 personer fler.").facts[1]
    assert (f.comparison, f.vs_year) == ("diff", None)


# ----- robustness ---------------------------------------------------------------------------------

_WORDS = ["ungdomar", "nåddes", "söktes", "procent", "%", "(", ")", ",", ".", "fler", "färre", "än", "från",
          "till", "jämfört", "med", "mot", "ökning", "2021", "2022", "år", "kvinnor", "män", "Aim", "sid.",
          "1-5", "16-29", "december", "ca", "drygt", "studier", "arbete", "\n", "7\u00a0154", "49,9", "(660)",
          "av", "de", "sökta", "som", "målet", "på", "föregående", "varav", "1)", "mkr"]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_random_text_never_raises(text):
    result = extract_facts(text, 2022, context=text[:20])
    for f in result.facts:
        assert text[f.start:f.end] == f.printed


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_WORDS), st.integers(0, 99999).map(str)), max_size=40),
       st.one_of(st.none(), st.integers(1900, 2100)))
def test_random_report_like_text_never_raises(words, year):
    text = " ".join(words)
    result = extract_facts(text, year)
    for f in result.facts:
        assert text[f.start:f.end] == f.printed and f.unit in ("count", "percent", "score")


@pytest.mark.parametrize("path", sorted((ROOT / "samples" / "source").glob("*/*.yaml")), ids=lambda p: p.name)
def test_every_sample_paragraph_is_read_without_error(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    blocks = data.get("blocks", []) if isinstance(data, dict) else []
    for b in blocks:
        if isinstance(b, dict) and isinstance(b.get("paragraph"), str):
            result = extract_facts(b["paragraph"], 2022)
            assert all(b["paragraph"][f.start:f.end] == f.printed for f in result.facts)


# ----- labelled fields ----------------------------------------------------------------------------


def test_project_block_fields():
    got = extract_labelled_fields([
        ("Projektets budget:", "24,2 miljoner kr"),
        ("Nämndens medfinansiering:", "12,8 mkr"),
        ("Start- och avslutsdatum:", "februari 2021 – april 2023"),
        ("Ansvarig avdelning:", "Utveckling- och utredningsstaben"),
        ("Samarbetsparter:", "Utbildningsförvaltningen, Socialförvaltningen och Rädda Barnen"),
        ("Finansiär:", "Europeiska socialfonden (ESF)"),
    ])
    assert set(got) == {"budget", "cofinancing", "period", "department", "partners", "funder"}
    assert isinstance(got["budget"].value, Amount) and got["budget"].value.value == Decimal("24200000")
    assert got["budget"].printed == "24,2 miljoner kr" and got["budget"].label == "Projektets budget:"
    assert got["cofinancing"].value.value == Decimal("12800000")
    assert isinstance(got["period"].value, Period)
    assert (got["period"].value.start_month, got["period"].value.end_month) == ("2021-02", "2023-04")
    assert got["department"].value == "Utveckling- och utredningsstaben"
    assert got["partners"].value == ("Utbildningsförvaltningen", "Socialförvaltningen", "Rädda Barnen")
    assert got["funder"].value == "Europeiska socialfonden (ESF)"
    assert all(f.error is None for f in got.values())


@pytest.mark.parametrize("label,field", [
    ("Budget", "budget"), ("PROJEKTBUDGET:", "budget"), ("Projektets budget :", "budget"),
    ("Storlek på budget (inräknat arbetstid och medel för drift)", "budget"),
    ("Medfinansiering", "cofinancing"), ("nämndens medfinansiering:", "cofinancing"),
    ("Projektperiod:", "period"), ("Start och avslutsdatum:", "period"), ("Start- och avslutsdatum", "period"),
    ("Tidplan", "period"), ("Ansvarig avdelning", "department"), ("Projektägare:", "department"),
    ("Samarbetspartners (Interna och Externa)", "partners"), ("Samverkansparter:", "partners"),
    ("Finansieringen (intern och/eller extern)", "funder"), ("Finansiär:", "funder"),
    ("Kontaktperson", None), ("Telefon nr:", None),
])
def test_label_spellings(label, field):
    assert field_for_label(label) == field


@pytest.mark.parametrize("printed,sek,defaulted", [
    ("0 kr", "0", False), ("0", "0", True), ("761 742", "761742", True), ("7, 8 miljoner kr", "7800000", False),
    ("761 tkr", "761000", False), ("17,7  mkr", "17700000", False),
])
def test_budget_amounts(printed, sek, defaulted):
    f = extract_labelled_fields([("Projektets budget:", printed)])["budget"]
    assert f.error is None and f.value.value == Decimal(sek) and f.value.unit_defaulted is defaulted


def test_unparsable_values_are_kept_as_text_with_the_error():
    got = extract_labelled_fields([("Nämndens medfinansiering:", "1 dukat"), ("Projektperiod:", "snart"),
                                   ("Budget:", "")])
    assert got["cofinancing"].value == "1 dukat" and "unknown unit" in got["cofinancing"].error
    assert got["period"].value == "snart" and got["period"].error
    assert got["budget"].value is None and got["budget"].error == "empty value"


def test_unknown_budget_and_undecided_period():
    got = extract_labelled_fields([("Budget:", "okänt"), ("Projektperiod:", "Inte bestämt")])
    assert got["budget"].value.unknown and got["budget"].error is None
    assert got["period"].value.undecided


def test_unknown_and_repeated_labels_are_kept():
    got = extract_labelled_fields([("Kontaktperson:", "Lisa Alm"), ("Budget:", "2 mkr"), ("Budget:", "3 mkr")])
    assert got["unknown:kontaktperson"].value == "Lisa Alm" and got["unknown:kontaktperson"].field == "unknown"
    assert got["budget"].value.value == Decimal("2000000") and got["budget#2"].value.value == Decimal("3000000")


def test_department_line_naming_a_partner():
    printed = "Jobbtorg Stockholm; projektet samverkar med utbildningsförvaltningen."
    got = extract_labelled_fields([("Projektägare", printed)])
    assert got["department"].printed == "Jobbtorg Stockholm"
    assert got["partners"].value == ("utbildningsförvaltningen",) and got["partners"].label == "Projektägare"


PROJEKTBILAGOR = [ROOT / "samples" / "source" / "vb" / "110_projektbilaga.yaml",
                  ROOT / "samples" / "source" / "vp" / "120_projektbilaga.yaml"]


def _record_lines(record: dict) -> list[tuple[str, str]]:
    """The labelled lines of a record; a value cut by a page break is joined, running text is skipped."""
    out = []
    for entry in record.get("lines") or []:
        if isinstance(entry, list) and entry[0]:
            value = entry[1] if isinstance(entry[1], str) else " ".join(entry[1])
            out.append((entry[0], value))
    return out


@pytest.mark.parametrize("path", [p for p in PROJEKTBILAGOR if p.exists()], ids=lambda p: p.parent.name)
def test_projektbilaga_fields_match_the_truth(path):
    """Every field the transcription reads from a label (budget, cofinancing, period, department, partners)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    records = [b["record"] for b in data["blocks"] if isinstance(b, dict) and "record" in b]
    checked, errors = 0, []
    for record in records:
        got = extract_labelled_fields(_record_lines(record))
        fields = record.get("fields") or {}
        for key in ("budget", "cofinancing", "period", "department", "partners"):
            if key not in fields or key == "partners" and fields.get("partners_source") != "label":
                continue
            checked += 1
            assert got[key].printed == fields[key], (record["name"], key)
        errors += [(record["name"], k, f.printed) for k, f in got.items() if f.error]
    assert checked >= 80
    # every labelled amount and period of both lists parses
    assert errors == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=30), st.text(max_size=30)), max_size=6))
def test_labelled_fields_never_raise(lines):
    got = extract_labelled_fields(lines)
    assert len(got) >= len(lines)


def test_a_count_that_looks_like_a_year_is_a_count_when_compared_as_more_or_fewer():
    # a layout variant scales the VB's "ca 1000 fler än 2021" to 2000: still a difference, not the year 2000
    text = ("Under 2022 gjordes drygt 35000 kontaktförsök för att försöka nå unga i registret, vilket är ca 2000 "
            "fler än 2021.")
    facts = [(f.metric, f.value, f.printed, f.year, f.comparison, f.qualifier)
             for f in extract_facts(text, default_year=2022).facts]
    assert ("kontaktforsok", Decimal("2000"), "2000 fler", 2022, "diff_vs_2021", "ca") in facts
    assert [f.year for f in extract_facts("Sedan 2019 har antalet ökat.", default_year=2022).facts] == []


@pytest.mark.parametrize("text, want", [
    ("Fler nya ungdomar skrevs in under 2022, 2115 jämfört med 2004 under 2021.",
     ("nyinskrivna", Decimal("2004"), "2004", 2021, "prior")),
    ("Under perioden avslutades 1953 ungdomar vilket är färre än 2021 (1980).",
     ("avslutade", Decimal("1980"), "(1980)", 2021, "prior")),
])
def test_a_count_that_looks_like_a_year_is_a_count_when_set_against_a_year(text, want):
    facts = [(f.metric, f.value, f.printed, f.year, f.comparison) for f in extract_facts(text, default_year=2022).facts]
    assert want in facts


def test_a_from_to_pair_with_one_end_no_year_is_two_counts():
    # layout variant 3 scales "från 668 till 705" by 3: "från 2004 till 2115" (2115 is no year, so 2004 is none)
    for text, want in [("Gruppen nyinskrivna ökade också från 2004 till 2115.", ["2004", "2115"]),
                       ("Gruppen nyinskrivna ökade också från 668 till 2004.", ["668", "2004"])]:
        facts = extract_facts(text, default_year=2022).facts
        assert [(f.metric, f.printed, f.year, f.comparison) for f in facts] == [
            ("nyinskrivna", want[0], 2021, "from"), ("nyinskrivna", want[1], 2022, "to")]
    # two years are a span of years, not figures
    assert extract_facts("Gruppen nyinskrivna ökade från 1980 till 2004.", default_year=2022).facts == []


def test_years_stay_years_next_to_brackets_and_under():
    for text in ("Sedan 2019 har antalet ökat, se rapporten (2021).", "Arbetet startade 2019 under 2020 års plan."):
        assert extract_facts(text, default_year=2022).facts == []
