"""The page model every extractor reads: words with boxes and fonts, rules, and filled rectangles.

Built once per page (one pass over the PDF); extractors never open the PDF again. Pages are read through
pypdfium2 — characters in `extractors/pdfium_text.py`, lines and rectangles in `extractors/pdfium_paths.py` —
giving pdfplumber's words, rules and fills without interpreting the content stream in Python (~4× faster); a
page pdfium cannot read the way pdfminer does (form XObjects, rotated text, unknown widths) is read through
pdfplumber. Coordinates are PDF points with a top-left origin (pdfplumber's `top`),
so a bbox is (x0, top, x1, bottom) — the convention of the warehouse's provenance columns.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

import numpy as np

from extractors.pdfium_lock import PDFIUM

if TYPE_CHECKING:
    from extractors.pdfium_text import PageChars

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
    # a blank character of the text layer stands right before it on its line: a space the document printed, not
    # just a gap (the groups of '19 114' are split by one; two figures run together in narrow columns are not)
    after_space: bool = False

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
    """Words sharing a baseline, left to right. Text and edges are computed once (extractors ask often)."""

    words: tuple[Word, ...]

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @cached_property
    def bottom(self) -> float:
        return max(w.bottom for w in self.words)

    @cached_property
    def x0(self) -> float:
        return min(w.x0 for w in self.words)

    @cached_property
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
        """The page's lines (words_to_lines), computed once per tolerance: extractors ask for them many times."""
        cache = self.__dict__.setdefault("_lines", {})  # not a field: equality, repr and replace() ignore it
        key = (tolerance, id(self.words), len(self.words))
        if key not in cache:
            cache[key] = words_to_lines(self.words, tolerance)
        return list(cache[key])

    def __getstate__(self) -> dict:
        """Pickle the page without its lines cache."""
        return {k: v for k, v in self.__dict__.items() if k != "_lines"}

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
    ws = list(words)
    mids = [(w.top + w.bottom) / 2 for w in ws]  # Word.mid_y, computed once per word
    keys = [(round(m, 1), w.x0) for m, w in zip(mids, ws)]
    rows: list[list[Word]] = []
    row_mid = 0.0
    for i in sorted(range(len(ws)), key=keys.__getitem__):
        if rows and abs(row_mid - mids[i]) <= tolerance:
            rows[-1].append(ws[i])
        else:
            rows.append([ws[i]])
            row_mid = mids[i]
    return [Line(tuple(sorted(r, key=lambda w: w.x0))) for r in rows]


def close_runs(values: Iterable, tolerance: float, key: Callable = lambda v: v) -> list[list]:
    """The values sorted and cut wherever one lies more than `tolerance` beyond the one before (by `key`):
    runs of near-equal positions or distances, such as column edges or line gaps."""
    out: list[list] = []
    for v in sorted(values):
        if out and key(v) - key(out[-1][-1]) <= tolerance:
            out[-1].append(v)
        else:
            out.append([v])
    return out


def words_to_phrases(words: Iterable[Word], ends_phrase: Callable[[Word], bool] = lambda w: False
                     ) -> list[list[Word]]:
    """A line's words left to right, cut before a gap wider than 0.6 em (a table line's separate cells) and
    after any word `ends_phrase` marks."""
    phrases: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.x0):
        prev = phrases[-1][-1] if phrases else None
        if prev is not None and not ends_phrase(prev) and w.x0 - prev.x1 <= 0.6 * max(w.size, 1.0):
            phrases[-1].append(w)
        else:
            phrases.append([w])
    return phrases


def mode_size(words: Iterable[Word]) -> float:
    """The most common type size of the words (0 when there are none)."""
    sizes = Counter(round(w.size, 1) for w in words)
    return sizes.most_common(1)[0][0] if sizes else 0.0


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


# how characters become words, for both page sources (pdfplumber's WordExtractor options)
WORD_OPTIONS = dict(use_text_flow=False, keep_blank_chars=False, x_tolerance=1.5, y_tolerance=2,
                    extra_attrs=["fontname", "size"])
