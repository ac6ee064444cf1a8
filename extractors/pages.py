"""The page model every extractor reads: words with boxes and fonts, rules, and filled rectangles.

Built once per page from pdfplumber (one pass over the PDF); extractors never open the PDF again.
Coordinates are PDF points with a top-left origin (pdfplumber's `top`), so a bbox is
(x0, top, x1, bottom) — the convention of the warehouse's provenance columns.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Word:
    """A word as printed, with its box and font."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    font: str = ""
    size: float = 0.0

    @property
    def bold(self) -> bool:
        return "bold" in self.font.lower()

    @property
    def bbox(self) -> Box:
        return (self.x0, self.top, self.x1, self.bottom)

    @property
    def mid_y(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(frozen=True)
class Rule:
    """A horizontal or vertical line segment (a drawn line or a thin rectangle)."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def horizontal(self) -> bool:
        return (self.x1 - self.x0) >= (self.bottom - self.top)


@dataclass(frozen=True)
class Fill:
    """A filled rectangle and its colour (RGB 0–1), e.g. a risk-matrix cell."""

    x0: float
    top: float
    x1: float
    bottom: float
    colour: tuple[float, float, float]


@dataclass(frozen=True)
class Line:
    """Words sharing a baseline, left to right."""

    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @property
    def x1(self) -> float:
        return max(w.x1 for w in self.words)

    @property
    def bbox(self) -> Box:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass
class Page:
    """One page: its 1-based number, size, words, rules and fills."""

    number: int
    width: float
    height: float
    words: list[Word]
    rules: list[Rule] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)

    @property
    def hrules(self) -> list[Rule]:
        return [r for r in self.rules if r.horizontal]

    @property
    def vrules(self) -> list[Rule]:
        return [r for r in self.rules if not r.horizontal]

    @property
    def landscape(self) -> bool:
        return self.width > self.height

    def lines(self, tolerance: float = 2.0) -> list[Line]:
        return words_to_lines(self.words, tolerance)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())

    def first_line(self) -> str:
        lines = self.lines()
        return lines[0].text if lines else ""

    def words_in(self, box: Box) -> list[Word]:
        x0, top, x1, bottom = box
        return [w for w in self.words if w.x0 >= x0 - 0.5 and w.x1 <= x1 + 0.5 and w.top >= top - 0.5
                and w.bottom <= bottom + 0.5]


def words_to_lines(words: Iterable[Word], tolerance: float = 2.0) -> list[Line]:
    """Group words into lines by their vertical middle (within `tolerance` points), top to bottom."""
    rows: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (round(w.mid_y, 1), w.x0)):
        if rows and abs(rows[-1][0].mid_y - w.mid_y) <= tolerance:
            rows[-1].append(w)
        else:
            rows.append([w])
    return [Line(tuple(sorted(r, key=lambda w: w.x0))) for r in rows]


def union_box(boxes: Sequence[Box]) -> Box | None:
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _colour(value) -> tuple[float, float, float] | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (float(value),) * 3
    v = list(value)
    if len(v) == 1:
        return (float(v[0]),) * 3
    if len(v) == 3:
        return tuple(float(x) for x in v)  # type: ignore[return-value]
    if len(v) == 4:  # CMYK
        c, m, y, k = (float(x) for x in v)
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return None


def plumber_page_to_page(p, number: int) -> Page:
    """Turn one pdfplumber page into the page model."""
    words = [
        Word(re.sub(r"\s+", " ", w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]),
             str(w.get("fontname", "")), float(w.get("size", 0.0)))
        for w in p.extract_words(use_text_flow=False, keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2,
                                 extra_attrs=["fontname", "size"])
    ]
    rules: list[Rule] = []
    fills: list[Fill] = []
    for ln in p.lines:
        rules.append(Rule(float(ln["x0"]), float(ln["top"]), float(ln["x1"]), float(ln["bottom"])))
    for r in p.rects:
        w, h = float(r["x1"]) - float(r["x0"]), float(r["bottom"]) - float(r["top"])
        if min(w, h) <= 1.5 and max(w, h) > 3:
            rules.append(Rule(float(r["x0"]), float(r["top"]), float(r["x1"]), float(r["bottom"])))
        elif r.get("fill"):
            colour = _colour(r.get("non_stroking_color"))
            if colour is not None:
                fills.append(Fill(float(r["x0"]), float(r["top"]), float(r["x1"]), float(r["bottom"]), colour))
    return Page(number, float(p.width), float(p.height), words, rules, fills)


def read_pages(path: Path | str, numbers: Iterable[int] | None = None) -> list[Page]:
    """The page model of every page (or of the given 1-based page numbers)."""
    import pdfplumber

    wanted = set(numbers) if numbers is not None else None
    out = []
    with pdfplumber.open(str(path)) as pdf:
        for i, p in enumerate(pdf.pages, start=1):
            if wanted is None or i in wanted:
                out.append(plumber_page_to_page(p, i))
                p.flush_cache()
    return out
