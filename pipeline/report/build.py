"""`write_report`: the findings report of a run — index.html, findings.xlsx and the images — into a folder.

Findings are grouped by document → section → severity; each shows its message, the numbers and a crop of every
evidence region with the figures highlighted. A summary and charts (risk matrix redrawn beside the document's
own, budget against outcome, KAA results per Jobbtorg) come first. Everything is local: no CDN, no script.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from pipeline.pdfstore import locate_pdf
from pipeline.report import charts
from pipeline.report.data import SEVERITIES, SEVERITY_LABEL, ReportData, ReportDoc, ReportFinding, load_report_data
from pipeline.report.html import render_html
from pipeline.report.images import EvidenceImage, PageImages, finding_images, matrix_image


@dataclass(frozen=True)
class ReportPaths:
    """What `write_report` wrote."""

    out_dir: Path
    html: Path
    xlsx: Path
    images_dir: Path
    findings: int
    images: int


def doc_pdfs(warehouse_path: Path, docs: dict[str, ReportDoc]) -> dict[str, Path | None]:
    """doc_id -> the document's PDF (content store first, then its file:// source), None when it is gone."""
    return {d.doc_id: locate_pdf(warehouse_path, d.sha256, d.source_uri) for d in docs.values()}


def where(doc: ReportDoc | None, page: int | None) -> str:
    return f"{doc.short if doc else '?'} s. {page}" if page else (doc.short if doc else "?")


def image_caption(im: EvidenceImage, docs: dict[str, ReportDoc]) -> str:
    shown = ", ".join(f"”{p}”" for p in im.printed if p)
    return f"{where(docs.get(im.doc_id), im.page)}" + (f": {shown}" if shown else "")


def finding_view(f: ReportFinding, docs: dict[str, ReportDoc], pdfs: dict[str, Path | None]) -> dict:
    """One finding as the template shows it."""
    reason = ("PDF-filen finns inte kvar" if not any(pdfs.get(e.doc_id) for e in f.evidence)
              else "bevisen saknar sida eller ruta")
    return {
        "finding_id": f.finding_id, "rule_id": f.rule_id, "rule_title": f.rule_title, "severity": f.severity,
        "severity_label": f.severity_label, "status": f.status, "status_label": f.status_label, "message": f.message,
        "expected": f.expected, "actual": f.actual, "tolerance": f.tolerance,
        "other_doc": docs[f.other_doc_id].short if f.other_doc_id in docs else None,
        "evidence": [{"where": where(docs.get(e.doc_id), e.page), "printed": e.printed} for e in f.evidence],
        "images": [{"file": im.file, "caption": image_caption(im, docs), "width": im.display_width} for im in f.images],
        "no_image_reason": reason,
    }


def first_page(f: ReportFinding) -> int:
    pages = [e.page for e in f.evidence if e.doc_id == f.doc_id and e.page]
    return min(pages) if pages else 10 ** 6


def groups(data: ReportData, pdfs: dict[str, Path | None]) -> list[dict]:
    """Findings grouped document → section (in page order) → severity (most severe first)."""
    out = []
    by_doc: dict[str | None, list[ReportFinding]] = {}
    for f in data.findings:
        by_doc.setdefault(f.doc_id, []).append(f)
    for doc_id, doc in list(data.docs.items()) + [(None, None)]:
        found = by_doc.get(doc_id, [])
        if not found:
            continue
        doc = doc or ReportDoc("okänt", "", "", None, None, None, "Okänt dokument", 0)
        sections: dict[str, list[ReportFinding]] = {}
        for f in sorted(found, key=first_page):
            sections.setdefault(f.section, []).append(f)
        section_views = []
        for n, (name, fs) in enumerate(sections.items(), 1):
            sevs = [{"key": s, "label": SEVERITY_LABEL[s],
                     "findings": [finding_view(f, data.docs, pdfs) for f in fs if f.severity == s]}
                    for s in SEVERITIES if any(f.severity == s for f in fs)]
            section_views.append({"name": name, "anchor": f"s-{doc.doc_id}-{n}", "count": len(fs), "severities": sevs})
        out.append({"doc": doc, "pdf": pdfs.get(doc.doc_id) is not None, "sections": section_views})
    return out


