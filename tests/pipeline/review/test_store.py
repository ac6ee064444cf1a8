"""Queueing a run's changes against the published state and applying stewards' decisions to it."""
from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.review.store import (ReviewError, bulk_accept, decide, lift_override, list_changes, queue_changes,
                                   standing_overrides, table_digest)
from tests.pipeline.review.conftest import VP, changes_by_key, perturb, query, run_at
from pipeline.records import Provenance, Record
from tests.warehouse.truth_run import doc_id_of, load_truths, truth_run
from warehouse.load import publish_run
from warehouse.snapshot import writing

VP_ID = doc_id_of(load_truths()[VP])


def pending(path: Path) -> dict[tuple[str, str | None], object]:
    return changes_by_key(path, status="pending")


def test_the_first_version_is_the_baseline_published_by_system(warehouse):
    rows = query(warehouse, "SELECT run_id, basis, reviewer, reason, changes_queued FROM publications WHERE run_id = 'r1'")
    assert {r[1:] for r in rows} == {("baseline", "system", "first version", 0)}
    assert len(rows) == 2
    assert query(warehouse, "SELECT count(*) FROM run_risks WHERE run_id = 'r1'") == [(66,)]


def test_a_reextraction_queues_changed_added_and_removed_values_and_carries_the_rest(warehouse):
    p = pending(warehouse)
    assert sorted((k, f, c.kind) for (k, f), c in p.items() if k.startswith("risk_no")) == [
        ("risk_no=3", "probability", "changed"), ("risk_no=5", "consequence", "changed"),
        ("risk_no=65", None, "removed"), ("risk_no=99", None, "added")]
    budget = [c for c in p.values() if c.entity == "budget_lines"]
    assert len(budget) == 1 and budget[0].field == "value_sek"
    assert len(p) == 5  # nothing else: the reversed order is not a change
    # the published view shows the accepted (old) values until a steward decides
    assert query(warehouse, "SELECT count(*) FROM risks WHERE doc_id = ?", [VP_ID]) == [(66,)]
    assert query(warehouse, "SELECT count(*) FROM risks WHERE risk_no = 99") == [(0,)]
    old_p3 = query(warehouse, "SELECT probability FROM run_risks WHERE run_id = 'r1' AND risk_no = 3")
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == old_p3
    # unchanged rows carry over to the new run with its provenance; the removed row stays with the old one
    assert query(warehouse, "SELECT run_id, count(*) FROM risks WHERE doc_id = ? GROUP BY 1 ORDER BY 1", [VP_ID]) == [
        ("r1", 1), ("r2", 65)]
    # every published row keeps run_id / row_no, and provenance joins on them
    missing = query(warehouse, "SELECT count(*) FROM risks r WHERE NOT EXISTS (SELECT 1 FROM provenance p WHERE "
                           "p.doc_id = r.doc_id AND p.run_id = r.run_id AND p.row_no = r.row_no AND p.entity = 'risks')")
    assert missing == [(0,)]
    c = p[("risk_no=3", "probability")]
    assert c.old_page and c.new_page and c.old_bbox and c.new_bbox and c.old_printed and c.new_printed
    summary = query(warehouse, "SELECT basis, changes_queued FROM publications WHERE run_id = 'r2' AND doc_id = ?", [VP_ID])
    assert summary == [("reextraction", 5)]


def test_queue_changes_is_idempotent(warehouse):
    with writing(warehouse) as snap:
        again = queue_changes(snap.con, "r2")
        snap.publish = True
    assert again.documents == () and again.pending_changes == 0
    assert len(pending(warehouse)) == 5


def decide_(path, change, decision, value=None, comment="ok"):
    with writing(path) as snap:
        d = decide(snap.con, change.change_id, decision, "Anna Steward", comment, value)
        snap.publish = True
    return d


def test_accept_publishes_the_new_value_with_its_provenance(warehouse):
    c = pending(warehouse)[("risk_no=3", "probability")]
    decide_(warehouse, c, "accept")
    new = query(warehouse, "SELECT probability FROM run_risks WHERE run_id = 'r2' AND risk_no = 3")
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == new
    assert str(new[0][0]) == c.new_value
    row = query(warehouse, "SELECT d.decision, d.reviewer, d.old_value, d.new_value, d.entity, d.entity_key, d.field, "
                       "d.run_id, d.comment FROM review_decisions d")
    assert row == [("accept", "Anna Steward", c.old_value, c.new_value, "risks", "risk_no=3", "probability", "r2", "ok")]
    assert ("risk_no=3", "probability") not in pending(warehouse)


