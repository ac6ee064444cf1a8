"""Ingest: find PDFs, content-address them, inspect them, extract them, and load the run into the warehouse.

This is the pipeline the nightly flow and `muni ingest` both run:

    discover -> sha256 -> (known bytes and code? skip) -> inspect -> extract -> link across documents -> load

A document is extracted when its bytes are new, or when the extraction code changed since it was last
extracted (`code_version`: the package version plus a digest of the extraction sources). A run that finds
nothing to add (same bytes, same code, failures already recorded) writes nothing at all, so re-ingesting is
idempotent. Everything else goes into the warehouse in one transaction, in a copy that is swapped in
atomically (warehouse.snapshot): readers never wait and never see half a run.
"""
from __future__ import annotations

import hashlib
import traceback
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from extractors.pdf import inspect_pdf
from pipeline import CODE_VERSION
from pipeline.records import Problem, Record

if TYPE_CHECKING:
    from pipeline.extract import DocumentExtraction

DOC_TYPES = ("VP", "VB", "T1", "T2")


@dataclass(frozen=True)
class ExtractionResult:
    """What extraction produced for one document in one run (or why it failed)."""

    status: str  # succeeded | failed
    doc_type: str | None = None
    year: int | None = None
    committee: str | None = None
    title: str | None = None
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # extraction's own
    link_problems: list[Problem] = field(default_factory=list)  # from linking across documents
    error: str | None = None  # when failed: the exception, said where


@dataclass(frozen=True)
class DocumentOutcome:
    """What one run did with one file."""

    source_uri: str
    sha256: str | None
    doc_id: str | None
    status: str  # new | reextracted | unchanged | failed
    reason: str | None = None
    detail: str | None = None
    page_count: int = 0
    first_text: str = ""
    extraction: ExtractionResult | None = None


@dataclass
class RunSummary:
    """One pipeline run: when, with which code, the outcome per file, and whether it was recorded."""

    run_id: str
    started_at: datetime
    code_version: str = CODE_VERSION
    finished_at: datetime | None = None
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    recorded: bool = False  # False when the run found nothing to add and left the warehouse as it was

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def pages_total(self) -> int:
        return sum(o.page_count for o in self.outcomes if o.status != "failed")

    @property
    def records_total(self) -> int:
        return sum(len(o.extraction.records) for o in self.outcomes if o.extraction)


# ----- code version ---------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
EXTRACTION_SOURCES = ("extractors", "parsers", "pipeline/extract.py", "pipeline/records.py", "warehouse/rows.py")


def source_digest(root: Path, sources: Iterable[str]) -> str:
    """sha256 over the names and contents of the Python files that decide what extraction stores."""
    h = hashlib.sha256()
    files: list[Path] = []
    for s in sources:
        p = root / s
        files.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p] if p.is_file() else [])
    for f in sorted(set(files)):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def current_code_version() -> str:
    """`CODE_VERSION+<12 hex>`: changes whenever extraction code changes, so documents get re-extracted."""
    return f"{CODE_VERSION}+{source_digest(ROOT, EXTRACTION_SOURCES)[:12]}"


# ----- per file -------------------------------------------------------------------------------------------

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


def process_file(path: Path, known_sha256: set[str] | frozenset[str],
                 extracted_sha256: set[str] | frozenset[str] | None = None) -> DocumentOutcome:
    """Hash and inspect one file: new bytes, known bytes to re-extract (new code), unchanged, or failed.

    `known_sha256` are the documents the warehouse holds; `extracted_sha256` those already extracted by the
    current code (default: all known ones). Unchanged bytes are recognised without opening the PDF.
    """
    extracted = known_sha256 if extracted_sha256 is None else extracted_sha256
    uri = path.resolve().as_uri()
    try:
        data = path.read_bytes()
    except OSError as exc:
        return DocumentOutcome(uri, None, None, "failed", "unreadable", str(exc))
    digest = sha256_bytes(data)
    if digest in extracted:
        return DocumentOutcome(uri, digest, doc_id_for(digest), "unchanged")
    info = inspect_pdf(path)
    if not info.ok:
        return DocumentOutcome(uri, digest, None, "failed", info.reason, info.detail, info.page_count)
    status = "reextracted" if digest in known_sha256 else "new"
    return DocumentOutcome(uri, digest, doc_id_for(digest), status, page_count=info.page_count,
                           first_text=info.first_text)


