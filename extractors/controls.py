"""The internal control plan (VP "Internkontrollplan"), the VB follow-up of it, and their links.

Both are ruled tables read by geometry: column x-ranges come from the header words (the control plan's
risk-value column has no header; it is found where the row numbers line up), rows are the bands between
the rules under the column every row prints, and a cell spans several rows when no rule closes it —
also across a page break, where the header is printed again. The VB prints each row's result text as
full-width lines under the row; they are told from the row's cells by crossing the column boundaries.

Links: a control belongs to the VoR risk with the same event text (confirmed by process and RV); a
follow-up belongs to the VP control with the same activity (and way of working, and control where the
activity text repeats). Where print cannot tell candidates apart, the link is left open and reported.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from extractors.pages import Box, Line, Page, Word, union_box, words_to_lines
from parsers.codes import parse_assessment
from parsers.numbers import ParseError, normalise_spaces
from parsers.cuts import join_from_the_end, line_may_end_in_cut
from parsers.text import join_wrapped
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import Assessment, ControlRow, FollowupRow, Problem, Provenance, Record, RiskRow

PLAN_SECTION = "internkontrollplan"
FOLLOWUP_SECTION = "ikp_followup"
LINE_TOLERANCE = 2.0
HEADER_TOLERANCE = 3.0  # header cells of different type sizes still share their first line
TOP_MARGIN = 46.0  # page header lines ("Tjänsteutlåtande", "Sid 21 (23)", the committee) sit above this
BOTTOM_MARGIN = 36.0  # page numbers and footers sit below height − this
GOAL_CODE = re.compile(r"^(\d+(?:\.\d+)+\.?)(?=\s|$)")
PROCESS_HEADING = re.compile(r"^process\s*:\s*", re.IGNORECASE)


# ----- table specifications ----------------------------------------------------------------------

@dataclass(frozen=True)
class TableSpec:
    """What a table's header says, which column delimits its rows, and what is printed without a header."""

    labels: tuple[tuple[str, str], ...]  # (field, header label)
    key_column: str  # every row prints it, and its rules close every row
    marker_column: str  # a band with nothing in it, at the top of a continued page, continues the last row
    number_column: tuple[str, str, str] | None = None  # (field, after column, before column): unlabelled numbers
    below_field: str | None = None  # text printed at full width under each row


PLAN_TABLE = TableSpec(
    labels=(("process", "Process"), ("working_method", "Arbetssätt"), ("control", "Systematisk kontroll"),
            ("event", "Oönskad händelse"), ("control_activity", "Kontrollaktivitet")),
    key_column="event", marker_column="risk_value", number_column=("risk_value", "control", "event"))

FOLLOWUP_TABLE = TableSpec(
    labels=(("working_method", "Arbetssätt"), ("control", "Systematisk kontroll"),
            ("control_activity", "Kontrollaktivitet")),
    key_column="control_activity", marker_column="control_activity", below_field="result_text")


# ----- page geometry -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column: its field, its x-range (boundaries) and where its text must end (for cut words)."""

    key: str
    left: float
    right: float
    text_right: float


@dataclass(frozen=True)
class TableHeader:
    """A table header on a page: where its words start, the rule under it, the table's extent and columns."""

    page: int
    top: float
    rule_y: float
    left: float
    right: float
    pad: float
    columns: tuple[Column, ...]
    first_words: tuple[tuple[str, float], ...]  # (field, x0 of the header's first word), labelled columns only

    def column(self, key: str) -> Column | None:
        """The column of a field, if the header has it."""
        return next((c for c in self.columns if c.key == key), None)

    @property
    def geometry(self) -> tuple:
        """Where the labels and the table sit (rounded): equal for a table's header repeated on later pages."""
        return tuple((k, round(x)) for k, x in self.first_words) + (round(self.left), round(self.right))


@dataclass(frozen=True)
class Boundary:
    """A row boundary (a rule under the key column) and the columns its rules close."""

    y: float
    closes: frozenset[str]


@dataclass
class Band:
    """The words between two row boundaries: per column (the row's cells), and the full-width lines under them."""

    page: int
    top: float
    bottom: float
    cells: dict[str, list[Word]]
    below: list[Line]


@dataclass
class Segment:
    """One table's part on one page: its header and its row bands, top to bottom."""

    header: TableHeader
    boundaries: list[Boundary]
    bands: list[Band]
    tail: dict[str, list[Word]] = field(default_factory=dict)  # text of open cells below the last rule


@dataclass(frozen=True)
class Heading:
    """A bold line (or wrapped lines) outside the tables: a title, a goal, a 'Process: X' heading."""

    page: int
    top: float
    text: str
    printed: str
    bbox: Box
    size: float


@dataclass(frozen=True)
class TextLine:
    """A plain line outside the tables (running text), with its page."""

    page: int
    line: Line


def is_bold_word(w: Word) -> bool:
    """Bold type by font name ('…-Bold', '…Bd', '…Black')."""
    f = w.font.lower()
    return "bold" in f or f.endswith("bd") or "black" in f or "heavy" in f


def label_tokens(label: str) -> list[str]:
    """A header label's words, lower case, for matching header words."""
    return normalise_spaces(label).lower().split()


