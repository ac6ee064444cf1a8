"""Ingest: find PDFs, content-address them, inspect them, extract them, and load the run into the warehouse.

This is the pipeline the nightly flow (flows/nightly.py) and `muni ingest` both run, in three phases:

    plan:    inputs -> sha256 -> (known bytes and code? skip) -> inspect         against the published warehouse
    extract: each document to extract in its own worker process (pipeline.workers), with time/memory limits
    load:    under the writer lock: re-check the plan, link across documents, load, review, checks, publish

A document is extracted when its bytes are new, or when the extraction code changed since it was last
extracted (`code_version`: the package version plus a digest of the extraction sources): the cache key is
sha256 + code version, held by the warehouse itself. A run that finds nothing to add (same bytes, same code,
failures already recorded) writes nothing at all, so re-ingesting is idempotent. Extraction runs outside the
writer lock, planned against a read-only view; the load re-reads what the warehouse knows under the lock and
adjusts the plan if another writer got there first. Everything goes into the warehouse in one transaction, in
a copy that is swapped in atomically (warehouse.snapshot): readers never wait and never see half a run.
"""
from __future__ import annotations

import hashlib
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from extractors.pdf import inspect_pdf
from pipeline import CODE_VERSION
from pipeline.checks.model import SEVERITIES
from pipeline.records import Problem, Record
from pipeline.sources import DOC_TYPES, Hints, plausible_year

if TYPE_CHECKING:
    from pipeline.extract import DocumentExtraction


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
    changed_source: bool = False  # new bytes where the same source_uri had other bytes before (a republished PDF)


@dataclass
class RunSummary:
    """One pipeline run: when, with which code, the outcome per file, and whether it was recorded."""

    run_id: str
    started_at: datetime
    code_version: str = CODE_VERSION
    finished_at: datetime | None = None
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    recorded: bool = False  # False when the run found nothing to add and left the warehouse as it was
    findings: dict[str, int] = field(default_factory=dict)  # severity -> findings the checks wrote for this run
    review: Any = None  # pipeline.review.ReviewSummary: changes queued for review, auto-published
    extracted_here: int = 0  # documents this process extracted (0: the run did no extraction work)
    fetched: dict[str, int] = field(default_factory=dict)  # fetch status (fetched, not_modified, failed) -> URLs
    report: Path | None = None  # index.html of the run's findings report
    report_error: str | None = None  # why the report could not be written (the load stands)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase: plan, extract, load

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


def doc_id_for(sha256: str) -> str:
    """Documents are content-addressed: the id is the first 16 hex digits of the sha256."""
    return sha256[:16]


def process_file(path: Path, known_sha256: set[str] | frozenset[str],
                 extracted_sha256: set[str] | frozenset[str] | None = None,
                 source_uri: str | None = None, inspect: Callable[[Path], Any] = inspect_pdf,
                 sha256: str | None = None) -> DocumentOutcome:
    """Hash and inspect one file: new bytes, known bytes to re-extract (new code), unchanged, or failed.

    `known_sha256` are the documents the warehouse holds; `extracted_sha256` those already extracted by the
    current code (default: all known ones). Unchanged bytes are recognised without opening the PDF.
    `source_uri` is where the bytes came from (default: the file's own `file://` URI); `inspect` takes the first
    look (the flow runs it in a child process: pipeline.workers.inspect_isolated). `sha256` is the bytes' hash
    when it is already known (a fetch hashed them on the way into the content store): the file is not hashed again.
    """
    from pipeline.pdfstore import file_sha256

    extracted = known_sha256 if extracted_sha256 is None else extracted_sha256
    uri = source_uri or path.resolve().as_uri()
    try:
        digest = sha256 or file_sha256(path)
    except OSError as exc:
        return DocumentOutcome(uri, None, None, "failed", "unreadable", str(exc))
    if digest in extracted:
        return DocumentOutcome(uri, digest, doc_id_for(digest), "unchanged")
    info = inspect(path)
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
    if year is not None and not plausible_year(year):
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


