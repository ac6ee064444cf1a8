"""Page renders and evidence crops: PNGs of the right region, with the highlighted figure marked."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
from PIL import Image

from extractors.render import HIGHLIGHT_RGB, crop_box_px, render_crop, render_page, union_bbox

ROOT = Path(__file__).resolve().parents[2]
VP = ROOT / "samples" / "pdfs" / "amn-vp-2022.pdf"


def first_word_box(pdf: Path, page_no: int) -> tuple[float, float, float, float]:
    with pdfplumber.open(pdf) as doc:
        w = doc.pages[page_no - 1].extract_words()[0]
    return (w["x0"], w["top"], w["x1"], w["bottom"])


def count_colour(png: bytes, rgb: tuple[int, int, int]) -> int:
    img = Image.open(io.BytesIO(png)).convert("RGB")
    return int((np.asarray(img) == np.array(rgb, dtype=np.uint8)).all(axis=2).sum())


def test_render_page_is_a_png_of_the_page_size():
    png = render_page(VP, 1, scale=1.0)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    with pdfplumber.open(VP) as doc:
        w, h = doc.pages[0].width, doc.pages[0].height
    assert abs(img.width - w) <= 1 and abs(img.height - h) <= 1
    assert count_colour(png, HIGHLIGHT_RGB) == 0  # the highlight colour is not in the document itself


def test_render_crop_is_the_region_plus_margin_with_the_figure_highlighted():
    box = first_word_box(VP, 1)
    png = render_crop(VP, 1, box, [box], margin_pt=36, scale=2.0)
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    expected_w = (min(box[2] + 36, 10_000) - max(box[0] - 36, 0)) * 2
    assert abs(img.width - expected_w) <= 3
    assert count_colour(png, HIGHLIGHT_RGB) > 20


def test_render_crop_without_highlights_has_no_highlight_pixels():
    box = first_word_box(VP, 1)
    assert count_colour(render_crop(VP, 1, box, []), HIGHLIGHT_RGB) == 0


def test_out_of_range_page_and_box_are_errors():
    with pytest.raises(ValueError):
        render_page(VP, 999)
    with pytest.raises(ValueError):
        render_crop(VP, 1, (5000, 5000, 5100, 5100), [])


def test_crop_box_is_clipped_to_the_page():
    assert crop_box_px((10, 10, 20, 20), 36, 2.0, (1000, 1000)) == (0, 0, 112, 112)
    assert union_bbox([(1, 5, 3, 6), (0, 7, 2, 9)]) == (0, 5, 3, 9)
