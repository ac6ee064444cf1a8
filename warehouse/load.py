"""Loading a run: everything a run produced goes in one transaction, or nothing does.

The rows are built first (warehouse.rows, pure), then written in one transaction: the run, what it did
with each file, new documents, each extracted document's classification, its rows in the run-scoped
tables, its problems and the provenance of every field. Bulk rows go through Arrow (no values in SQL
text; identifiers come from the database's own catalogue).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import duckdb
import pyarrow as pa

from pipeline.ingest import DocumentOutcome, RunSummary
from pipeline.records import ControlRow
from warehouse.db import quote_ident, utc_naive
from warehouse.rows import Column, DocumentRows, problem_rows, record_rows

Progress = Callable[[str], None]


def _quiet(step: str) -> None:
    """Default progress callback."""


@dataclass(frozen=True)
class PublishedControls:
    """The accepted control plan (IKP) of a VP already in the warehouse, for linking a new VB's follow-ups."""

    doc_id: str
    title: str | None
    page_count: int
    controls: list[ControlRow]


def published_vp_controls(con: duckdb.DuckDBPyConnection, year: int, committee: str | None
                          ) -> PublishedControls | None:
    """The published VP of `committee` for `year` with its controls, or None when there is none."""
    doc = con.execute(
        "SELECT doc_id, title, page_count FROM documents WHERE doc_type = 'VP' AND year = ? "
        "AND committee IS NOT DISTINCT FROM ? ORDER BY first_seen_at DESC, doc_id LIMIT 1",
        [year, committee]).fetchall()
    doc = doc[0] if doc else None
    if doc is None:
        return None
    rows = con.execute(
        "SELECT goal_code, process, working_method, control, risk_value, event, control_activity, risk_no, "
        "link_note, page, bbox FROM controls WHERE doc_id = ? ORDER BY row_no", [doc[0]]).fetchall()
    controls = [ControlRow(goal_code=r[0], process=r[1], working_method=r[2], control=r[3], risk_value=r[4],
                           event=r[5], control_activity=r[6], risk_no=r[7], link_note=r[8], page=r[9],
                           bbox=tuple(r[10]) if r[10] is not None else None) for r in rows]
    return PublishedControls(doc[0], doc[1], doc[2], controls)


def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Column]]:
    """Every base table's columns as the database describes them, in order."""
    out: dict[str, dict[str, Column]] = {}
    for table, name, type_name, nullable in con.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE schema_name = 'main' AND NOT internal AND table_name IN "
            "(SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main') "
            "ORDER BY table_name, column_index").fetchall():
        out.setdefault(table, {})[name] = Column(name, type_name, bool(nullable))
    return out


# ----- writing --------------------------------------------------------------------------------------------

def arrow_type(type_name: str) -> pa.DataType:
    """The Arrow type that carries a value of DuckDB type `type_name` without loss."""
    t = type_name.upper()
    simple = {"VARCHAR": pa.string(), "JSON": pa.string(), "INTEGER": pa.int32(), "BIGINT": pa.int64(),
              "SMALLINT": pa.int16(), "BOOLEAN": pa.bool_(), "DOUBLE": pa.float64(), "TIMESTAMP": pa.timestamp("us"),
              "DOUBLE[4]": pa.list_(pa.float64(), 4), "INTEGER[]": pa.list_(pa.int32())}
    if t in simple:
        return simple[t]
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    raise TypeError(f"no Arrow type for DuckDB type {type_name}")


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, Column],
                rows: list[dict[str, Any]], on_conflict_ignore: bool = False) -> int:
    """Insert `rows` (dicts keyed by column) into `table` through one Arrow batch; returns the row count.
    `on_conflict_ignore`: a row whose key the table already holds is left out (ON CONFLICT DO NOTHING)."""
    if not rows:
        return 0
    present = set().union(*rows)  # every key of every row
    names = [c for c in columns if c in present]
    unknown = present - set(columns)
    if unknown:
        raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
    insert_arrow(con, table, pa.table({n: pa.array([r.get(n) for r in rows], type=arrow_type(columns[n].type))
                                       for n in names}), on_conflict_ignore)
    return len(rows)


def insert_arrow(con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table, on_conflict_ignore: bool = False) -> None:
    """Insert an Arrow batch into `table`, its columns by name (one statement: DuckDB scans the batch in place).
    `on_conflict_ignore`: a row whose key the table already holds is left out (ON CONFLICT DO NOTHING)."""
    view = f"_stage_{table}"
    con.register(view, batch)
    try:
        cols = ", ".join(quote_ident(n) for n in batch.column_names)
        con.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} FROM {quote_ident(view)}"
                    + (" ON CONFLICT DO NOTHING" if on_conflict_ignore else ""))
    finally:
        con.unregister(view)