# ----- inputs ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InputDoc:
    """One file a run looks at: where it came from, where its bytes are, the source's hints.

    `failure` (reason, detail) is set when the bytes could not be had (a fetch that failed); `sha256` when a
    fetch already hashed them.
    """

    source_uri: str
    path: Path | None
    hints: Hints = Hints()
    failure: tuple[str, str] | None = None
    sha256: str | None = None


def local_inputs(paths: Iterable[Path | str], hints: Hints = Hints()) -> list[InputDoc]:
    """Every PDF under the given local files and folders, as inputs with their `file://` URI."""
    return [InputDoc(p.resolve().as_uri(), p, hints) for p in discover_pdfs(paths)]


def apply_hints(doc: "DocumentExtraction", hints: Hints) -> list[Problem]:
    """Fill what extraction could not read (type, year, committee) from the source's hints; extraction wins a
    disagreement, which is returned as a problem."""
    info, problems, fill = doc.info, [], {}
    for name in ("doc_type", "year", "committee"):
        hinted, read = getattr(hints, name), getattr(info, name)
        if hinted is None:
            continue
        if read is None:
            fill[name] = hinted
        elif read != hinted:
            problems.append(Problem(None, None, f"sources.toml says {name} {hinted!r}, the document says {read!r}: "
                                                f"the document's reading is kept"))
    if fill:
        doc.info = replace(info, **fill, evidence=f"{info.evidence}; from sources.toml: {sorted(fill)}")
    return problems


# ----- plan -----------------------------------------------------------------------------------------------

@dataclass
class Plan:
    """A run before loading: each input's outcome, the extractions done so far, what the warehouse knew."""

    run: RunSummary
    inputs: list[InputDoc]
    known: Any  # warehouse.known.KnownState the plan was made against
    docs: dict[int, "DocumentExtraction"] = field(default_factory=dict)

    def pending(self) -> list[int]:
        """Indices of the documents still to extract."""
        return [i for i, o in enumerate(self.run.outcomes)
                if o.status in ("new", "reextracted") and o.extraction is None]


def plan_inputs(inputs: list[InputDoc], known: Any, inspect: Callable[[Path], Any] = inspect_pdf
                ) -> list[DocumentOutcome]:
    """Each input's outcome before extraction; the same bytes twice in one run are one document."""
    outcomes, seen = [], set()
    for inp in inputs:
        if inp.failure is not None or inp.path is None:
            reason, detail = inp.failure or ("unreadable", "no bytes")
            outcomes.append(DocumentOutcome(inp.source_uri, inp.sha256, None, "failed", reason, detail))
            continue
        o = process_file(inp.path, known.documents | seen, known.extracted | seen, inp.source_uri, inspect, inp.sha256)
        if o.sha256 and o.status in ("new", "reextracted"):
            seen.add(o.sha256)
        if o.status == "new" and known.source_sha256.get(o.source_uri) not in (None, o.sha256):
            o = replace(o, changed_source=True)
        outcomes.append(o)
    return outcomes


def keep_pdfs(warehouse_path: Path | str, inputs: list[InputDoc], outcomes: list[DocumentOutcome]) -> None:
    """Keep every readable PDF of the run in the content store, so reports can show its pages later.

    Local files are copied, not hard-linked: a file rewritten in place (`make samples`) must not change the store.
    """
    from pipeline.pdfstore import keep_pdf, stored_pdf_path

    for inp, o in zip(inputs, outcomes):
        if o.status != "failed" and o.sha256 and inp.path is not None:
            if not stored_pdf_path(warehouse_path, o.sha256).is_file():
                keep_pdf(warehouse_path, o.sha256, data=inp.path.read_bytes())


def hashed_inputs(inputs: list[InputDoc]) -> list[InputDoc]:
    """The inputs with their bytes' sha256 filled in (each file hashed once per run); a file that cannot be read
    keeps None, and planning records why."""
    from pipeline.pdfstore import file_sha256

    out = []
    for inp in inputs:
        if inp.sha256 is None and inp.failure is None and inp.path is not None:
            try:
                inp = replace(inp, sha256=file_sha256(inp.path))
            except OSError:
                pass
        out.append(inp)
    return out


