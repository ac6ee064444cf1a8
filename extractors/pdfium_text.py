"""Characters of a page read through pypdfium2: the same words as pdfplumber, several times faster.

pdfplumber interprets every page's content stream with pdfminer, in Python; pdfium does it in C. We take
pdfium's characters, give each the box pdfminer would (origin, advance, font descent, font size) and group
them into words as pdfplumber's WordExtractor does (extractors/pages.py; the page's rules and fills come from
pdfium too: extractors/pdfium_paths.py). pdfium truncates the font's /Widths to whole units (up to 1/1000 em
per character, which adds up to ~0.8 pt along a line) and has its own descent for the standard 14 fonts, so
advances and descents come from the PDF's font dictionaries as pdfminer reads them from the page's resources
(cheap: no content stream is interpreted). Anything unusual — rotation, skewed or mirrored text, an offset media
box, Type 3 fonts, a character whose width is unknown or ambiguous — returns None and the caller reads the page
with pdfplumber.

The per-character pdfium calls run in a small C loop (extractors/_textlayer.c, built by `pip install`, loaded
with ctypes: extractors/pdfium_loops.py) and everything after them works on whole arrays (numpy). Without a C
compiler the same calls are made from Python, with the same result; reading the samples' pages then takes 1.75 s
instead of 0.46 s.
"""
from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass, fields
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extractors.pdfium_loops import address, compiled_loop

SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# pdfium reports a hyphen it takes for a line-end hyphenation as U+0002 (per character) or U+FFFE (in its text)
PDFIUM_HYPHENS = (0x02, 0xFFFE)


@dataclass(frozen=True)
class FontMetrics:
    """What pdfminer reads from a font's dictionary: descent and advances, in 1/1000 text-space units."""

    descent: float | None  # negative; None when two fonts of the same name disagree
    widths: dict[str, float | None]  # per character; None when ambiguous (two codes, two widths)

    @cached_property
    def width_table(self) -> tuple[np.ndarray, np.ndarray]:
        """The advances as sorted code points and their widths (NaN: ambiguous), to look many up at once."""
        items = sorted((ord(text), math.nan if width is None else width) for text, width in self.widths.items())
        return np.array([c for c, _ in items], np.uint32), np.array([w for _, w in items], float)


# a page's fonts by name (without subset tag)
PageFonts = dict[str, FontMetrics]


def font_name(raw_name: str) -> str:
    """The PostScript font name without its subset tag ('ABCDEF+DejaVuSans-Bold' → 'DejaVuSans-Bold')."""
    return SUBSET_TAG.sub("", raw_name)


def page_geometry_is_plain(page: pdfium.PdfPage) -> bool:
    """True when pdfium's and pdfminer's page coordinates coincide: no rotation, media box at the origin, no crop."""
    if page.get_rotation() != 0:
        return False
    media = tuple(page.get_mediabox())
    return media[0] == 0 and media[1] == 0 and tuple(page.get_cropbox()) == media


def page_fonts(resources, cache: dict | None = None) -> PageFonts | None:
    """The metrics of every font in a page's resources (pdfminer objects), as pdfminer reads them from the PDF;
    None when a font cannot be mapped (Type 3, no Unicode map). `cache` keeps each font's metrics between pages."""
    from pdfminer.pdftypes import PDFObjRef, resolve1

    cache = {} if cache is None else cache
    fonts = resolve1((resolve1(resources) or {}).get("Font")) or {}
    out: PageFonts = {}
    for spec in fonts.values():
        objid = spec.objid if isinstance(spec, PDFObjRef) else None
        if objid is not None and objid in cache:
            named = cache[objid]
        else:
            named = font_metrics(resolve1(spec))
            if objid is not None:
                cache[objid] = named
        if named is None:
            return None
        name, metrics = named
        out[name] = merge_metrics(out[name], metrics) if name in out else metrics
    return out


def merge_metrics(a: FontMetrics, b: FontMetrics) -> FontMetrics:
    """Two fonts of the same name (two subsets): what they agree on; disagreement becomes None (unknown)."""
    widths = dict(a.widths)
    for text, width in b.widths.items():
        widths[text] = width if text not in widths or widths[text] == width else None
    return FontMetrics(a.descent if a.descent == b.descent else None, widths)