TEXT_READERS = ("auto", "pdfplumber")


def word_dicts_to_words(dicts: Iterable[dict], after_space: Callable[[dict], bool] = lambda w: False) -> list[Word]:
    """pdfplumber word dicts into Words (`after_space`: does a blank character stand right before the word?)."""
    return [Word(re.sub(r"\s+", " ", w["text"]), float(w["x0"]), float(w["top"]), float(w["x1"]), float(w["bottom"]),
                 str(w.get("fontname", "")), float(w.get("size", 0.0)), after_space(w))
            for w in dicts]


def canonical_chars(chars: Iterable[dict]) -> list[dict]:
    """Characters with the font's PostScript name without subset tag and the size rounded to 4 decimals. Words
    split where font or size change, and neither two subsets of one font nor a parser's float noise
    (6.599999999999966 vs 6.600000000000023) is a change: both page sources give the same words, same order."""
    from extractors.pdfium_text import font_name

    return [{**c, "fontname": font_name(str(c.get("fontname", ""))), "size": round(float(c.get("size", 0.0)), 4)}
            for c in chars]


def chars_to_words(chars: Iterable[dict]) -> list[Word]:
    """Characters (pdfplumber-style dicts) grouped into words by pdfplumber's own WordExtractor, each marked
    `after_space` when the character before its first one, in the extractor's line order, is blank."""
    from pdfplumber.utils.text import WordExtractor

    after_blank: set[int] = set()  # ids of the characters that follow a blank one on their line

    class MarkingExtractor(WordExtractor):
        def iter_chars_to_words(self, ordered_chars, direction):
            line = list(ordered_chars)
            after_blank.update(id(c) for b, c in zip(line, line[1:]) if b["text"].isspace())
            yield from super().iter_chars_to_words(line, direction)

    words = MarkingExtractor(**WORD_OPTIONS).extract_words(canonical_chars(chars), return_chars=True)
    return word_dicts_to_words(words, lambda w: id(w["chars"][0]) in after_blank)


def line_to_rule(x0: float, top: float, x1: float, bottom: float) -> Rule:
    """A drawn line segment (pdfminer's LTLine) as a rule, whatever its direction."""
    return Rule(x0, top, x1, bottom)


def rect_to_rule_or_fill(box: Box, filled: bool, colour: tuple[float, float, float] | None) -> Rule | Fill | None:
    """A rectangle (pdfminer's LTRect) as the page model sees it: thin (≤ 1.5 pt across, > 3 pt long) is a rule,
    filled with a known colour is a fill, anything else (an outline box) is left out."""
    x0, top, x1, bottom = box
    w, h = x1 - x0, bottom - top
    if min(w, h) <= 1.5 and max(w, h) > 3:
        return Rule(x0, top, x1, bottom)
    if filled and colour is not None:
        return Fill(x0, top, x1, bottom, colour)
    return None


def shapes_to_rules_and_fills(lines: Iterable[Box], rects: Iterable[tuple[Box, bool, tuple | None]]
                              ) -> tuple[list[Rule], list[Fill]]:
    """Lines and rectangles (top-left boxes, content order) as the page's rules and fills: the lines' rules
    first, then the rectangles' — the same order from both page sources."""
    rules = [line_to_rule(*box) for box in lines]
    fills: list[Fill] = []
    for box, filled, colour in rects:
        shape = rect_to_rule_or_fill(box, filled, colour)
        if isinstance(shape, Rule):
            rules.append(shape)
        elif shape is not None:
            fills.append(shape)
    return rules, fills


def _ligature_table() -> dict[int, str]:
    """pdfplumber's own ligature expansions (WordExtractor's expand_ligatures) as a str.translate table."""
    from pdfplumber.utils.text import LIGATURES

    return str.maketrans(LIGATURES)