def paths_to_inspect(inputs: list[InputDoc], known: Any) -> list[Path]:
    """The files whose bytes this code version has not extracted yet (one per distinct content): those planning
    must take a first look at."""
    out, seen = [], set()
    for inp in inputs:
        if inp.failure is None and inp.path is not None and inp.sha256 is not None \
                and inp.sha256 not in known.extracted and inp.sha256 not in seen:
            seen.add(inp.sha256)
            out.append(inp.path)
    return out


def plan_run(inputs: list[InputDoc], warehouse_path: Path | str, code_version: str | None = None,
             limits=None, workers: int | None = None) -> Plan:
    """Plan a run against the published warehouse (read-only: no lock, readers and writers go on).

    The first look at each new file runs in a child process within `limits` (pipeline.workers), `workers` of
    them at once (default_workers(); at least one): a file that hangs or crashes pdfium is recorded as
    unreadable, and the run goes on.
    """
    from pipeline.workers import WorkerLimits, inspect_all_isolated, inspect_isolated, start_worker_server
    from warehouse.known import read_known_state

    started = time.perf_counter()
    run = new_run(code_version=code_version)
    known = read_known_state(warehouse_path, run.code_version)
    lim = limits or WorkerLimits.from_env()
    inputs = hashed_inputs(inputs)
    todo = paths_to_inspect(inputs, known)
    if todo:  # there is work: while the fork server loads the models, this process imports what its load needs
        start_worker_server()
        import_load_modules()
    looks = dict(zip(todo, inspect_all_isolated(todo, lim, default_workers() if workers is None else workers)))
    run.outcomes = plan_inputs(inputs, known, lambda path: looks[path] if path in looks else inspect_isolated(path, lim))
    keep_pdfs(warehouse_path, inputs, run.outcomes)
    run.seconds["plan"] = time.perf_counter() - started
    return Plan(run, inputs, known)


def import_load_modules() -> None:
    """Import what loading a run needs (the review queue, the checks, the section extractors, whose modules define
    record classes the checks look up, and pandas, which DuckDB imports the first time it reads a Python object
    such as the load's Arrow batches): done while the fork server starts, on the core it leaves idle, instead of
    later in the load, which runs alone under the writer lock. The prose parser is not among them: extraction
    stores how each prose figure relates to its year, so the checks need not read sentences again (only rows from
    before schema version 5 are, and then the parser is loaded for them)."""
    import pandas  # noqa: F401

    import pipeline.checks.store  # noqa: F401
    import pipeline.review.store  # noqa: F401
    import warehouse.snapshot  # noqa: F401
    from pipeline.extract import import_extractors

    import_extractors()


# ----- extract --------------------------------------------------------------------------------------------

def default_workers() -> int:
    """Worker processes for extraction: MUNI_WORKERS, else the machine's cores (at most 4)."""
    import os

    env = os.environ.get("MUNI_WORKERS")
    return int(env) if env else max(1, min(4, os.cpu_count() or 1))


def picklable(fn: object) -> bool:
    """Whether `fn` can be sent to a worker process (a module-level function can, a closure cannot)."""
    import pickle

    try:
        pickle.dumps(fn)
        return True
    except Exception:
        return False


def outcome_name(o: DocumentOutcome) -> str:
    return o.source_uri.rsplit("/", 1)[-1]


def longest_first(outcomes: list[DocumentOutcome], indices: list[int]) -> list[int]:
    """The documents to extract, the most pages first (ties in their order): with several workers a long document
    started last would keep one worker busy while the others idle; started first, the short ones fill in beside it."""
    return sorted(indices, key=lambda i: -outcomes[i].page_count)


