"""The page model: pages read through pdfium give pdfplumber's words, rules and fills; pages pdfium cannot read
the way pdfminer does (rotated text, form XObjects, unknown widths) stay pdfplumber's."""
from __future__ import annotations

from pathlib import Path

import pytest

from extractors import pages as pages_module
from extractors.pages import Page, chars_to_words, read_pages, upright_chars_to_words
from extractors.pdfium_text import Char, PageChars, font_name
from tests.conftest import SAMPLES, make_text_pdf

# the agreed bound is 0.5 pt; pdfium gives 0.004 pt on the samples, so a tighter bound catches a returning drift
BOX_TOLERANCE = 0.05
# pdfium keeps path points as 32-bit floats: ~1e-5 pt from pdfminer's doubles
RULE_TOLERANCE = 0.001
COLOUR_TOLERANCE = 1 / 255 + 1e-9


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


def shape_differences(got: Page, want: Page) -> list[str]:
    """Where two pages' rules or fills differ: count, order, an edge off by more than RULE_TOLERANCE, a colour
    channel off by more than one step of 255."""
    out = []
    for kind in ("rules", "fills"):
        a_all, b_all = getattr(got, kind), getattr(want, kind)
        if len(a_all) != len(b_all):
            out.append(f"page {want.number}: {len(a_all)} {kind}, want {len(b_all)}")
            continue
        for a, b in zip(a_all, b_all):
            edges = max(abs(a.x0 - b.x0), abs(a.top - b.top), abs(a.x1 - b.x1), abs(a.bottom - b.bottom))
            colour = max((abs(x - y) for x, y in zip(a.colour, b.colour)), default=0.0) if kind == "fills" else 0.0
            if edges > RULE_TOLERANCE or colour > COLOUR_TOLERANCE:
                out.append(f"page {want.number}: {a} vs {b}")
    return out


def page_differences(got: Page, want: Page) -> list[str]:
    if (got.number, got.width, got.height) != (want.number, want.width, want.height):
        return [f"page {want.number}: {got.number} {got.width}×{got.height} vs {want.width}×{want.height}"]
    return word_differences(got, want) + shape_differences(got, want)


def no_pdfplumber(p, number):
    raise AssertionError(f"page {number} was read with pdfplumber")


@pytest.mark.parametrize("stem, pages, min_rules, min_fills", [("amn-vp-2022", 59, 1500, 25), ("amn-vb-2022", 87, 1700, 2)])
def test_every_page_of_the_samples_comes_through_pdfium_as_pdfplumber_reads_it(stem, pages, min_rules, min_fills,
                                                                                monkeypatch):
    path = SAMPLES / "pdfs" / f"{stem}.pdf"
    want = read_pages(path, text_reader="pdfplumber")
    with monkeypatch.context() as m:  # ruled grids, the risk matrix's coloured cells: no page needs pdfplumber
        m.setattr(pages_module, "plumber_page_to_page", no_pdfplumber)
        got = read_pages(path)
    assert len(got) == pages
    assert sum(len(p.rules) for p in got) > min_rules and sum(len(p.fills) for p in got) >= min_fills
    assert [d for g, w in zip(got, want) for d in page_differences(g, w)] == []


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


def test_rotated_text_falls_back_to_pdfplumber_and_a_drawn_rule_does_not(tmp_path: Path):
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
    c.drawString(72, 800, "Tabell med linje")  # page 2: a rule, read through pdfium
    c.line(72, 790, 500, 790)
    c.showPage()
    c.save()
    want = read_pages(path, text_reader="pdfplumber")
    seen = []
    with pytest.MonkeyPatch.context() as m:
        m.setattr(pages_module, "plumber_page_to_page",
                  lambda p, number: seen.append(number) or want[number - 1])
        got = read_pages(path)
    assert seen == [1]
    assert got[0] == want[0] and page_differences(got[1], want[1]) == [] and len(got[1].rules) == 1


