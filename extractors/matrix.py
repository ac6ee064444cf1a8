"""The risk matrix: which risk numbers sit in which probability × consequence cell, and the printed total.

Read by geometry alone (never from the VoR table): the matrix is a lattice of equal filled rectangles
(`Page.fills`); its rows and columns are named by the axis numbers printed beside and below it
(probability 5 at the top down to 1, consequence 1 to 5 left to right, when printed as usual). A number
is placed in the cell that wholly holds it; numbers outside the lattice (legend counts, the scale table)
are not placements. "Totalt: 65" gives the `MatrixTotal`.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

from extractors.pages import Box, Fill, Page, Word, union_box, words_to_lines
from parsers import ParseError, normalise_spaces, parse_number
from pipeline.records import MatrixPlacement, MatrixTotal, Problem, Provenance

SECTION = "riskmatris"
MIN_CELL = 12.0  # points: smaller fills are legend keys, not matrix cells
TOL = 1.0


@dataclass(frozen=True)
class Grid:
    """A lattice of cells: column edges left to right and row edges top to bottom."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]

    @property
    def box(self) -> Box:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    @property
    def rows(self) -> int:
        return len(self.ys) - 1

    @property
    def columns(self) -> int:
        return len(self.xs) - 1

    def row_at(self, y: float) -> int | None:
        """The grid row whose band holds height `y`."""
        for r in range(self.rows):
            if self.ys[r] - TOL <= y < self.ys[r + 1] - TOL:
                return r
        return None

    def cell_of(self, box: Box) -> tuple[int, int] | None:
        """(row, column) of the cell wholly holding `box` (0-based, from the top left), else None."""
        x0, top, x1, bottom = box
        for r in range(self.rows):
            for c in range(self.columns):
                if (self.xs[c] - TOL <= x0 and x1 <= self.xs[c + 1] + TOL and self.ys[r] - TOL <= top
                        and bottom <= self.ys[r + 1] + TOL):
                    return r, c
        return None


@dataclass(frozen=True)
class Axes:
    """The value of each grid row (probability) and column (consequence), with the printed axis words."""

    row_values: tuple[int, ...]
    column_values: tuple[int, ...]
    row_words: tuple[Word | None, ...]
    column_words: tuple[Word | None, ...]


def cluster(values: list[float], tol: float = TOL) -> list[float]:
    """Sorted values with near-equal ones merged (first of each run kept)."""
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tol:
            out.append(v)
    return out


def fills_by_size(fills: list[Fill], tol: float = TOL) -> list[list[Fill]]:
    """Fills grouped by size (width and height each within `tol` of the group's first), the largest group first.
    Not by rounded size: cells 46.5 pt high come out of a PDF as 46.4999 and 46.5001, which round apart."""
    groups: list[list[Fill]] = []
    for f in sorted(fills, key=lambda f: (f.x1 - f.x0, f.bottom - f.top)):
        home = next((g for g in groups if abs((g[0].x1 - g[0].x0) - (f.x1 - f.x0)) <= tol
                     and abs((g[0].bottom - g[0].top) - (f.bottom - f.top)) <= tol), None)
        if home is None:
            groups.append([f])
        else:
            home.append(f)
    return sorted(groups, key=len, reverse=True)  # of equal counts, the smaller size first


def fills_to_grid(fills: list[Fill]) -> Grid | None:
    """The largest complete lattice of equal-sized, edge-to-edge fills on a page (at least 2 × 2)."""
    big = [f for f in fills if f.x1 - f.x0 >= MIN_CELL and f.bottom - f.top >= MIN_CELL]
    for group in fills_by_size(big):
        if len(group) < 4:
            break
        w, h = median(f.x1 - f.x0 for f in group), median(f.bottom - f.top for f in group)
        lefts, tops = cluster([f.x0 for f in group]), cluster([f.top for f in group])
        if len(lefts) < 2 or len(tops) < 2 or len(lefts) * len(tops) != len(group):
            continue
        steps_ok = all(abs((b - a) - w) <= 1.5 for a, b in zip(lefts, lefts[1:])) and all(
            abs((b - a) - h) <= 1.5 for a, b in zip(tops, tops[1:]))
        if steps_ok:
            return Grid(tuple(lefts) + (lefts[-1] + w,), tuple(tops) + (tops[-1] + h,))
    return None


def whole_number(text: str) -> int | None:
    t = normalise_spaces(text)
    return int(t) if re.fullmatch(r"\d{1,4}", t) else None


def row_axis_word(page: Page, grid: Grid, r: int) -> Word | None:
    """The axis number printed left of grid row `r` (within the row's height), if exactly one."""
    top, bottom = grid.ys[r], grid.ys[r + 1]
    hits = [w for w in page.words if w.x1 <= grid.xs[0] + TOL and top <= w.mid_y <= bottom
            and whole_number(w.text) is not None and grid.xs[0] - w.x1 < 150]
    return hits[0] if len(hits) == 1 else None


