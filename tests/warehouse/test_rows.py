"""Records to rows: nothing is rounded, nothing is dropped, nothing fails the load."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest

from pipeline.records import BudgetLine, Problem, Project, Provenance, Record, RiskRow
from warehouse.rows import (CHECKS, Column, Unfit, check_for, column_fitter, fit, fit_decimal, plain, problem_rows,
                            record_rows, run_table)

COLS = {
    "run_budget_lines": {n: Column(n, t, nullable) for n, t, nullable in [
        ("run_id", "VARCHAR", False), ("doc_id", "VARCHAR", False), ("row_no", "INTEGER", False),
        ("sheet", "VARCHAR", False), ("line_no", "INTEGER", False), ("label", "VARCHAR", False),
        ("parent_label", "VARCHAR", True), ("column_key", "VARCHAR", False), ("column_label", "VARCHAR", False),
        ("value_sek", "DECIMAL(20,4)", True), ("value_printed", "VARCHAR", False), ("unit", "VARCHAR", True),
        ("page", "INTEGER", True), ("bbox", "DOUBLE[4]", True), ("extra", "JSON", True)]},
    "run_risks": {n: Column(n, t) for n, t in [
        ("run_id", "VARCHAR"), ("doc_id", "VARCHAR"), ("row_no", "INTEGER"), ("risk_no", "INTEGER"),
        ("probability", "INTEGER"), ("consequence", "INTEGER"), ("risk_value", "INTEGER"),
        ("in_control_plan", "BOOLEAN"), ("page", "INTEGER"), ("bbox", "DOUBLE[4]"), ("extra", "JSON")]},
    "run_other_records": {n: Column(n, t) for n, t in [
        ("run_id", "VARCHAR"), ("doc_id", "VARCHAR"), ("entity", "VARCHAR"), ("row_no", "INTEGER"),
        ("page", "INTEGER"), ("bbox", "DOUBLE[4]"), ("payload", "JSON")]},
    "run_provenance": {n: Column(n, t) for n, t in [
        ("run_id", "VARCHAR"), ("doc_id", "VARCHAR"), ("entity", "VARCHAR"), ("row_no", "INTEGER"),
        ("field", "VARCHAR"), ("page", "INTEGER"), ("bbox", "DOUBLE[4]"), ("printed", "VARCHAR")]},
}


def line(value, **kw) -> BudgetLine:
    base = dict(sheet="S", line_no=1, label="Kostnader", parent_label=None, column_key="c1", column_label="Budget",
                value_sek=value, value_printed="1 163,6", unit="Mnkr", page=24, bbox=(1.0, 2.0, 3.0, 4.0))
    return BudgetLine(**{**base, **kw})


def test_money_is_exact_or_refused():
    assert fit_decimal(Decimal("1163600000.0"), 20, 4) == Decimal("1163600000.0000")
    assert fit_decimal(5, 20, 4) == Decimal(5)
    for bad in (Decimal("0.00001"), 1.5, Decimal("NaN"), Decimal("1e17"), True, "12"):
        with pytest.raises(Unfit):
            fit_decimal(bad, 20, 4)


def test_values_fit_their_column_type_losslessly():
    assert fit(3, "VARCHAR") == "3" and fit(Decimal("2"), "INTEGER") == 2
    assert fit((1, 2, 3, 4), "DOUBLE[4]") == (1.0, 2.0, 3.0, 4.0)
    assert fit([6, 7], "INTEGER[]") == [6, 7]
    for value, type_name in [(Decimal("2.5"), "INTEGER"), (True, "INTEGER"), ("Ja", "BOOLEAN"),
                             ((1, 2, 3), "DOUBLE[4]"), (1.5, "VARCHAR"), (["a"], "INTEGER[]")]:
        with pytest.raises(Unfit):
            fit(value, type_name)


def test_a_record_becomes_a_row_and_its_provenance():
    rec = line(Decimal("1163600000.0"),
               provenance={"value_sek": Provenance(24, (1.0, 2.0, 3.0, 4.0), "1 163,6"),
                           "label": Provenance(24, None, "Kostnader")})
    out = record_rows([rec, line(Decimal("1"))], COLS, "r1", "d1")
    [row1, row2] = out.tables["run_budget_lines"]
    assert row1["row_no"] == 1 and row2["row_no"] == 2
    assert row1["value_sek"] == Decimal("1163600000.0000") and row1["bbox"] == (1.0, 2.0, 3.0, 4.0)
    assert row1["extra"] is None and out.problems == [] and out.records == 2
    prov = {r["field"]: r for r in out.tables["run_provenance"]}
    assert prov["value_sek"]["printed"] == "1 163,6" and prov["value_sek"]["row_no"] == 1
    assert prov["label"]["bbox"] is None and prov["label"]["entity"] == "budget_lines"


def test_an_unfit_value_is_nulled_kept_and_said():
    risk = RiskRow(risk_no=7, goal_code=None, goal=None, process=None, working_method=None, event="x",
                   probability=7, probability_label=None, consequence=3, consequence_label=None, risk_value=21,
                   in_control_plan="Ja", page=0)
    out = record_rows([risk], COLS, "r1", "d1")
    [row] = out.tables["run_risks"]
    assert row["probability"] is None and row["in_control_plan"] is None and row["page"] is None
    assert row["consequence"] == 3 and row["risk_value"] == 21
    extra = json.loads(row["extra"])
    assert extra["rejected"] == {"probability": 7, "in_control_plan": "Ja", "page": 0}
    assert set(extra["unmapped"]) == {"goal_code", "goal", "process", "working_method", "event", "probability_label",
                                      "consequence_label"}
    messages = " | ".join(p.message for p in out.problems)
    assert "probability (sannolikhet) is 1-5" in messages and "true/false expected" in messages


def test_float_money_is_refused_not_rounded():
    out = record_rows([line(0.1)], COLS, "r1", "d1")
    assert out.tables["run_budget_lines"][0]["value_sek"] is None
    assert "exact number expected" in out.problems[0].message


def test_a_row_missing_a_required_value_is_kept_whole_elsewhere():
    out = record_rows([line(Decimal(1), label=None)], COLS, "r1", "d1")
    assert "run_budget_lines" not in out.tables
    [other] = out.tables["run_other_records"]
    assert other["entity"] == "budget_lines" and json.loads(other["payload"])["value_sek"] == "1"
    assert "lacks required label" in out.problems[0].message


def test_an_entity_without_a_table_is_kept_whole():
    class Novel(Record):
        ENTITY = "novelties"

    out = record_rows([Novel(page=3), Novel(page=4)], COLS, "r1", "d1")
    assert [(o["entity"], o["row_no"], o["page"]) for o in out.tables["run_other_records"]] == [
        ("novelties", 1, 3), ("novelties", 2, 4)]
    [problem] = out.problems
    assert problem.message.startswith("2 rows of 'novelties', which has no warehouse table yet")


def test_problem_rows_are_numbered_by_stage():
    rows = problem_rows("r1", "d1", [Problem(3, "vor", "x")], [Problem(None, None, "y")], [])
    assert [(r["problem_no"], r["stage"], r["page"]) for r in rows] == [(1, "extraction", 3), (2, "link", None)]


def test_plain_keeps_decimals_exact():
    p = Project(list="projektbilaga", item_no=None, name="n", project_key="n", budget_sek=Decimal("0.10"))
    assert plain(p.values())["budget_sek"] == "0.10"
    assert run_table("risks") == "run_risks"


def test_every_check_has_a_violating_example():
    for key, check in CHECKS.items():
        assert not check.test(check.bad), key


def test_a_column_fitter_gives_what_fit_and_the_check_give():
    values = [None, "x", "", "2022-05", "2022", "tillräcklig", 0, 1, 3, 7, -1, True, False, 2.5, 1.0,
              Decimal("2"), Decimal("2.5"), Decimal("0.00001"), Decimal("NaN"), (1.0, 2.0, 3.0, 4.0), (1, 2, 3, 4),
              (1.0, 2.0, 3.0), [1.0, 2.0, 3.0, 4.0], (1.0, True, 3.0, 4.0), [6, 7], ("a",), {"k": Decimal("1.5")}]
    columns = [Column(n, t) for n, t in [("label", "VARCHAR"), ("page", "INTEGER"), ("probability", "INTEGER"),
                                         ("value_sek", "DECIMAL(20,4)"), ("bbox", "DOUBLE[4]"), ("performed", "BOOLEAN"),
                                         ("candidate_risk_nos", "INTEGER[]"), ("extra", "JSON"),
                                         ("start_month", "VARCHAR"), ("assessment", "VARCHAR")]]

    def reference(table: str, col: Column, value):
        try:
            v = fit(value, col.type)
            check = check_for(table, col.name)
            if v is not None and check is not None and not check.test(v):
                return "unfit", f"{v!r} breaks the rule: {check.says}"
            return "ok", v
        except Unfit as exc:
            return "unfit", str(exc)

    for table in ("run_projects", "run_control_assessments", "run_risks"):
        for col in columns:
            fitter = column_fitter(table, col)
            for value in values:
                try:
                    got = "ok", fitter(value)
                except Unfit as exc:
                    got = "unfit", str(exc)
                want = reference(table, col, value)
                assert repr(got) == repr(want), (table, col, value)
