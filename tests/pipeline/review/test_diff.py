"""The diff between two extractions of a document: rows matched by natural key, field changes with printed forms."""
from __future__ import annotations

from decimal import Decimal

from pipeline.review.diff import FieldSource, Row, RowRef, diff_rows, keyed, summarise


def risk(run: str, row_no: int, risk_no: int | None, probability: int, page: int = 4, printed: str | None = None,
         event: str = "Brister i rutiner") -> Row:
    bbox = (50.0, 100.0 + 20 * row_no, 500.0, 118.0 + 20 * row_no)
    prov = {"probability": FieldSource(page, (300.0, bbox[1], 310.0, bbox[3]), printed or str(probability))}
    return Row("risks", RowRef(run, "d1", row_no, page, bbox),
               {"risk_no": risk_no, "event": event, "probability": probability, "consequence": 3,
                "risk_value": probability * 3}, prov)


def budget(run: str, row_no: int, label: str, value: str, printed: str, line_no: int, page: int = 9) -> Row:
    return Row("budget_lines", RowRef(run, "d1", row_no, page, (400.0, 200.0, 450.0, 210.0)),
               {"sheet": "Budget 2022", "line_no": line_no, "label": label, "parent_label": None, "column_key": "budget",
                "column_label": "Budget", "value_sek": Decimal(value), "value_printed": printed, "unit": "Mnkr"})


OLD = [risk("a", 1, 1, 2), risk("a", 2, 2, 3), risk("a", 3, 3, 4)]


def by_key(diffs):
    return {(d.entity, d.key): d for d in diffs}


def test_identical_extractions_have_no_differences():
    diffs = diff_rows(OLD, [risk("b", i, n, p) for i, n, p in ((1, 1, 2), (2, 2, 3), (3, 3, 4))])
    assert [d.status for d in diffs] == ["unchanged"] * 3
    assert not any(d.fields or d.moved for d in diffs)


def test_added_removed_and_changed_rows_field_by_field_with_printed_forms_on_both_sides():
    new = [risk("b", 1, 1, 2), risk("b", 2, 2, 5, printed="5. Mycket sannolikt"), risk("b", 3, 4, 1)]
    d = by_key(diff_rows(OLD, new))
    assert d[("risks", "risk_no=3")].status == "removed"
    assert d[("risks", "risk_no=4")].status == "added"
    changed = d[("risks", "risk_no=2")]
    assert changed.status == "changed"
    assert [(c.field, c.kind, c.old, c.new) for c in changed.fields] == [
        ("probability", "value", 3, 5), ("risk_value", "value", 9, 15)]
    prob = changed.fields[0]
    assert (prob.old_source.printed, prob.new_source.printed) == ("3", "5. Mycket sannolikt")
    assert prob.old_source.page == prob.new_source.page == 4 and prob.new_source.bbox is not None
    assert (changed.old.ref.run_id, changed.new.ref.run_id) == ("a", "b")
    assert [(s.added, s.removed, s.changed, s.unchanged) for s in summarise(d.values())] == [(1, 1, 1, 1)]


def test_reordered_rows_are_not_changes():
    new = [risk("b", 1, 3, 4), risk("b", 2, 1, 2), risk("b", 3, 2, 3)]
    diffs = diff_rows(OLD, new)
    assert {d.status for d in diffs} == {"unchanged"}
    assert not any(d.fields for d in diffs)


def test_a_row_that_moved_page_is_moved_not_changed():
    new = [risk("b", 1, 1, 2), risk("b", 2, 2, 3), risk("b", 3, 3, 4, page=5)]
    d = by_key(diff_rows(OLD, new))[("risks", "risk_no=3")]
    assert (d.status, d.moved, d.fields) == ("unchanged", True, ())
    assert (d.old.ref.page, d.new.ref.page) == (4, 5)


def test_a_figure_whose_printed_form_changed_but_not_its_value_needs_no_review():
    old = [budget("a", 1, "Kostnader", "1163600000", "1 163,6", 1)]
    new = [budget("b", 1, "Kostnader", "1163600000.0000", "1163,60", 1)]
    (d,) = diff_rows(old, new)
    assert d.status == "unchanged"
    assert [(c.field, c.kind, c.old, c.new) for c in d.fields] == [("value_printed", "form", "1 163,6", "1163,60")]
    assert d.value_changes == []


def test_a_value_change_carries_its_printed_form_with_it():
    old = [budget("a", 1, "Netto", "5000000", "5,0", 3)]
    new = [budget("b", 1, "Netto", "6000000", "6,0", 3)]
    (d,) = diff_rows(old, new)
    assert d.status == "changed"
    assert [(c.field, c.kind) for c in d.fields] == [("value_sek", "value")]


def test_a_budget_line_that_moved_within_its_sheet_is_matched_by_label_not_position():
    old = [budget("a", 1, "Kostnader", "10", "10", 1), budget("a", 2, "Intäkter", "-4", "-4", 2)]
    new = [budget("b", 1, "Intäkter", "-4", "-4", 1), budget("b", 2, "Kostnader", "10", "10", 2)]
    diffs = diff_rows(old, new)
    assert [d.status for d in diffs] == ["unchanged", "unchanged"]
    assert all(d.moved for d in diffs)


def test_a_printed_form_in_provenance_only_is_a_form_change():
    new = [risk("b", 1, 1, 2, printed="2. Mindre sannolikt"), risk("b", 2, 2, 3), risk("b", 3, 3, 4)]
    d = by_key(diff_rows(OLD, new))[("risks", "risk_no=1")]
    assert d.status == "unchanged"
    assert [(c.field, c.kind) for c in d.fields] == [("probability", "form")]


def test_unnumbered_rows_fall_back_to_their_event_and_duplicates_match_whatever_their_order():
    old = [risk("a", 1, None, 2, event="A"), risk("a", 2, None, 3, event="B")]
    new = [risk("b", 1, None, 3, event="B"), risk("b", 2, None, 2, event="A")]
    assert {d.status for d in diff_rows(old, new)} == {"unchanged"}
    dup_old = [risk("a", 1, 7, 2), risk("a", 2, 7, 3)]
    dup_new = [risk("b", 1, 7, 3), risk("b", 2, 7, 2)]
    assert {d.status for d in diff_rows(dup_old, dup_new)} == {"unchanged"}
    assert set(k for _, k in keyed(dup_new)) == {"risk_no=7", "risk_no=7 #2"}


def test_fields_under_an_override_are_left_out():
    new = [risk("b", 1, 1, 2), risk("b", 2, 2, 5), risk("b", 3, 3, 4)]
    d = by_key(diff_rows(OLD, new, {("risks", "risk_no=2"): frozenset({"probability", "risk_value"})}))
    assert d[("risks", "risk_no=2")].status == "unchanged"
