"""The page model: text-only pages read through pdfium give pdfplumber's words; every other page stays pdfplumber's."""
from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extractors import pages as pages_module
from extractors.pages import Page, read_pages
from extractors.pdfium_text import font_name, page_is_text_only
from tests.conftest import SAMPLES, make_text_pdf

# the agreed bound is 0.5 pt; pdfium gives 0.004 pt on the samples, so a tighter bound catches a returning drift
BOX_TOLERANCE = 0.05


def text_only_numbers(path: Path) -> list[int]:
    """1-based numbers of the pages that draw only text, by pdfium's object listing."""
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [i for i, page in enumerate(pdf, start=1) if page_is_text_only(page)]
    finally:
        pdf.close()


def word_differences(got: Page, want: Page) -> list[str]:
    """Where two pages' words differ: text, font, size, or a box edge off by more than BOX_TOLERANCE."""
    if len(got.words) != len(want.words):
        return [f"page {want.number}: {len(got.words)} words, want {len(want.words)}"]
    out = []
    for a, b in zip(got.words, want.words):
        off = max(abs(a.x0 - b.x0), abs(a.top - b.top), abs(a.x1 - b.x1), abs(a.bottom - b.bottom))
        if a.text != b.text or a.font != b.font or abs(a.size - b.size) > 0.01 or off > BOX_TOLERANCE:
            out.append(f"page {want.number}: {a} vs {b}")
    return out


def no_pdfplumber(p, number):
    raise AssertionError(f"page {number} was read with pdfplumber")


@pytest.mark.parametrize("stem, text_pages, min_words", [("amn-vp-2022", 31, 8000), ("amn-vb-2022", 42, 12000)])
def test_text_pages_of_the_samples_read_through_pdfium_give_pdfplumbers_words(stem, text_pages, min_words, monkeypatch):
    path = SAMPLES / "pdfs" / f"{stem}.pdf"
    numbers = text_only_numbers(path)
    assert len(numbers) == text_pages
    want = read_pages(path, numbers, text_reader="pdfplumber")
    with monkeypatch.context() as m:  # every text-only page must come through pdfium
        m.setattr(pages_module, "plumber_page_to_page", no_pdfplumber)
        got = read_pages(path, numbers)
    assert [p.number for p in got] == numbers
    assert sum(len(p.words) for p in got) > min_words
    assert [d for g, w in zip(got, want) for d in word_differences(g, w)] == []
    assert all((g.width, g.height, g.rules, g.fills) == (w.width, w.height, [], []) for g, w in zip(got, want))


def test_pages_with_rules_and_fills_are_pdfplumbers_own():
    path = SAMPLES / "pdfs" / "amn-vp-2022.pdf"
    got = read_pages(path, [13, 14])  # the risk matrix (coloured cells) and the VoR (ruled grid)
    assert got == read_pages(path, [13, 14], text_reader="pdfplumber")
    assert got[0].fills and got[1].rules


def test_a_standard_font_page_through_pdfium(tmp_path: Path, monkeypatch):
    path = make_text_pdf(tmp_path / "t.pdf", ["Nämndens budget 2022: 1 163,6 mnkr", "Intäkter (-) -168,3"], pages=2)
    want = read_pages(path, text_reader="pdfplumber")
    with monkeypatch.context() as m:
        m.setattr(pages_module, "plumber_page_to_page", no_pdfplumber)
        got = read_pages(path)
    assert [w.text for w in got[0].words][:3] == ["Nämndens", "budget", "2022:"]
    assert [d for g, w in zip(got, want) for d in word_differences(g, w)] == []


def test_a_character_the_two_parsers_decode_differently_falls_back(tmp_path: Path):
    # reportlab prints U+2212 in the Symbol font: pdfium reads '−', pdfminer '-'; pdfplumber's reading stands
    path = make_text_pdf(tmp_path / "minus.pdf", ["Intäkter (-) −168,3"])
    got = read_pages(path)
    assert got == read_pages(path, text_reader="pdfplumber")
    assert [(w.text, w.font) for w in got[0].words][-2:] == [("-", "Symbol"), ("168,3", "Helvetica")]


def test_rotated_text_and_drawn_rules_fall_back_to_pdfplumber(tmp_path: Path):
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "mixed.pdf"
    c = Canvas(str(path), invariant=1)
    c.drawString(72, 800, "Prosa utan linjer")  # page 1: text only, but rotated text below
    c.saveState()
    c.translate(300, 400)
    c.rotate(90)
    c.drawString(0, 0, "Roterad rubrik")
    c.restoreState()
    c.showPage()
    c.drawString(72, 800, "Tabell med linje")  # page 2: a rule
    c.line(72, 790, 500, 790)
    c.showPage()
    c.save()
    assert text_only_numbers(path) == [1]
    assert read_pages(path) == read_pages(path, text_reader="pdfplumber")


def test_subset_tags_are_dropped_from_font_names():
    assert font_name("AAAAAA+DejaVuSansCondensed-Bold") == "DejaVuSansCondensed-Bold"
    assert font_name("Helvetica") == "Helvetica"
    assert font_name("ABC+Odd") == "ABC+Odd"


def test_an_unknown_text_reader_is_refused():
    with pytest.raises(ValueError, match="text_reader"):
        read_pages(SAMPLES / "pdfs" / "amn-vp-2022.pdf", [1], text_reader="camelot")
