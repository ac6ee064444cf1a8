"""The table bench's scoring: a truth cell is right only where a reader put the same value at the same place."""
from __future__ import annotations

from bench.tables import SHAPES, Part, ReadCell, Shape, TruthCell, load_truth, same_text, score_cells, truth_cells


def test_same_text_compares_figures_exactly_and_ignores_whitespace():
    assert same_text("1\u00a0163,6", "1 163,6")
    assert same_text("1 163,6", "1163,6")  # the same figure as Decimal
    assert not same_text("1 163,6", "1 163,7")
    assert same_text("49,9 %", "49,90%")  # the same Decimal
    assert same_text("AMN + regionkommun erna", "AMN + regionkommunerna")
    assert same_text("Mänskliga faktorn gör\natt", "Mänskliga faktorn gör att")
    assert not same_text("Kännbar", "3. Kännbar")
    assert not same_text("26", "26, 30") and same_text("26", "26, 30", list_cells=True)
    assert not same_text("2", "26, 30", list_cells=True)


def test_a_cell_is_right_only_at_the_truths_place_and_rows_need_every_cell():
    truth = [TruthCell((1,), "label", 1, (10, 10, 50, 20), "Kostnader"),
             TruthCell((1,), "value", 1, (100, 10, 130, 20), "1 163,6"),
             TruthCell((2,), "value", 1, (100, 30, 130, 40), "-168,3"),
             TruthCell((3,), "value", 2, (100, 30, 130, 40), "0,0")]
    read = [ReadCell(1, (5, 5, 60, 25), "Kostnader"),
            ReadCell(1, (90, 5, 140, 25), "1 163,6"),
            ReadCell(1, (140, 25, 180, 45), "-168,3"),  # right text, wrong column
            ReadCell(2, (90, 25, 140, 45), "0,00")]  # same figure
    score = score_cells(truth, read)
    assert (score.cells, score.cells_right, score.figures, score.figures_right) == (4, 3, 3, 2)
    assert (score.rows, score.rows_exact) == (3, 2)
    assert score_cells(truth, []).cells_right == 0


def test_truth_cells_of_the_shapes_cover_the_truth_tables():
    vp = load_truth("amn-vp-2022")
    budget = next(s for s in SHAPES if s.entity == "budget_lines")
    cells = truth_cells(budget, budget.parts[0], vp)
    assert len(cells) == len(vp["tables"]["budget_lines"]) == 138
    assert all(c.page in (24, 25) for c in cells)
    vor = next(s for s in SHAPES if s.entity == "risks")
    cells = truth_cells(vor, vor.parts[0], vp)
    assert len({c.row for c in cells}) == 66
    assert {"event", "risk_value", "probability"} <= {c.field for c in cells}
    only_budget = Shape("x", "projects", (Part("amn-vp-2022", 29, 31, ("innovation",)),),
                        keep=lambda r: r.get("list") == "innovation", fields=frozenset({"budget"}))
    cells = truth_cells(only_budget, only_budget.parts[0], vp)
    assert cells and {c.field for c in cells} == {"budget"}
