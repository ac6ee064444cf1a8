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
from dataclasses import dataclass, fields, replace

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as raw

from extractors.pdfium_loops import address, compiled_loop

# page objects the page model understands; shadings are not drawn by pdfminer at all, so they change nothing
PAGE_MODEL_OBJECT_TYPES = frozenset({raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH,
                                     raw.FPDF_PAGEOBJ_SHADING})
PAGE_MODEL_TYPE = np.zeros(max(PAGE_MODEL_OBJECT_TYPES) + 2, bool)  # by type code, clipped into range: False
PAGE_MODEL_TYPE[sorted(PAGE_MODEL_OBJECT_TYPES)] = True
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


# the pdfium functions muni_read_paths calls, in the order of its `PathPdfium` struct (extractors/_textlayer.c)
PDFIUM_PATH_FUNCTIONS = ("FPDFPage_GetObject", "FPDFPageObj_GetType", "FPDFPath_GetDrawMode", "FPDFPageObj_GetMatrix",
                         "FPDFPath_CountSegments", "FPDFPath_GetPathSegment", "FPDFPathSegment_GetType",
                         "FPDFPathSegment_GetPoint", "FPDFPathSegment_GetClose", "FPDFPageObj_GetFillColor")
# the C loop (None where it is not built: then read_path_layer makes the same calls from Python)
COMPILED_PATH_READER = compiled_loop("muni_read_paths", PDFIUM_PATH_FUNCTIONS, [ctypes.c_int] + [ctypes.c_void_p] * 12)
SEGMENT_UNKNOWN = raw.FPDF_SEGMENT_UNKNOWN


@dataclass(frozen=True)
class PathLayer:
    """A page's objects as pdfium reads them: per object its type and, for a path that paints, its state (1: read,
    segments `segment_start` .. + `segment_count`; -1: pdfium could not give its draw mode, matrix or a segment;
    0: anything else), fill flag, fill colour (when `colour_ok`; 0–255) and matrix (a, b, c, d, e, f); per
    segment its type, point in the path's own space and closing flag."""

    type: np.ndarray  # int32
    state: np.ndarray  # int32
    filled: np.ndarray  # int8
    colour_ok: np.ndarray  # int8
    rgb: np.ndarray  # int32, (objects, 3)
    matrix: np.ndarray  # float64, (objects, 6)
    segment_start: np.ndarray  # int32
    segment_count: np.ndarray  # int32
    segment_type: np.ndarray  # int32
    x: np.ndarray  # float64
    y: np.ndarray
    closes: np.ndarray  # int8


def empty_path_layer(objects: int, segments: int) -> PathLayer:
    return PathLayer(np.zeros(objects, np.int32), np.zeros(objects, np.int32), np.zeros(objects, np.int8),
                     np.zeros(objects, np.int8), np.zeros((objects, 3), np.int32), np.zeros((objects, 6)),
                     np.zeros(objects, np.int32), np.zeros(objects, np.int32), np.zeros(segments, np.int32),
                     np.zeros(segments), np.zeros(segments), np.zeros(segments, np.int8))


def read_path_layer(page) -> PathLayer:
    """Every object of a pypdfium2 page (`page.raw`) and the segments of its painted paths, through the C loop
    when it is built."""
    count = raw.FPDFPage_CountObjects(page)
    if COMPILED_PATH_READER is None:
        return read_path_layer_in_python(page, count)
    fn, functions = COMPILED_PATH_READER
    capacity = 4 * count + 16
    while True:
        layer = empty_path_layer(count, capacity)
        total = fn(address(page), count, ctypes.addressof(functions), capacity,
                   *(getattr(layer, f.name).ctypes.data for f in fields(PathLayer)))
        if total <= capacity:
            return replace(layer, segment_type=layer.segment_type[:total], x=layer.x[:total], y=layer.y[:total],
                           closes=layer.closes[:total])
        capacity = total