def extraction_result(doc: "DocumentExtraction") -> ExtractionResult:
    """The storable part of a DocumentExtraction; an impossible classification is dropped and said so."""
    info = doc.info
    problems = list(doc.problems)
    doc_type, year = info.doc_type, info.year
    if doc_type is not None and doc_type not in DOC_TYPES:
        problems.append(Problem(None, None, f"document type {doc_type!r} is not one of {DOC_TYPES}: not stored"))
        doc_type = None
    if year is not None and not (isinstance(year, int) and 1900 <= year <= 2200):
        problems.append(Problem(None, None, f"year {year!r} is not a plausible year: not stored"))
        year = None
    return ExtractionResult("succeeded", doc_type, year, info.committee, info.title, list(doc.records), problems)


def run_extraction(extract: Callable[[Path], "DocumentExtraction"], path: Path
                   ) -> tuple["DocumentExtraction | None", ExtractionResult]:
    """Extract one document; an exception fails this document only, with the error said where."""
    try:
        doc = extract(path)
    except Exception as exc:  # one document's failure must not lose the run
        where = traceback.extract_tb(exc.__traceback__)[-1]
        return None, ExtractionResult("failed", error=f"{type(exc).__name__}: {exc} ({where.filename}:{where.lineno})")
    return doc, extraction_result(doc)


# ----- linking across documents --------------------------------------------------------------------------

def context_documents(docs: list["DocumentExtraction"], lookup: Callable[[int, str | None], object | None]
                      ) -> list["DocumentExtraction"]:
    """Stand-ins for VPs already in the warehouse, so a new VB's follow-ups link to their controls.

    `lookup(year, committee)` returns a warehouse.load.PublishedControls or None. A stand-in's path is
    its doc_id, so the link's control_doc_id is the warehouse's doc_id.
    """
    from extractors.classify import DocumentInfo, Segmentation
    from pipeline.extract import DocumentExtraction

    out = []
    for vb in (d for d in docs if d.info.doc_type == "VB" and d.info.year is not None):
        key = (vb.info.year, vb.info.committee)
        if any(d.info.doc_type == "VP" and (d.info.year, d.info.committee) == key for d in docs + out):
            continue
        found = lookup(*key)
        if found is not None:
            info = DocumentInfo("VP", key[0], key[1], found.title, "published in the warehouse")
            out.append(DocumentExtraction(Path(found.doc_id), info, found.page_count, Segmentation({}, []),
                                          records=list(found.controls)))
    return out


def link_run(pairs: list[tuple[DocumentOutcome, "DocumentExtraction"]],
             lookup: Callable[[int, str | None], object | None] = lambda year, committee: None
             ) -> dict[str, list[Problem]]:
    """Link the run's documents to each other (and to published VPs): the new problems per doc_id.

    Follow-ups name their control document by file name (pipeline.extract.link_documents); here that name
    becomes the document's doc_id, which is what the warehouse can join on.
    """
    from pipeline.extract import link_documents

    docs = [d for _, d in pairs]
    before = [len(d.problems) for d in docs]
    context = context_documents(docs, lookup)
    link_documents(docs + context)
    names: dict[str, str | None] = {}
    for o, d in pairs:
        names[d.path.name] = None if d.path.name in names else o.doc_id  # a name used twice is ambiguous
        names[str(d.path)] = o.doc_id
    names.update({str(c.path): str(c.path) for c in context})
    out: dict[str, list[Problem]] = {}
    for (o, d), n in zip(pairs, before):
        problems = list(d.problems[n:])
        for rec in d.table("control_followups"):
            ref = getattr(rec, "control_doc_id", None)
            if ref is not None and ref in names:
                if names[ref] is None:
                    problems.append(Problem(rec.page, "control_followups",
                                            f"control document {ref!r} is ambiguous (two files of that name)"))
                rec.control_doc_id = names[ref]
        out[o.doc_id or ""] = problems
    return out


# ----- the run --------------------------------------------------------------------------------------------