def font_metrics(spec) -> tuple[str, FontMetrics] | None:
    """One font's name (no subset tag), descent and advance per character; None for fonts we cannot map
    (Type 3, no Unicode map). A character printed by two codes of different widths gets None (ambiguous)."""
    from pdfminer.pdffont import PDFCIDFont, PDFSimpleFont, PDFType3Font
    from pdfminer.pdfinterp import PDFResourceManager

    font = PDFResourceManager(caching=False).get_font(None, spec)
    if isinstance(font, PDFType3Font):
        return None
    if isinstance(font, PDFCIDFont):
        if font.unicode_map is None:
            return None
        cids = list(font.unicode_map.cid2unichr)
    elif isinstance(font, PDFSimpleFont):  # the codes /Widths lists (standard 14 fonts: every code)
        cids = [c for c in font.widths if isinstance(c, int)] or list(range(256))
    else:
        return None
    widths: dict[str, float | None] = {}
    for cid in cids:
        try:
            text = font.to_unichr(cid)
        except Exception:  # pdfminer raises its own PDFUnicodeNotDefined/KeyError for unmapped codes
            continue
        if len(text) != 1:
            continue
        width = font.char_width(cid) / font.hscale
        widths[text] = width if text not in widths or widths[text] == width else None
    return font_name(str(font.fontname)), FontMetrics(font.get_descent() / font.vscale, widths)


# the pdfium functions muni_read_chars calls, in the order of its `Pdfium` struct (extractors/_textlayer.c)
PDFIUM_FUNCTIONS = ("FPDFText_GetTextObject", "FPDFText_IsGenerated", "FPDFText_GetUnicode", "FPDFText_GetCharOrigin",
                    "FPDFText_GetMatrix", "FPDFTextObj_GetFontSize", "FPDFTextObj_GetFont")
# the C loop (None where it is not built: then read_char_layer makes the same calls from Python)
COMPILED_READER = compiled_loop("muni_read_chars", PDFIUM_FUNCTIONS, [ctypes.c_void_p] * 8)


@dataclass(frozen=True)
class CharLayer:
    """A page's characters as pdfium reads them, in content order, its generated spaces and line breaks left
    out: code point and origin per character; per run of consecutive characters of one text object, its first
    character, the object's matrix (a, b, c, d), font size and font handle."""

    codes: np.ndarray  # uint32
    origin_x: np.ndarray  # float64, page space (bottom-left origin)
    origin_y: np.ndarray
    run_starts: np.ndarray  # int32, index of each run's first character
    run_matrix: np.ndarray  # float64, (runs, 4)
    run_font_size: np.ndarray  # float64
    run_font: np.ndarray  # uint64 handles, valid while the document is open


def empty_char_layer(count: int) -> CharLayer:
    """Room for `count` characters and runs (the fields in the C loop's argument order)."""
    return CharLayer(np.zeros(count, np.uint32), np.zeros(count), np.zeros(count), np.zeros(count, np.int32),
                     np.zeros((count, 4)), np.zeros(count), np.zeros(count, np.uint64))


def first_of(layer: CharLayer, kept: int, runs: int) -> CharLayer:
    """The layer cut to the characters and runs that were read."""
    return CharLayer(layer.codes[:kept], layer.origin_x[:kept], layer.origin_y[:kept], layer.run_starts[:runs],
                     layer.run_matrix[:runs], layer.run_font_size[:runs], layer.run_font[:runs])


def read_char_layer(textpage) -> CharLayer | None:
    """Every character of a pypdfium2 text page (`textpage.raw`), through the C loop when it is built; None when
    a character has no text object that pdfium did not make up itself."""
    count = raw.FPDFText_CountChars(textpage)
    layer = empty_char_layer(count)
    if COMPILED_READER is None:
        return read_char_layer_in_python(textpage, count, layer)
    fn, functions = COMPILED_READER
    runs = ctypes.c_int32(0)
    kept = fn(address(textpage), count, ctypes.addressof(functions),
              *(getattr(layer, f.name).ctypes.data for f in fields(CharLayer)), ctypes.addressof(runs))
    return None if kept < 0 else first_of(layer, kept, runs.value)