def find_headers(page: Page, spec: TableSpec, problems: list[Problem], section: str) -> list[TableHeader]:
    """Every occurrence of the spec's header on a page, with its columns, the rule under it and the table's extent."""
    firsts = {label_tokens(label)[0]: key for key, label in spec.labels}
    bold = [w for w in page.words if is_bold_word(w) and normalise_spaces(w.text).lower() in firsts]
    headers = []
    for line in words_to_lines(bold, HEADER_TOLERANCE):
        found: dict[str, Word] = {}
        for w in line.words:
            found.setdefault(firsts[normalise_spaces(w.text).lower()], w)
        if len(found) != len(spec.labels):
            continue
        header = header_from_words(page, spec, found, problems, section)
        if header is not None:
            headers.append(header)
    return sorted(headers, key=lambda h: h.top)


def header_rule_below(page: Page, top: float, x_from: float, x_to: float) -> float | None:
    """The first horizontal rule under a header line that runs under all its labels."""
    candidates = [r for r in page.hrules if r.top > top + 2 and r.x0 <= x_from + 1 and r.x1 >= x_to - 1
                  and r.top < top + 60]
    if not candidates:
        return None
    return min(r.top for r in candidates)


def header_from_words(page: Page, spec: TableSpec, found: dict[str, Word], problems: list[Problem],
                      section: str) -> TableHeader | None:
    """Columns of one header: a column starts where its label starts (less the cell padding) and ends where
    the next one starts; the header's words are checked against the labels."""
    ordered = sorted(found.items(), key=lambda kv: kv[1].x0)
    top = min(w.top for _, w in ordered)
    x_first, x_last = ordered[0][1].x0, ordered[-1][1].x1
    rule_y = header_rule_below(page, top, x_first, x_last)
    if rule_y is None:
        problems.append(Problem(page.number, section, f"table header at y={top:.0f} has no rule under it; not read"))
        return None
    rules_at_y = [r for r in page.hrules if abs(r.top - rule_y) < 0.6]
    left, right = min(r.x0 for r in rules_at_y), max(r.x1 for r in rules_at_y)
    pad = min(max(ordered[0][1].x0 - left, 0.0), 8.0)
    lefts = [(key, w.x0 - pad) for key, w in ordered]
    columns = []
    for i, (key, x) in enumerate(lefts):
        nxt = lefts[i + 1][1] if i + 1 < len(lefts) else right
        columns.append(Column(key, x, nxt, nxt - pad))
    header = TableHeader(page.number, top, rule_y, left, right, pad, tuple(columns),
                         tuple((key, w.x0) for key, w in ordered))
    return header if header_reads_as_spec(page, header, spec, problems, section) else None


def header_reads_as_spec(page: Page, header: TableHeader, spec: TableSpec, problems: list[Problem],
                         section: str) -> bool:
    """Do the header's cells read exactly as the expected labels? A header with other or more cells is another
    layout of the table: it is reported and its table is not read (no cell could be placed with certainty)."""
    labels = dict(spec.labels)
    words = [w for w in page.words if w.top >= header.top - HEADER_TOLERANCE and w.bottom <= header.rule_y + 0.5
             and w.x0 >= header.left - 1 and w.x1 <= header.right + 1]
    per_column: dict[str, list[Word]] = {}
    for w in words:
        col = column_of(header.columns, w.x0)
        per_column.setdefault(col.key if col else "?", []).append(w)
    ok = True
    for key, ws in per_column.items():
        text = " ".join(line.text for line in words_to_lines(ws, LINE_TOLERANCE))
        if key not in labels or key_text(text) != key_text(labels[key]):
            problems.append(Problem(page.number, section, f"table header cell {text!r} is not the expected "
                                    f"{labels.get(key, '(none)')!r}: this table's layout is not known; not read"))
            ok = False
    return ok


def column_of(columns: Sequence[Column], x0: float) -> Column | None:
    """The column a word starting at x0 belongs to (words start at their column's left plus padding)."""
    best = None
    for c in columns:
        if x0 >= c.left - 0.5:
            best = c
    if best is not None and x0 > best.right + 0.5:
        return None
    return best


def is_integer_word(text: str) -> bool:
    """A one- or two-digit number standing alone (an RV cell)."""
    return bool(re.fullmatch(r"\d{1,2}", normalise_spaces(text)))


def number_column_left(words: Iterable[Word], after: Column, before: Column, pad: float) -> float | None:
    """Where an unlabelled number column starts between two labelled ones: the x at which most of the
    integers between them line up (its cells are left-aligned); None when no integers are printed there."""
    xs = [round(w.x0 * 2) / 2 for w in words
          if is_integer_word(w.text) and after.left + pad + 1 < w.x0 < before.left - 0.5]
    if not xs:
        return None
    counts = Counter(xs)
    clusters: list[tuple[int, float]] = []
    for x in sorted(counts):
        n = sum(c for y, c in counts.items() if abs(y - x) <= 1.0)
        clusters.append((n, x))
    n, x = max(clusters)
    return min(y for y in counts if abs(y - x) <= 1.0) - pad


def with_number_column(header: TableHeader, spec: TableSpec, left: float | None) -> TableHeader:
    """The header's columns with the unlabelled number column inserted (or unchanged when it was not found)."""
    if spec.number_column is None or left is None:
        return header
    key, after, before = spec.number_column
    columns = []
    for c in header.columns:
        if c.key == after:
            columns.append(Column(c.key, c.left, left, left - header.pad))
            nxt = header.column(before)
            right = nxt.left if nxt else c.right
            columns.append(Column(key, left, right, right - header.pad))
        else:
            columns.append(c)
    return TableHeader(header.page, header.top, header.rule_y, header.left, header.right, header.pad,
                       tuple(columns), header.first_words)


