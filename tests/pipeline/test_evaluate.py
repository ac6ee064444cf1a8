from decimal import Decimal

import pytest

from extractors.sheets import ControlSum
from pipeline.cli import main
from pipeline.evaluate import (combine, evaluate_document, evaluate_variants, format_report, score_table,
                               seeds_from_text)


def test_matching_by_key_and_field_accuracy():
    truth = [{"risk_no": 1, "event": "A", "risk_value": 6, "page": 14},
             {"risk_no": 2, "event": "B", "risk_value": 4, "page": 14},
             {"risk_no": None, "event": "Unnumbered", "risk_value": None, "page": 18}]
    got = [{"risk_no": 1, "event": "A ", "risk_value": 6, "page": 14},
           {"risk_no": 2, "event": "B", "risk_value": 9, "page": 14},
           {"risk_no": 7, "event": "extra", "risk_value": 1, "page": 15}]
    s = score_table("risks", truth, got)
    assert (s.truth_rows, s.extracted_rows, s.matched_rows) == (3, 3, 2)
    assert s.fields["risk_value"].correct == 1 and s.fields["event"].correct == 2
    assert any(m["field"] == "(row)" and m["extracted"] == "extra" for m in s.mismatches)
    assert any(m["field"] == "(row)" and m["extracted"] == "missing" for m in s.mismatches)


def test_numbers_compare_exactly_as_decimals():
    truth = [{"statement": "BR", "account": "1210", "column_key": "ib", "value_sek": "1478000.00", "page": 1}]
    assert score_table("accounts", truth, [{**truth[0], "value_sek": Decimal("1478000")}]).fields["value_sek"].correct == 1
    assert score_table("accounts", truth, [{**truth[0], "value_sek": Decimal("1478000.01")}]).fields["value_sek"].correct == 0


def test_repeated_keys_are_told_apart_by_order():
    truth = [{"sheet": "S", "label": "Jobbtorg", "column_key": "c1", "value_sek": "1", "page": 1},
             {"sheet": "S", "label": "Jobbtorg", "column_key": "c1", "value_sek": "2", "page": 1}]
    s = score_table("budget_lines", truth, list(truth))
    assert s.matched_rows == 2 and s.field_accuracy == 1.0
    report = format_report(combine([{"budget_lines": s}]))
    assert "budget_lines" in report


def test_a_sheet_of_figures_is_scored_figure_by_figure():
    """Reconciliation and control sheets print rows with a figure per column; their records are one figure each,
    so the truth row is read as its figures (headings carry none), each with its own page."""
    truth = {"tables": {"control_sums": [
        {"label": "Kontroll konto 49xx", "row_kind": "heading", "page": 39},
        {"account": "4901", "label": "Preliminärt kostnadsförda fakturor", "amount": "0,00", "page": 39,
         "_provenance": {"amount": {"page": 40}}},
        {"label": "Summa", "amount": "1\u00a0200,50", "diff": "-3,00", "page": 41}]}}

    def fig(label, account, column_key, printed, page):
        return ControlSum(label=label, account=account, column_key=column_key, value_sek=None,
                          value_printed=printed, page=page)

    got = [fig("Preliminärt kostnadsförda fakturor", "4901", "amount", "0,00", 40),
           fig("Summa", None, "amount", "1 200,50", 41), fig("Summa", None, "diff", "-3,01", 41)]
    s = evaluate_document(got, truth, entities=["control_sums"])["control_sums"]
    assert (s.truth_rows, s.extracted_rows, s.matched_rows) == (3, 3, 3)
    assert [(m["key"][2], m["truth"], m["extracted"]) for m in s.mismatches] == [("diff", "-3,00", "-3,01")]


def test_seeds_from_text_reads_ranges_and_lists():
    assert seeds_from_text("11-13") == [11, 12, 13]
    assert seeds_from_text("1-3,7, 2") == [1, 2, 3, 7]
    for bad in ("x", "1-x", "-3"):
        with pytest.raises(ValueError):
            seeds_from_text(bad)


@pytest.mark.slow
def test_a_rendered_variant_is_scored_against_its_own_truth(capsys):
    # seed 19 stacks account numbers one digit per line in a narrow account column
    scores = evaluate_variants([19], ["accounts", "risks"])
    assert (scores["risks"].truth_rows, scores["risks"].matched_rows) == (66, 66)
    acc = scores["accounts"]
    assert (acc.truth_rows, acc.extracted_rows, acc.matched_rows) == (1858, 1858, 1858) and acc.mismatches == []
    assert main(["eval", "--variants", "nine"]) == 2 and "not a seed" in capsys.readouterr().err
