"""The risk matrix: cells by geometry on small built pages, the two samples exact, the layout variants
scored with pipeline.evaluate, and what cannot be placed for sure reported instead of guessed."""
from __future__ import annotations

import pytest

from extractors.matrix import extract_matrix, fills_to_grid
from extractors.pages import Fill, Page, Word
from pipeline.evaluate import NUMERIC, combine, evaluate_document
from tests.conftest import extract_corpus

SIZE = 7.6
X0, TOP, W, H = 160.0, 130.0, 64.0, 46.0
RED, YELLOW, GREEN = (0.91, 0.34, 0.29), (0.96, 0.76, 0.27), (0.49, 0.75, 0.42)


def words(text: str, x: float, top: float, size: float = SIZE) -> list[Word]:
    out = []
    for t in text.split():
        width = 0.55 * size * len(t)
        out.append(Word(t, x, top, x + width, top + size, "Test-Bold", size))
        x += width + 0.5 * size
    return out


def grid_fills() -> list[Fill]:
    out = []
    for r in range(5):
        for c in range(5):
            rv = (5 - r) * (c + 1)
            colour = RED if rv >= 12 else YELLOW if rv >= 5 else GREEN
            out.append(Fill(X0 + c * W, TOP + r * H, X0 + (c + 1) * W, TOP + (r + 1) * H, colour))
    # legend keys: small squares, not cells
    return out + [Fill(X0 + 5 * W + 20, TOP + i * 14, X0 + 5 * W + 30, TOP + i * 14 + 10, RED) for i in range(3)]


def axis_words() -> list[Word]:
    out = []
    for r in range(5):
        out += words(str(5 - r), X0 - 10, TOP + r * H + H / 2 - 3)
    for c in range(5):
        out += words(str(c + 1), X0 + c * W + W / 2 - 2, TOP + 5 * H + 3)
    return out


def in_cell(prob: int, cons: int, text: str, line: int = 0) -> list[Word]:
    """Numbers printed from the top left of the cell (probability `prob`, consequence `cons`)."""
    r, c = 5 - prob, cons - 1
    return words(text, X0 + c * W + 3, TOP + r * H + 3 + line * SIZE * 1.25)


def built_page(extra: list[Word] | None = None) -> Page:
    ws = axis_words() + words("Konsekvens", X0 + 2 * W, TOP - 16)
    ws += in_cell(4, 2, "26 37") + in_cell(3, 3, "6 7 9 12") + in_cell(3, 3, "16 29", line=1) + in_cell(1, 5, "27")
    ws += words("Kritisk 11 Medium 51 Låg 3", X0, TOP + 5 * H + 16) + words("Totalt: 9", X0 + 220, TOP + 5 * H + 16)
    ws += words("5 Mycket sannolikt", 58, TOP + 5 * H + 60)  # a scale table under the grid
    return Page(13, 595, 842, ws + (extra or []), [], grid_fills())


def placements(result) -> dict[int, tuple[int, int]]:
    return {p.risk_no: (p.probability, p.consequence) for p in result.records if p.ENTITY == "risk_matrix"}


def test_built_grid_numbers_by_cell_and_the_total():
    grid = fills_to_grid(grid_fills())
    assert (grid.rows, grid.columns) == (5, 5)
    result = extract_matrix([built_page()], None)
    assert result.problems == []
    assert placements(result) == {26: (4, 2), 37: (4, 2), 6: (3, 3), 7: (3, 3), 9: (3, 3), 12: (3, 3),
                                  16: (3, 3), 29: (3, 3), 27: (1, 5)}
    [total] = [r for r in result.records if r.ENTITY == "risk_matrix_totals"]
    assert (total.printed, total.total, total.page) == ("Totalt: 9", 9, 13)
    p = next(r for r in result.records if getattr(r, "risk_no", None) == 27)
    assert p.provenance["risk_no"].printed == "27" and p.provenance["probability"].printed == "1"
    assert p.provenance["consequence"].printed == "5" and p.bbox == p.provenance["risk_no"].bbox