def row_boundaries(page: Page, header: TableHeader, key: str, end_y: float) -> list[Boundary]:
    """The header rule and every rule under the key column below it (down to end_y), with the columns each closes."""
    key_col = header.column(key)
    if key_col is None:
        return []
    mid = (key_col.left + key_col.right) / 2
    rules = [r for r in page.hrules if header.rule_y + 0.6 < r.top < end_y and r.x1 > header.left + 1
             and r.x0 < header.right - 1]
    ys: list[float] = []
    for r in sorted(rules, key=lambda r: r.top):
        if r.x0 - 1 <= mid <= r.x1 + 1 and not (ys and abs(ys[-1] - r.top) < 0.8):
            ys.append(r.top)
    out = [Boundary(header.rule_y, frozenset(c.key for c in header.columns))]
    for y in ys:
        at_y = [r for r in rules if abs(r.top - y) < 0.8]
        closes = frozenset(c.key for c in header.columns
                           if any(r.x0 - 1 <= (c.left + c.right) / 2 <= r.x1 + 1 for r in at_y))
        out.append(Boundary(y, closes))
    return out


def full_width_line(line: Line, header: TableHeader) -> bool:
    """A line printed across the columns (text under a row), not cells side by side: a word straddles a
    column boundary, or two words in different columns are only a word space apart."""
    inner = [c.left for c in header.columns[1:]]
    if line.x0 > header.columns[0].left + header.pad + 1.5:
        return False
    for w in line.words:
        if any(w.x0 < b - 0.5 and w.x1 > b + 0.5 for b in inner):
            return True
    for a, b in zip(line.words, line.words[1:]):
        ca, cb = column_of(header.columns, a.x0), column_of(header.columns, b.x0)
        gap_limit = min(2 * header.pad - 0.4, 0.5 * max(a.size, 1.0))
        if ca is not cb and b.x0 - a.x1 < gap_limit:
            return True
    return False


def read_bands(page: Page, header: TableHeader, boundaries: list[Boundary], spec: TableSpec) -> list[Band]:
    """The words of each row band, per column; full-width lines (and all after them) are the band's below-text."""
    bands = []
    inside = [w for w in page.words if w.x0 >= header.left - 1 and w.x1 <= header.right + 1]
    for a, b in zip(boundaries, boundaries[1:]):
        words = [w for w in inside if a.y < w.mid_y < b.y]
        lines = words_to_lines(words, LINE_TOLERANCE)
        below: list[Line] = []
        if spec.below_field:
            first = next((i for i, ln in enumerate(lines) if full_width_line(ln, header)), None)
            if first is not None:
                below, lines = lines[first:], lines[:first]
        cells: dict[str, list[Word]] = {}
        for ln in lines:
            for w in ln.words:
                col = column_of(header.columns, w.x0)
                cells.setdefault(col.key if col else "?", []).append(w)
        bands.append(Band(page.number, a.y, b.y, cells, below))
    return bands


def open_tail(page: Page, header: TableHeader, last: Boundary, end_y: float) -> dict[str, list[Word]]:
    """Words below a segment's last rule in the columns that rule leaves open: spanning text that runs on
    to the bottom of the page (headings, in bold, are not part of it)."""
    open_columns = [c for c in header.columns if c.key not in last.closes]
    if not open_columns:
        return {}
    bottom = min(end_y, page.height - BOTTOM_MARGIN)
    words = [w for w in page.words if last.y < w.mid_y < bottom and header.left - 1 <= w.x0 <= header.right + 1]
    out: dict[str, list[Word]] = {}
    for ln in words_to_lines(words, LINE_TOLERANCE):
        if sum(is_bold_word(w) for w in ln.words) > len(ln.words) / 2:
            break
        for w in ln.words:
            col = column_of(header.columns, w.x0)
            if col is not None and col in open_columns:
                out.setdefault(col.key, []).append(w)
    return out


def outside_lines(page: Page, segments: list[Segment]) -> list[Line]:
    """The page's lines outside its tables (above a header, or below a table's last row rule), without the
    page's header and footer lines."""
    spans = [(s.header.top - HEADER_TOLERANCE, s.boundaries[-1].y) for s in segments]
    taken = {id(w) for s in segments for ws in s.tail.values() for w in ws}
    words = [w for w in page.words if not any(t <= w.mid_y <= b for t, b in spans) and id(w) not in taken]
    return [ln for ln in words_to_lines(words, LINE_TOLERANCE)
            if ln.top >= TOP_MARGIN and ln.bottom <= page.height - BOTTOM_MARGIN]


def line_size(line: Line) -> float:
    """The type size of a line (its largest word)."""
    return max(w.size for w in line.words)


