"""Cropped evidence images for the report: each region of a PDF page a finding rests on, its figures highlighted.

Evidence boxes of one finding on one page whose crops would overlap are shown in one picture; each page is
rendered once per report (pypdfium2) and cropped as often as needed.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from extractors.render import BBox, crop_highlighted, render_page_image, union_bbox
from pipeline.report.data import EvidenceItem, ReportFinding

MARGIN_PT = (10_000.0, 30.0)  # the whole width of the page (the row's label is left of its figure), 30 pt above/below
SCALE = 2.0


@dataclass(frozen=True)
class EvidenceImage:
    """A picture of one evidence region: file (relative to the report folder), where it is, what it shows."""

    file: str
    doc_id: str
    page: int
    bbox: BBox
    printed: list[str]
    width_px: int = 0
    height_px: int = 0

    @property
    def display_width(self) -> int:
        """Width in CSS pixels at which the PDF shows at 100 % (1 pt = 4/3 px)."""
        return round(self.width_px / SCALE * 4 / 3)


def grow(b: BBox, by: tuple[float, float]) -> BBox:
    """`b` widened by (horizontal, vertical) points."""
    return (b[0] - by[0], b[1] - by[1], b[2] + by[0], b[3] + by[1])


def overlaps(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def evidence_regions(evidence: list[EvidenceItem], margin: tuple[float, float] = MARGIN_PT
                     ) -> list[tuple[str, int, BBox, list[EvidenceItem]]]:
    """(doc_id, page, region, items) per picture: boxes on one page whose crops (`margin` around) would overlap
    are merged."""
    regions: list[tuple[str, int, BBox, list[EvidenceItem]]] = []
    for e in evidence:
        if not (e.doc_id and e.page and e.bbox):
            continue
        for i, (doc, page, box, items) in enumerate(regions):
            if (doc, page) == (e.doc_id, e.page) and overlaps(grow(box, margin), grow(e.bbox, margin)):
                regions[i] = (doc, page, union_bbox([box, e.bbox]), items + [e])
                break
        else:
            regions.append((e.doc_id, e.page, e.bbox, [e]))
    return regions


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class PageImages:
    """Rendered pages of the report's PDFs, each rendered once."""

    def __init__(self, pdfs: dict[str, Path | None], scale: float = SCALE):
        self.pdfs = pdfs
        self.scale = scale
        self.page = lru_cache(maxsize=16)(self._render)

    def _render(self, doc_id: str, page: int):
        return render_page_image(self.pdfs[doc_id], page, self.scale)

    def has(self, doc_id: str | None) -> bool:
        return bool(doc_id) and self.pdfs.get(doc_id) is not None

    def crop(self, doc_id: str, page: int, region: BBox, highlights: list[BBox],
             margin: float | tuple[float, float] = MARGIN_PT) -> bytes:
        return crop_highlighted(self.page(doc_id, page), region, highlights, margin, self.scale)


def finding_images(f: ReportFinding, pages: PageImages, out_dir: Path, prefix: str = "img") -> list[EvidenceImage]:
    """Write the crops of a finding's evidence into `out_dir/prefix/` and describe them (missing PDFs: none)."""
    out: list[EvidenceImage] = []
    for n, (doc_id, page, region, items) in enumerate(evidence_regions(f.evidence), 1):
        if not pages.has(doc_id):
            continue
        highlights = [e.bbox for e in f.evidence if e.doc_id == doc_id and e.page == page and e.bbox]
        try:
            png = pages.crop(doc_id, page, region, highlights)
        except ValueError:  # a box off the page: say nothing rather than show the wrong place
            continue
        name = f"{prefix}/{f.finding_id}-{n}.png"
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / name).write_bytes(png)
        out.append(EvidenceImage(name, doc_id, page, region, [e.printed or "" for e in items], *png_size(png)))
    return out


def matrix_image(doc_id: str, placements: list[tuple], flagged_boxes: list[BBox], pages: PageImages, out_dir: Path,
                 prefix: str = "img") -> EvidenceImage | None:
    """A crop of the document's own risk matrix (the region its placements cover), flagged numbers highlighted."""
    boxes = [(p[3], p[4]) for p in placements if p[3] and p[4]]
    if not boxes or not pages.has(doc_id):
        return None
    page = max({pg for _, pg in boxes}, key=lambda pg: sum(1 for _, q in boxes if q == pg))
    region = union_bbox([b for b, pg in boxes if pg == page])
    region = (region[0] - 110, region[1] - 30, region[2] + 20, region[3] + 60)  # axis labels, key and total
    try:
        png = pages.crop(doc_id, page, region, flagged_boxes, margin=10)
    except ValueError:
        return None
    name = f"{prefix}/matrix-{doc_id}.png"
    (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
    (out_dir / name).write_bytes(png)
    return EvidenceImage(name, doc_id, page, region, [], *png_size(png))