def test_reject_keeps_the_published_value(warehouse):
    c = pending(warehouse)[("risk_no=5", "consequence")]
    before = query(warehouse, "SELECT consequence FROM risks WHERE risk_no = 5")
    decide_(warehouse, c, "reject", comment="misread")
    assert query(warehouse, "SELECT consequence FROM risks WHERE risk_no = 5") == before
    assert query(warehouse, "SELECT decision FROM review_decisions") == [("reject",)]
    with pytest.raises(ReviewError, match="rejected"):
        decide_(warehouse, c, "accept")


def test_accepting_an_added_and_a_removed_row(warehouse):
    p = pending(warehouse)
    decide_(warehouse, p[("risk_no=99", None)], "accept")
    decide_(warehouse, p[("risk_no=65", None)], "accept")
    assert query(warehouse, "SELECT count(*) FROM risks WHERE risk_no = 99") == [(1,)]
    assert query(warehouse, "SELECT count(*) FROM risks WHERE risk_no = 65") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM provenance WHERE entity = 'risks' AND run_id = 'r1'") == [(0,)]


def test_an_override_is_validated_published_survives_reextraction_and_can_be_lifted(warehouse):
    c = pending(warehouse)[("risk_no=3", "probability")]
    with pytest.raises(ReviewError, match="1-5"):
        decide_(warehouse, c, "override", "7")
    with pytest.raises(ReviewError, match="inte ett tal"):
        decide_(warehouse, c, "override", "tre")
    with pytest.raises(ReviewError, match="krävs"):
        decide_(warehouse, c, "override", " ")
    d = decide_(warehouse, c, "override", "1", comment="printed 1 in the signed original")
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == [(1,)]
    assert query(warehouse, "SELECT decision, override_value FROM review_decisions") == [("override", "1")]
    # a later re-extraction (same values as r2) does not re-queue the field and keeps the override
    publish_run(warehouse, run_at("r3", 3, perturb, "truth+perturbed+again"))
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == [(1,)]
    assert ("risk_no=3", "probability") not in {(c.entity_key, c.field) for c in
                                                list_changes(duckdb.connect(str(warehouse), read_only=True),
                                                             run_id="r3")}
    with writing(warehouse) as snap:
        assert [o.decision_id for o in standing_overrides(snap.con)] == [d.decision_id]
        lift_override(snap.con, d.decision_id, "Bo Steward", "original found")
        snap.publish = True
    new = query(warehouse, "SELECT probability FROM run_risks WHERE run_id = 'r3' AND risk_no = 3")
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == new
    lifted = query(warehouse, "SELECT decision, lifts, old_value, reviewer FROM review_decisions WHERE lifts IS NOT NULL")
    assert lifted == [("accept", d.decision_id, "1", "Bo Steward")]


def test_a_later_run_supersedes_pending_changes(warehouse):
    old = pending(warehouse)[("risk_no=5", "consequence")]
    publish_run(warehouse, run_at("r3", 3, perturb, "truth+perturbed+again"))
    con = duckdb.connect(str(warehouse), read_only=True)
    assert list_changes(con, change_id=old.change_id)[0].status == "superseded"
    assert {(c.entity_key, c.field) for c in list_changes(con, run_id="r3", status="pending")} == set(pending(warehouse))
    con.close()
    with pytest.raises(ReviewError, match="superseded"):
        decide_(warehouse, old, "accept")


def test_bulk_accept_needs_an_explanation_and_the_changes_the_steward_saw(warehouse):
    with writing(warehouse) as snap:
        risks = list_changes(snap.con, run_id="r2", doc_id=VP_ID, entity="risks", status="pending")
        with pytest.raises(ReviewError, match="förklaring"):
            bulk_accept(snap.con, "r2", VP_ID, "risks", "Anna", " ", table_digest(risks))
        with pytest.raises(ReviewError, match="ändrats"):
            bulk_accept(snap.con, "r2", VP_ID, "risks", "Anna", "new extractor reads S correctly", "0" * 16)
        done = bulk_accept(snap.con, "r2", VP_ID, "risks", "Anna", "new extractor reads S correctly",
                           table_digest(risks))
        snap.publish = True
    assert len(done) == 4
    assert [k for k, _ in pending(warehouse)] == [c.entity_key for c in pending(warehouse).values()
                                                 if c.entity == "budget_lines"]
    assert query(warehouse, "SELECT count(*) FROM risks WHERE doc_id = ?", [VP_ID]) == [(66,)]  # +99, -66


