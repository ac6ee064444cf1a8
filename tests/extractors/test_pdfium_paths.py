"""Rules and fills read through pdfium are pdfminer's LTLine/LTRect classification, shape by shape."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest

from extractors import pages as pages_module
from extractors.pages import read_pages
from extractors.pdfium_paths import page_shapes, segments_to_subpaths, subpath_to_shape
from tests.extractors.test_pages import no_pdfplumber, page_differences


def test_a_single_segment_is_a_line_closed_or_not():
    assert subpath_to_shape([("m", (0, 0)), ("l", (10, 0))]) == ("line", (0, 0), (10, 0))
    assert subpath_to_shape([("m", (0, 0)), ("l", (10, 0)), ("h", (0, 0))]) == ("line", (0, 0), (10, 0))


def test_four_axis_aligned_segments_closing_on_the_start_are_a_rectangle():
    box = [("m", (0, 0)), ("l", (10, 0)), ("l", (10, 5)), ("l", (0, 5))]
    assert subpath_to_shape(box + [("h", (0, 0))]) == ("rect", (0, 0), (10, 5))
    assert subpath_to_shape(box + [("l", (0, 0))]) == ("rect", (0, 0), (10, 5))  # 'mllll'
    assert subpath_to_shape(box + [("l", (0, 0)), ("h", (0, 0))]) == ("rect", (0, 0), (10, 5))  # redundant 'l'


def test_other_subpaths_are_curves_the_page_model_leaves_out():
    assert subpath_to_shape([("m", (0, 0)), ("l", (10, 0)), ("l", (5, 5)), ("h", (0, 0))]) is None  # triangle
    skewed = [("m", (0, 0)), ("l", (10, 1)), ("l", (10, 5)), ("l", (0, 5)), ("h", (0, 0))]
    assert subpath_to_shape(skewed) is None
    assert subpath_to_shape([("m", (0, 0)), ("l", (10, 0)), ("l", (10, 5)), ("l", (0, 5)), ("l", (0, 1))]) is None
    assert subpath_to_shape([("m", (0, 0)), ("c", (10, 10))]) is None
    assert subpath_to_shape([("m", (0, 0))]) is None
    assert subpath_to_shape([("l", (0, 0)), ("l", (1, 0))]) is None


def test_pdfium_segments_become_pdfminer_subpaths():
    # pdfium closes a rectangle by a line back to the start flagged as closing; a bézier is three points
    segments = [("m", (0, 0), False), ("l", (10, 0), False), ("l", (10, 5), False), ("l", (0, 5), False),
                ("l", (0, 0), True), ("m", (20, 0), False), ("c", (21, 1), False), ("c", (22, 1), False),
                ("c", (23, 0), False), ("m", (30, 0), False), ("l", (40, 0), False)]
    subpaths = segments_to_subpaths(segments)
    assert [[op for op, _ in s] for s in subpaths] == [list("mllllh"), list("mc"), list("ml")]
    assert [subpath_to_shape(s) for s in subpaths] == [("rect", (0, 0), (10, 5)), None, ("line", (30, 0), (40, 0))]
    assert segments_to_subpaths([("m", (0, 0), False), ("c", (1, 1), False), ("l", (2, 2), False)]) is None


def shapes_pdf(path: Path) -> Path:
    """One page of every kind of path a report draws (and some it should not), through reportlab."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), invariant=1)
    c.drawString(72, 800, "Tabell 3 Risker")
    c.line(72, 790, 520, 790)  # a rule
    c.setLineWidth(0.5)
    c.line(300, 780, 300, 600)  # a vertical rule
    c.setFillColorRGB(0.96, 0.31, 0.2)
    c.rect(72, 700, 40, 30, stroke=0, fill=1)  # a coloured cell
    c.setFillGray(0.9)
    c.rect(120, 700, 40, 30, stroke=1, fill=1)  # a grey cell, outlined
    c.rect(72, 650, 400, 0.8, stroke=0, fill=1)  # a thin filled rectangle: a rule
    c.rect(72, 560, 200, 60, stroke=1, fill=0)  # an outline box: neither
    c.circle(400, 700, 20, stroke=1, fill=1)  # béziers: a curve
    c.roundRect(420, 560, 80, 40, 6, stroke=1, fill=0)
    p = c.beginPath()  # three subpaths in one painted path: a line, a rectangle, a triangle
    p.moveTo(72, 520)
    p.lineTo(300, 520)
    p.rect(320, 500, 50, 30)
    p.moveTo(400, 500)
    p.lineTo(450, 500)
    p.lineTo(425, 530)
    p.close()
    c.drawPath(p, stroke=1, fill=1)
    q = c.beginPath()  # a rectangle drawn as four lines and closed without returning to the start
    q.moveTo(72, 420)
    q.lineTo(200, 420)
    q.lineTo(200, 470)
    q.lineTo(72, 470)
    q.close()
    c.drawPath(q, stroke=0, fill=1)
    c.saveState()  # a transformed grid: scaled and moved
    c.translate(250, 380)
    c.scale(1.5, 0.75)
    c.grid([0, 40, 80, 120], [0, 30, 60])
    c.rect(0, 0, 40, 30, stroke=0, fill=1)
    c.restoreState()
    clip = c.beginPath()  # a clipping path is not painted
    clip.rect(72, 100, 100, 100)
    c.clipPath(clip, stroke=0, fill=0)
    c.drawString(80, 150, "Klippt text")
    c.showPage()
    c.save()
    return path