def test_subset_tags_are_dropped_from_font_names():
    assert font_name("AAAAAA+DejaVuSansCondensed-Bold") == "DejaVuSansCondensed-Bold"
    assert font_name("Helvetica") == "Helvetica"
    assert font_name("ABC+Odd") == "ABC+Odd"


def test_an_unknown_text_reader_is_refused():
    with pytest.raises(ValueError, match="text_reader"):
        read_pages(SAMPLES / "pdfs" / "amn-vp-2022.pdf", [1], text_reader="camelot")


def plumber_words(chars: list[Char]) -> list:
    """pdfplumber's own WordExtractor over the same characters (as its dicts)."""
    return chars_to_words([{"text": c.text, "x0": c.x0, "x1": c.x1, "top": c.top, "bottom": c.bottom,
                            "doctop": c.top, "upright": True, "fontname": c.font, "size": c.size} for c in chars])


@pytest.mark.parametrize("stem", ["amn-vp-2022", "amn-vb-2022"])
def test_characters_become_the_words_pdfplumbers_word_extractor_makes(stem):
    import pdfplumber
    import pypdfium2 as pdfium

    from extractors.pdfium_text import page_fonts, pdfium_chars

    path = SAMPLES / "pdfs" / f"{stem}.pdf"
    doc, cache, compared = pdfium.PdfDocument(str(path)), {}, 0
    try:
        with pdfplumber.open(str(path)) as pdf:
            for i, p in enumerate(pdf.pages):
                chars = pdfium_chars(doc[i], page_fonts(p.page_obj.resources, cache), float(p.height))
                assert upright_chars_to_words(chars) == plumber_words(chars.records()), f"page {i + 1}"
                compared += len(chars)
    finally:
        doc.close()
    assert compared > 100_000


def test_word_grouping_edge_cases_match_pdfplumber():
    def c(text, x0, top, font="F", size=10.0, width=5.0):
        return Char(text, x0, x0 + width, top, top + size, font, size)

    chars = [
        c("A", 10, 100), c("b", 15, 100.4), c(" ", 20, 100), c("c", 25, 100),  # a blank ends a word
        c("d", 31.4, 100), c("e", 38, 100),  # 1.4 pt gap joins, 1.6 pt gap splits
        c("ﬁ", 43, 100), c("x", 48, 100, font="G"),  # a ligature; a font change starts a new run
        c("y", 60, 101.9), c("z", 65, 103.8), c("w", 70, 105.7),  # tops chaining within 2 pt: one line
        c("q", 10, 120), c("p", 9, 120, width=3),  # right to left: sorted by x0
        c("o", 100, 140), c("n", 101, 140),  # overlapping characters stay one word
        c("m", 30, 160, size=8.0), c("l", 35, 160),  # a size change is a run boundary
    ]
    got = upright_chars_to_words(PageChars.from_records(chars))
    assert got == plumber_words(chars)
    assert [w.text for w in got][:4] == ["Ab", "cd", "efi", "x"]


def test_a_word_after_a_printed_space_is_marked_by_both_readers():
    """Held-out seed 493: the text layer prints a space between a figure's digit groups ('19 114') and none between
    two figures run together in narrow columns ('114' | '120'); both readers say which words a blank precedes."""
    def c(text, x0, top=100.0, font="F", size=6.6, width=4.2):
        return Char(text, x0, x0 + width, top, top + size, font, size)

    chars = [c("1", 335.48), c("9", 339.68), c(" ", 343.88, width=2.09), c("1", 345.97), c("1", 350.17),
             c("4", 354.37), c("1", 360.73), c("2", 364.93), c("0", 369.13), c(" ", 373.33, width=2.1),
             c("4", 375.43), c(" ", 100.0, top=120.0), c("x", 104.0, top=120.0)]  # a blank at a line's start too
    got = upright_chars_to_words(PageChars.from_records(chars))
    assert got == plumber_words(chars)
    assert [(w.text, w.after_space) for w in got] == [("19", False), ("114", True), ("120", False), ("4", True),
                                                      ("x", True)]
