"""Loading a run: everything a run produced goes in one transaction, or nothing does."""
from __future__ import annotations

import duckdb

from pipeline.ingest import RunSummary


def known_hashes(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT sha256 FROM documents").fetchall()}


def load_run(con: duckdb.DuckDBPyConnection, run: RunSummary) -> None:
    """Write the run, its per-file outcomes and any new documents atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO runs (run_id, started_at, finished_at, code_version, status, documents_seen, "
            "documents_new, documents_unchanged, documents_failed, pages_total) VALUES (?,?,?,?,?,?,?,?,?,?)",
            [run.run_id, run.started_at, run.finished_at, run.code_version, "succeeded", len(run.outcomes),
             run.count("new"), run.count("unchanged"), run.count("failed"), run.pages_total])
        for o in run.outcomes:
            con.execute(
                "INSERT INTO run_documents (run_id, source_uri, sha256, doc_id, status, reason, detail, page_count) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [run.run_id, o.source_uri, o.sha256, o.doc_id, o.status, o.reason, o.detail, o.page_count])
            if o.status == "new":
                con.execute(
                    "INSERT INTO documents (doc_id, sha256, source_uri, page_count, first_seen_at) "
                    "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                    [o.doc_id, o.sha256, o.source_uri, o.page_count, run.started_at])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