def chart_views(data: ReportData, pages: PageImages, out_dir: Path) -> list[dict]:
    """The pictures: each VP's risk matrix redrawn beside its own, budget vs outcome per sheet, KAA per Jobbtorg."""
    out = []
    flagged_by_doc: dict[str, set[int]] = {}
    boxes_by_doc: dict[str, list] = {}
    for f in data.findings:
        if f.rule_id.startswith("MATRIX") and f.doc_id and f.entity_key and f.entity_key.isdigit():
            flagged_by_doc.setdefault(f.doc_id, set()).add(int(f.entity_key))
            boxes_by_doc.setdefault(f.doc_id, []).extend(e.bbox for e in f.evidence if e.bbox and e.doc_id == f.doc_id)
    for doc_id, doc in data.docs.items():
        risks = [(no, s, k) for no, s, k, _ in data.risks.get(doc_id, []) if no is not None and s and k]
        if not risks:
            continue
        placements = data.matrix.get(doc_id, [])
        img = matrix_image(doc_id, placements, boxes_by_doc.get(doc_id, []), pages, out_dir)
        out.append({"title": f"Riskmatris – {doc.label}",
                    "note": "Vänster: matrisen ritad om från VoR-tabellens sannolikhet (S) och konsekvens (K). "
                            "Höger: dokumentets egen matris. De ska visa samma nummer i samma rutor.",
                    "svg": Markup(charts.risk_matrix_svg(risks, flagged_by_doc.get(doc_id, set()))),
                    "image": img, "image_caption": f"Dokumentets riskmatris, {where(doc, img.page)}" if img else ""})
    for (doc_id, sheet), rows in data.budget.items():
        doc = data.docs.get(doc_id)
        title = f"Budget och utfall – {sheet}"
        out.append({"title": title + (f" ({doc.short})" if doc else ""), "note": "Belopp i kronor, utan tecken.",
                    "svg": Markup(charts.budget_outcome_svg(rows, sheet)), "image": None, "image_caption": ""})
    for (doc_id, year), rows in sorted(data.kaa.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        doc = data.docs.get(doc_id)
        title = f"KAA {year}: andel som gick vidare till arbete och studier per Jobbtorg"
        out.append({"title": title + (f" ({doc.short})" if doc else ""), "note": "",
                    "svg": Markup(charts.kaa_jobbtorg_svg(rows, f"KAA {year}")), "image": None, "image_caption": ""})
    return out


def view_model(data: ReportData, groups_: list[dict], charts_: list[dict]) -> dict:
    """Everything the template shows."""
    counts = Counter(f.severity for f in data.findings)
    per_doc = []
    for g in groups_:
        c = Counter(f["severity"] for s in g["sections"] for sev in s["severities"] for f in sev["findings"])
        per_doc.append({"doc_id": g["doc"].doc_id, "label": g["doc"].label, "counts": [c[s] for s in SEVERITIES],
                        "total": sum(c.values())})
    by_rule = Counter(f.rule_id for f in data.findings)
    rule_rows = [{"rule_id": r, "title": data.rules.get(r, (r, "", ""))[0], "description": data.rules.get(r, ("", "", ""))[1],
                  "count": n} for r, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))]
    committees = sorted({d.committee for d in data.docs.values() if d.committee})
    return {"title": ", ".join(committees) or "muni", "run": data.run, "docs": data.docs, "total": len(data.findings),
            "severities": [{"key": s, "label": SEVERITY_LABEL[s], "count": counts[s]} for s in SEVERITIES],
            "doc_rows": per_doc, "rule_rows": rule_rows, "groups": groups_, "charts": charts_}


def write_report(warehouse_path: Path | str, out_dir: Path | str, run_id: str | None = None) -> ReportPaths:
    """Write index.html, findings.xlsx and img/*.png for the run's findings (default: the last checked run)."""
    from pipeline.report.xlsx import write_xlsx
    from warehouse.snapshot import open_published

    warehouse_path, out_dir = Path(warehouse_path), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = open_published(warehouse_path)
    try:
        data = load_report_data(con, run_id)
    finally:
        con.close()
    pdfs = doc_pdfs(warehouse_path, data.docs)
    pages = PageImages(pdfs)
    images = 0
    for f in sorted(data.findings, key=lambda f: (f.doc_id or "", first_page(f))):  # page order: cache hits
        f.images = finding_images(f, pages, out_dir)
        images += len(f.images)
    groups_ = groups(data, pdfs)
    charts_ = chart_views(data, pages, out_dir)
    images += sum(1 for c in charts_ if c["image"])
    html = out_dir / "index.html"
    html.write_text(render_html(view_model(data, groups_, charts_)), encoding="utf-8")
    xlsx = out_dir / "findings.xlsx"
    write_xlsx(xlsx, data, groups_, out_dir)
    return ReportPaths(out_dir, html, xlsx, out_dir / "img", len(data.findings), images)
