"""Characters read through pdfium: the C loop and the same calls from Python read the same layer; boxes and the
drift of truncated advances are computed as one character at a time would, bit for bit."""
from __future__ import annotations

import numpy as np
import pypdfium2 as pdfium
import pytest
from hypothesis import given, settings, strategies as st

from extractors import pdfium_text
from extractors.pages import IS_SPACE, read_pages
from extractors.pdfium_text import drift_within_runs, pdfium_font_name, read_char_layer
from tests.conftest import SAMPLES, make_text_pdf

LAYER_FIELDS = ("codes", "origin_x", "origin_y", "run_starts", "run_matrix", "run_font_size")


def layers(path, reader_built: bool, monkeypatch) -> list:
    """Every page's CharLayer of the PDF at `path`, with the C loop or without it, and its runs' font names
    (a font's handle is valid only while its document is open)."""
    with monkeypatch.context() as m:
        if not reader_built:
            m.setattr(pdfium_text, "COMPILED_READER", None)
        doc = pdfium.PdfDocument(str(path))
        try:
            out = []
            for page in doc:
                textpage = page.get_textpage()
                layer = read_char_layer(textpage.raw)
                out.append((layer, [pdfium_font_name(f) for f in layer.run_font.tolist()]))
                textpage.close()
                page.close()
            return out
        finally:
            doc.close()


@pytest.mark.skipif(pdfium_text.COMPILED_READER is None, reason="the C loop (extractors/_textlayer.c) is not built here")
@pytest.mark.parametrize("stem", ["amn-vp-2022", "amn-vb-2022"])
def test_the_c_loop_reads_what_the_same_calls_from_python_read(stem, monkeypatch):
    path = SAMPLES / "pdfs" / f"{stem}.pdf"
    compiled, in_python = layers(path, True, monkeypatch), layers(path, False, monkeypatch)
    assert len(compiled) == len(in_python) > 50
    for number, ((a, a_fonts), (b, b_fonts)) in enumerate(zip(compiled, in_python), start=1):
        for name in LAYER_FIELDS:
            assert np.array_equal(getattr(a, name), getattr(b, name)), f"page {number}: {name}"
        assert a_fonts == b_fonts, f"page {number}"
    assert sum(len(layer.codes) for layer, _ in compiled) > 100_000
    assert sum(len(layer.run_starts) for layer, _ in compiled) > 1_000
    assert {"DejaVuSansCondensed", "DejaVuSansCondensed-Bold"} <= {f for _, fonts in compiled for f in fonts}


def test_without_the_c_loop_pages_read_the_same(tmp_path, monkeypatch):
    path = make_text_pdf(tmp_path / "t.pdf", ["Nämndens budget 2022: 1 163,6 mnkr", "Intäkter (-) -168,3"], pages=2)
    with_loop = read_pages(path)
    monkeypatch.setattr(pdfium_text, "COMPILED_READER", None)
    assert read_pages(path) == with_loop
    assert [w.text for w in with_loop[1].words][:2] == ["Nämndens", "budget"]


def one_at_a_time(step: list[float], starts: list[int]) -> list[float]:
    """The drift as a loop over each run adds it up."""
    out, bounds = [0.0] * len(step), starts + [len(step)]
    for start, end in zip(bounds, bounds[1:]):
        drift = 0.0
        for i in range(start, end):
            out[i] = drift
            drift += step[i]
    return out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 0.01, allow_nan=False), st.booleans()), min_size=1, max_size=300))
def test_drift_within_runs_is_the_loops_sum_bit_for_bit(items):
    step = [s for s, _ in items]
    starts = [0] + [i for i, (_, starts_run) in enumerate(items) if starts_run and i > 0]
    want = one_at_a_time(step, starts)
    arr, run_starts = np.array(step), np.array(starts, np.int32)
    assert drift_within_runs(arr, run_starts).tolist() == want
    assert drift_within_runs(arr, run_starts, grid_limit=0).tolist() == want  # the run-by-run path


def test_space_codes_are_what_python_calls_blank():
    assert set(np.flatnonzero(IS_SPACE).tolist()) == {c for c in range(0x110000) if chr(c).isspace()}
    assert not IS_SPACE[-1]  # where every code above the table looks


def test_a_page_without_text_reads_through_pdfium_as_no_words(tmp_path, monkeypatch):
    from reportlab.pdfgen.canvas import Canvas

    from extractors import pages as pages_module
    from tests.extractors.test_pages import no_pdfplumber, page_differences

    path = tmp_path / "blank.pdf"
    c = Canvas(str(path), invariant=1)
    c.line(72, 700, 500, 700)  # a rule and no text
    c.showPage()
    c.drawString(72, 700, "Hej")
    c.showPage()
    c.save()
    want = read_pages(path, text_reader="pdfplumber")
    monkeypatch.setattr(pages_module, "plumber_page_to_page", no_pdfplumber)
    got = read_pages(path)
    assert got[0].words == [] and len(got[0].rules) == 1
    assert [w.text for w in got[1].words] == ["Hej"]
    assert [d for g, w in zip(got, want) for d in page_differences(g, w)] == []
