"""Checks over the warehouse: the published state read back gives the same findings as the extraction, and
findings, rules and check runs are written with warehouse ids, evidence and steward status carried over."""
from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from pipeline.checks.model import Finding, doc_from_extraction
from pipeline.checks.rules import CATALOGUE, run_rules
from pipeline.checks.store import docs_from_warehouse, latest_run_id, plain_decimal, run_checks
from pipeline.cli import main
from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run
from warehouse.snapshot import writing

GOLDEN = Path(__file__).parent / "golden" / "sample_findings.json"


def summary(findings) -> list[list[str]]:
    return sorted([f.rule_id, f.severity, f.doc, f.entity_key] for f in findings)


def canonical(f: Finding) -> Finding:
    """A finding with numbers in its texts written without a trailing '.0' (DECIMAL columns keep no exponent)."""
    def fix(text: str) -> str:
        return re.sub(r"(\d)\.0+\b", r"\1", text)
    return replace(f, expected=fix(f.expected), actual=fix(f.actual), message=fix(f.message))


def docs_of_run(run) -> list:
    """The run's extractions as check input, as the engine builds it from DocumentExtractions."""
    return [doc_from_extraction(SimpleNamespace(info=o.extraction, records=o.extraction.records))
            for o in run.outcomes if o.extraction is not None and o.extraction.status == "succeeded"]


