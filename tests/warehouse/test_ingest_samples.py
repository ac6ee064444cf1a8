"""The pipeline over samples/pdfs into the warehouse: what extraction returns is what the warehouse holds."""
from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import duckdb

from extractors.classify import DocumentInfo, Segmentation
from pipeline.extract import DocumentExtraction
from pipeline.ingest import ingest
from pipeline.records import ENTITIES
from tests.warehouse.conftest import SAMPLE_PDFS, fingerprint
from tests.warehouse.truth_run import doc_id_of, load_truths, truth_records

TRUTHS = load_truths()


def scalar(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


def test_the_samples_are_documents_with_their_classification(sample_ingest):
    path, run = sample_ingest
    con = duckdb.connect(str(path), read_only=True)
    docs = con.execute("SELECT doc_id, doc_type, year, committee, page_count, published_run_id FROM documents "
                       "ORDER BY doc_type DESC").fetchall()
    con.close()
    assert run.recorded and run.count("new") == 2
    assert docs == [(doc_id_of(t), t["document"]["doc_type"], t["document"]["year"], t["document"]["committee"],
                     t["document"]["page_count"], run.run_id) for t in TRUTHS.values()]


def test_every_extracted_record_and_problem_is_stored(sample_ingest):
    path, run = sample_ingest
    con = duckdb.connect(str(path), read_only=True)
    try:
        for o in run.outcomes:
            want = Counter(r.ENTITY for r in o.extraction.records)
            for entity in ENTITIES:
                got = scalar(con, f'SELECT count(*) FROM "{entity}" WHERE doc_id = ?', [o.doc_id])
                other = scalar(con, "SELECT count(*) FROM run_other_records WHERE doc_id = ? AND entity = ?",
                               [o.doc_id, entity])
                assert got + other == want[entity], entity
            ex_problems = len(o.extraction.problems) + len(o.extraction.link_problems)
            assert scalar(con, "SELECT count(*) FROM problems WHERE doc_id = ? AND stage <> 'load'",
                          [o.doc_id]) == ex_problems
        assert scalar(con, "SELECT records_loaded FROM runs") == run.records_total
    finally:
        con.close()


def test_ingesting_the_same_bytes_again_adds_nothing(sample_ingest, tmp_path: Path):
    path, _ = sample_ingest
    copy = tmp_path / "w.duckdb"
    shutil.copyfile(path, copy)
    before = fingerprint(copy)
    again = ingest([SAMPLE_PDFS], copy)
    assert not again.recorded and again.count("unchanged") == 2
    assert fingerprint(copy) == before


def perfect_extract(path: Path) -> DocumentExtraction:
    """What extraction will return when it is complete: the truth of the sample with these bytes."""
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    truth = next(t for t in TRUTHS.values() if t["document"]["sha256"] == sha)
    d = truth["document"]
    info = DocumentInfo(d["doc_type"], d["year"], d["committee"], d["title"], "truth")
    names = {t["document"]["file_name"]: t["document"]["file_name"] for t in TRUTHS.values()}
    return DocumentExtraction(path, info, d["page_count"], Segmentation({}, []), records=truth_records(truth, names))


def test_full_tables_go_through_the_pipeline(tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    run = ingest([SAMPLE_PDFS], wh, extract=perfect_extract)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        for entity in ("risks", "controls", "control_followups", "budget_lines", "accounts", "kaa_stats", "kpis",
                       "projects", "procurements", "risk_matrix"):
            want = sum(len(t["tables"].get(entity, [])) for t in TRUTHS.values())
            assert scalar(con, f'SELECT count(*) FROM "{entity}"') == want, entity
        assert scalar(con, "SELECT count(*) FROM problems WHERE stage <> 'link'") == 0  # linking may doubt
        assert scalar(con, "SELECT count(*) FROM run_other_records") == 0
        vp = doc_id_of(TRUTHS["amn-vp-2022"])
        # follow-ups name their VP by file name in extraction; the warehouse holds its doc_id
        assert con.execute("SELECT DISTINCT control_doc_id FROM control_followups").fetchall() == [(vp,)]
        assert scalar(con, "SELECT records_loaded FROM runs") == run.records_total
    finally:
        con.close()