@dataclass
class RunRows:
    """Everything one run writes besides its own row, built before the transaction opens."""

    tables: dict[str, list[dict[str, Any]]]
    extractions: list[dict[str, Any]]
    records: int
    problems: int
    review: Any = None  # pipeline.review.ReviewSummary of the load: published without review, queued


def run_rows(run: RunSummary, tables: dict[str, dict[str, Column]]) -> RunRows:
    """The rows of every extracted document of `run` (pure: no database access)."""
    out: dict[str, list[dict[str, Any]]] = {}
    extractions: list[dict[str, Any]] = []
    records = problems = 0
    for o in run.outcomes:
        ex = o.extraction
        if ex is None or o.doc_id is None:
            continue
        rows = record_rows(ex.records, tables, run.run_id, o.doc_id) if ex.status == "succeeded" else DocumentRows()
        probs = problem_rows(run.run_id, o.doc_id, ex.problems, ex.link_problems, rows.problems)
        for table, trows in rows.tables.items():
            out.setdefault(table, []).extend(trows)
        out.setdefault("run_problems", []).extend(probs)
        extractions.append({
            "run_id": run.run_id, "doc_id": o.doc_id, "code_version": run.code_version, "status": ex.status,
            "doc_type": ex.doc_type, "year": ex.year, "committee": ex.committee, "title": ex.title,
            "page_count": o.page_count, "records": rows.records, "problems": len(probs), "error": ex.error})
        records += rows.records
        problems += len(probs)
    return RunRows(out, extractions, records, problems)


def load_run(con: duckdb.DuckDBPyConnection, run: RunSummary, progress: Progress = _quiet) -> RunRows:
    """Write the run, its per-file outcomes, new documents and every extracted row atomically."""
    tables = table_columns(con)
    rows = run_rows(run, tables)
    con.execute("BEGIN TRANSACTION")
    try:
        progress("begin")
        con.execute(
            "INSERT INTO runs (run_id, started_at, finished_at, code_version, status, documents_seen, "
            "documents_new, documents_reextracted, documents_unchanged, documents_failed, pages_total, "
            "records_loaded, problems_recorded) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [run.run_id, utc_naive(run.started_at), utc_naive(run.finished_at), run.code_version, "succeeded",
             len(run.outcomes), run.count("new"), run.count("reextracted"), run.count("unchanged"),
             run.count("failed"), run.pages_total, rows.records, rows.problems])
        insert_rows(con, "run_documents", tables["run_documents"], [outcome_row(run, o) for o in run.outcomes])
        insert_rows(con, "document_files", tables["document_files"], new_document_rows(run), on_conflict_ignore=True)
        progress("documents")
        insert_rows(con, "document_extractions", tables["document_extractions"], rows.extractions)
        for table in sorted(rows.tables):
            insert_rows(con, table, tables[table], rows.tables[table])
            progress(f"table:{table}")
        from pipeline.review import queue_changes
        rows.review = queue_changes(con, run.run_id, tables, rows.tables)  # publish first versions, queue changes
        progress("reviewed")
        progress("commit")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows


def outcome_row(run: RunSummary, o: DocumentOutcome) -> dict[str, Any]:
    """The run_documents row of what the run did with one file."""
    return {"run_id": run.run_id, "source_uri": o.source_uri, "sha256": o.sha256, "doc_id": o.doc_id, "status": o.status,
            "reason": o.reason, "detail": o.detail, "page_count": o.page_count}


def new_document_rows(run: RunSummary) -> list[dict[str, Any]]:
    """The document_files rows of the documents whose bytes are new in this run (each once)."""
    out: dict[str, dict[str, Any]] = {}
    for o in run.outcomes:
        if o.status == "new" and o.doc_id is not None and o.doc_id not in out:
            out[o.doc_id] = {"doc_id": o.doc_id, "sha256": o.sha256, "source_uri": o.source_uri,
                             "page_count": o.page_count, "first_seen_at": utc_naive(run.started_at)}
    return list(out.values())


def publish_run(path: Path | str, run: RunSummary, progress: Progress = _quiet) -> RunRows:
    """Load `run` into the next state of the warehouse at `path` and swap it in (see warehouse.snapshot)."""
    from warehouse.snapshot import writing

    with writing(path, progress) as snap:
        rows = load_run(snap.con, run, progress)
        snap.publish = True
    return rows