LIGATURE_TABLE = _ligature_table()
# by code point, what str.isspace() calls blank (a blank ends a word); the last blank is U+3000, and every code
# above it looks up the table's last entry (False)
IS_SPACE = np.array([chr(c).isspace() for c in range(0x3002)], bool)


def chars_to_line_order(chars: PageChars) -> tuple[np.ndarray, np.ndarray]:
    """The order pdfplumber's WordExtractor reads characters in, and each one's line: runs of one font and size
    (consecutive characters), each cut into lines by clustering tops (pdfplumber's `cluster_list`: sorted tops
    cut where one lies more than y_tolerance below the one before, so lines chain), each line left to right
    (ties keep content order: every sort here is stable)."""
    n = len(chars)
    run = np.zeros(n, np.int64)
    run[1:] = np.cumsum(chars.style[1:] != chars.style[:-1])
    by_top = np.lexsort((chars.top, run))
    tops, runs = chars.top[by_top], run[by_top]
    new_line = np.ones(n, bool)
    new_line[1:] = (runs[1:] != runs[:-1]) | (tops[1:] > tops[:-1] + WORD_OPTIONS["y_tolerance"])
    line = np.empty(n, np.int64)
    line[by_top] = np.cumsum(new_line)
    order = np.lexsort((chars.x0, line))
    return order, line[order]


def upright_chars_to_words(chars: PageChars) -> list[Word]:
    """Upright characters (extractors.pdfium_text.PageChars) as words, exactly as pdfplumber's WordExtractor
    groups them with WORD_OPTIONS: in line order (chars_to_line_order), a word ends at a blank, at a line's end,
    and before a character that starts more than x_tolerance after the previous one's end or whose top moves
    more than y_tolerance; its box is the union of its characters', its text theirs with ligatures expanded,
    its font and size the first character's; `after_space` when the character before its first one is blank.
    Tested equal to the WordExtractor on every page of the samples."""
    if not len(chars):
        return []
    order, line = chars_to_line_order(chars)
    x0, x1, top, bottom = chars.x0[order], chars.x1[order], chars.top[order], chars.bottom[order]
    blank = IS_SPACE[np.minimum(chars.codes[order], len(IS_SPACE) - 1)]
    starts_word = np.ones(len(order), bool)
    starts_word[1:] = ((line[1:] != line[:-1]) | blank[:-1] | (x0[1:] > x1[:-1] + WORD_OPTIONS["x_tolerance"])
                       | (np.abs(top[1:] - top[:-1]) > WORD_OPTIONS["y_tolerance"]))
    printed = np.flatnonzero(~blank)
    if not len(printed):
        return []
    starts = np.flatnonzero(starts_word[printed])  # each word's first character, among the printed ones
    x0, x1, top, bottom = x0[printed], x1[printed], top[printed], bottom[printed]
    text = chars.codes[order][printed].astype("<u4").tobytes().decode("utf-32-le", "surrogatepass")
    ends = np.append(starts[1:], len(printed)).tolist()
    styles = [chars.styles[s] for s in chars.style[order][printed][starts].tolist()]
    first = printed[starts]  # each word's first character, in line order
    after_space = (first > 0) & blank[first - 1] & (line[first - 1] == line[first])
    return [Word(t if t.isascii() else t.translate(LIGATURE_TABLE), a, b, c, d, font, size, sp)
            for t, a, b, c, d, (font, size), sp in zip(
                (text[i:j] for i, j in zip(starts.tolist(), ends)), x0[starts].tolist(),
                np.minimum.reduceat(top, starts).tolist(), np.maximum.reduceat(x1, starts).tolist(),
                np.maximum.reduceat(bottom, starts).tolist(), styles, after_space.tolist())]


def plumber_page_to_page(p, number: int) -> Page:
    """Turn one pdfplumber page into the page model."""
    def box(o: dict) -> Box:
        return (float(o["x0"]), float(o["top"]), float(o["x1"]), float(o["bottom"]))

    rules, fills = shapes_to_rules_and_fills(
        (box(ln) for ln in p.lines),
        ((box(r), bool(r.get("fill")), _colour(r.get("non_stroking_color"))) for r in p.rects))
    return Page(number, float(p.width), float(p.height), chars_to_words(p.chars), rules, fills)