def new_run(now: datetime | None = None, code_version: str | None = None) -> RunSummary:
    now = now or datetime.now(timezone.utc)
    return RunSummary(run_id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6], started_at=now,
                      code_version=code_version or current_code_version())


def adds_something(run: RunSummary, known_failures: frozenset[tuple[str, str]] | set[tuple[str, str]]) -> bool:
    """Whether the run has anything the warehouse lacks: a document to (re-)extract or a new failure."""
    for o in run.outcomes:
        if o.status in ("new", "reextracted"):
            return True
        if o.status == "failed" and (o.sha256 is None or (o.sha256, o.reason) not in known_failures):
            return True
    return False


def plan_outcomes(files: list[Path], documents: frozenset[str], extracted: frozenset[str]) -> list[DocumentOutcome]:
    """Each file's outcome before extraction; the same bytes twice in one run are one document."""
    outcomes, seen = [], set()
    for f in files:
        o = process_file(f, documents | seen, extracted | seen)
        if o.sha256 and o.status in ("new", "reextracted"):
            seen.add(o.sha256)
        outcomes.append(o)
    return outcomes


def ingest(paths: Iterable[Path | str], warehouse_path: Path | str, *, code_version: str | None = None,
           extract: Callable[[Path], "DocumentExtraction"] | None = None,
           progress: Callable[[str], None] | None = None) -> RunSummary:
    """Run the pipeline over `paths` and load the result into the DuckDB warehouse at `warehouse_path`.

    `extract` defaults to pipeline.extract.extract_document (tests pass a fake); `progress` is called at
    each step of the load (tests use it to interrupt a load at a chosen point).
    """
    from warehouse.load import known_state, load_run, published_vp_controls
    from warehouse.snapshot import writing

    if extract is None:
        from pipeline.extract import extract_document as extract
    files = discover_pdfs(paths)
    run = new_run(code_version=code_version)
    with writing(warehouse_path, progress or (lambda step: None)) as snap:
        known = known_state(snap.con, run.code_version)
        outcomes = plan_outcomes(files, known.documents, known.extracted)
        pairs: list[tuple[DocumentOutcome, DocumentExtraction]] = []
        for i, o in enumerate(outcomes):
            if o.status in ("new", "reextracted"):
                doc, result = run_extraction(extract, files[i])
                outcomes[i] = o = replace(o, extraction=result)
                if doc is not None:
                    pairs.append((o, doc))
        linked = link_run(pairs, lambda year, committee: published_vp_controls(snap.con, year, committee))
        run.outcomes = [replace(o, extraction=replace(o.extraction, link_problems=linked.get(o.doc_id or "", [])))
                        if o.extraction and o.doc_id in linked else o for o in outcomes]
        run.finished_at = datetime.now(timezone.utc)
        if adds_something(run, known.failures):
            load_run(snap.con, run, progress or (lambda step: None))
            from pipeline.checks.store import run_checks
            run_checks(snap.con, run.run_id)  # the findings of the published state, for this run
            snap.publish = run.recorded = True
    return run


def format_summary(run: RunSummary) -> str:
    """The human summary printed at the end of a run."""
    lines = [
        f"run {run.run_id} (code {run.code_version})",
        f"  documents: {len(run.outcomes)} seen, {run.count('new')} new, {run.count('reextracted')} re-extracted, "
        f"{run.count('unchanged')} unchanged, {run.count('failed')} failed; {run.pages_total} pages, "
        f"{run.records_total} records",
    ]
    for o in run.outcomes:
        name = o.source_uri.rsplit("/", 1)[-1]
        if o.status == "failed":
            lines.append(f"  FAILED {name}: {o.reason} — {o.detail}")
            continue
        line = f"  {o.status:<11} {name}: {o.page_count} pages, doc_id {o.doc_id}"
        ex = o.extraction
        if ex is not None and ex.status == "failed":
            line += f"; EXTRACTION FAILED: {ex.error}"
        elif ex is not None:
            line += (f"; {ex.doc_type or '?'} {ex.year or ''}, {len(ex.records)} records, "
                     f"{len(ex.problems) + len(ex.link_problems)} problems")
        lines.append(line)
    if not run.recorded:
        lines.append("  nothing new: the warehouse is unchanged (run not recorded)")
    return "\n".join(lines)