def test_a_republished_version_is_diffed_against_the_published_document(warehouse):
    run = run_at("r4", 4, perturb)
    vp = run.outcomes[0]
    assert vp.doc_id == VP_ID
    sha = "f" * 64
    run.outcomes[0] = dataclasses.replace(vp, sha256=sha, doc_id=sha[:16], source_uri="file:///vp-republished.pdf")
    publish_run(warehouse, run)
    assert query(warehouse, "SELECT basis, compared_doc_id FROM publications WHERE run_id = 'r4' AND doc_id = ?",
             [sha[:16]]) == [("republished", VP_ID)]
    # carried rows now come from the new version; the removed risk stays with the old one until decided
    assert query(warehouse, "SELECT doc_id, count(*) FROM risks GROUP BY 1 ORDER BY 2") == [(VP_ID, 1), (sha[:16], 65)]
    assert query(warehouse, "SELECT count(*) FROM published_extractions WHERE doc_id IN (?, ?)", [VP_ID, sha[:16]]) == [(2,)]


def test_published_money_stays_exact(warehouse):
    c = [c for c in pending(warehouse).values() if c.entity == "budget_lines"][0]
    decide_(warehouse, c, "override", "1 163,65")
    assert query(warehouse, "SELECT value_sek FROM budget_lines WHERE run_id = ? AND row_no = ?",
             [c.run_id, c.new_row_no]) == [(Decimal("1163.6500"),)]


def test_a_reextraction_that_reads_another_year_stays_the_same_logical_document(warehouse):
    run = run_at("r5", 5, perturb)
    vp = run.outcomes[0]
    run.outcomes[0] = dataclasses.replace(vp, extraction=dataclasses.replace(vp.extraction, year=2023))
    publish_run(warehouse, run)
    assert query(warehouse, "SELECT doc_key, basis FROM publications WHERE run_id = 'r5' AND doc_id = ?", [VP_ID]) == [
        ("VP-2022-Arbetsmarknadsnämnden", "reextraction")]
    assert query(warehouse, "SELECT count(*) FROM risks WHERE doc_id = ?", [VP_ID]) == [(66,)]  # not published twice


def test_a_partly_published_republished_version_is_checked_as_one_document(warehouse):
    from pipeline.checks.store import docs_from_warehouse, run_checks

    run = run_at("r6", 6, perturb)
    sha = "e" * 64
    run.outcomes[0] = dataclasses.replace(run.outcomes[0], sha256=sha, doc_id=sha[:16],
                                          source_uri="file:///vp-republished-again.pdf")
    publish_run(warehouse, run)
    with writing(warehouse) as snap:
        docs = docs_from_warehouse(snap.con)
        keys = [d.key for d in docs]
        assert len(keys) == len(set(keys))  # one DocData per logical document, whatever its doc_ids
        vp = next(d for d in docs if d.key == "VP-2022-Arbetsmarknadsnämnden")
        assert len(vp.rows("risks")) == q_count(snap.con, "risks")
        findings = run_checks(snap.con, "r6")
        assert len({f.finding_id for f in findings}) == len(findings)


def q_count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table} t JOIN documents d USING (doc_id) "
                       "WHERE d.doc_type = 'VP'").fetchone()[0]