def extract_plan(plan: Plan, indices: list[int] | None = None, *, extract=None, workers: int | None = None,
                 limits=None, reporter=None) -> Plan:
    """Extract the plan's pending documents (or `indices`) in worker processes; each result goes into its outcome.

    An `extract` that cannot be sent to a worker (a test's closure) runs in this process, without isolation.
    """
    from pipeline.collector import collections_paused
    from pipeline.workers import WorkerLimits, extract_in_workers

    todo = longest_first(plan.run.outcomes, plan.pending() if indices is None else indices)
    if not todo:
        return plan
    started = time.perf_counter()
    workers = default_workers() if workers is None else workers
    if extract is not None and not picklable(extract):
        workers = 0
    names = {plan.inputs[i].path: outcome_name(plan.run.outcomes[i]) for i in todo}
    if reporter is not None:
        reporter.planned([(outcome_name(plan.run.outcomes[i]), plan.run.outcomes[i].page_count) for i in todo])
    with collections_paused():  # the results pile up: pipeline.collector
        results = extract_in_workers(
            [plan.inputs[i].path for i in todo], workers, limits or WorkerLimits.from_env(), extract,
            on_done=(lambda p, r: reporter.finished(names[p], r.status, r.error)) if reporter else None,
            on_start=(lambda p: reporter.started(names[p])) if reporter else None)
    if reporter is not None:
        reporter.close()
    plan = fold_extractions(plan, todo, [(doc, result) for _, doc, result in results])
    # added up: the load extracts again what another writer lost meanwhile (rare), and that time is the load's too
    plan.run.seconds["extract"] = plan.run.seconds.get("extract", 0.0) + time.perf_counter() - started
    return plan


def fold_extractions(plan: Plan, indices: list[int], results: list[tuple["DocumentExtraction | None", ExtractionResult]]
                     ) -> Plan:
    """Put each extraction into its outcome (with the source's hints applied); wherever it ran."""
    for i, (doc, result) in zip(indices, results):
        if doc is not None:
            hint_problems = apply_hints(doc, plan.inputs[i].hints)
            result = extraction_result(doc)
            result = replace(result, problems=result.problems + hint_problems)
            plan.docs[i] = doc
        plan.run.outcomes[i] = replace(plan.run.outcomes[i], extraction=result)
    plan.run.extracted_here += len(indices)
    return plan


# ----- load -----------------------------------------------------------------------------------------------

def reconcile(outcomes: list[DocumentOutcome], planned: Any, now: Any) -> tuple[list[DocumentOutcome], list[int]]:
    """The plan's outcomes corrected for what the warehouse knows `now` (under the writer lock).

    Bytes another run extracted meanwhile become `unchanged` (their extraction is dropped); new bytes another run
    registered become `reextracted`; bytes the plan skipped but the warehouse no longer has extracted (it was
    replaced meanwhile) are returned as indices to plan and extract again.
    """
    out, stale = [], []
    in_run = {o.sha256 for o in outcomes if o.status in ("new", "reextracted") and o.sha256}
    for i, o in enumerate(outcomes):
        if o.status in ("new", "reextracted") and o.sha256 in now.extracted:
            o = replace(o, status="unchanged", extraction=None, changed_source=False)
        elif o.status == "new" and o.sha256 in now.documents:
            o = replace(o, status="reextracted")
        elif o.status == "reextracted" and o.sha256 not in now.documents:
            o = replace(o, status="new")
        elif o.status == "unchanged" and o.sha256 not in now.extracted and o.sha256 not in in_run:
            stale.append(i)
        out.append(o)
    return out, stale