def column_axis_word(page: Page, grid: Grid, c: int) -> Word | None:
    """The axis number printed under grid column `c` (centred in the column, just below the grid)."""
    x0, x1, bottom = grid.xs[c], grid.xs[c + 1], grid.ys[-1]
    hits = [w for w in page.words if bottom - TOL <= w.top <= bottom + 20 and x0 <= (w.x0 + w.x1) / 2 <= x1
            and whole_number(w.text) is not None]
    hits = [w for w in hits if w.top - bottom <= min(h.top for h in hits) - bottom + TOL]  # the first line only
    return hits[0] if len(hits) == 1 else None


def read_axes(page: Page, grid: Grid, problems: list[Problem]) -> Axes | None:
    """Values of rows and columns from the printed axis numbers; with none printed, the usual order
    (probability n..1 top-down, consequence 1..n left to right) is assumed and said."""
    row_words = tuple(row_axis_word(page, grid, r) for r in range(grid.rows))
    col_words = tuple(column_axis_word(page, grid, c) for c in range(grid.columns))
    default_rows = tuple(range(grid.rows, 0, -1))
    default_cols = tuple(range(1, grid.columns + 1))

    def values(words: tuple[Word | None, ...], default: tuple[int, ...], what: str) -> tuple[int, ...] | None:
        if all(w is None for w in words):
            problems.append(Problem(page.number, SECTION, f"no {what} axis numbers printed; usual order assumed"))
            return default
        if any(w is None for w in words):
            problems.append(Problem(page.number, SECTION, f"{what} axis numbers incomplete: matrix not read"))
            return None
        got = tuple(whole_number(w.text) for w in words)  # type: ignore[union-attr]
        if sorted(got) != sorted(default):
            problems.append(Problem(page.number, SECTION, f"{what} axis numbers {got} are not 1..{len(default)}: "
                                                          "matrix not read"))
            return None
        return got  # type: ignore[return-value]

    rows = values(row_words, default_rows, "probability")
    cols = values(col_words, default_cols, "consequence")
    if rows is None or cols is None:
        return None
    if axes_swapped(page, grid):
        problems.append(Problem(page.number, SECTION, "axis titles put probability on the columns: matrix read "
                                                      "transposed"))
        return Axes(cols, rows, col_words, row_words)
    return Axes(rows, cols, row_words, col_words)


def axes_swapped(page: Page, grid: Grid) -> bool:
    """Does the title over the grid name the probability (so columns are probability, rows consequence)?"""
    x0, top, x1, _ = grid.box
    above = [w for w in page.words if top - 25 <= w.bottom <= top + TOL and x0 <= w.x0 and w.x1 <= x1]
    words = {normalise_spaces(w.text).lower() for w in above}
    return "sannolikhet" in words and "konsekvens" not in words


def overlapping(words: list[Word]) -> set[int]:
    """Indexes of words whose boxes overlap another's (text printed over text cannot be read)."""
    out = set()
    for i, a in enumerate(words):
        for j in range(i + 1, len(words)):
            b = words[j]
            if min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.bottom, b.bottom) - max(a.top, b.top) > 0.5:
                out |= {i, j}
    return out