def headings_and_text(page: Page, lines: list[Line]) -> list[Heading | TextLine]:
    """Bold lines grouped into headings (a wrapped heading is one), other lines kept as running text."""
    out: list[Heading | TextLine] = []
    group: list[Line] = []

    def flush() -> None:
        if group:
            texts = [normalise_spaces(ln.text) for ln in group]
            text = texts[0]
            for t in texts[1:]:
                text = join_wrapped(text, t)
            out.append(Heading(page.number, group[0].top, text, " ".join(texts),
                               union_box([ln.bbox for ln in group]), line_size(group[0])))
            group.clear()

    for ln in lines:
        bold = sum(is_bold_word(w) for w in ln.words) > len(ln.words) / 2
        if bold and group and abs(line_size(ln) - line_size(group[-1])) < 0.3 \
                and ln.top - group[-1].bottom < 0.8 * line_size(ln):
            group.append(ln)
            continue
        flush()
        if bold:
            group.append(ln)
        else:
            out.append(TextLine(page.number, ln))
    flush()
    return out


# ----- the section as a sequence of headings, text and table segments --------------------------

@dataclass
class SectionLayout:
    """A section read in order: headings, running text and table segments, with what could not be read."""

    items: list[tuple[int, float, Heading | TextLine | Segment]]
    problems: list[Problem]


def read_section(pages: list[Page], spec: TableSpec, section: str) -> SectionLayout:
    """Find every table header, settle the columns per header geometry, cut the tables into row bands
    and keep everything else as headings and text, in reading order."""
    problems: list[Problem] = []
    found = [(p, find_headers(p, spec, problems, section)) for p in pages]
    if spec.number_column is not None:
        found = [(p, hs) for p, hs in settle_number_column(found, spec, problems, section)]
    items: list[tuple[int, float, Heading | TextLine | Segment]] = []
    for page, headers in found:
        segments = []
        for i, h in enumerate(headers):
            end_y = headers[i + 1].top - HEADER_TOLERANCE if i + 1 < len(headers) else page.height
            boundaries = row_boundaries(page, h, spec.key_column, end_y)
            if len(boundaries) < 2:
                boundaries = [Boundary(h.rule_y, frozenset(c.key for c in h.columns))]
                below = [w for w in page.words if h.rule_y < w.mid_y < min(end_y, page.height - BOTTOM_MARGIN)]
                if below:  # a header alone at the foot of a page (its rows moved on) loses nothing
                    problems.append(Problem(page.number, section, "table header without any row rule under it; "
                                                                  "the text under it is not read as rows"))
            segments.append(Segment(h, boundaries, read_bands(page, h, boundaries, spec),
                                    open_tail(page, h, boundaries[-1], end_y)))
        for s in segments:
            items.append((page.number, s.header.top, s))
        for item in headings_and_text(page, outside_lines(page, segments)):
            items.append((page.number, item.top if isinstance(item, Heading) else item.line.top, item))
    items.sort(key=lambda t: (t[0], t[1]))
    return SectionLayout(items, problems)


def settle_number_column(found: list[tuple[Page, list[TableHeader]]], spec: TableSpec, problems: list[Problem],
                         section: str) -> list[tuple[Page, list[TableHeader]]]:
    """Insert the unlabelled number column into every header, located from the integers printed under all
    headers of the same geometry (one table continued over pages has one geometry)."""
    assert spec.number_column is not None
    _, after, before = spec.number_column
    words_by_geometry: dict[tuple, list[Word]] = {}
    for page, headers in found:
        for i, h in enumerate(headers):
            end = headers[i + 1].top if i + 1 < len(headers) else page.height
            words_by_geometry.setdefault(h.geometry, []).extend(
                w for w in page.words if h.rule_y < w.mid_y < end)
    out = []
    for page, headers in found:
        settled = []
        for h in headers:
            a, b = h.column(after), h.column(before)
            left = number_column_left(words_by_geometry[h.geometry], a, b, h.pad) if a and b else None
            if left is None:
                problems.append(Problem(page.number, section,
                                        f"no {spec.number_column[0]} column found between {after} and {before}"))
            settled.append(with_number_column(h, spec, left))
        out.append((page, settled))
    return out


def unread_text_problems(layout: SectionLayout, section: str) -> list[Problem]:
    """Running text after the first table that no table row took (a row without its rule, a layout not known):
    one Problem per page with its first line, so that nothing disappears silently."""
    seen_table = False
    per_page: dict[int, list[TextLine]] = {}
    for page, _, item in layout.items:
        if isinstance(item, Segment):
            seen_table = True
        elif isinstance(item, TextLine) and seen_table:
            per_page.setdefault(page, []).append(item)
    return [Problem(page, section, f"{len(lines)} line(s) of text outside the table rows not read; first: "
                                   f"{normalise_spaces(lines[0].line.text)!r}")
            for page, lines in per_page.items()]


# ----- cells: text joined over lines, rows and pages --------------------------------------------