def read_path_layer_in_python(page, count: int) -> PathLayer:
    """`read_path_layer` without the C loop: the same pdfium calls, one ctypes call each."""
    objects = empty_path_layer(count, 0)
    segment_type: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    closes: list[int] = []
    fill_mode, stroke, m = ctypes.c_int(), ctypes.c_int(), raw.FS_MATRIX()
    x, y = ctypes.c_float(), ctypes.c_float()
    r, g, b, a = ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
    for i in range(count):
        obj = raw.FPDFPage_GetObject(page, i)
        objects.type[i] = raw.FPDFPageObj_GetType(obj) if obj else 0
        if not obj or objects.type[i] != raw.FPDF_PAGEOBJ_PATH:
            continue
        if not raw.FPDFPath_GetDrawMode(obj, fill_mode, stroke):
            objects.state[i] = -1
            continue
        objects.filled[i] = fill_mode.value != raw.FPDF_FILLMODE_NONE
        if not objects.filled[i] and not stroke.value:  # ended without painting ('n')
            continue
        if not raw.FPDFPageObj_GetMatrix(obj, m):
            objects.state[i] = -1
            continue
        objects.matrix[i] = (m.a, m.b, m.c, m.d, m.e, m.f)
        if objects.filled[i]:
            objects.colour_ok[i] = bool(raw.FPDFPageObj_GetFillColor(obj, r, g, b, a))
            objects.rgb[i] = (r.value, g.value, b.value)
        n = raw.FPDFPath_CountSegments(obj)
        objects.state[i], objects.segment_start[i], objects.segment_count[i] = 1, len(segment_type), max(n, 0)
        for k in range(n):
            seg = raw.FPDFPath_GetPathSegment(obj, k)
            kind = raw.FPDFPathSegment_GetType(seg) if seg else SEGMENT_UNKNOWN
            x.value = y.value = 0.0
            if kind == SEGMENT_UNKNOWN or not raw.FPDFPathSegment_GetPoint(seg, x, y):
                objects.state[i], kind = -1, SEGMENT_UNKNOWN
            segment_type.append(kind)
            xs.append(x.value)
            ys.append(y.value)
            closes.append(bool(raw.FPDFPathSegment_GetClose(seg)) if seg and kind != SEGMENT_UNKNOWN else 0)
    return replace(objects, segment_type=np.array(segment_type, np.int32), x=np.array(xs, float),
                   y=np.array(ys, float), closes=np.array(closes, np.int8))


def path_segments(layer: PathLayer, i: int) -> list[tuple[str, Point, bool]] | None:
    """Object `i`'s segments with its matrix applied (page space); None for a segment type pdfminer has not."""
    a, b, c, d, e, f = layer.matrix[i].tolist()
    start = int(layer.segment_start[i])
    end = start + int(layer.segment_count[i])
    out = []
    for kind, px, py, closes in zip(layer.segment_type[start:end].tolist(), layer.x[start:end].tolist(),
                                    layer.y[start:end].tolist(), layer.closes[start:end].tolist()):
        op = SEGMENT_OPS.get(kind)
        if op is None:
            return None
        out.append((op, (a * px + c * py + e, b * px + d * py + f), bool(closes)))
    return out


def path_layer_to_shapes(layer: PathLayer) -> list[PathShape] | None:
    """Every painted line and rectangle in content order, as pdfminer would make them; None when the page has
    objects the page model cannot take from pdfium (see the module's docstring)."""
    types = np.clip(layer.type, 0, len(PAGE_MODEL_TYPE) - 1)
    if not PAGE_MODEL_TYPE[types].all() or (layer.state < 0).any():
        return None
    shapes: list[PathShape] = []
    for i in np.flatnonzero(layer.state == 1).tolist():
        segments = path_segments(layer, i)
        subpaths = segments_to_subpaths(segments) if segments is not None else None
        if subpaths is None:
            return None
        filled = bool(layer.filled[i])
        colour = tuple(v / 255 for v in layer.rgb[i].tolist()) if filled and layer.colour_ok[i] else None
        for subpath in subpaths:
            found = subpath_to_shape(subpath)
            if found is None:
                continue
            kind, (ax, ay), (bx, by) = found
            shapes.append(PathShape(kind, min(ax, bx), min(ay, by), max(ax, bx), max(ay, by), filled, colour))
    return shapes


def page_shapes(page: pdfium.PdfPage) -> list[PathShape] | None:
    """Every painted line and rectangle of the page in content order, as pdfminer would make them; None when
    the page has objects the page model cannot take from pdfium (see the module's docstring)."""
    return path_layer_to_shapes(read_path_layer(page.raw))
