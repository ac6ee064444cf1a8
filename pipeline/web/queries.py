"""What the review page shows, read from the warehouse (parameterised SQL only), and the PDF crops it draws."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from pipeline.review.diff import TABLE_ORDER
from pipeline.review.store import Change, list_changes, standing_overrides, table_digest


def dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Runs (newest first) and documents, each with its pending changes."""
    pending = list_changes(con, status="pending")
    by_run: dict[str, int] = {}
    by_doc: dict[str, int] = {}
    for c in pending:
        by_run[c.run_id] = by_run.get(c.run_id, 0) + 1
        by_doc[c.doc_id] = by_doc.get(c.doc_id, 0) + 1
    runs = dicts(con.execute(
        "SELECT r.run_id, r.started_at, r.code_version, r.status, r.documents_seen, r.records_loaded, "
        "(SELECT count(*) FROM findings f WHERE f.run_id = r.run_id) AS findings FROM runs r "
        "ORDER BY r.started_at DESC, r.run_id DESC"))
    for r in runs:
        r["pending"] = by_run.get(r["run_id"], 0)
    docs = dicts(con.execute(
        "SELECT d.doc_id, d.doc_type, d.year, d.committee, d.title, d.published_run_id, d.source_uri FROM documents d "
        "ORDER BY d.doc_type NULLS LAST, d.year, d.committee, d.doc_id"))
    for d in docs:
        d["pending"] = by_doc.get(d["doc_id"], 0)
    return {"runs": runs, "documents": docs, "pending_total": len(pending),
            "overrides": standing_overrides(con)}


def document_review(con: duckdb.DuckDBPyConnection, doc_id: str, status: str = "pending") -> dict[str, Any] | None:
    """A document's changes (pending by default, or 'all') grouped by table, with a bulk-accept digest per table."""
    doc = dicts(con.execute("SELECT doc_id, doc_type, year, committee, title, published_run_id, source_uri "
                            "FROM documents WHERE doc_id = ?", [doc_id]))
    if not doc:
        return None
    changes = list_changes(con, doc_id=doc_id, status=None if status == "all" else status)
    groups: list[dict[str, Any]] = []
    for entity in TABLE_ORDER:
        cs = [c for c in changes if c.entity == entity]
        if not cs:
            continue
        by_run: dict[str, list[Change]] = {}
        for c in cs:
            by_run.setdefault(c.run_id, []).append(c)
        for run_id, rcs in by_run.items():
            pending = [c for c in rcs if c.status == "pending"]
            groups.append({"entity": entity, "run_id": run_id, "changes": rcs, "pending": len(pending),
                           "digest": table_digest(pending) if pending else ""})
    return {"doc": doc[0], "groups": groups, "status": status, "count": len(changes)}


def run_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, Any]:
    """The findings a run's checks wrote, worst first, with their evidence."""
    rows = dicts(con.execute(
        "SELECT finding_id, rule_id, severity, doc_id, other_doc_id, entity, entity_key, expected, actual, tolerance, "
        "message, evidence, status FROM findings WHERE run_id = ? ORDER BY CASE severity WHEN 'error' THEN 0 "
        "WHEN 'warning' THEN 1 WHEN 'minor' THEN 2 ELSE 3 END, rule_id, finding_id", [run_id]))
    return {"run_id": run_id, "findings": rows}


def finding_evidence(con: duckdb.DuckDBPyConnection, run_id: str, finding_id: str) -> list[dict[str, Any]]:
    row = con.execute("SELECT evidence FROM findings WHERE run_id = ? AND finding_id = ?",
                      [run_id, finding_id]).fetchone()
    return list(row[0] or []) if row else []


def pdf_of(con: duckdb.DuckDBPyConnection, warehouse: Path, doc_id: str | None) -> Path | None:
    """The PDF of a document: the content store first, else its file:// source if the bytes still match."""
    from pipeline.pdfstore import locate_pdf

    if not doc_id:
        return None
    row = con.execute("SELECT sha256, source_uri FROM document_files WHERE doc_id = ?", [doc_id]).fetchone()
    return locate_pdf(warehouse, row[0], row[1]) if row else None


CROP_SCALE = 1.5
CROP_MARGIN_PT = 36


@lru_cache(maxsize=8)
def page_image(path: Path, page: int, stamp: tuple[int, int]):
    """A PDF page rendered once for all its crops (a document's changes ask for two each); `stamp` (the file's
    mtime and size) renders it again if the file changed."""
    from extractors.render import render_page_image

    return render_page_image(path, page, CROP_SCALE)


def crop_png(con: duckdb.DuckDBPyConnection, warehouse: Path, doc_id: str | None, page: int | None,
             bbox: Any, highlights: list | None = None) -> bytes | None:
    """A PNG crop of the box on its page with the box highlighted, or None when the PDF or page is not available."""
    from extractors.render import crop_highlighted

    path = pdf_of(con, warehouse, doc_id)
    if path is None or not page or bbox is None:
        return None
    box = tuple(float(x) for x in bbox)
    try:
        st = path.stat()
        return crop_highlighted(page_image(path, int(page), (st.st_mtime_ns, st.st_size)), box,
                                [tuple(float(x) for x in h) for h in (highlights or [box])],
                                margin_pt=CROP_MARGIN_PT, scale=CROP_SCALE)
    except ValueError:
        return None