@dataclass
class Cell:
    """A cell as printed: its words per page part (a spanning cell may continue on the next page)."""

    parts: list[tuple[int, list[Word], float]] = field(default_factory=list)  # (page, words, text right edge)

    def add(self, page: int, words: list[Word], text_right: float) -> None:
        """Add words printed on a page (joined to the last part when it is on the same page)."""
        if not words:
            return
        if self.parts and self.parts[-1][0] == page:
            p, ws, r = self.parts[-1]
            self.parts[-1] = (p, ws + words, r)
        else:
            self.parts.append((page, list(words), text_right))

    @property
    def empty(self) -> bool:
        return not self.parts

    def lines(self) -> list[tuple[Line, float]]:
        """The cell's lines in print order, each with the text edge of its column."""
        return [(ln, r) for _, ws, r in self.parts for ln in words_to_lines(ws, LINE_TOLERANCE)]

    def text(self) -> str | None:
        """The cell's text with wrapped lines joined (None when nothing is printed)."""
        return lines_to_text(self.lines())

    def provenance(self) -> Provenance | None:
        """Where the cell is printed (its first page part) and its lines as printed, joined by spaces."""
        if not self.parts:
            return None
        page, words, _ = self.parts[0]
        printed = " ".join(normalise_spaces(ln.text) for ln, _ in self.lines())
        return Provenance(page, round_box(union_box([w.bbox for w in words])), printed)


def round_box(box: Box | None) -> Box | None:
    """A bbox rounded to 1/100 pt, as provenance stores it."""
    return None if box is None else tuple(round(v, 2) for v in box)  # type: ignore[return-value]


def lines_to_text(lines: list[tuple[Line, float]]) -> str | None:
    """A cell's lines (each with its column's text edge) as one text (`parsers.cuts.join_from_the_end`, with
    `parsers.cuts.line_may_end_in_cut` for the geometry); None for an empty cell."""
    text = join_from_the_end([normalise_spaces(ln.text) for ln, _ in lines],
                             lambda i: line_may_end_in_cut(lines[i][0], lines[i + 1][0], lines[i][1]))
    return text or None


@dataclass
class TableRow:
    """One row of a table: its cells by field (shared with the rows a spanning cell covers), whether each
    starts in this row, its below-text, and the goal and process headings it stands under."""

    page: int
    cells: dict[str, Cell]
    starts_here: dict[str, bool]
    below: Cell
    goal: Heading | None
    process: Heading | None


def table_rows(layout: SectionLayout, spec: TableSpec, section: str, problems: list[Problem]) -> list[TableRow]:
    """Rows of all the section's tables, in print order: spanning cells carried to the rows they cover (also
    over page breaks), and a band that prints no marker at the top of a continued page joined to the row before."""
    rows: list[TableRow] = []
    goal: Heading | None = None
    process: Heading | None = None
    open_cells: dict[str, Cell] = {}  # columns not closed by a rule at the end of the previous segment
    last_cells: dict[str, Cell] = {}
    continuing = False  # no heading since the last segment: a header here is the same table, printed again
    for _, _, item in layout.items:
        if isinstance(item, TextLine):
            continue
        if isinstance(item, Heading):
            if GOAL_CODE.match(item.text):
                goal, process = item, None
            elif PROCESS_HEADING.match(item.text):
                process = item
            open_cells, last_cells, continuing = {}, {}, False
            continue
        seg = item
        keys = [c.key for c in seg.header.columns]
        current: dict[str, Cell] = {}
        for j, band in enumerate(seg.bands):
            top = seg.boundaries[j]
            starts: dict[str, bool] = {}
            joins_previous = (j == 0 and continuing and rows and not band.cells.get(spec.marker_column)
                              and any(band.cells.values()))
            for k in keys:
                col = seg.header.column(k)
                if joins_previous:
                    cell = last_cells.get(k) or open_cells.get(k) or Cell()
                    starts[k] = False
                elif j == 0:
                    cell = open_cells.get(k) if continuing and k in open_cells else Cell()
                    starts[k] = not (continuing and k in open_cells)
                elif k in top.closes:
                    cell, starts[k] = Cell(), True
                else:
                    cell, starts[k] = current.get(k, Cell()), False
                cell.add(band.page, band.cells.get(k, []), col.text_right if col else seg.header.right)
                current[k] = cell
            below = Cell()
            if band.below:
                below.add(band.page, [w for ln in band.below for w in ln.words], seg.header.right - seg.header.pad)
            stray = band.cells.get("?")
            if stray:
                problems.append(Problem(band.page, section, "text outside the table's columns not read: "
                                        + repr(" ".join(w.text for w in stray))))
            if joins_previous:
                if band.below:
                    rows[-1].below.add(band.page, [w for ln in band.below for w in ln.words],
                                       seg.header.right - seg.header.pad)
                continue
            if not any(starts[k] and not current[k].empty for k in keys) and not band.below:
                continue  # nothing of its own: a band some spanning text runs through
            rows.append(TableRow(band.page, dict(current), starts, below, goal, process))
            last_cells = dict(current)
        last = seg.boundaries[-1]
        for k, words in seg.tail.items():
            col = seg.header.column(k)
            if k in current and col is not None:
                current[k].add(seg.header.page, words, col.text_right)
        open_cells = {k: current[k] for k in keys if k in current and k not in last.closes}
        continuing = True
    return rows


# ----- the control plan ---------------------------------------------------------------------------

def goal_code_of(heading: Heading | None) -> tuple[str | None, Provenance | None]:
    """A goal heading's code as printed ('1.1', '3.2.') and where."""
    if heading is None:
        return None, None
    m = GOAL_CODE.match(heading.text)
    if not m:
        return None, None
    return m.group(1), Provenance(heading.page, round_box(heading.bbox), m.group(1))


def read_risk_value(cell: Cell, page: int, section: str, problems: list[Problem]) -> int | None:
    """The RV cell as an integer 1–25; anything else is reported, not guessed."""
    text = cell.text()
    if text is None:
        problems.append(Problem(page, section, "control row without a risk value"))
        return None
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= 25:
        problems.append(Problem(page, section, f"risk value {text!r} not read"))
        return None
    return int(text)