def test_every_kind_of_path_reads_as_pdfplumber_reads_it(tmp_path: Path, monkeypatch):
    path = shapes_pdf(tmp_path / "shapes.pdf")
    want = read_pages(path, text_reader="pdfplumber")
    with monkeypatch.context() as m:
        m.setattr(pages_module, "plumber_page_to_page", no_pdfplumber)
        got = read_pages(path)
    assert page_differences(got[0], want[0]) == []
    assert len(want[0].rules) >= 10 and len(want[0].fills) >= 5  # the page exercises both


def test_a_cmyk_fill_has_the_colour_a_viewer_shows(tmp_path: Path):
    # pdfminer's naive (1−c)(1−k) and pdfium's colour-managed conversion differ by up to ~0.2 for CMYK: the
    # page model keeps what a viewer renders, and distinct colours stay distinct
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "cmyk.pdf"
    c = Canvas(str(path), invariant=1)
    for i, cmyk in enumerate([(0, 0.8, 0.9, 0), (0, 0.2, 0.9, 0), (0.6, 0, 0.9, 0.1)]):
        c.setFillColorCMYK(*cmyk)
        c.rect(72 + 40 * i, 700, 40, 40, stroke=0, fill=1)
    c.showPage()
    c.save()
    got, want = read_pages(path)[0], read_pages(path, text_reader="pdfplumber")[0]
    assert [v for f in got.fills for v in (f.x0, f.top, f.x1, f.bottom)] == pytest.approx(
        [v for f in want.fills for v in (f.x0, f.top, f.x1, f.bottom)])
    assert len({f.colour for f in got.fills}) == 3
    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[0].render(scale=1).to_pil().convert("RGB")
    finally:
        pdf.close()
    for f in got.fills:
        pixel = image.getpixel((int((f.x0 + f.x1) / 2), int((f.top + f.bottom) / 2)))
        assert [round(v * 255) for v in f.colour] == pytest.approx(list(pixel), abs=1)


def form_pdf(path: Path) -> Path:
    """A page whose only rectangle is painted inside a form XObject, and a line of text."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), invariant=1)
    c.beginForm("cell")
    c.rect(0, 0, 40, 30, stroke=0, fill=1)
    c.endForm()
    c.doForm("cell")
    c.drawString(72, 800, "Formulär")
    c.showPage()
    c.save()
    return path


def test_a_form_xobject_sends_the_page_to_pdfplumber(tmp_path: Path):
    path = form_pdf(tmp_path / "form.pdf")
    pdf = pdfium.PdfDocument(str(path))
    try:
        assert page_shapes(pdf[0]) is None  # a form object: the page model cannot take it from pdfium
    finally:
        pdf.close()
    seen = []
    with pytest.MonkeyPatch.context() as m:
        original = pages_module.plumber_page_to_page
        m.setattr(pages_module, "plumber_page_to_page", lambda p, n: seen.append(n) or original(p, n))
        got = read_pages(path)
    assert seen == [1] and got == read_pages(path, text_reader="pdfplumber")


def path_layers(path: Path, built: bool, monkeypatch) -> list:
    """Every page's PathLayer, through the C loop or the same calls from Python."""
    from extractors import pdfium_paths

    with monkeypatch.context() as m:
        if not built:
            m.setattr(pdfium_paths, "COMPILED_PATH_READER", None)
        pdf = pdfium.PdfDocument(str(path))
        try:
            return [pdfium_paths.read_path_layer(page.raw) for page in pdf]
        finally:
            pdf.close()


@pytest.mark.parametrize("source", ["amn-vp-2022", "amn-vb-2022", "shapes", "form"])
def test_the_c_loop_reads_the_paths_the_same_calls_from_python_read(source, tmp_path: Path, monkeypatch):
    from dataclasses import fields

    from extractors import pdfium_paths
    from tests.conftest import SAMPLES

    if pdfium_paths.COMPILED_PATH_READER is None:
        pytest.skip("the C loop (extractors/_textlayer.c) is not built here")
    if source == "shapes":
        path = shapes_pdf(tmp_path / "shapes.pdf")
    elif source == "form":
        path = form_pdf(tmp_path / "form.pdf")
    else:
        path = SAMPLES / "pdfs" / f"{source}.pdf"
    compiled, in_python = path_layers(path, True, monkeypatch), path_layers(path, False, monkeypatch)
    assert len(compiled) == len(in_python)
    for number, (a, b) in enumerate(zip(compiled, in_python), start=1):
        for f in fields(a):
            assert np.array_equal(getattr(a, f.name), getattr(b, f.name)), f"page {number}: {f.name}"
        assert pdfium_paths.path_layer_to_shapes(a) == pdfium_paths.path_layer_to_shapes(b)
    segments = sum(len(layer.x) for layer in compiled)
    assert segments > 2_000 if source.startswith("amn") else source == "form" or segments > 20


def test_a_page_with_more_segments_than_the_first_guess_is_read_whole(tmp_path: Path):
    from reportlab.pdfgen.canvas import Canvas

    from extractors.pdfium_paths import read_path_layer

    path = tmp_path / "grid.pdf"
    c = Canvas(str(path), invariant=1)
    p = c.beginPath()
    for i in range(200):  # one path object of 400 segments: more than 4 per object
        p.moveTo(72, 100 + 2 * i)
        p.lineTo(500, 100 + 2 * i)
    c.drawPath(p, stroke=1, fill=0)
    c.showPage()
    c.save()
    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[0]  # held: the raw handle is valid only while its page object lives
        layer, shapes = read_path_layer(page.raw), page_shapes(page)
    finally:
        pdf.close()
    assert len(layer.x) == 400 and len(shapes) == 200 and all(s.kind == "line" for s in shapes)
