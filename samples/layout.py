"""A small layout engine over the reportlab canvas for re-creating the municipal PDFs.

It draws text, tables (horizontal rules / full grid / none / spreadsheet print), risk matrices and
labelled records, and records where every cell and line lands (page, bbox in PDF points with a top
origin, the string as drawn). Those placements feed the ground truth: the truth's page and bbox come
from what the renderer drew, never from reading the PDF back.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable

from reportlab.lib.colors import Color, HexColor, black
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path(__file__).parent / "fonts"
NBSP = "\u00a0"

# name -> (regular file, bold file); files are looked up in samples/fonts, then reportlab's own fonts.
FONT_FAMILIES = {
    "DejaVuSansCondensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
    "DejaVuSerif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"),
    "Vera": ("Vera.ttf", "VeraBd.ttf"),
}


def register_family(name: str) -> tuple[str, str]:
    """Register a TTF family (embedded, so Swedish characters survive) and return (regular, bold) names."""
    regular, bold = FONT_FAMILIES[name]
    out = []
    for face, filename in ((name, regular), (name + "-Bold", bold)):
        if face not in pdfmetrics.getRegisteredFontNames():
            path = FONT_DIR / filename
            if not path.exists():
                import reportlab

                path = Path(reportlab.__file__).parent / "fonts" / filename
            pdfmetrics.registerFont(TTFont(face, str(path)))
        out.append(face)
    return out[0], out[1]


@dataclass(frozen=True)
class LayoutParams:
    """Everything a layout variant may change; the faithful samples use the defaults."""

    font: str = "DejaVuSansCondensed"
    size: float = 8.0
    leading_factor: float = 1.18
    margin_left: float = 56.0
    margin_right: float = 42.0
    margin_top: float = 62.0
    margin_bottom: float = 48.0
    table_size: float = 7.6
    sheet_size: float = 7.4
    width_jitter: tuple[float, ...] = ()  # multiplicative factors applied to table column widths, cyclic
    table_style_override: str | None = None  # e.g. "grid" to draw every ruled table as a full grid
    honour_breaks: bool = True  # False: let pages break wherever they fill up
    orientation_override: str | None = None  # "portrait" / "landscape" for every page
    committee: str = "Arbetsmarknadsnämnden"
    year_shift: int = 0

    @property
    def leading(self) -> float:
        return round(self.size * self.leading_factor, 2)


@dataclass
class Placement:
    """Where one drawn value landed: page (1-based), bbox (x0, top, x1, bottom), the text as drawn."""

    key: tuple
    page: int
    bbox: tuple[float, float, float, float]
    text: str

    def as_json(self) -> dict:
        return {"page": self.page, "bbox": [round(v, 2) for v in self.bbox], "printed": self.text}


@dataclass
class PageStyle:
    """Header/footer decoration of a page kind."""

    kind: str  # tjansteutlatande | sheet | report
    orientation: str  # portrait | landscape
    label_total: int | None = None


def sheet_number(text: str) -> str:
    """A spreadsheet prints digit groups with no-break spaces: '1 163,6' -> '1\u00a0163,6'."""
    return re.sub(r"(?<=\d) (?=\d{3}(?:\D|$))", NBSP, text)


def is_numeric_cell(text: str) -> bool:
    return bool(re.fullmatch(r"[-−]?\d[\d \u00a0]*(,\d+)?\s*%?|\(-\)", text.strip()))


class Writer:
    """Draws pages in sequence and records placements. One Writer makes one PDF."""

    def __init__(self, path: Path | str, params: LayoutParams, title: str, doc_key: str):
        self.params = params
        self.doc_key = doc_key
        self.font, self.bold = register_family(params.font)
        self.canvas = Canvas(str(path), pagesize=A4, invariant=1, pageCompression=1)
        self.canvas.setTitle(title)
        self.canvas.setAuthor(params.committee)
        self.canvas.setCreator("muni samples renderer")
        self.page_no = 0
        self.placements: list[Placement] = []
        self.page_labels: dict[int, str] = {}
        self.style: PageStyle | None = None
        self.page_open = False
        self.y = 0.0  # distance from the top of the page, in points
        self.sid_counter = 0
        self.sid_total = 23
        self.footer_text: str | None = None
        self.pristine = True
        self.column_fraction = 1.0  # a narrow text column (the KAA report) uses part of the width

    # ----- pages ---------------------------------------------------------------------------
    @property
    def page_size(self) -> tuple[float, float]:
        orientation = self.params.orientation_override or (self.style.orientation if self.style else "portrait")
        return landscape(A4) if orientation == "landscape" else A4

    @property
    def width(self) -> float:
        return self.page_size[0]

    @property
    def height(self) -> float:
        return self.page_size[1]

    @property
    def left(self) -> float:
        return self.params.margin_left

    @property
    def right(self) -> float:
        full = self.width - self.params.margin_right
        if self.column_fraction < 1.0:
            return self.left + (full - self.left) * self.column_fraction
        return full

    @property
    def bottom_limit(self) -> float:
        # spreadsheet prints use the page down to just above their footer line
        slack = 12 if self.style and self.style.kind == "sheet" else 0
        return self.height - self.params.margin_bottom + slack

    def set_style(self, style: PageStyle) -> None:
        if self.page_open and self.style and (
            style.kind != self.style.kind or style.orientation != self.style.orientation
        ):
            self.end_page()
        self.style = style

    def ensure_page(self) -> None:
        if not self.page_open:
            self.begin_page()

    def begin_page(self, label: str | None = None) -> None:
        """Open a page. Decorations (header, page label, footer) are drawn when the page ends, so a page
        on which nothing was drawn yet can still be relabelled."""
        self.canvas.setPageSize(self.page_size)
        self.page_no += 1
        self.page_open = True
        self.pristine = True
        self.y = self.params.margin_top - (12 if self.style and self.style.kind == "sheet" else 0)
        self._set_label(label, advance=True)

    def _set_label(self, label: str | None, advance: bool) -> None:
        if not (self.style and self.style.kind == "tjansteutlatande"):
            return
        m = re.search(r"Sid (\d+) \((\d+)\)", label or "")
        if m:
            self.sid_counter, self.sid_total = int(m.group(1)), int(m.group(2))
        elif advance:
            self.sid_counter += 1
        self.page_labels[self.page_no] = f"Sid {self.sid_counter} ({self.sid_total})"

    def end_page(self) -> None:
        if not self.page_open:
            return
        kind = self.style.kind if self.style else "report"
        if kind == "tjansteutlatande":
            x = self.width - self.params.margin_right - 120
            self._text(x, 30, "Tjänsteutlåtande", self.font, 9, key=("page_header", self.page_no), decoration=True)
            self._text(x, 42, self.page_labels[self.page_no], self.font, 9, key=("page_label", self.page_no),
                       decoration=True)
        elif kind == "sheet":
            self._text(self.left, 34, self.params.committee, self.bold, 10, key=("sheet_header", self.page_no),
                       decoration=True)
        else:
            self._text(self.left, 30, self.params.committee, self.font, 8, key=("report_header", self.page_no),
                       decoration=True)
            self._text(self.width / 2, self.height - 28, str(self.page_no), self.font, 8,
                       key=("page_number", self.page_no), align="center", decoration=True)
        if self.footer_text:
            self._text(self.left, self.height - 30, self.footer_text, self.font, 7,
                       key=("footer", self.page_no), decoration=True)
            self.footer_text = None
        self.canvas.showPage()
        self.page_open = False

    def page_break(self, label: str | None = None) -> None:
        """A page break the source asks for; a page with nothing on it yet is only relabelled."""
        if not self.params.honour_breaks:
            return
        if self.page_open and self.pristine:
            self._set_label(label, advance=False)
            return
        if self.page_open:
            self.end_page()
        self.begin_page(label)

    def room(self) -> float:
        return self.bottom_limit - self.y

    def need(self, height: float) -> None:
        """Start a new page when `height` does not fit on this one."""
        self.ensure_page()
        if height > self.room() and self.y > self.params.margin_top + 1:
            self.end_page()
            self.begin_page()

    def finish(self) -> None:
        if self.page_open:
            self.end_page()
        self.canvas.save()

    # ----- primitives ----------------------------------------------------------------------
    def _text(self, x: float, top: float, text: str, font: str, size: float, key: tuple | None = None,
              align: str = "left", decoration: bool = False) -> tuple[float, float, float, float]:
        """Draw one line with its top at `top` (from the page top); return its bbox."""
        if not decoration:
            self.pristine = False
        w = pdfmetrics.stringWidth(text, font, size)
        if align == "right":
            x = x - w
        elif align == "center":
            x = x - w / 2
        baseline = self.height - top - size * 0.8
        self.canvas.setFont(font, size)
        self.canvas.drawString(x, baseline, text)
        bbox = (x, top, x + w, top + size)
        if key is not None and text:
            self.placements.append(Placement(key, self.page_no, bbox, text))
        return bbox

    def wrap(self, text: str, font: str, size: float, width: float) -> list[str]:
        """Lines of `text` wrapped to `width`; words longer than the width are cut mid-word."""
        lines: list[str] = []
        for para in str(text).split("\n"):
            if not para.strip():
                lines.append("")
                continue
            for line in simpleSplit(para, font, size, width):
                while pdfmetrics.stringWidth(line, font, size) > width + 0.01 and len(line) > 1:
                    cut = len(line)
                    while cut > 1 and pdfmetrics.stringWidth(line[:cut], font, size) > width:
                        cut -= 1
                    lines.append(line[:cut])
                    line = line[cut:]
                lines.append(line)
        return lines

    def heading(self, text: str, level: int = 1, key: tuple | None = None) -> None:
        size = {1: self.params.size + 5, 2: self.params.size + 2.5, 3: self.params.size + 1}.get(level, self.params.size + 1)
        lines = self.wrap(text, self.bold, size, self.right - self.left)
        self.need(len(lines) * size * 1.25 + 24)
        self.y += 4 if level > 1 else 8
        for i, line in enumerate(lines):
            self._text(self.left, self.y, line, self.bold, size, key=(*key, i) if key else None)
            self.y += size * 1.25
        self.y += 4

    def paragraph(self, text: str, key: tuple | None = None, bullet: bool = False,
                  indent: float = 0.0) -> list[Placement]:
        """Running text, wrapped; returns the placements of its lines (used to locate stated figures)."""
        p = self.params
        x = self.left + indent + (12 if bullet else 0)
        lines = self.wrap(text, self.font, p.size, self.right - x)
        drawn = []
        for i, line in enumerate(lines):
            self.need(p.leading)
            if bullet and i == 0:
                self._text(x - 9, self.y, "•", self.font, p.size)
            if line:
                self._text(x, self.y, line, self.font, p.size, key=(*key, i) if key else None)
                if key:
                    drawn.append(self.placements[-1])
            self.y += p.leading
        self.y += p.leading * 0.45
        return drawn

    def rule(self, x0: float, x1: float, top: float, width: float = 0.5, color: Color = black) -> None:
        y = self.height - top
        self.canvas.setStrokeColor(color)
        self.canvas.setLineWidth(width)
        self.canvas.line(x0, y, x1, y)

    def vrule(self, x: float, top: float, bottom: float, width: float = 0.5) -> None:
        self.canvas.setStrokeColor(black)
        self.canvas.setLineWidth(width)
        self.canvas.line(x, self.height - top, x, self.height - bottom)

    def fill_rect(self, x0: float, top: float, x1: float, bottom: float, color: Color) -> None:
        self.canvas.setFillColor(color)
        self.canvas.rect(x0, self.height - bottom, x1 - x0, bottom - top, stroke=0, fill=1)
        self.canvas.setFillColor(black)


ZONE_COLOURS = {
    "kritisk": HexColor("#E8574B"),
    "medium": HexColor("#F6C244"),
    "låg": HexColor("#7DBF6A"),
    "lag": HexColor("#7DBF6A"),
}