def row_box(row: TableRow) -> Box | None:
    """The row's box: the cells that start in it (a carried cell belongs to the row above)."""
    boxes = [c.provenance().bbox for k, c in row.cells.items()
             if row.starts_here.get(k) and not c.empty and c.provenance().page == row.page]
    boxes += [row.below.provenance().bbox] if not row.below.empty else []
    return round_box(union_box([b for b in boxes if b is not None]))


def cell_fields(row: TableRow, keys: Iterable[str]) -> tuple[dict[str, str | None], dict[str, Provenance]]:
    """Text and provenance of the row's cells for the given fields."""
    values, prov = {}, {}
    for k in keys:
        cell = row.cells.get(k)
        values[k] = cell.text() if cell else None
        p = cell.provenance() if cell else None
        if p is not None:
            prov[k] = p
    return values, prov


def control_from_row(row: TableRow, problems: list[Problem]) -> ControlRow:
    """A control-plan row as a ControlRow with provenance per field read."""
    goal_code, goal_prov = goal_code_of(row.goal)
    values, prov = cell_fields(row, ("process", "working_method", "control", "event", "control_activity"))
    rv_cell = row.cells.get("risk_value") or Cell()
    rv = read_risk_value(rv_cell, row.page, PLAN_SECTION, problems)
    if rv is not None:
        prov["risk_value"] = rv_cell.provenance()
    if goal_prov is not None:
        prov["goal_code"] = goal_prov
    else:
        problems.append(Problem(row.page, PLAN_SECTION, "control row under no goal heading"))
    if values["event"] is None:
        problems.append(Problem(row.page, PLAN_SECTION, "control row without an event (oönskad händelse)"))
    return ControlRow(goal_code=goal_code, risk_value=rv, page=row.page, bbox=row_box(row), provenance=prov,
                      **values)


