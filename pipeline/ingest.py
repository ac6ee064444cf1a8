"""Ingest: find PDFs, content-address them, inspect them, and load the run into the warehouse.

This is the pipeline the nightly flow and `muni ingest` both run. Extraction of tables plugs in
at `process_file`; the load is one transaction per run (see warehouse.load).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

from extractors.pdf import inspect_pdf
from pipeline import CODE_VERSION


@dataclass(frozen=True)
class DocumentOutcome:
    """What one run did with one file."""

    source_uri: str
    sha256: str | None
    doc_id: str | None
    status: str  # new | unchanged | failed
    reason: str | None = None
    detail: str | None = None
    page_count: int = 0
    first_text: str = ""


@dataclass
class RunSummary:
    """One pipeline run: when, with which code, and the outcome per file."""

    run_id: str
    started_at: datetime
    code_version: str = CODE_VERSION
    finished_at: datetime | None = None
    outcomes: list[DocumentOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def pages_total(self) -> int:
        return sum(o.page_count for o in self.outcomes if o.status != "failed")


def discover_pdfs(paths: Iterable[Path | str]) -> list[Path]:
    """Every file ending in .pdf under the given folders (or the files themselves), sorted, de-duplicated."""
    found: set[Path] = set()
    for p in map(Path, paths):
        if p.is_dir():
            found.update(x for x in p.rglob("*") if x.is_file() and x.suffix.lower() == ".pdf")
        elif p.is_file():
            found.add(p)
        else:
            raise FileNotFoundError(f"no such file or folder: {p}")
    return sorted(found)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_id_for(sha256: str) -> str:
    """Documents are content-addressed: the id is the first 16 hex digits of the sha256."""
    return sha256[:16]


def process_file(path: Path, known_sha256: set[str]) -> DocumentOutcome:
    """Hash and inspect one file; unchanged bytes are recognised without opening the PDF."""
    uri = path.resolve().as_uri()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return DocumentOutcome(uri, None, None, "failed", "unreadable", str(exc))
    digest = sha256_bytes(data)
    if digest in known_sha256:
        return DocumentOutcome(uri, digest, doc_id_for(digest), "unchanged")
    info = inspect_pdf(path)
    if not info.ok:
        return DocumentOutcome(uri, digest, None, "failed", info.reason, info.detail, info.page_count)
    return DocumentOutcome(uri, digest, doc_id_for(digest), "new", page_count=info.page_count,
                           first_text=info.first_text)


def new_run(now: datetime | None = None) -> RunSummary:
    now = now or datetime.now(timezone.utc)
    return RunSummary(run_id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6], started_at=now)


def ingest(paths: Iterable[Path | str], warehouse_path: Path | str) -> RunSummary:
    """Run the pipeline over `paths` and load the result into the DuckDB file at `warehouse_path`."""
    from warehouse.db import connect
    from warehouse.load import known_hashes, load_run

    files = discover_pdfs(paths)
    run = new_run()
    con = connect(warehouse_path)
    try:
        known = known_hashes(con)
        seen: set[str] = set()
        for f in files:
            outcome = process_file(f, known | seen)
            if outcome.sha256 and outcome.status == "new":
                seen.add(outcome.sha256)
            run.outcomes.append(outcome)
        run.finished_at = datetime.now(timezone.utc)
        load_run(con, run)
    finally:
        con.close()
    return run


def format_summary(run: RunSummary) -> str:
    """The human summary printed at the end of a run."""
    lines = [
        f"run {run.run_id} (code {run.code_version})",
        f"  documents: {len(run.outcomes)} seen, {run.count('new')} new, "
        f"{run.count('unchanged')} unchanged, {run.count('failed')} failed; {run.pages_total} pages",
    ]
    for o in run.outcomes:
        name = o.source_uri.rsplit("/", 1)[-1]
        if o.status == "failed":
            lines.append(f"  FAILED {name}: {o.reason} — {o.detail}")
        else:
            lines.append(f"  {o.status:<9} {name}: {o.page_count} pages, doc_id {o.doc_id}")
    return "\n".join(lines)
