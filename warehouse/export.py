"""Exporting the published warehouse for auditors: one file per table or view, Parquet, CSV or Excel.

Parquet and CSV are written by DuckDB itself (Parquet keeps exact decimals, bboxes as lists); Excel goes
through openpyxl (DuckDB's excel extension would have to be downloaded). A `manifest.json` beside the files
says what was exported from which state: schema version, latest run, row counts.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

import duckdb

from warehouse.db import quote_ident, utc_naive

FORMATS = ("parquet", "csv", "xlsx")

# what auditors get by default: the contract, the run history and the checks/review tables
PUBLISHED = ("documents", "runs", "run_documents", "risks", "risk_matrix", "risk_matrix_totals", "controls",
             "control_assessments", "control_followups", "budget_lines", "accounts", "kaa_stats", "kpis", "projects",
             "procurements", "other_records", "problems", "provenance", "findings", "review_decisions", "rules")
XLSX_MAX_ROWS = 1_048_575  # one row of the sheet is the header
XLSX_MAX_CELL = 32_767


def catalogue(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table and view of the main schema."""
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name").fetchall()]


def choose_tables(con: duckdb.DuckDBPyConnection, names: Iterable[str] | None = None, everything: bool = False
                  ) -> list[str]:
    """The tables to export: the given names (each must exist), all of them, or the published set."""
    present = catalogue(con)
    if names:
        names = list(names)
        missing = [n for n in names if n not in present]
        if missing:
            raise ValueError(f"no such table or view: {', '.join(missing)}")
        return names
    if everything:
        return present
    return [n for n in PUBLISHED if n in present]


@dataclass(frozen=True)
class Exported:
    table: str
    path: Path
    rows: int


def excel_value(value: Any) -> Any:
    """A value openpyxl can write: numbers, text, booleans and naive datetimes; lists and structs as JSON."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return value
    if isinstance(value, datetime):
        return utc_naive(value)
    if isinstance(value, date):
        return value
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, default=str)
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text if len(text) <= XLSX_MAX_CELL else text[:XLSX_MAX_CELL - 1] + "…"


def write_xlsx(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> int:
    """One workbook with one sheet named after the table: header row, then the rows."""
    from openpyxl import Workbook

    cur = con.execute(f"SELECT * FROM {quote_ident(table)} ORDER BY ALL")
    cols = [d[0] for d in cur.description]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=table[:31])
    ws.append(cols)
    n = 0
    while batch := cur.fetchmany(5000):
        for row in batch:
            n += 1
            if n > XLSX_MAX_ROWS:
                raise ValueError(f"{table} has more rows than an Excel sheet holds; export it as parquet or csv")
            ws.append([excel_value(v) for v in row])
    wb.save(path)
    return n


def export(con: duckdb.DuckDBPyConnection, out_dir: Path | str, fmt: str, tables: list[str]) -> list[Exported]:
    """Write each of `tables` to `out_dir/<table>.<fmt>` and a manifest; returns what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = []
    for table in tables:
        path = out / f"{table}.{fmt}"
        if fmt == "xlsx":
            rows = write_xlsx(con, table, path)
        else:
            rel = con.sql(f"SELECT * FROM {quote_ident(table)} ORDER BY ALL")
            if fmt == "parquet":
                rel.write_parquet(str(path))
            else:
                rel.write_csv(str(path), header=True)
            rows = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]
        done.append(Exported(table, path, rows))
    (out / "manifest.json").write_text(json.dumps(manifest(con, fmt, done), ensure_ascii=False, indent=2) + "\n",
                                       encoding="utf-8")
    return done


def manifest(con: duckdb.DuckDBPyConnection, fmt: str, done: list[Exported]) -> dict[str, Any]:
    """What an export holds and from which state of the warehouse."""
    version = con.execute("SELECT max(version) FROM schema_version").fetchall()[0][0]
    latest = next(iter(con.execute(
        "SELECT run_id, code_version FROM runs ORDER BY started_at DESC, run_id DESC LIMIT 1").fetchall()), None)
    return {
        "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "format": fmt,
        "schema_version": version,
        "latest_run": {"run_id": latest[0], "code_version": latest[1]} if latest else None,
        "tables": {e.table: {"file": e.path.name, "rows": e.rows} for e in done},
    }
