"""Characters of a page read through pypdfium2: the same words as pdfplumber, several times faster.

pdfplumber interprets every page's content stream with pdfminer, in Python; pdfium does it in C. We take
pdfium's characters, give each the box pdfminer would (origin, advance, font descent, font size) and group
them with pdfplumber's own WordExtractor (the page's rules and fills come from pdfium too:
extractors/pdfium_paths.py). pdfium truncates the font's /Widths to whole units (up to 1/1000 em per character,
which adds up to ~0.8 pt along a line) and has its own descent for the standard 14 fonts, so advances and
descents come from the PDF's font dictionaries as pdfminer reads them from the page's resources (cheap: no
content stream is interpreted). Anything unusual — rotation, skewed or mirrored text, an offset media box,
Type 3 fonts, a character whose width is unknown or ambiguous — returns None and the caller reads the page
with pdfplumber.
"""
from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as raw

SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# pdfium reports a hyphen it takes for a line-end hyphenation as U+0002 (per character) or U+FFFE (in its text)
PDFIUM_HYPHENS = frozenset({0x02, 0xFFFE})



@dataclass(frozen=True)
class FontMetrics:
    """What pdfminer reads from a font's dictionary: descent and advances, in 1/1000 text-space units."""

    descent: float | None  # negative; None when two fonts of the same name disagree
    widths: dict[str, float | None]  # per character; None when ambiguous (two codes, two widths)


# a page's fonts by name (without subset tag)
PageFonts = dict[str, FontMetrics]


@dataclass(frozen=True)
class TextRun:
    """What pdfium says about one text object, shared by its characters."""

    font: str
    size: float  # font size in page space (pdfminer's char 'size')
    advance_scale: float  # horizontal page-space points per 1/1000 text-space unit (advances)
    rise_scale: float  # vertical page-space points per 1/1000 text-space unit (descent)
    upright: bool  # not rotated, skewed or mirrored


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


def _text_run(textpage, index: int, obj) -> TextRun:
    """Font, size and advance scale of the text object that drew character `index`."""
    matrix = raw.FS_MATRIX()
    raw.FPDFText_GetMatrix(textpage, index, matrix)
    font_size = ctypes.c_float()
    raw.FPDFTextObj_GetFontSize(obj, font_size)
    font = raw.FPDFTextObj_GetFont(obj)
    length = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buf = ctypes.create_string_buffer(max(length, 1))
    raw.FPDFFont_GetBaseFontName(font, buf, length)
    name = buf.value.decode("utf-8", "replace")
    upright = matrix.b == 0 and matrix.c == 0 and matrix.a > 0 and matrix.d > 0
    return TextRun(font_name(name), round(font_size.value * matrix.d, 4), font_size.value * matrix.a / 1000,
                   font_size.value * matrix.d / 1000, upright)


def _private_binding(name: str, argtypes: list, restype, fallback):
    """A private copy of one pdfium C function with plain ctypes argument types (pypdfium2's own typed binding is
    untouched): per-character calls without pypdfium2's pointer-type checks. Should pypdfium2's internals move,
    `fallback` (the typed binding, a few times slower) does the same."""
    try:
        import pypdfium2_raw

        fn = pypdfium2_raw.bindings._libs["pdfium"][name]  # indexing a CDLL by name makes a new function object
        fn.argtypes = argtypes
        fn.restype = restype
        return fn
    except (ImportError, AttributeError, KeyError, TypeError):
        return fallback


# the object's address as an int: a cheap key for grouping characters by text object (0: pdfium made the char)
_object_address = _private_binding(
    "FPDFText_GetTextObject", [raw.FPDF_TEXTPAGE, ctypes.c_int], ctypes.c_void_p,
    lambda textpage, index: ctypes.cast(raw.FPDFText_GetTextObject(textpage, index), ctypes.c_void_p).value)
_char_origin = _private_binding(
    "FPDFText_GetCharOrigin", [raw.FPDF_TEXTPAGE, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int,
    lambda textpage, index, x, y: raw.FPDFText_GetCharOrigin(textpage, index, x._obj, y._obj))


def page_unicode(textpage, count: int) -> list[int]:
    """Every character's code point (pdfium's synthetic ones included), read in one call."""
    buf = ctypes.create_string_buffer(2 * (count + 1))
    raw.FPDFText_GetText(textpage, 0, count, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    units = memoryview(buf.raw[: 2 * count]).cast("H")
    if any(0xD800 <= u <= 0xDFFF for u in units):  # surrogate pairs: indexes no longer line up, ask per character
        return [raw.FPDFText_GetUnicode(textpage, i) for i in range(count)]
    return list(units)


class Char(NamedTuple):
    """One printed character with pdfminer's box (top-left origin), its font (no subset tag) and size."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    font: str
    size: float


def pdfium_chars(page: pdfium.PdfPage, fonts: PageFonts, height: float | None = None) -> list[Char] | None:
    """The page's characters in content order, with pdfminer's boxes (`height`: the page height as pdfminer
    reads it); None when some text is not upright, some advance is not known exactly, or a character has no
    text object that pdfium did not make up itself."""
    height = page.get_height() if height is None else height
    textpage = page.get_textpage()
    tp = textpage.raw
    runs: dict[int, TextRun] = {}
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    px, py = ctypes.byref(origin_x), ctypes.byref(origin_y)
    chars: list[Char] = []
    current, drift = None, 0.0  # pdfium's accumulated advance error inside the current text object
    font = widths = None
    size = advance_scale = descent_offset = 0.0
    try:
        count = raw.FPDFText_CountChars(tp)
        codes = page_unicode(tp, count)
        for i in range(count):
            key = _object_address(tp, i)
            if not key:
                if raw.FPDFText_IsGenerated(tp, i) != 0:  # pdfium's synthetic spaces and line breaks
                    continue
                return None
            if key != current:
                run = runs.get(key)
                if run is None:
                    run = runs[key] = _text_run(tp, i, raw.FPDFText_GetTextObject(tp, i))
                    if not run.upright:
                        return None
                metrics = fonts.get(run.font)
                if metrics is None or metrics.descent is None:
                    return None
                current, drift = key, 0.0
                font, size, advance_scale, widths = run.font, run.size, run.advance_scale, metrics.widths
                descent_offset = metrics.descent * run.rise_scale
            code = codes[i]
            text = "-" if code in PDFIUM_HYPHENS else chr(code)
            width = widths.get(text)
            if width is None:
                return None
            _char_origin(tp, i, px, py)
            x0 = origin_x.value + drift
            drift += (width - math.trunc(width)) * advance_scale  # pdfium advanced by the truncated width
            bottom_y = origin_y.value + descent_offset
            chars.append(Char(text, x0, x0 + width * advance_scale, height - (bottom_y + size), height - bottom_y,
                              font, size))
    finally:
        textpage.close()
    return chars