def read_char_layer_in_python(textpage, count: int, layer: CharLayer) -> CharLayer | None:
    """`read_char_layer` without the C loop: the same pdfium calls, one ctypes call each, into `layer`."""
    x, y = ctypes.c_double(), ctypes.c_double()
    current, kept, runs = None, 0, 0
    for i in range(count):
        obj = raw.FPDFText_GetTextObject(textpage, i)
        key = ctypes.cast(obj, ctypes.c_void_p).value
        if not key:
            if raw.FPDFText_IsGenerated(textpage, i) != 0:
                continue
            return None
        if key != current:
            m, size = raw.FS_MATRIX(), ctypes.c_float()
            raw.FPDFText_GetMatrix(textpage, i, m)
            raw.FPDFTextObj_GetFontSize(obj, size)
            layer.run_starts[runs], layer.run_font_size[runs] = kept, size.value
            layer.run_matrix[runs] = (m.a, m.b, m.c, m.d)
            layer.run_font[runs] = ctypes.cast(raw.FPDFTextObj_GetFont(obj), ctypes.c_void_p).value or 0
            runs, current = runs + 1, key
        layer.codes[kept] = raw.FPDFText_GetUnicode(textpage, i)
        x.value = y.value = 0.0
        raw.FPDFText_GetCharOrigin(textpage, i, x, y)
        layer.origin_x[kept], layer.origin_y[kept] = x.value, y.value
        kept += 1
    return first_of(layer, kept, runs)


def pdfium_font_name(handle: int) -> str:
    """A pdfium font's PostScript name without subset tag."""
    font = ctypes.cast(ctypes.c_void_p(handle), raw.FPDF_FONT)
    length = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buf = ctypes.create_string_buffer(max(length, 1))
    raw.FPDFFont_GetBaseFontName(font, buf, length)
    return font_name(buf.value.decode("utf-8", "replace"))


class Char(NamedTuple):
    """One printed character with pdfminer's box (top-left origin), its font (no subset tag) and size."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    font: str
    size: float


@dataclass(frozen=True)
class PageChars:
    """A page's characters with pdfminer's boxes (top-left origin), in content order, as arrays: code point (a
    line-end hyphen as '-') and box per character, and its style, an index into `styles` (font without subset
    tag, size)."""

    codes: np.ndarray  # uint32
    x0: np.ndarray
    x1: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    style: np.ndarray  # int64
    styles: list[tuple[str, float]]

    def __len__(self) -> int:
        return len(self.codes)

    def records(self) -> list[Char]:
        """One Char per character (for tests and debugging)."""
        return [Char(chr(c), a, b, t, u, *self.styles[s]) for c, a, b, t, u, s in
                zip(self.codes.tolist(), self.x0.tolist(), self.x1.tolist(), self.top.tolist(),
                    self.bottom.tolist(), self.style.tolist())]

    @classmethod
    def from_records(cls, chars: list[Char]) -> "PageChars":
        styles = list(dict.fromkeys((c.font, c.size) for c in chars))
        index = {s: i for i, s in enumerate(styles)}
        return cls(np.array([ord(c.text) for c in chars], np.uint32), np.array([c.x0 for c in chars], float),
                   np.array([c.x1 for c in chars], float), np.array([c.top for c in chars], float),
                   np.array([c.bottom for c in chars], float),
                   np.array([index[(c.font, c.size)] for c in chars], np.int64), styles)


def char_widths(codes: np.ndarray, font_of_char: np.ndarray, tables: list[tuple[np.ndarray, np.ndarray]]
                ) -> np.ndarray:
    """Each character's advance in its font (1/1000 em); NaN where the font does not say or is ambiguous."""
    widths = np.full(len(codes), math.nan)
    for f, (table_codes, table_widths) in enumerate(tables):
        where = np.flatnonzero(font_of_char == f)
        if not len(where) or not len(table_codes):
            continue
        found = np.minimum(np.searchsorted(table_codes, codes[where]), len(table_codes) - 1)
        widths[where] = np.where(table_codes[found] == codes[where], table_widths[found], math.nan)
    return widths