def load_plan(plan: Plan, warehouse_path: Path | str, *, extract=None, workers: int | None = None, limits=None,
              reporter=None, progress: Callable[[str], None] | None = None) -> RunSummary:
    """Take the writer lock, re-check the plan, link, load, queue changes for review, run the checks, publish.

    A plan with nothing to add does not take the lock at all (an unchanged night costs no copy of the warehouse);
    should the warehouse lose an extraction in the moment between plan and load, the next run's plan sees it.
    """
    from pipeline.checks.store import run_checks
    from pipeline.collector import collections_paused
    from warehouse.known import known_state
    from warehouse.load import load_run, published_vp_controls
    from warehouse.snapshot import writing

    from pipeline.workers import WorkerLimits, inspect_isolated

    run = plan.run
    lim = limits or WorkerLimits.from_env()
    step = progress or (lambda s: None)
    if not plan.pending() and not adds_something(run, plan.known.failures):
        run.finished_at = datetime.now(timezone.utc)  # nothing to add: no lock, no copy, the warehouse as it was
        return run
    started = time.perf_counter()
    with collections_paused(), writing(warehouse_path, step) as snap:
        now = known_state(snap.con, run.code_version)
        run.outcomes, stale = reconcile(run.outcomes, plan.known, now)
        for i in stale:  # rare: the warehouse lost an extraction after the plan was made
            inp = plan.inputs[i]
            run.outcomes[i] = process_file(inp.path, now.documents, now.extracted, inp.source_uri,
                                           lambda path: inspect_isolated(path, lim), inp.sha256)
        extract_plan(plan, [i for i in stale if run.outcomes[i].status in ("new", "reextracted")],
                     extract=extract, workers=workers, limits=limits, reporter=reporter)
        pairs = [(o, plan.docs[i]) for i, o in enumerate(run.outcomes)
                 if o.status in ("new", "reextracted") and i in plan.docs]
        linked = link_run(pairs, lambda year, committee: published_vp_controls(snap.con, year, committee))
        run.outcomes = [replace(o, extraction=replace(o.extraction, link_problems=linked.get(o.doc_id or "", [])))
                        if o.extraction and o.doc_id in linked else o for o in run.outcomes]
        run.finished_at = datetime.now(timezone.utc)
        if adds_something(run, now.failures):
            if reporter is not None:
                reporter.step(f"loading run {run.run_id}")
            run.review = load_run(snap.con, run, step).review  # loads, publishes what needs no review, queues the rest
            findings = run_checks(snap.con, run.run_id)  # the findings of the published state, for this run
            by = Counter(f.severity for f in findings)
            run.findings = {sev: by[sev] for sev in sorted(by, key=severity_rank)}
            step("checked")
            snap.publish = run.recorded = True
    run.seconds["load"] = time.perf_counter() - started
    return run



def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def new_run(now: datetime | None = None, code_version: str | None = None) -> RunSummary:
    now = now or datetime.now(timezone.utc)
    return RunSummary(run_id=now.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6], started_at=now,
                      code_version=code_version or current_code_version())


def failure_key(o: DocumentOutcome) -> str:
    """A failure is known by its bytes, or by where it was seen when there were no bytes (a 404)."""
    return o.sha256 or o.source_uri


def adds_something(run: RunSummary, known_failures: frozenset[tuple[str, str]] | set[tuple[str, str]]) -> bool:
    """Whether the run has anything the warehouse lacks: a document to (re-)extract or a new failure."""
    for o in run.outcomes:
        if o.status in ("new", "reextracted"):
            return True
        if o.status == "failed" and (failure_key(o), o.reason) not in known_failures:
            return True
    return False


def ingest(paths: Iterable[Path | str], warehouse_path: Path | str, *, code_version: str | None = None,
           extract: Callable[[Path], "DocumentExtraction"] | None = None,
           progress: Callable[[str], None] | None = None, workers: int | None = None, limits=None,
           reporter=None, inputs: list[InputDoc] | None = None) -> RunSummary:
    """Run the pipeline over local `paths` (or prepared `inputs`) into the DuckDB warehouse at `warehouse_path`.

    `extract` defaults to pipeline.extract.extract_document (tests pass a fake); extraction runs in `workers`
    processes (default_workers(); 0: in this process) within `limits` (pipeline.workers.WorkerLimits);
    `reporter` (pipeline.progress) shows documents and pages done; `progress` is called at each step of the
    load (tests use it to interrupt a load at a chosen point).
    """
    inputs = local_inputs(paths) if inputs is None else inputs
    plan = plan_run(inputs, warehouse_path, code_version, limits, workers)
    extract_plan(plan, extract=extract, workers=workers, limits=limits, reporter=reporter)
    return load_plan(plan, warehouse_path, extract=extract, workers=workers, limits=limits, reporter=reporter,
                     progress=progress)