def test_numbers_that_cannot_be_placed_for_sure_are_reported():
    # cell S3K3 holds five lines of 9 pt numbers: the fifth runs on into S2K3, where it cannot be told from
    # that cell's own first line; a number astride the S4/S3 edge in K4 belongs to neither cell for sure
    lines = ["6 7 9 12", "16 29 30 31", "32 34 36 38", "41 54 56 58", "60 63"]
    run_on = [w for i, text in enumerate(lines)
              for w in words(text, X0 + 2 * W + 3, TOP + 2 * H + 3 + i * 11.25, size=9.0)]
    astride = words("40", X0 + 3 * W + 3, TOP + 2 * H - 4)
    page = Page(13, 595, 842, axis_words() + run_on + astride + words("Totalt: 18", X0, TOP + 5 * H + 16), [],
                grid_fills())
    result = extract_matrix([page], None)
    got = placements(result)
    assert set(got) == {6, 7, 9, 12, 16, 29, 30, 31, 32, 34, 36, 38, 41, 54, 56, 58}
    assert set(got.values()) == {(3, 3)}
    messages = " ".join(p.message for p in result.problems)
    assert "60 63 may have run on from the cell above" in messages and "'40' lies across a cell edge" in messages


def test_axis_numbers_name_the_rows_and_a_page_without_a_grid_gives_a_problem():
    flipped = [Word(str(6 - int(w.text)), w.x0, w.top, w.x1, w.bottom, w.font, w.size)
               if w.x1 < X0 and w.text.isdigit() else w for w in built_page().words]
    result = extract_matrix([Page(13, 595, 842, flipped, [], grid_fills())], None)
    assert placements(result)[27] == (5, 5)  # probability 1 printed at the top: the printed axis wins

    result = extract_matrix([Page(3, 595, 842, words("Totalt: 65", 100, 100), [], grid_fills()[-3:])], None)
    assert placements(result) == {}
    assert any("no risk-matrix grid" in p.message for p in result.problems)


# ----- the samples and the variants --------------------------------------------------------------

def matrix_scores(corpus):
    return combine(evaluate_document(doc.records, truth, name, ["risk_matrix"])
                   for name, doc, truth in extract_corpus(corpus)
                   if truth["document"]["doc_type"] == "VP")["risk_matrix"]


def test_samples_matrix_65_of_65_and_the_total(sample_corpus):
    score = matrix_scores(sample_corpus)
    assert (score.truth_rows, score.extracted_rows, score.matched_rows) == (65, 65, 65)
    assert (score.precision, score.recall, score.field_accuracy) == (1.0, 1.0, 1.0), score.mismatches
    [vp] = [(doc, truth) for _, doc, truth in extract_corpus(sample_corpus) if truth["document"]["doc_type"] == "VP"]
    doc, truth = vp
    [total] = doc.table("risk_matrix_totals")
    assert (total.printed, total.total, total.page) == (truth["risk_matrix_total"]["printed"], 65, 13)
    assert [p for p in doc.problems if p.section == "riskmatris"] == []


@pytest.mark.slow
def test_variants_matrix_at_least_99_percent_and_never_a_wrong_cell(variant_corpus):
    score = matrix_scores(variant_corpus)
    # measured on seeds 1-10: 644/650 placed, every one in its cell (99.1 %). The 6 not placed are one line
    # of seed 5 where a cell's numbers run on into the cell below and print over its first line
    assert score.truth_rows == 650 and score.precision == 1.0
    assert score.field_accuracy >= 0.99, score.mismatches[:20]
    assert [m for m in score.mismatches if m["field"] in NUMERIC and m["extracted"] != "None"] == []
    totals = [doc.table("risk_matrix_totals") for _, doc, truth in extract_corpus(variant_corpus)
              if truth["document"]["doc_type"] == "VP"]
    assert all(len(t) == 1 and t[0].total == 65 for t in totals)


def test_cells_whose_sizes_round_apart_are_one_lattice():
    # held-out variant 24: 46.5 pt rows came out of the PDF as 46.4999 and 46.5001, which round to 46 and 47
    fills = [Fill(100 + 64 * c, 131.2 + 46.5 * r, 164 + 64 * c, 131.2 + 46.5 * r + (46.5001 if r == 4 else 46.4999),
                  (0.5, 0.75, 0.4)) for r in range(5) for c in range(5)]
    grid = fills_to_grid(fills)
    assert grid is not None and (grid.rows, grid.columns) == (5, 5)
