"""Every table of a warehouse as deterministic text, so two loads can be compared byte for byte.

`python -m bench.warehouse_dump WAREHOUSE.duckdb OUT.txt` writes each base table (name, columns with their types,
then every row as the repr of its values, rows sorted) in name order. Only what legitimately differs between two
runs of the same code over the same files is left out or renamed:

- run ids (`YYYYMMDDTHHMMSS-<random>`) become `run#1`, `run#2`, ... in the order the runs started, wherever they
  occur (in `run_id`/`old_run_id` columns and inside any text);
- a review change id (a digest over its run id, document, entity, key and field) becomes that digest over the run's
  label instead, wherever it occurs as a whole value, when the stored id is the digest it should be (otherwise it
  stays as stored, and the dumps differ);
- the columns in `EXCLUDED`: wall-clock timestamps, and the code version (a digest of the extraction code, which
  includes warehouse/rows.py, so it moves with any edit there).
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from warehouse.db import quote_ident

EXCLUDED: dict[str, frozenset[str]] = {
    "runs": frozenset({"started_at", "finished_at", "code_version"}),
    "document_extractions": frozenset({"code_version"}),
    "document_files": frozenset({"first_seen_at"}),
    "check_runs": frozenset({"checked_at", "code_version"}),
    "publications": frozenset({"published_at"}),
    "review_changes": frozenset({"created_at"}),
    "review_decisions": frozenset({"decided_at"}),
    "schema_version": frozenset({"applied_at"}),
}


def run_labels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """run_id -> `run#N`, numbered in the order the runs started."""
    ids = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY started_at, run_id").fetchall()]
    return {rid: f"run#{i}" for i, rid in enumerate(ids, 1)}


def change_labels(con: duckdb.DuckDBPyConnection, runs: dict[str, str]) -> dict[str, str]:
    """review change id -> `change:<the same digest over the run's label>` (only for ids that are that digest)."""
    from pipeline.review.store import change_id_for

    out: dict[str, str] = {}
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                       "AND table_name = 'review_changes'").fetchone()[0]:
        return out  # a warehouse older than schema version 4
    for cid, run_id, doc_id, entity, key, fld in con.execute(
            "SELECT change_id, run_id, doc_id, entity, entity_key, field FROM review_changes").fetchall():
        if cid == change_id_for(run_id, doc_id, entity, key, fld) and run_id in runs:
            out[cid] = "change:" + change_id_for(runs[run_id], doc_id, entity, key, fld)
    return out


def relabel(value: object, labels: dict[str, str], whole: dict[str, str] | None = None) -> object:
    """`value` with every run id replaced by its label (also inside text, lists and structs), and every value that
    is a key of `whole` replaced by its label."""
    if whole and isinstance(value, str) and value in whole:
        return whole[value]
    if isinstance(value, str):
        for rid, label in labels.items():
            if rid in value:
                value = value.replace(rid, label)
        return value
    if isinstance(value, list):
        return [relabel(v, labels, whole) for v in value]
    if isinstance(value, tuple):
        return tuple(relabel(v, labels, whole) for v in value)
    if isinstance(value, dict):
        return {k: relabel(v, labels, whole) for k, v in value.items()}
    return value


def dump_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The dump of every base table, as lines."""
    labels = run_labels(con)
    changes = change_labels(con, labels)
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name").fetchall()]
    out: list[str] = []
    for table in tables:
        cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' "
                           "AND table_name = ? ORDER BY column_index", [table]).fetchall()
        kept = [(n, t) for n, t in cols if n not in EXCLUDED.get(table, frozenset())]
        out.append(f"== {table} ({', '.join(f'{n} {t}' for n, t in kept)})")
        if not kept:
            continue
        rows = con.execute(f"SELECT {', '.join(quote_ident(n) for n, _ in kept)} FROM {quote_ident(table)}").fetchall()
        lines = sorted(repr(tuple(relabel(v, labels, changes) for v in row)) for row in rows)
        out.append(f"-- {len(lines)} rows")
        out.extend(lines)
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m bench.warehouse_dump WAREHOUSE.duckdb OUT.txt", file=sys.stderr)
        return 2
    con = duckdb.connect(argv[0], read_only=True)
    try:
        lines = dump_lines(con)
    finally:
        con.close()
    Path(argv[1]).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