def format_summary(run: RunSummary) -> str:
    """The human summary printed at the end of a run."""
    lines = [
        f"run {run.run_id} (code {run.code_version})",
        f"  documents: {len(run.outcomes)} seen, {run.count('new')} new, {run.count('reextracted')} re-extracted, "
        f"{run.count('unchanged')} unchanged, {run.count('failed')} failed; {run.pages_total} pages, "
        f"{run.records_total} records",
    ]
    if run.fetched:
        lines.append("  fetched: " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(run.fetched.items())))
    for o in run.outcomes:
        name = outcome_name(o)
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
    if run.extracted_here == 0:
        lines.append("  no extraction work: every readable document was already extracted by this code version")
    if run.recorded:
        findings = ", ".join(f"{n} {sev}" for sev, n in run.findings.items()) or "none"
        lines.append(f"  findings: {findings}")
        if run.review is not None:
            lines.append(f"  review: {run.review.pending_changes} changes awaiting review, "
                         f"{run.review.auto_published} rows published without review")
    else:
        lines.append("  nothing new: the warehouse is unchanged (run not recorded)")
    if run.seconds:
        lines.append("  time: " + ", ".join(f"{phase} {s:.1f} s" for phase, s in run.seconds.items()))
    if run.report is not None:
        lines.append(f"  report: {run.report}")
    if run.report_error:
        lines.append(f"  REPORT FAILED: {run.report_error}")
    return "\n".join(lines)


def outcome_category(o: DocumentOutcome) -> str:
    """new, changed (new code, or new bytes at a known source), unchanged, or failed (unreadable or not extracted)."""
    if o.status == "failed" or (o.extraction is not None and o.extraction.status == "failed"):
        return "failed"
    if o.status == "reextracted" or (o.status == "new" and o.changed_source):
        return "changed"
    return o.status


def summary_markdown(run: RunSummary, report_index: Path | None = None) -> str:
    """The run summary as Markdown (the Prefect artifact): documents by outcome, findings, changes awaiting review."""
    counts = Counter(outcome_category(o) for o in run.outcomes)
    rows = [(k, counts.get(k, 0)) for k in ("new", "changed", "unchanged", "failed")]
    out = [f"# Nightly ingest {run.run_id}", "", f"Code version `{run.code_version}`; "
           + ("recorded in the warehouse." if run.recorded else "**nothing new** — the warehouse is unchanged."), "",
           "| documents | count |", "|---|---:|"] + [f"| {k} | {n} |" for k, n in rows]
    out.append(f"| pages extracted | {sum(o.page_count for o in run.outcomes if o.extraction)} |")
    if run.extracted_here == 0:
        out += ["", "No extraction work: every readable document was already extracted by this code version."]
    if run.recorded:
        out += ["", "| findings by severity | count |", "|---|---:|"]
        out += [f"| {sev} | {run.findings.get(sev, 0)} |" for sev in SEVERITIES]
        if run.review is not None:
            out += ["", f"**{run.review.pending_changes} changes awaiting review**; "
                        f"{run.review.auto_published} rows published without review."]
    problems = [o for o in run.outcomes if o.status == "failed" or (o.extraction and o.extraction.status == "failed")]
    if problems:
        out += ["", "| failed | why |", "|---|---|"]
        for o in problems:
            why = f"{o.reason}: {o.detail}" if o.status == "failed" else o.extraction.error
            out.append(f"| {outcome_name(o)} | {str(why).replace('|', '/')} |")
    if report_index is not None:
        out += ["", f"Report: `{report_index}`"]
    if run.report_error:
        out += ["", f"**Report failed**: {run.report_error}"]
    return "\n".join(out) + "\n"