def extract_control_plan(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """Every row of the internal control plan: goal code from the heading above its table, the six cells,
    spanning cells carried; links to risks are made afterwards (link_controls_to_risks)."""
    layout = read_section(pages, PLAN_TABLE, PLAN_SECTION)
    problems = list(layout.problems)
    if not any(isinstance(it, Segment) for _, _, it in layout.items):
        first = pages[0].number if pages else None
        problems.append(Problem(first, PLAN_SECTION, "no control-plan table (Process | Arbetssätt | Systematisk "
                                                     "kontroll | Oönskad händelse | Kontrollaktivitet) found"))
        return SectionResult([], problems)
    rows = table_rows(layout, PLAN_TABLE, PLAN_SECTION, problems)
    problems += unread_text_problems(layout, PLAN_SECTION)
    records: list[Record] = [control_from_row(r, problems) for r in rows]
    return SectionResult(records, problems)


# ----- the VB follow-up ---------------------------------------------------------------------------

NOT_PERFORMED = re.compile(
    r"\b(aktivitete[nr]|aktiviteterna|kontrolle[nr]|kontrollerna|granskningen|uppföljningen|stickprove[nt]|"
    r"stickproven|besöke[nt]|besöken|enkäten)\b[^.]*?\b(inte|ej|aldrig)\b[^.]*?"
    r"\b(genomförts|genomförd|genomfördes|utförts|utförd|utfördes|gjorts|gjord|gjordes|blivit av)\b"
    r"|\b(inte|ej)\s+(genomförts|utförts)\s+(någon|några)\s+(kontroll|aktivitet)",
    re.IGNORECASE)
NOT_PERFORMED_INVERTED = re.compile(
    r"\b(genomfördes|utfördes|gjordes)\s+(inte|ej)\s+(aktiviteten|kontrollen|granskningen|uppföljningen)\b",
    re.IGNORECASE)
POINTS_ELSEWHERE = re.compile(
    r"\b(redovisas|rapporteras|återfinns|presenteras|framgår)\s+(i|av|under)\b|\bse\s+(bilaga|avsnitt|rapport)",
    re.IGNORECASE)
STATES_RESULT = re.compile(
    r"\b(genomförts|genomfört|genomfördes|utförts|visar|visade|konstateras|konstaterats|har\s+(gjorts|kontrollerats|"
    r"granskats|följts upp)|avvikelser|brister)\b", re.IGNORECASE)


def performed_from_text(text: str | None) -> bool | None:
    """Was the activity carried out, as the result text says? False when it says the activity (the control)
    was not carried out; None when it says nothing either way (e.g. only points to another report); else True."""
    if not text:
        return None
    if NOT_PERFORMED.search(text) or NOT_PERFORMED_INVERTED.search(text):
        return False
    if POINTS_ELSEWHERE.search(text) and not STATES_RESULT.search(text):
        return None
    return True


def process_of(heading: Heading | None) -> tuple[str | None, Provenance | None]:
    """'Process: Redovisning' -> 'Redovisning' and where it is printed."""
    if heading is None:
        return None, None
    name = PROCESS_HEADING.sub("", heading.text).strip() or None
    printed = PROCESS_HEADING.sub("", heading.printed).strip()
    return name, (Provenance(heading.page, round_box(heading.bbox), printed) if name else None)


def followup_from_row(row: TableRow, problems: list[Problem]) -> FollowupRow:
    """A follow-up table row as a FollowupRow; the control text is kept in provenance['control'] for linking."""
    goal_code, goal_prov = goal_code_of(row.goal)
    process, process_prov = process_of(row.process)
    values, prov = cell_fields(row, ("working_method", "control", "control_activity"))
    result = row.below.text()
    if result is None:
        problems.append(Problem(row.page, FOLLOWUP_SECTION, "follow-up row without a result text under it"))
    else:
        prov["result_text"] = row.below.provenance()
    if goal_prov is not None:
        prov["goal_code"] = goal_prov
    if process_prov is not None:
        prov["process"] = process_prov
    else:
        problems.append(Problem(row.page, FOLLOWUP_SECTION, "follow-up row under no 'Process:' heading"))
    if values["control_activity"] is None:
        problems.append(Problem(row.page, FOLLOWUP_SECTION, "follow-up row without a control activity"))
    return FollowupRow(goal_code=goal_code, process=process, working_method=values["working_method"],
                       control_activity=values["control_activity"], result_text=result,
                       performed=performed_from_text(result), page=row.page, bbox=row_box(row), provenance=prov)


def is_assessment_heading(h: Heading) -> bool:
    """'Bedömning av nämndens interna kontroll' (or a close wording of it)."""
    t = key_text(h.text)
    return t.startswith("bedömning") and "intern" in t and "kontroll" in t


def paragraphs_to_text(lines: list[TextLine]) -> str | None:
    """Running text: wrapped lines joined, a paragraph break (a wider gap) kept as a newline."""
    if not lines:
        return None
    gaps = [b.line.top - a.line.bottom for a, b in zip(lines, lines[1:]) if a.page == b.page]
    usual = sorted(gaps)[len(gaps) // 2] if gaps else 0.0
    paragraphs: list[str] = []
    text, prev = "", None
    for tl in lines:
        if prev is not None and prev.page == tl.page and tl.line.top - prev.line.bottom > usual + 1.5:
            paragraphs.append(text)
            text = ""
        text = join_wrapped(text, normalise_spaces(tl.line.text)) if text else normalise_spaces(tl.line.text)
        prev = tl
    paragraphs.append(text)
    return "\n".join(p for p in paragraphs if p) or None


def read_assessment(layout: SectionLayout, problems: list[Problem]) -> Assessment | None:
    """The overall assessment under 'Bedömning av nämndens interna kontroll' and the 'Analys' text after it."""
    items = [it for _, _, it in layout.items]
    start = next((i for i, it in enumerate(items) if isinstance(it, Heading) and is_assessment_heading(it)), None)
    if start is None:
        first = layout.items[0][0] if layout.items else None
        problems.append(Problem(first, FOLLOWUP_SECTION, "no overall assessment ('Bedömning av nämndens interna "
                                                         "kontroll') found"))
        return None
    heading = items[start]
    verdict: list[TextLine] = []
    analysis: list[TextLine] = []
    target = verdict
    for it in items[start + 1:]:
        if isinstance(it, Segment):
            break
        if isinstance(it, Heading):
            if key_text(it.text) == "analys" and target is verdict:
                target = analysis
                continue
            break
        target.append(it)
    printed = " ".join(normalise_spaces(t.line.text) for t in verdict)
    page = verdict[0].page if verdict else heading.page
    try:
        value = parse_assessment(printed)
    except ParseError:
        problems.append(Problem(page, FOLLOWUP_SECTION, f"overall assessment {printed!r} is none of Tillräcklig / "
                                                        "Delvis tillräcklig / Otillräcklig"))
        return None
    box = round_box(union_box([t.line.bbox for t in verdict]))
    prov = {"assessment": Provenance(page, box, printed)}
    analysis_text = paragraphs_to_text(analysis)
    if analysis_text:
        prov["analysis"] = Provenance(analysis[0].page, round_box(union_box(
            [t.line.bbox for t in analysis if t.page == analysis[0].page])),
            " ".join(normalise_spaces(t.line.text) for t in analysis))
    return Assessment(assessment=value, printed=printed, analysis=analysis_text, page=page, bbox=box,
                      provenance=prov)


def extract_followups(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """The VB's overall assessment of internal control and one FollowupRow per follow-up table row; links to
    the VP's controls are made across documents (link_followups_to_controls)."""
    layout = read_section(pages, FOLLOWUP_TABLE, FOLLOWUP_SECTION)
    problems = list(layout.problems)
    records: list[Record] = []
    assessment = read_assessment(layout, problems)
    if assessment is not None:
        records.append(assessment)
    if not any(isinstance(it, Segment) for _, _, it in layout.items):
        first = pages[0].number if pages else None
        problems.append(Problem(first, FOLLOWUP_SECTION, "no follow-up table (Arbetssätt | Systematisk kontroll | "
                                                         "Kontrollaktivitet) found"))
        return SectionResult(records, problems)
    rows = table_rows(layout, FOLLOWUP_TABLE, FOLLOWUP_SECTION, problems)
    problems += unread_text_problems(layout, FOLLOWUP_SECTION)
    records.extend(followup_from_row(r, problems) for r in rows)
    return SectionResult(records, problems)


# ----- links --------------------------------------------------------------------------------------

def key_text(value: str | None) -> str:
    """Letters and digits only, lower case: the form in which printed texts are compared for linking."""
    return re.sub(r"[^0-9a-zåäöéüæø]", "", normalise_spaces(value or "").lower())


def narrow(candidates: list, value: str | None, get) -> list:
    """Keep the candidates whose text equals value (normalised) — unless that would keep none, or value is empty."""
    if not key_text(value):
        return candidates
    kept = [c for c in candidates if key_text(get(c)) == key_text(value)]
    return kept or candidates


def link_controls_to_risks(controls: list[ControlRow], risks: list[RiskRow]) -> list[Problem]:
    """Link each control to its VoR risk (sets risk_no and link_note in place): the risk with the same event
    text, confirmed by process and RV; when none or several match, risk_no stays None and a Problem says why."""
    problems = []
    by_event: dict[str, list[RiskRow]] = {}
    for r in risks:
        by_event.setdefault(key_text(r.event), []).append(r)
    for c in controls:
        c.risk_no = None
        candidates = [r for r in by_event.get(key_text(c.event), []) if key_text(c.event)]
        if len(candidates) > 1:
            candidates = narrow(candidates, c.process, lambda r: r.process)
            if c.risk_value is not None:
                same_rv = [r for r in candidates if r.risk_value == c.risk_value]
                candidates = same_rv or candidates
            candidates = narrow(candidates, c.working_method, lambda r: r.working_method)
        numbered = [r for r in candidates if r.risk_no is not None]
        if len(numbered) == 1 and len(candidates) == 1:
            risk = numbered[0]
            c.risk_no = risk.risk_no
            c.link_note = link_confirmation(c, risk)
            continue
        if not candidates:
            c.link_note = "no VoR risk with this event"
        elif not numbered:
            c.link_note = "the VoR risk with this event has no number"
        else:
            c.link_note = "ambiguous: VoR risks " + ", ".join(str(r.risk_no) for r in candidates) + \
                          " have this event"
        problems.append(Problem(c.page, PLAN_SECTION, f"control {c.event!r} not linked to a risk: {c.link_note}"))
    return problems


def link_confirmation(c: ControlRow, risk: RiskRow) -> str:
    """How a control-to-risk link was made: the event matched, and what process and RV say."""
    notes = ["event matches"]
    if c.risk_value is not None and risk.risk_value is not None:
        notes.append("RV matches" if c.risk_value == risk.risk_value
                     else f"RV differs (plan {c.risk_value}, VoR {risk.risk_value})")
    if key_text(c.process) and key_text(risk.process):
        notes.append("process matches" if key_text(c.process) == key_text(risk.process) else
                     f"process differs (plan {c.process!r}, VoR {risk.process!r})")
    elif not key_text(c.process):
        notes.append("no process printed in the plan")
    return "; ".join(notes)


def control_text_of(f: FollowupRow) -> str | None:
    """The follow-up's 'Systematisk kontroll' cell (FollowupRow has no field for it; provenance keeps it)."""
    p = f.provenance.get("control")
    return p.printed if p else None


def link_followups_to_controls(followups: list[FollowupRow], controls: list[ControlRow],
                               control_doc_id: str) -> list[Problem]:
    """Link each follow-up to the VP control with the same activity (then way of working, control text, process,
    goal); sets control_doc_id, risk_no, candidate_risk_nos and link_note in place. Ambiguous or missing links
    and controls nobody followed up are returned as Problems."""
    problems = []
    followed: set[int] = set()
    for f in followups:
        f.control_doc_id = control_doc_id
        f.risk_no, f.candidate_risk_nos = None, []
        candidates = [c for c in controls if key_text(c.control_activity) == key_text(f.control_activity)
                      and key_text(f.control_activity)]
        if len(candidates) > 1:
            candidates = narrow(candidates, f.working_method, lambda c: c.working_method)
            candidates = narrow(candidates, control_text_of(f), lambda c: c.control)
            candidates = [c for c in candidates if not key_text(c.process) or not key_text(f.process)
                          or key_text(c.process) == key_text(f.process)] or candidates
            candidates = [c for c in candidates if goal_key(c.goal_code) == goal_key(f.goal_code)] or candidates
        followed.update(id(c) for c in candidates)
        f.candidate_risk_nos = sorted({c.risk_no for c in candidates if c.risk_no is not None})
        if len(candidates) == 1:
            c = candidates[0]
            f.risk_no = c.risk_no
            f.link_note = "activity matches" + ("" if c.risk_no is not None else "; the control has no linked risk")
            continue
        if not candidates:
            f.link_note = "no control in the plan with this activity"
        else:
            f.link_note = ("ambiguous: the printed cells match " + str(len(candidates)) + " controls (risks "
                           + ", ".join(str(c.risk_no) for c in candidates) + ")")
        problems.append(Problem(f.page, FOLLOWUP_SECTION,
                                f"follow-up {f.control_activity!r} not linked to one control: {f.link_note}"))
    for c in controls:
        if id(c) not in followed:
            problems.append(Problem(None, FOLLOWUP_SECTION,
                                    f"control of risk {c.risk_no} ({control_doc_id} p. {c.page}, activity "
                                    f"{c.control_activity!r}) has no follow-up"))
    return problems


def goal_key(code: str | None) -> str:
    """A goal code without its (varying) trailing dot."""
    return (code or "").rstrip(".")