@pytest.fixture()
def truth_wh(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    publish_run(path, truth_run())
    return path


def checked(path: Path, run_id: str) -> list[Finding]:
    with writing(path) as snap:
        found = run_checks(snap.con, run_id)
        snap.publish = True
    return found


def test_decimals_come_back_without_the_column_scale():
    from decimal import Decimal
    assert str(plain_decimal(Decimal("18700000.0000"))) == "18700000"
    assert str(plain_decimal(Decimal("-26.5000"))) == "-26.5"
    assert str(plain_decimal(Decimal("0.0000"))) == "0"


def test_truth_run_findings_from_the_warehouse_equal_those_from_its_records(truth_wh):
    run = truth_run()
    expected = {f.finding_id: canonical(f) for f in run_rules(docs_of_run(run))}
    con = duckdb.connect(str(truth_wh), read_only=True)
    got = {f.finding_id: canonical(f) for f in run_rules(docs_from_warehouse(con))}
    con.close()
    assert got == expected and len(got) > 20


def test_run_checks_writes_findings_rules_and_the_check_run(truth_wh):
    found = checked(truth_wh, "truth-1")
    con = duckdb.connect(str(truth_wh), read_only=True)
    rows = con.execute("SELECT finding_id, rule_id, doc_id, other_doc_id, status, evidence FROM findings "
                       "WHERE run_id = 'truth-1'").fetchall()
    assert sorted(r[0] for r in rows) == sorted(f.finding_id for f in found)
    docs = dict(con.execute("SELECT doc_type, doc_id FROM documents").fetchall())
    by_id = {r[0]: r for r in rows}
    for f in found:
        _, rule_id, doc_id, other, status, evidence = by_id[f.finding_id]
        assert doc_id == docs[f.doc[:2]] and status == "open"
        assert other == (docs[f.other_doc[:2]] if f.other_doc else None)
        assert [(e["doc_id"], e["page"], e["printed"]) for e in evidence] == [
            (docs[e.doc[:2]], e.page, e.printed) for e in f.evidence]
        assert all(e["bbox"] is None or len(e["bbox"]) == 4 for e in evidence)
    assert any(f.other_doc for f in found)  # VP-vs-VB rules name both documents
    assert con.execute("SELECT count(*), count(entity) FROM rules").fetchone() == (len(CATALOGUE), len(CATALOGUE))
    assert con.execute("SELECT run_id, documents, rules, findings FROM check_runs").fetchall() == [
        ("truth-1", 2, len(CATALOGUE), len(found))]
    assert con.execute("SELECT count(*) FROM current_findings").fetchone()[0] == len(found)
    con.close()


def test_rerun_replaces_the_runs_findings_and_keeps_steward_status(truth_wh):
    found = checked(truth_wh, "truth-1")
    accepted, dismissed = found[0].finding_id, found[1].finding_id
    with writing(truth_wh) as snap:
        snap.con.execute("UPDATE findings SET status = 'accepted' WHERE finding_id = ?", [accepted])
        snap.con.execute("UPDATE findings SET status = 'dismissed' WHERE finding_id = ?", [dismissed])
        snap.publish = True
    checked(truth_wh, "truth-1")  # muni check: same run again
    later = truth_run("truth-2", started_at=datetime(2023, 4, 1, 2, 0, tzinfo=timezone.utc))
    publish_run(truth_wh, later)
    checked(truth_wh, "truth-2")  # the next run's load
    con = duckdb.connect(str(truth_wh), read_only=True)
    assert con.execute("SELECT run_id, count(*) FROM findings GROUP BY 1 ORDER BY 1").fetchall() == [
        ("truth-1", len(found)), ("truth-2", len(found))]
    status = dict(con.execute("SELECT finding_id, status FROM current_findings").fetchall())
    assert status[accepted] == "accepted" and status[dismissed] == "dismissed"
    assert sum(s == "open" for s in status.values()) == len(found) - 2
    assert con.execute("SELECT DISTINCT run_id FROM current_findings").fetchall() == [("truth-2",)]
    con.close()


def test_muni_check_rechecks_the_latest_run(truth_wh, capsys):
    assert main(["check", "--warehouse", str(truth_wh)]) == 0
    out = capsys.readouterr().out
    con = duckdb.connect(str(truth_wh), read_only=True)
    n = con.execute("SELECT count(*) FROM current_findings WHERE run_id = 'truth-1'").fetchone()[0]
    assert latest_run_id(con) == "truth-1"
    con.close()
    assert n > 0 and f"{n} findings" in out and "truth-1" in out


def test_muni_check_without_a_warehouse_is_an_error(tmp_path, capsys):
    assert main(["check", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert not (tmp_path / "none.duckdb").exists()


def test_ingest_writes_the_samples_known_findings(sample_ingest):
    path, run = sample_ingest
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT f.rule_id, f.severity, d.doc_type || '-' || d.year || '-' || d.committee, f.entity_key "
                       "FROM current_findings f JOIN documents d USING (doc_id) WHERE f.run_id = ?",
                       [run.run_id]).fetchall()
    con.close()
    assert sorted(list(r) for r in rows) == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_samples_findings_from_the_warehouse_equal_those_from_extraction(sample_ingest):
    path, run = sample_ingest
    expected = {f.finding_id: canonical(f) for f in run_rules(docs_of_run(run))}
    con = duckdb.connect(str(path), read_only=True)
    got = {f.finding_id: canonical(f) for f in run_rules(docs_from_warehouse(con))}
    con.close()
    assert got == expected


def test_findings_written_as_one_batch_equal_those_written_row_by_row(tmp_path):
    from decimal import Decimal

    from pipeline.checks.model import Evidence
    from pipeline.checks.store import FINDING_COLUMNS, FINDING_TYPES, finding_row, insert_batch
    from warehouse.db import connect

    con = connect(tmp_path / "w.duckdb")
    findings = [
        Finding("R1", "error", "VP-2022-X", "risks", "risk 1", "12", "9", "0", "fel",
                (Evidence("VP-2022-X", "risk_value", 3, (1.1, 2.5, 3.3, 4.25), "9"),
                 Evidence("VP-2022-X", "probability", None, None, None))),
        Finding("R2", "minor", "VP-2022-X", "kpis", "k", "", "", "", "avrundning", (), other_doc="VB-2022-X"),
        Finding("R3", "info", "VP-2022-X", "kpis", "k2", "1", "2", "", "å", (Evidence("?", "value", 1, (0, 0, 1, 1), ""),)),
    ]
    rows = [finding_row(f, "run1", {"VP-2022-X": "d1"}, "open") for f in findings]
    insert_batch(con, "findings", FINDING_COLUMNS, FINDING_TYPES, rows)
    con.execute("CREATE TABLE by_row AS SELECT * FROM findings LIMIT 0")
    con.executemany(f"INSERT INTO by_row ({', '.join(FINDING_COLUMNS)}) "
                    f"VALUES ({', '.join('?' for _ in FINDING_COLUMNS)})", rows)
    batch = con.execute("SELECT * FROM findings ORDER BY finding_id").fetchall()
    assert batch == con.execute("SELECT * FROM by_row ORDER BY finding_id").fetchall() and len(batch) == 3
    evidence = {r[2]: r[12] for r in batch}
    assert evidence["R2"] == [] and evidence["R1"][1] == {"doc_id": "d1", "field": "probability", "page": None, "bbox": None, "printed": None}
    # a value Arrow would not take as text goes row by row, converted as DuckDB converts it
    con.execute("DELETE FROM findings")
    insert_batch(con, "findings", FINDING_COLUMNS, FINDING_TYPES, [rows[1][:8] + [Decimal("1.50")] + rows[1][9:]])
    assert con.execute("SELECT expected FROM findings").fetchall() == [("1.50",)]
