"""Lines and rectangles of a page read through pypdfium2, classified exactly as pdfminer classifies them.

pdfplumber's `page.lines` and `page.rects` are pdfminer's LTLine and LTRect: every painted path is cut into
subpaths at each moveto, and a subpath becomes a line when it is one segment (`m l`, `m l h`) and a rectangle
when it is four axis-aligned segments closing on their start (`re`, `m l l l h`); everything else is a curve,
which the page model does not use. pdfium hands us the same paths, already parsed in C, as segments in the
path's own space plus the matrix in force when it was painted — so interpreting the content stream in Python
(pdfminer, two thirds of a page's reading time) is not needed for rules and fills.

pdfium keeps points as 32-bit floats (pdfminer: doubles parsed from the stream's decimals), so coordinates
differ from pdfplumber's by up to ~1e-5 pt. Anything the page model would read differently — form XObjects
(their contents are painted through another matrix and clip), a segment type pdfium does not know — returns
None and the caller reads the page with pdfplumber.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

# page objects the page model understands; shadings are not drawn by pdfminer at all, so they change nothing
PAGE_MODEL_OBJECT_TYPES = frozenset({raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH,
                                     raw.FPDF_PAGEOBJ_SHADING})
SEGMENT_OPS = {raw.FPDF_SEGMENT_MOVETO: "m", raw.FPDF_SEGMENT_LINETO: "l", raw.FPDF_SEGMENT_BEZIERTO: "c"}

Point = tuple[float, float]
# a subpath as pdfminer sees it: operators ('m', 'l', 'c', 'h') with the point each ends on ('h': the start)
Subpath = list[tuple[str, Point]]


@dataclass(frozen=True)
class PathShape:
    """A painted line or rectangle in PDF space (y up), with pdfminer's fill flag and the fill colour (RGB 0–1)."""

    kind: str  # "line" or "rect"
    x0: float
    y0: float
    x1: float
    y1: float
    fill: bool
    colour: tuple[float, float, float] | None


def segments_to_subpaths(segments: list[tuple[str, Point, bool]]) -> list[Subpath] | None:
    """pdfium's segments (op, page-space point, closes) as pdfminer's subpaths: a closing segment is followed
    by 'h' (back to the subpath's start), and a new subpath begins at every moveto. pdfium closes a path whose
    last point is not its start by adding a line to the start, which pdfminer's rule for a redundant final
    'l' removes again (see `subpath_to_shape`). None when there is a bézier point without its three parts."""
    subpaths: list[Subpath] = []
    bezier = 0
    for op, point, closes in segments:
        if op == "c":
            bezier += 1
            if bezier < 3:  # pdfium lists a bézier as three points; pdfminer's 'c' ends on the third
                continue
            bezier = 0
        elif bezier:
            return None
        if op == "m" or not subpaths:
            subpaths.append([])
        subpaths[-1].append((op, point))
        if closes:
            subpaths[-1].append(("h", subpaths[-1][0][1]))
    return None if bezier else subpaths


def subpath_to_shape(subpath: Subpath) -> tuple[str, Point, Point] | None:
    """What pdfminer's `paint_path` makes of one subpath: ('line', start, end), ('rect', corner, opposite
    corner) or None (a curve, or not starting with a moveto)."""
    shape = "".join(op for op, _ in subpath)
    pts = [p for _, p in subpath]
    if shape[:1] != "m" or shape.count("m") > 1:
        return None
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:  # a redundant 'l' back to the start
        shape = shape[:-2] + "h"
        pts.pop(-2)
    if shape in ("mlh", "ml"):
        return ("line", pts[0], pts[1])
    if shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            return ("rect", pts[0], pts[2])
    return None


def _object_segments(obj) -> list[tuple[str, Point, bool]] | None:
    """A path object's segments with the object's matrix applied (page space); None for an unknown segment."""
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, m):
        return None
    x, y = ctypes.c_float(), ctypes.c_float()
    out = []
    for k in range(raw.FPDFPath_CountSegments(obj)):
        seg = raw.FPDFPath_GetPathSegment(obj, k)
        op = SEGMENT_OPS.get(raw.FPDFPathSegment_GetType(seg))
        if op is None or not raw.FPDFPathSegment_GetPoint(seg, x, y):
            return None
        px, py = float(x.value), float(y.value)
        out.append((op, (m.a * px + m.c * py + m.e, m.b * px + m.d * py + m.f), bool(raw.FPDFPathSegment_GetClose(seg))))
    return out


def _fill_colour(obj) -> tuple[float, float, float] | None:
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    if not raw.FPDFPageObj_GetFillColor(obj, r, g, b, a):
        return None
    return (r.value / 255, g.value / 255, b.value / 255)


def page_shapes(page: pdfium.PdfPage) -> list[PathShape] | None:
    """Every painted line and rectangle of the page in content order, as pdfminer would make them; None when
    the page has objects the page model cannot take from pdfium (see the module's docstring)."""
    handle = page.raw
    fill_mode, stroke = ctypes.c_int(), ctypes.c_int()
    shapes: list[PathShape] = []
    for i in range(raw.FPDFPage_CountObjects(handle)):
        obj = raw.FPDFPage_GetObject(handle, i)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind not in PAGE_MODEL_OBJECT_TYPES:
            return None
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
            return None
        filled = fill_mode.value != raw.FPDF_FILLMODE_NONE
        if not filled and not stroke.value:  # ended without painting ('n'): pdfminer draws nothing
            continue
        segments = _object_segments(obj)
        subpaths = segments_to_subpaths(segments) if segments is not None else None
        if subpaths is None:
            return None
        colour = _fill_colour(obj) if filled else None
        for subpath in subpaths:
            found = subpath_to_shape(subpath)
            if found is None:
                continue
            kind, (ax, ay), (bx, by) = found
            shapes.append(PathShape(kind, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), filled, colour))
    return shapes