def drift_within_runs(step: np.ndarray, run_starts: np.ndarray, grid_limit: int = 1 << 22) -> np.ndarray:
    """Before each character, the sum of `step` over the characters before it in its run, added left to right as
    pdfium's advances accumulate (zero at every run's first character). The runs are laid out as the rows of a
    zero-padded grid and summed along the rows at once — each row in order, so every sum is the one a loop over
    the run would give, bit for bit; a page whose grid would exceed `grid_limit` cells is summed run by run."""
    n = len(step)
    drift = np.zeros(n)
    if not n or not step.any():
        return drift
    lengths = np.diff(np.append(run_starts, n))
    if len(lengths) * int(lengths.max()) > grid_limit:
        for start, end in zip(run_starts.tolist(), (run_starts + lengths).tolist()):
            drift[start + 1:end] = np.cumsum(step[start:end - 1])
        return drift
    run = np.repeat(np.arange(len(lengths)), lengths)
    position = np.arange(n) - np.repeat(run_starts, lengths)
    grid = np.zeros((len(lengths), int(lengths.max())))
    grid[run, position] = step
    sums = np.cumsum(grid, axis=1)
    later = position > 0
    drift[later] = sums[run[later], position[later] - 1]
    return drift


class RunKind(NamedTuple):
    """What the characters of runs with one matrix, font size and font share."""

    style: int  # index into PageChars.styles
    table: int  # index into the page's width tables
    advance_scale: float  # page-space points per 1/1000 text-space unit, along the line
    descent_offset: float  # the font's descent in page space (negative)
    size: float  # font size in page space (pdfminer's char 'size'), 4 decimals


def layer_to_chars(layer: CharLayer, fonts: PageFonts, height: float) -> PageChars | None:
    """pdfium's characters with the boxes pdfminer gives them (origin, advance from the font's /Widths, font
    descent and size); None when some text is not upright or some advance is not known exactly."""
    names: dict[int, str] = {}
    styles: dict[tuple[str, float], int] = {}
    tables: dict[str, int] = {}
    table_list: list = []
    kinds: dict[tuple, int] = {}  # (a, b, c, d, font size, font handle) -> index into kind_list
    kind_list: list[RunKind] = []
    run_kind: list[int] = []
    for key in zip(*layer.run_matrix.T.tolist(), layer.run_font_size.tolist(), layer.run_font.tolist()):
        kind = kinds.get(key)
        if kind is None:
            a, b, c, d, font_size, handle = key
            if not (b == 0 and c == 0 and a > 0 and d > 0):  # rotated, skewed or mirrored
                return None
            name = names.get(handle)
            if name is None:
                name = names[handle] = pdfium_font_name(handle)
            metrics = fonts.get(name)
            if metrics is None or metrics.descent is None:
                return None
            if name not in tables:
                tables[name] = len(table_list)
                table_list.append(metrics.width_table)
            size = round(font_size * d, 4)
            kind = kinds[key] = len(kind_list)
            kind_list.append(RunKind(styles.setdefault((name, size), len(styles)), tables[name],
                                     font_size * a / 1000, metrics.descent * (font_size * d / 1000), size))
        run_kind.append(kind)
    if not kind_list:  # no text on the page
        return PageChars(layer.codes, *(np.zeros(0) for _ in range(4)), np.zeros(0, np.int64), [])
    if int(layer.codes.max()) > 0x10FFFF:  # not a code point
        return None
    char_kind = np.repeat(np.array(run_kind, np.int64), np.diff(np.append(layer.run_starts, len(layer.codes))))
    style, table, advance_scale, descent_offset, size = (np.array(column)[char_kind] for column in zip(*kind_list))
    hyphen = (layer.codes == PDFIUM_HYPHENS[0]) | (layer.codes == PDFIUM_HYPHENS[1])
    codes = np.where(hyphen, ord("-"), layer.codes).astype(np.uint32)
    widths = char_widths(codes, table, table_list)
    if np.isnan(widths).any():
        return None
    x0 = layer.origin_x + drift_within_runs((widths - np.trunc(widths)) * advance_scale, layer.run_starts)
    bottom_y = layer.origin_y + descent_offset
    return PageChars(codes, x0, x0 + widths * advance_scale, height - (bottom_y + size), height - bottom_y, style,
                     list(styles))


def pdfium_chars(page: pdfium.PdfPage, fonts: PageFonts, height: float | None = None) -> PageChars | None:
    """The page's characters in content order, with pdfminer's boxes (`height`: the page height as pdfminer
    reads it); None when some text is not upright, some advance is not known exactly, or a character has no
    text object that pdfium did not make up itself."""
    height = page.get_height() if height is None else height
    textpage = page.get_textpage()
    try:
        layer = read_char_layer(textpage.raw)
    finally:
        textpage.close()
    return None if layer is None else layer_to_chars(layer, fonts, height)
