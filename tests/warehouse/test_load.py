"""Loading runs: every record type with its provenance, exact money, run history and the published state."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.ingest import ExtractionResult
from pipeline.records import ENTITIES
from tests.warehouse.truth_run import STEMS, doc_id_of, load_truths, truth_run
from warehouse.load import publish_run

TRUTHS = load_truths()


@pytest.fixture(scope="module")
def con(truth_warehouse: Path):
    c = duckdb.connect(str(truth_warehouse), read_only=True)
    yield c
    c.close()


def count(con, sql: str, params=None) -> int:
    return con.execute(sql, params or []).fetchone()[0]


def test_every_entity_is_loaded_row_for_row(con):
    for entity in ENTITIES:
        for stem in STEMS:
            truth = TRUTHS[stem]
            expected = len(truth["tables"].get(entity, []))
            if entity == "risk_matrix_totals":
                expected = 1 if truth.get("risk_matrix_total") else 0
            if entity == "control_assessments":
                expected = sum(1 for f in truth["tables"].get("facts", []) if f["metric"] == "ikp_assessment")
            got = count(con, f'SELECT count(*) FROM "{entity}" WHERE doc_id = ?', [doc_id_of(truth)])
            assert got == expected, (entity, stem)
    assert count(con, "SELECT count(*) FROM run_other_records") == 0
    assert count(con, "SELECT count(*) FROM problems") == 0


def test_nothing_needed_extra(con):
    for entity in ENTITIES:
        assert count(con, f'SELECT count(*) FROM "run_{entity}" WHERE extra IS NOT NULL') == 0, entity


def test_money_is_exact_kronor(con):
    for entity in ("budget_lines", "accounts"):
        for stem in STEMS:
            truth = TRUTHS[stem]
            want = [Decimal(r["value_sek"]) if r["value_sek"] is not None else None
                    for r in truth["tables"].get(entity, [])]
            got = [r[0] for r in con.execute(f'SELECT value_sek FROM "{entity}" WHERE doc_id = ? ORDER BY row_no',
                                             [doc_id_of(truth)]).fetchall()]
            assert got == want, (entity, stem)
    assert con.execute("SELECT typeof(value_sek) FROM accounts LIMIT 1").fetchone()[0] == "DECIMAL(20,4)"


def test_provenance_of_every_field_is_kept(con):
    expected = sum(len(r.get("_provenance") or {}) for t in TRUTHS.values() for e in ENTITIES
                   for r in t["tables"].get(e, []))
    assert count(con, "SELECT count(*) FROM provenance") == expected
    vp = TRUTHS["amn-vp-2022"]
    risk = vp["tables"]["risks"][0]
    got = con.execute("SELECT page, bbox, printed FROM provenance WHERE doc_id = ? AND entity = 'risks' AND row_no = 1 "
                      "AND field = 'probability'", [doc_id_of(vp)]).fetchone()
    p = risk["_provenance"]["probability"]
    assert got == (p["page"], tuple(p["bbox"]), p["printed"])
    row = con.execute("SELECT page, bbox FROM risks WHERE doc_id = ? AND row_no = 1", [doc_id_of(vp)]).fetchone()
    assert row == (risk["page"], tuple(risk["bbox"]))


def test_documents_and_run(con):
    docs = con.execute("SELECT doc_id, doc_type, year, committee, page_count, published_run_id FROM documents "
                       "ORDER BY doc_type DESC").fetchall()
    assert docs == [(doc_id_of(TRUTHS[s]), TRUTHS[s]["document"]["doc_type"], 2022, "Arbetsmarknadsnämnden",
                     TRUTHS[s]["document"]["page_count"], "truth-1") for s in STEMS]
    run = con.execute("SELECT status, documents_seen, documents_new, records_loaded, problems_recorded FROM runs"
                      ).fetchone()
    rows = sum(count(con, f'SELECT count(*) FROM "run_{e}"') for e in ENTITIES)
    assert run == ("succeeded", 2, 2, rows, 0)


def test_followups_name_their_control_document(con):
    vp, vb = (doc_id_of(TRUTHS[s]) for s in STEMS)
    assert con.execute("SELECT DISTINCT control_doc_id FROM control_followups WHERE doc_id = ?", [vb]).fetchall() == [
        (vp,)]


def later(run_id: str, day: int, **kw):
    return truth_run(run_id, datetime(2023, 3, day, tzinfo=timezone.utc), **kw)


def test_a_later_run_is_published_through_review_and_the_earlier_stays_queryable(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    publish_run(path, later("r1", 1))

    def fewer_risks(stem, records):
        if stem == "amn-vp-2022":
            records[:] = [r for r in records if not (r.ENTITY == "risks" and r.risk_no == 1)]

    rows = publish_run(path, later("r2", 2, mutate=fewer_risks))
    assert rows.review.pending_changes == 1  # the removed risk waits for a steward (pipeline.review)
    con = duckdb.connect(str(path), read_only=True)
    assert count(con, "SELECT count(*) FROM risks") == 66  # until then the published risk stays
    assert count(con, "SELECT count(*) FROM risks WHERE run_id = 'r2'") == 65  # unchanged rows carry over
    assert count(con, "SELECT kind FROM review_changes WHERE entity = 'risks'") == "removed"
    assert count(con, "SELECT count(*) FROM run_risks WHERE run_id = 'r1'") == 66
    assert count(con, "SELECT count(*) FROM documents WHERE published_run_id = 'r2'") == 2
    assert count(con, "SELECT count(*) FROM document_files") == 2
    con.close()


def test_a_failed_extraction_keeps_the_previous_accepted_rows(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    publish_run(path, later("r1", 1))
    run = later("r2", 2)
    vp = run.outcomes[0]
    run.outcomes[0] = replace(vp, status="reextracted",
                              extraction=ExtractionResult("failed", error="ValueError: boom (x.py:1)"))
    publish_run(path, run)
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT status, error FROM document_extractions WHERE run_id = 'r2' AND doc_id = ?",
                       [vp.doc_id]).fetchone() == ("failed", "ValueError: boom (x.py:1)")
    assert con.execute("SELECT published_run_id FROM documents WHERE doc_id = ?", [vp.doc_id]).fetchone() == ("r1",)
    assert count(con, "SELECT count(*) FROM risks") == 66
    assert count(con, "SELECT count(*) FROM kaa_stats WHERE run_id = 'r2'") == 233
    con.close()
