"""`muni export`: the published tables as parquet, csv or xlsx files, with a manifest."""
from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from warehouse.db import migrations
from warehouse.export import PUBLISHED, excel_value


@pytest.fixture()
def warehouse(truth_warehouse: Path, tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"  # a copy: other tests of this process hold the original open
    shutil.copyfile(truth_warehouse, path)
    return path


def counts(path: Path, tables) -> dict[str, int]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_parquet_keeps_exact_money_and_boxes(warehouse: Path, tmp_path: Path, capsys):
    out = tmp_path / "pq"
    assert main(["export", "--format", "parquet", "--out", str(out), "--warehouse", str(warehouse)]) == 0
    assert f"{len(PUBLISHED)} tables exported as parquet" in capsys.readouterr().out
    want = counts(warehouse, PUBLISHED)
    con = duckdb.connect()
    for table, n in want.items():
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [str(out / f"{table}.parquet")]).fetchone()[0] == n
    exported = con.execute("SELECT sum(value_sek), typeof(any_value(value_sek)), any_value(bbox) "
                           "FROM read_parquet(?)", [str(out / "accounts.parquet")]).fetchone()
    src = duckdb.connect(str(warehouse), read_only=True)
    assert exported[0] == src.execute("SELECT sum(value_sek) FROM accounts").fetchone()[0]
    src.close()
    assert exported[1] == "DECIMAL(20,4)" and len(exported[2]) == 4
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == max(v for v, _ in migrations()) and manifest["latest_run"]["run_id"] == "truth-1"
    assert {t: v["rows"] for t, v in manifest["tables"].items()} == want


def test_csv_has_a_header_and_every_row(warehouse: Path, tmp_path: Path):
    out = tmp_path / "csv"
    assert main(["export", "--format", "csv", "--out", str(out), "--tables", "risks,budget_lines",
                 "--warehouse", str(warehouse)]) == 0
    want = counts(warehouse, ["risks", "budget_lines"])
    with open(out / "risks.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == want["risks"] and rows[0]["doc_id"] and "in_control_plan" in rows[0]
    with open(out / "budget_lines.csv", encoding="utf-8", newline="") as fh:
        values = {Decimal(r["value_sek"]) for r in csv.DictReader(fh) if r["value_sek"]}
    assert Decimal("1163600000") in values


def test_xlsx_one_workbook_per_table(warehouse: Path, tmp_path: Path):
    from openpyxl import load_workbook

    out = tmp_path / "xlsx"
    assert main(["export", "--format", "xlsx", "--out", str(out), "--tables", "documents,projects,findings",
                 "--warehouse", str(warehouse)]) == 0
    want = counts(warehouse, ["projects"])
    ws = load_workbook(out / "projects.xlsx", read_only=True)["projects"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("doc_id", "list", "item_no")
    assert len(rows) == want["projects"] + 1
    header = rows[0]
    vux = [r for r in rows[1:] if r[header.index("project_key")] == "vux20"]
    assert {r[header.index("budget_sek")] for r in vux} == {18700000, 14000000, None}
    assert all(json.loads(r[header.index("bbox")])[0] > 0 for r in vux)
    docs = list(load_workbook(out / "documents.xlsx", read_only=True)["documents"].iter_rows(values_only=True))
    assert len(docs) == 3
    assert list(load_workbook(out / "findings.xlsx", read_only=True)["findings"].iter_rows(values_only=True))[0][0] \
        == "finding_id"


def test_all_exports_the_run_tables_too_and_unknown_tables_are_refused(warehouse: Path, tmp_path: Path, capsys):
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "all"), "--all",
                 "--warehouse", str(warehouse)]) == 0
    assert (tmp_path / "all" / "run_risks.csv").exists() and (tmp_path / "all" / "schema_version.csv").exists()
    assert main(["export", "--format", "csv", "--out", str(tmp_path / "x"), "--tables", "nope",
                 "--warehouse", str(warehouse)]) == 2
    assert "no such table or view: nope" in capsys.readouterr().err


def test_missing_warehouse_is_said_plainly(tmp_path: Path, capsys):
    assert main(["export", "--format", "csv", "--out", str(tmp_path), "--warehouse", str(tmp_path / "none")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_excel_values():
    assert excel_value(Decimal("1.5")) == Decimal("1.5")
    assert excel_value((1.0, 2.0)) == "[1.0, 2.0]"
    assert excel_value("a\x01b") == "ab"
    assert excel_value([{"page": 1}]) == '[{"page": 1}]'