def line_pitch(lines: list) -> float:
    """The distance from one line of numbers to the next in a cell (median; 1.25 line heights if unseen)."""
    heights = sorted(line.bottom - line.top for line in lines) or [8.0]
    height = heights[len(heights) // 2]
    steps = sorted(b.top - a.top for a, b in zip(lines, lines[1:]) if 0 < b.top - a.top < 2 * height)
    return steps[len(steps) // 2] if steps else 1.25 * height


def overflow_lines(lines: list, grid: Grid) -> set[int]:
    """Indexes of lines that may be the run-on of the cell above: a cell's first line that sits exactly one
    line pitch under the last line of the cell above when that cell had no room left for another line.
    Such a line cannot be told from the lower cell's own first line, so it is not read."""
    pitch = line_pitch(lines)
    rows = [grid.row_at(line.top) for line in lines]
    out = set()
    for i in range(1, len(lines)):
        above, here = lines[i - 1], lines[i]
        if rows[i] is None or rows[i - 1] is None or rows[i] != rows[i - 1] + 1:
            continue
        edge = grid.ys[rows[i]]
        no_room = above.top + pitch + (above.bottom - above.top) > edge + TOL
        if no_room and abs(above.top + pitch - here.top) <= 2.0:
            out.add(i)
    return out


def grid_numbers(page: Page, grid: Grid, axes: Axes, problems: list[Problem]) -> list[MatrixPlacement]:
    """Every whole number wholly inside a grid cell -> a placement. Numbers astride a cell edge, printed
    over other text, or on a line that may have run on from the cell above are reported, not guessed."""
    out = []
    gx0, gtop, gx1, gbottom = grid.box
    inside = [w for w in page.words if gx0 <= (w.x0 + w.x1) / 2 <= gx1 and gtop <= w.mid_y <= gbottom]
    clashing = {id(inside[i]) for i in overlapping(inside)}
    unsure: set[int] = set()
    for c in range(grid.columns):
        column_words = [w for w in inside if grid.xs[c] <= (w.x0 + w.x1) / 2 <= grid.xs[c + 1]]
        lines = words_to_lines(column_words)
        for i in overflow_lines(lines, grid):
            unsure |= {id(w) for w in lines[i].words}
            problems.append(Problem(page.number, SECTION, "matrix numbers " + " ".join(w.text for w in lines[i].words)
                                    + " may have run on from the cell above: not placed"))
    for w in inside:
        number = whole_number(w.text)
        if number is None:
            if re.search(r"\d", w.text):
                problems.append(Problem(page.number, SECTION, f"matrix cell text {w.text!r} not read as a risk number"))
            continue
        if id(w) in unsure:
            continue
        if id(w) in clashing:
            problems.append(Problem(page.number, SECTION, f"risk number {w.text!r} printed over other text: not placed"))
            continue
        cell = grid.cell_of(w.bbox)
        if cell is None:
            problems.append(Problem(page.number, SECTION, f"risk number {w.text!r} lies across a cell edge: not placed"))
            continue
        r, c = cell
        row_word, col_word = axes.row_words[r], axes.column_words[c]
        provenance = {"risk_no": Provenance(page.number, w.bbox, w.text)}
        if row_word is not None:
            provenance["probability"] = Provenance(page.number, row_word.bbox, row_word.text)
        if col_word is not None:
            provenance["consequence"] = Provenance(page.number, col_word.bbox, col_word.text)
        out.append(MatrixPlacement(risk_no=number, probability=axes.row_values[r],
                                   consequence=axes.column_values[c], page=page.number, bbox=w.bbox,
                                   provenance=provenance))
    return out


def find_total(page: Page, problems: list[Problem]) -> MatrixTotal | None:
    """The printed total ("Totalt: 65") of a matrix page."""
    for line in words_to_lines(page.words):
        words = list(line.words)
        for i, w in enumerate(words):
            if not re.fullmatch(r"totalt:?", normalise_spaces(w.text).lower()):
                continue
            parts = [w] + words[i + 1:i + 2]
            printed = " ".join(x.text for x in parts)
            bbox = union_box([x.bbox for x in parts])
            total = None
            if len(parts) == 2:
                try:
                    n = parse_number(parts[1].text)
                    if not n.decimals and not n.percent and not n.nil:
                        total = int(n.value)
                except ParseError:
                    pass
            if total is None:
                problems.append(Problem(page.number, SECTION, f"matrix total not read from {printed!r}"))
            return MatrixTotal(printed=printed, total=total, page=page.number, bbox=bbox,
                               provenance={"total": Provenance(page.number, bbox, printed)})
    return None


def duplicates(placements: list[MatrixPlacement]) -> list[Problem]:
    counts = Counter(p.risk_no for p in placements)
    return [Problem(next(p.page for p in placements if p.risk_no == n), SECTION,
                    f"risk {n} placed {k} times in the matrix") for n, k in sorted(counts.items()) if k > 1]


def extract_matrix(pages: list[Page], ctx) -> "SectionResult":
    """The risk-matrix section's pages -> a MatrixPlacement per number in the grid and the MatrixTotal."""
    from pipeline.extract import SectionResult

    problems: list[Problem] = []
    placements: list[MatrixPlacement] = []
    totals: list[MatrixTotal] = []
    grids = 0
    for page in pages:
        grid = fills_to_grid(page.fills)
        if grid is None:
            continue
        grids += 1
        axes = read_axes(page, grid, problems)
        if axes is not None:
            placements += grid_numbers(page, grid, axes, problems)
        total = find_total(page, problems)
        if total is not None:
            totals.append(total)
    if not grids:
        problems.append(Problem(pages[0].number if pages else None, SECTION, "no risk-matrix grid found"))
    elif not totals:
        problems.append(Problem(pages[0].number, SECTION, "no matrix total printed"))
    problems += duplicates(placements)
    for t in totals:
        if t.total is not None and t.total != len(placements) and grids == 1:
            problems.append(Problem(t.page, SECTION, f"matrix total {t.printed!r} but {len(placements)} numbers "
                                                     "placed in the grid"))
    return SectionResult([*placements, *totals], problems)
