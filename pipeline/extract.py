"""Extract one document: read its pages once, classify it, segment it, and run each section's extractor.

Section extractors live in `extractors/` and are found through `EXTRACTORS` (section kind → function).
Each takes the section's pages and a `SectionContext` and returns a `SectionResult`; a section kind
without an extractor, or an extractor that fails, is recorded as a `Problem` — the rest goes on.
"""
from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from extractors.classify import DocumentInfo, SectionSpan, Segmentation, classify_document, segment_pages
from extractors.pages import Page, read_document
from pipeline.records import Problem, Record

# section kind -> "module:function"; kinds with nothing to extract map to None
EXTRACTORS: dict[str, str | None] = {
    "vor": "extractors.risks:extract_vor",
    "riskmatris": "extractors.matrix:extract_matrix",
    "internkontrollplan": "extractors.controls:extract_control_plan",
    "ikp_followup": "extractors.controls:extract_followups",
    "budget": "extractors.sheets:extract_budget_sheets",
    "investeringar": "extractors.sheets:extract_budget_sheets",
    "budgetavrakning": "extractors.sheets:extract_budget_sheets",
    "balansrakning": "extractors.sheets:extract_accounts",
    "resultatrakning": "extractors.sheets:extract_accounts",
    "anlaggning": "extractors.sheets:extract_reconciliations",
    "kontokontroller": "extractors.sheets:extract_control_sums",
    "kaa": "extractors.kaa:extract_kaa",
    "nyckeltal": "extractors.kpis:extract_kpis",
    "projektbilaga": "extractors.projects:extract_project_list",
    "innovation": "extractors.projects:extract_innovation_table",
    "procurement": "extractors.procurement:extract_procurements",
    "infosec": "extractors.procurement:extract_infosec",
    # prose or template sections: recognised and kept as sections, no table rows
    "intern_kontroll": None, "empty_form": None, "kompetensforsorjning": None, "extremism": None,
    "naringsliv": None, "dataskydd": None,
}


@dataclass(frozen=True)
class SectionContext:
    """What a section extractor knows besides its pages."""

    doc: DocumentInfo
    span: SectionSpan


@dataclass
class SectionResult:
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class DocumentExtraction:
    """Everything extracted from one PDF."""

    path: Path
    info: DocumentInfo
    page_count: int
    segmentation: Segmentation
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def table(self, entity: str) -> list[Record]:
        return [r for r in self.records if r.ENTITY == entity]


def resolve(spec: str) -> Callable[[list[Page], SectionContext], SectionResult]:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def import_extractors() -> None:
    """Import every section extractor now (the fork server does, through parsers.preload), so a worker child
    extracting one document does not import them again; one that fails to import is reported at extraction."""
    for spec in dict.fromkeys(s for s in EXTRACTORS.values() if s is not None):
        try:
            resolve(spec)
        except (ImportError, AttributeError):
            continue


def extract_pages(pages: list[Page], path: Path, metadata_title: str | None = None) -> DocumentExtraction:
    """Extraction from an already-read page model (pure: no I/O)."""
    info = classify_document(pages, metadata_title)
    seg = segment_pages(pages, info.doc_type)
    out = DocumentExtraction(Path(path), info, len(pages), seg)
    for page, first_line in seg.unrecognised:
        out.problems.append(Problem(page, "unrecognised", f"no section recognised; first line: {first_line!r}"))
    if info.doc_type is None:
        out.problems.append(Problem(None, None, f"not a VP/VB: {info.evidence}"))
        return out
    by_number = {p.number: p for p in pages}
    for span in seg.spans:
        spec = EXTRACTORS.get(span.kind)
        if spec is None:
            continue
        section_pages = [by_number[n] for n in range(span.first_page, span.last_page + 1)]
        try:
            fn = resolve(spec)
        except (ImportError, AttributeError):
            out.problems.append(Problem(span.first_page, span.kind, f"no extractor yet for {span.kind} ({spec})"))
            continue
        try:
            result = fn(section_pages, SectionContext(info, span))
        except Exception as exc:  # one section's failure must not lose the others
            where = traceback.extract_tb(exc.__traceback__)[-1]
            out.problems.append(Problem(span.first_page, span.kind,
                                        f"extractor failed: {type(exc).__name__}: {exc} ({where.filename}:{where.lineno})"))
            continue
        out.records.extend(result.records)
        out.problems.extend(result.problems)
    link_document(out)
    return out


def link_document(doc: DocumentExtraction) -> None:
    """Links inside one document: each control to its VoR risk."""
    try:
        from extractors.controls import link_controls_to_risks
    except ImportError:
        return
    problems = link_controls_to_risks(doc.table("controls"), doc.table("risks"))
    doc.problems.extend(problems)


def link_documents(docs: list[DocumentExtraction]) -> None:
    """Links across documents: a VB's follow-ups to the controls of the same committee's VP of that year."""
    try:
        from extractors.controls import link_followups_to_controls
    except ImportError:
        return
    for vb in (d for d in docs if d.info.doc_type == "VB"):
        vp = next((d for d in docs if d.info.doc_type == "VP" and d.info.year == vb.info.year
                   and d.info.committee == vb.info.committee), None)
        if vp is not None:
            vb.problems.extend(link_followups_to_controls(vb.table("control_followups"), vp.table("controls"),
                                                          control_doc_id=str(vp.path.name)))


def extract_document(path: Path | str) -> DocumentExtraction:
    """Read a PDF's pages and title once and extract everything (the I/O edge of extraction)."""
    pages, title = read_document(path)
    return extract_pages(pages, Path(path), title)
