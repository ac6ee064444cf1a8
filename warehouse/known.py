"""What the warehouse already holds, read before a run is planned: which documents it has, which this code version
extracted, which failures it recorded. Its own module, importing only DuckDB, so a run can read it (and start its
extraction workers) before it imports what the load needs (pyarrow, the row fitting: ~0.1 s more)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb


@dataclass(frozen=True)
class KnownState:
    """What the warehouse already holds, to decide what a run must do with each file."""

    documents: frozenset[str]  # sha256 of every document
    extracted: frozenset[str]  # sha256 of documents already extracted by this code version
    failures: frozenset[tuple[str, str]]  # (sha256, or source_uri when there were no bytes; reason) recorded
    source_sha256: dict[str, str] = field(default_factory=dict)  # source_uri -> sha256 it had last


EMPTY = KnownState(frozenset(), frozenset(), frozenset())


def known_state(con: duckdb.DuckDBPyConnection, code_version: str) -> KnownState:
    """The documents, extractions (by `code_version`), recorded failures and source contents the warehouse holds."""
    docs = {r[0] for r in con.execute("SELECT sha256 FROM document_files").fetchall()}
    extracted = {r[0] for r in con.execute(
        "SELECT f.sha256 FROM document_extractions e JOIN document_files f ON f.doc_id = e.doc_id "
        "WHERE e.code_version = ?", [code_version]).fetchall()}
    failures = {(r[0], r[1]) for r in con.execute(
        "SELECT DISTINCT coalesce(sha256, source_uri), reason FROM run_documents WHERE status = 'failed' "
        "AND reason IS NOT NULL").fetchall()}
    sources = dict(con.execute(
        "SELECT d.source_uri, arg_max(d.sha256, r.started_at) FROM run_documents d JOIN runs r USING (run_id) "
        "WHERE d.sha256 IS NOT NULL AND d.status <> 'failed' GROUP BY d.source_uri").fetchall())
    return KnownState(frozenset(docs), frozenset(extracted), frozenset(failures), sources)


def read_known_state(path: Path | str, code_version: str) -> KnownState:
    """The known state of the published warehouse, read-only (empty when there is none or it cannot be read yet:
    the load re-checks under the writer lock, so a stale plan costs time, never correctness)."""
    from warehouse.snapshot import open_published

    if not Path(path).exists():
        return EMPTY
    try:
        con = open_published(path)
    except duckdb.Error:
        return EMPTY
    try:
        return known_state(con, code_version)
    except duckdb.Error:  # an older schema: the migrated copy under the lock will tell
        return EMPTY
    finally:
        con.close()