def pdfium_page_to_page(page, p, number: int, font_cache: dict) -> Page | None:
    """The page model from pdfium: its characters (given pdfminer's boxes) and its painted lines and rectangles
    (classified as pdfminer would). `page`: a pypdfium2 page; `p`: the same pdfplumber page, whose content stream
    is never interpreted — only its font dictionaries are read. None when the page needs pdfplumber (form
    XObjects, rotated or unusual text, unknown widths; see extractors/pdfium_text.py and pdfium_paths.py)."""
    from extractors.pdfium_paths import page_shapes
    from extractors.pdfium_text import page_fonts, page_geometry_is_plain, pdfium_chars

    if not page_geometry_is_plain(page):
        return None
    shapes = page_shapes(page)
    if shapes is None:
        return None
    height = float(p.height)
    fonts = page_fonts(p.page_obj.resources, font_cache)
    chars = pdfium_chars(page, fonts, height) if fonts is not None else None
    if chars is None:
        return None

    def box(s) -> Box:
        return (s.x0, height - s.y1, s.x1, height - s.y0)

    rules, fills = shapes_to_rules_and_fills((box(s) for s in shapes if s.kind == "line"),
                                             ((box(s), s.fill, s.colour) for s in shapes if s.kind == "rect"))
    return Page(number, float(p.width), height, upright_chars_to_words(chars), rules, fills)


def import_page_readers() -> None:
    """Import what reading pages needs (pdfplumber, pypdfium2 and its two readers, and the codec pypdfium2 decodes
    a document's metadata with), imported lazily by the functions below: the workers' fork server calls it
    (parsers.preload) so that no child imports them again (~5 ms each)."""
    import encodings.utf_16_le  # noqa: F401

    import pdfplumber  # noqa: F401
    import pypdfium2  # noqa: F401

    import extractors.pdfium_paths  # noqa: F401
    import extractors.pdfium_text  # noqa: F401


def read_pages(path: Path | str, numbers: Iterable[int] | None = None, text_reader: str = "auto") -> list[Page]:
    """The page model of every page (or of the given 1-based page numbers). `text_reader="auto"` reads pages
    through pdfium where it can (same page model, faster); "pdfplumber" reads every page with pdfplumber."""
    return read_document(path, numbers, text_reader)[0]


def read_document(path: Path | str, numbers: Iterable[int] | None = None, text_reader: str = "auto"
                  ) -> tuple[list[Page], str | None]:
    """`read_pages` and the document's metadata title (pdfium's reading), from one opening of the file."""
    import pdfplumber
    import pypdfium2 as pdfium

    if text_reader not in TEXT_READERS:
        raise ValueError(f"text_reader must be one of {TEXT_READERS}, not {text_reader!r}")
    wanted = set(numbers) if numbers is not None else None
    out = []
    with PDFIUM, pdfplumber.open(str(path)) as pdf:  # pdfium under its lock (extractors.pdfium_lock)
        doc = pdfium.PdfDocument(str(path))
        title = (doc.get_metadata_dict() or {}).get("Title") or None
        if text_reader != "auto" or len(doc) != len(pdf.pages):  # or the two parsers disagree on the page tree
            doc.close()
            doc = None
        font_cache: dict = {}
        try:
            for i, p in enumerate(pdf.pages, start=1):
                if wanted is not None and i not in wanted:
                    continue
                page = None
                if doc is not None:
                    pdfium_page = doc[i - 1]
                    try:
                        page = pdfium_page_to_page(pdfium_page, p, i, font_cache)
                    finally:
                        pdfium_page.close()
                out.append(page or plumber_page_to_page(p, i))
                p.flush_cache()
        finally:
            if doc is not None:
                doc.close()
    return out, title