def test_the_loads_published_state_answers_as_the_warehouse_after_every_document(warehouse, monkeypatch):
    """queue_changes reads the published state once (PublishedState), keeps it in step and holds the writes until
    the end of the load. Flushed after every document of a run that brings three versions of one logical document
    (with an override standing on it), and a new logical document whose baseline and a later version arrive
    together, it must answer exactly as reading the warehouse would."""
    from pipeline.review import store

    c = pending(warehouse)[("risk_no=3", "probability")]
    decide_(warehouse, c, "override", "1")
    compared: list[str] = []
    original = store.PublishedState.published

    def published_then_compared(self, key, doc_id, baseline=None):
        original(self, key, doc_id, baseline)
        self.flush()
        assert self.rows(key) == store.published_rows(self.con, key)
        assert self.doc_ids(key) == store.published_doc_ids(self.con, key)
        assert self.current(key) == store.current_publication(self.con, key)
        assert self.overrides(key) == store.active_overrides(self.con, key)
        compared.append(doc_id)

    monkeypatch.setattr(store.PublishedState, "published", published_then_compared)

    def more(stem, records):
        perturb(stem, records)
        for r in records:
            if r.ENTITY == "risks" and r.risk_no == 7:
                r.probability = 2 if r.probability != 2 else 3

    run = run_at("r7", 7, perturb)
    vp, vb = run.outcomes
    republished = run_at("r7", 7, more).outcomes[0]
    new_year = dataclasses.replace(vb.extraction, year=2031)
    run.outcomes += [
        dataclasses.replace(republished, sha256="f" * 64, doc_id="f" * 16, source_uri="file:///vp-republished.pdf"),
        dataclasses.replace(vb, sha256="0" * 64, doc_id="0" * 16, source_uri="file:///vb-2031.pdf",
                            extraction=new_year),
        dataclasses.replace(vb, sha256="1" * 64, doc_id="1" * 16, source_uri="file:///vb-2031-again.pdf",
                            extraction=dataclasses.replace(new_year, records=run_at("r7", 7, more).outcomes[1]
                                                           .extraction.records[:-3])),
    ]
    publish_run(warehouse, run)
    assert sorted(compared) == sorted(o.doc_id for o in run.outcomes)
    bases = query(warehouse, "SELECT doc_id, basis FROM publications WHERE run_id = 'r7' ORDER BY doc_id")
    assert bases == sorted([("0" * 16, "baseline"), ("1" * 16, "republished"), ("f" * 16, "republished"),
                            (VP_ID, "reextraction"), (vb.doc_id, "reextraction")])
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == [(1,)]  # the override stands


class Novelty(Record):
    ENTITY = "novelties"  # no warehouse table: kept whole in run_other_records


def test_the_rows_a_load_wrote_are_taken_from_memory_exactly_as_they_read_back(sample_ingest, tmp_path: Path):
    """The review queue takes a run's rows from what the load wrote instead of reading them back: they must be the
    same rows, down to each value's type and print (decimals at the column's scale, boxes, `extra`, provenance) —
    on the real extraction of the samples, and on a run with rows that land in `extra` and in run_other_records."""
    from pipeline.review.store import loaded_row_counts, loaded_rows_by_doc, run_row_counts, run_rows_by_doc
    from warehouse.load import run_rows, table_columns

    def odd(stem, records):
        for r in records:
            if r.ENTITY == "risks" and r.risk_no == 1:
                r.probability = 7  # refused by the column's check: NULL, the value kept in `extra`
            if r.ENTITY == "budget_lines" and r.value_sek == 0:
                r.value_sek = Decimal("-0.00")  # a negative zero reads back as 0.0000
        line = next((r for r in records if r.ENTITY == "budget_lines"), None)
        if line is not None:  # a required value missing: the row is kept whole in run_other_records, provenance and all
            line.label = None
            line.provenance["label"] = Provenance(line.page, line.bbox, "")
        novel = Novelty(page=2, bbox=(1.0, 2.0, 3.0, 4.0))
        novel.provenance["what"] = Provenance(2, (1.0, 2.0, 3.0, 4.0), "något nytt")
        records += [novel, Novelty(page=3)]

    path, run = sample_ingest
    truth_path = tmp_path / "w.duckdb"
    odd_run = truth_run("odd", mutate=odd)
    publish_run(truth_path, odd_run)
    for wh, r in ((path, run), (truth_path, odd_run)):
        con = duckdb.connect(str(wh), read_only=True)
        try:
            columns = table_columns(con)
            back = run_rows_by_doc(con, r.run_id)
            counted = run_row_counts(con, r.run_id)
        finally:
            con.close()
        loaded = run_rows(r, columns).tables
        held = loaded_rows_by_doc(loaded, columns)
        assert loaded_row_counts(loaded) == counted == {d: len(rows) for d, rows in back.items()}
        assert back.keys() == held.keys() and len(back) == 2
        for doc_id in back:
            assert repr(held[doc_id]) == repr(back[doc_id])
    others = [row for rows in held.values() for row in rows if row.entity == "other_records"]
    lines = [row for row in others if row.values["entity"] == "budget_lines"]
    assert len(others) - len(lines) == 4 and lines and all(row.prov.get("label") for row in lines)
    assert sum(1 for row in others if row.prov.get("what")) == 2
