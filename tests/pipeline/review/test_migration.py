"""Migrating a version-3 warehouse: what was published before review existed becomes the baseline."""
from __future__ import annotations

import duckdb

import pipeline.review
from tests.warehouse.truth_run import truth_run
from warehouse.db import migrations
from warehouse.load import load_run


def test_a_v3_warehouse_keeps_its_published_rows_as_baselines(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    for version, sql in migrations():
        if version <= 3:
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
    monkeypatch.setattr(pipeline.review, "queue_changes", lambda con, run_id, tables=None, loaded=None: None)  # as loads did before v4
    load_run(con, truth_run())
    before = {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").fetchall()
              for v in ("risks", "budget_lines", "accounts", "projects", "provenance", "other_records")}
    con.close()
    monkeypatch.undo()
    from warehouse.db import connect

    con = connect(path)  # migrates to the newest version
    try:
        assert con.execute("SELECT max(version) FROM schema_version").fetchone()[0] >= 4
        for view, rows in before.items():
            assert con.execute(f"SELECT * FROM {view} ORDER BY ALL").fetchall() == rows, view
        assert con.execute("SELECT basis, reviewer, count(*) FROM publications GROUP BY ALL").fetchall() == [
            ("baseline", "system", 2)]
    finally:
        con.close()
