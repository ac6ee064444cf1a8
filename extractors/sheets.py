"""Spreadsheet prints: budget and outcome sheets, balance sheet and income statement, reconciliations, control sums.

These pages are landscape (or portrait) prints of spreadsheets without grid lines: a bold multi-line column
header whose cells are right-aligned over right-aligned figures, a label column (indented sub-rows, sometimes
an account-number column before it), figures with no-break-space digit groups, and a print footer line
("2021-12-02  16:12 kostn analys": date, time, the spreadsheet tab's name). They are read by geometry:

1. `page_to_print_lines`: each printed line is running header, footer, heading (bold, larger than the
   figures), column header (bold), prose (another type size) or body.
2. `print_lines_to_sheets`: a heading starts a sheet unless it repeats the current title; a column header
   starts a segment (a page's part of the sheet), or a new table when it differs from a header that already
   has rows under it; a page without a header continues the sheet with the columns before it.
3. `segment_columns`, `name_segment_columns`: a column's right edge is where figures end on several lines
   and a header word ends too (both are right-aligned); the header text over an edge names the column
   (`column_key`, mapping below). A figure on no known edge, or text in the figure area, is a Problem and
   is never moved to a neighbour column.
4. `lines_to_rows`: a line closer to the line above than the row pitch continues that row (a wrapped label,
   account number or figure: wrapped cell lines are set without the cell padding). An account number stacked a
   few digits per line whose first digits touch the name ('1Pågående') is cut as the stacked lines show, or
   left unread (`split_account_words`, `cut_glued_words`). A figure row without a
   label takes the label printed alone on the row just above it (the group rows "printed without a label":
   "Summa Tillgångar", "Verksamhetens intäkter (-)", "Summa konto"); an unlabeled row below a figure row keeps
   the label "". A sub-row's parent is the nearest less indented figure row above it, or below it where the
   sheet prints its totals under their items (`totals_below`: decided by which neighbour the items add up to).

Sheet name: the printed heading; a heading that names the report itself ("Uppföljning av budget 2022 -
verksamhetsberättelse och bokslut" is the form's title, not a sheet's) gives way to the sheet name of the print
footer ("… 15:49 Invent o maskin" -> "Invent o maskin").

Column keys — our stable names, derived from the printed header text only:

* budget sheets whose column headers end in the numbers 1..n ("Prognos 2021 (Tertialrapport 2) 6") -> c1..cn;
* year plans (every header reads "<Prognos|VP|Plan|Budget|Utfall> <year>") -> year_<year>; a misprinted year
  ("Plan 20223") is taken from its place in the sequence: the year between neighbours printed two apart
  (2022, ?, 2024 -> 2023), or next to the end of a run of consecutive years; otherwise a Problem;
* other budget sheets, by words: "avvik" -> deviation; "utfall" -> outcome, or outcome_<year> (the header's
  last year) when the sheet has several outcome columns; "budget" or "VP" -> budget;
* Balansräkning / Resultaträkning: IB -> ib, Förändring -> change, Externt -> external,
  Stadens bolag -> city_companies, Internt -> internal, Totalt -> total;
* Anläggningsinformation: the account (range) heading a column ("12", "2381-2389") -> acct_12, acct_2381_2389;
  control sums: Belopp -> amount, UB -> ub_prev (the previous year's closing balance), IB -> ib; a single
  figure column without a header (anläggnings- och rörelsekapital) -> amount.

Units: the sheet's unit as printed in its header or the lines above it ("Mnkr", "(mnkr)" -> "mnkr", "Kr,");
statements, reconciliations and control sums that print no unit are read as kronor only when every figure
carries öre (two decimals), otherwise their amounts stay unread. Digit groups split by the print are joined
with U+00A0, the separator these prints use; a figure wrapped over two lines is joined with a space.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from statistics import median
from typing import Callable, Iterable, Sequence

from extractors.pages import Box, Page, Word, close_runs, mode_size, union_box, words_to_phrases
from parsers import ParseError, join_wrapped, normalise_spaces, parse_number
from parsers.numbers import unit_factor
from parsers.cuts import next_letter_did_not_fit, wrapped_at_space
from parsers.text import join_at_space, join_prose_lines
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import AccountFigure, BudgetLine, Problem, Provenance, Record

NBSP = "\u00a0"
EDGE_TOLERANCE = 1.5  # points: right-aligned figures and header phrases end on the column edge
FOOTER = re.compile(r"^\d{4}-\d{2}-\d{2}\s+\d{1,2}[:.]\d{2}\s+(?P<sheet>\S.*)$")
UNIT_TOKEN = re.compile(r"^\(?(?P<unit>mnkr|mkr|tkr|kr)\)?[,.:;]?$", re.IGNORECASE)
# a heading that names the report itself (a form's title), not one sheet of it
FORM_TITLE = re.compile(r"verksamhetsberättelse|bokslut|tertialrapport|delårsrapport", re.IGNORECASE)
DIGIT_HEAD = re.compile(r"^[-−+]?\d{1,3}(?:\u00a0\d{3})*$")
DIGIT_TAIL = re.compile(r"^\d{3}(?:,\d+)?$")
ACCOUNT = re.compile(r"^\d{2,4}$")
ONE_DIGIT = re.compile(r"^\d$")
# a label that begins with digits on a row whose account is unread: digits of an account the reader took for the
# name (held-out seed 395 before `name_column_left` knew its layout: '1 Pågående ny- till och ombyggnad 1 7 1')
LEADING_DIGIT_LABEL = re.compile(r"\d+(?:\s|[^\d\s,.%])")
YEAR_PLAN = re.compile(r"^(prognos|vp|plan|budget|utfall)\s+(?P<year>\d{4,5})$", re.IGNORECASE)
ACCOUNT_HEAD = re.compile(r"^(?P<acct>\d{2,4}(?:-\d{2,4})?)\b")
STATEMENT_KEYS = (("stadens bolag", "city_companies"), ("förändring", "change"), ("externt", "external"),
                  ("internt", "internal"), ("totalt", "total"))


# ----- the printed pieces ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """A figure (or a fragment of one) as printed in one line: digit groups joined with U+00A0."""

    page: int
    words: tuple[Word, ...]

    @property
    def text(self) -> str:
        return NBSP.join(w.text for w in self.words)

    @property
    def bbox(self) -> Box:
        return union_box([w.bbox for w in self.words])  # type: ignore[return-value]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def x1(self) -> float:
        return self.words[-1].x1


@dataclass(frozen=True)
class PrintLine:
    """One printed line of a sheet page and what it is (kind): furniture, footer, heading, header, prose, body."""

    page: int
    words: tuple[Word, ...]
    kind: str

    @property
    def text(self) -> str:
        return normalise_spaces(" ".join(w.text for w in self.words))

    @property
    def top(self) -> float:
        return min(w.top for w in self.words)

    @property
    def bbox(self) -> Box:
        return union_box([w.bbox for w in self.words])  # type: ignore[return-value]


@dataclass
class Column:
    """A figure column: its right edge, the header text over it and the key that text maps to."""

    edge: float
    label: str = ""
    key: str | None = None
    header_page: int | None = None
    header_box: Box | None = None


@dataclass
class Segment:
    """A run of body lines under one column header (or under the columns of the segment before it)."""

    header: list[PrintLine] = field(default_factory=list)
    body: list[PrintLine] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    label_header: str = ""


@dataclass
class Sheet:
    """One printed sheet: its heading, the lines above its header (unit, period), its segments."""

    heading: list[PrintLine] = field(default_factory=list)
    preamble: list[PrintLine] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    footer: PrintLine | None = None
    footer_name: str | None = None

    @property
    def heading_text(self) -> str:
        return join_prose_lines([ln.text for ln in self.heading])


@dataclass
class Row:
    """A logical sheet row: label lines, account fragments, and per column the figure fragments."""

    page: int
    lines: list[PrintLine] = field(default_factory=list)
    label_words: list[list[Word]] = field(default_factory=list)  # per printed line
    account_words: list[Word] = field(default_factory=list)
    glued_words: list[Word] = field(default_factory=list)  # account digits printed as one word with the name
    account_cut: bool = False  # a glued word that could not be cut: the account is unread
    cells: dict[int, list[Cell]] = field(default_factory=dict)  # column index -> fragments, line by line
    strays: list[Word] = field(default_factory=list)  # words in the figure area on no column edge
    columns: list[Column] = field(default_factory=list)  # the columns of the row's segment
    label_right: float | None = None  # how far its page's wrapped labels reach (wrapped_label_right)

    @property
    def label(self) -> str:
        return join_label_lines([line for line in self.label_words if line], self.label_right)

    @property
    def label_box(self) -> Box | None:
        return union_box([w.bbox for line in self.label_words for w in line])

    @property
    def label_x0(self) -> float | None:
        first = next((line for line in self.label_words if line), None)
        return first[0].x0 if first else None

    @property
    def account(self) -> str:
        return "".join(w.text for w in self.account_words)

    @property
    def has_figures(self) -> bool:
        return bool(self.cells)

    @property
    def bbox(self) -> Box:
        return union_box([ln.bbox for ln in self.lines])  # type: ignore[return-value]


@dataclass
class Figure:
    """One figure of a row, read: printed text, exact value (None when unreadable), where."""

    column: Column
    printed: str
    value: Decimal | None
    decimals: int | None
    page: int
    bbox: Box


@dataclass
class SheetTable:
    """A sheet read into rows and named columns, with its unit and name (and where they were printed)."""

    name: str
    name_prov: Provenance | None
    unit: str | None
    unit_prov: Provenance | None
    columns: list[Column]
    rows: list[Row]
    label_header: str
    problems: list[Problem]


# ----- small pure helpers ------------------------------------------------------------------------------

def ends_short_of(word: Word, nxt: Word, text_right: float | None) -> bool:
    """Did `word` end its line two characters (of the next line's first word) or more short of where the
    label column's text reaches? Then its line was wrapped at a space: a word cut for being wider than the
    cell fills its line to the edge."""
    if text_right is None:
        return False
    char = (nxt.x1 - nxt.x0) / max(len(nxt.text), 1)
    return text_right - word.x1 >= 2 * char


def join_label_lines(lines: Sequence[Sequence[Word]], text_right: float | None = None) -> str:
    """A wrapped label's printed lines as one label. Lines join with a space; a hyphen at a line end is mended
    with `join_wrapped`, which knows real hyphens from dashes; a line that is a single word reaching the text edge
    `text_right` (the print cuts a word only when it is wider than the cell) may end in a cut, which the words
    at the break decide by the rule of every cell reader (`parsers.cuts.wrapped_at_space`: 'kommun,land' /
    'sting' is one word, held-out seed 1485, though 'land' and 'sting' are words too). Without `text_right`, any
    one-word line may be a cut."""
    return join_lines(lines, lambda i: not ends_short_of(lines[i][0], lines[i + 1][0], text_right))


def join_header_lines(lines: Sequence[Sequence[Word]]) -> str:
    """A column header's printed lines (one phrase each) as one text, joined as a wrapped label's are, but a
    one-word line may end in a cut only when it is as wide as the header's widest line, give or take the next
    line's first letter (`parsers.cuts.next_letter_did_not_fit`): header cells are right-aligned or centred, so
    where a line ends tells nothing, how wide it is does. 'Förändrin' / 'g' / '202201-20' / '2213' is
    'Förändring 202201-202213' (held-out seed 2705), while 'budget 2022' / '1' keeps its column number apart."""
    widest = max((ln[-1].x1 - ln[0].x0 for ln in lines if ln), default=0.0)
    return join_lines(lines, lambda i: next_letter_did_not_fit(widest - (lines[i][0].x1 - lines[i][0].x0),
                                                               lines[i + 1][0].text,
                                                               lines[i + 1][0].x1 - lines[i + 1][0].x0))


def join_lines(lines: Sequence[Sequence[Word]], may_end_in_cut: Callable[[int], bool]) -> str:
    """Printed lines of a label or header as one text: a hyphen at a line's end goes to `join_wrapped`; a line of
    one word that `may_end_in_cut(i)` by the reader's geometry joins the next without a space when the words at
    the break say cut (`parsers.cuts.wrapped_at_space`); any other break is a space."""
    out = ""
    for i, words in enumerate(lines):
        text = normalise_spaces(" ".join(w.text for w in words))
        if not out:
            out = text
        elif out.endswith("-"):
            out = join_wrapped(out, text)
        elif len(lines[i - 1]) == 1 and words and may_end_in_cut(i - 1):
            out = join_at_space(out, text) if wrapped_at_space(lines[i - 1][0].text, text) else out + text
        else:
            out = join_at_space(out, text)
    return out


def is_figure_text(text: str) -> bool:
    """A printed figure of a sheet: a Swedish number, not a percentage and not a lone dash."""
    if not text or not re.search(r"\d", text):
        return False
    try:
        parsed = parse_number(text)
    except ParseError:
        return False
    return not parsed.percent


def words_to_cells(words: Sequence[Word], page: int, size: float, edges: Sequence[float] = ()) -> list[Cell]:
    """A line's words in groups: digit groups split by a (no-break) space join into one cell, others stand alone.

    With column `edges`, a group ends on a column edge when the next digits stand further off than a digit
    group's space (two neighbouring figures, `88 650` and `130 730 324,13`, a little more than a space apart).
    On a line whose text layer prints the spaces between digit groups, digits after a gap without one start
    another figure."""
    cells: list[list[Word]] = []
    ordered = sorted(words, key=lambda w: w.x0)
    spaced = any(w.after_space and DIGIT_TAIL.match(w.text) for w in ordered)
    for k, w in enumerate(ordered):
        if cells:
            prev = cells[-1]
            if DIGIT_HEAD.match(NBSP.join(x.text for x in prev)) and digits_run_on(prev[-1], w, size, spaced):
                ahead = figure_spaces(ordered, size, k, spaced) if len(prev) == 1 else ()  # only a group without spaces asks
                if not ends_on_edge(prev, w.x0 - prev[-1].x1, size, edges, ahead):
                    prev.append(w)
                    continue
        cells.append([w])
    return [Cell(page, tuple(c)) for c in cells]


def digits_run_on(a: Word, b: Word, size: float, spaced: bool = False) -> bool:
    """Could `b` be the next digit group of the figure `a` ends: three digits (and decimals), at most a space's
    width after it, and, on a line whose text layer prints the spaces between digit groups (`spaced`), after a
    printed space? Two figures run together in narrow columns have no space character between them, however
    close they stand (held-out seed 493: '19 114' 2.16 pt before '120 456 299,66', whose own spaces are 2.10 pt)."""
    return (DIGIT_TAIL.match(b.text) is not None and -0.5 <= b.x0 - a.x1 <= 0.6 * max(size, 1.0)
            and (b.after_space or not spaced))


def figure_spaces(words: Sequence[Word], size: float, start: int = 0, spaced: bool = False) -> list[float]:
    """The spaces inside the figure that `words[start]` starts: between its digit groups, up to the group with the
    decimal comma (`346 748,15`: one space)."""
    out = []
    for j in range(start, len(words) - 1):
        a, b = words[j], words[j + 1]
        if "," in a.text or not digits_run_on(a, b, size, spaced):
            break
        out.append(b.x0 - a.x1)
    return out


# pt: the spaces inside one printed figure are one character's advance, all equal (their spread is 0.000 pt in the
# 3 159 figures of three groups or more of the samples and five layout variants); two figures run together on a
# column edge stood 0.15 pt (seed 34) and 0.44-0.50 pt (seed 116) further apart than that
SPACE_SLACK = 0.1


def ends_on_edge(group: Sequence[Word], gap: float, size: float, edges: Sequence[float],
                 ahead: Sequence[float] = ()) -> bool:
    """Does a digit group end its figure on a column edge, the next digits `gap` away being no digit group's space
    of it? A figure's own spaces are all one width: wider than them by SPACE_SLACK is another figure (`88 650`
    beside an Internt figure too wide for its column, `130 730 324,13`, 0.44 pt further off than the spaces inside
    either; `28 671` beside `180 684 449,49`, 0.16 pt), and so is narrower (held-out seed 136: the first line
    '1 698' of a figure wrapped in its narrow column, 0.28 pt closer to '221 937,12', which fills the next column).
    A group without spaces of its own is held to the spaces of the figure the next digits start (`ahead`, from
    `figure_spaces`: held-out seed 311, an IB wrapped as '154' / '350,00' whose first line stood 0.3 pt closer to
    the change '346 748,15' than that figure's own space); without those either, it asks for more than 0.4 em."""
    if not edges or edge_index(group[-1].x1, edges) is None:
        return False
    inner = [b.x0 - a.x1 for a, b in zip(group, group[1:])] or list(ahead)
    if not inner:
        return gap > 0.4 * max(size, 1.0)
    return gap > max(inner) + SPACE_SLACK or gap < min(inner) - SPACE_SLACK


def cluster_values(values: Iterable[tuple[float, int]], tolerance: float = 1.0) -> list[tuple[float, set[int]]]:
    """(x, line id) pairs clustered by x: each cluster's median x and the set of lines that support it."""
    return [(median(x for x, _ in run), {line_id for _, line_id in run})
            for run in close_runs(values, tolerance, key=lambda v: v[0])]


def table_type_size(pages: Sequence[Page]) -> float:
    """The type size of the sheet's figures (the most common size of regular-weight figure words)."""
    figures = [w for p in pages for w in p.words if not w.bold and re.fullmatch(r"[-−]?\d[\d,]*", w.text)]
    return mode_size(figures) or mode_size(w for p in pages for w in p.words if not w.bold)


# ----- 1. lines ----------------------------------------------------------------------------------------

def running_headers(pages: Sequence[Page], committee: str | None) -> set[str]:
    """Texts of the running header: the committee's name, or a first line repeated at the top of pages."""
    firsts = Counter(normalise_spaces(p.lines()[0].text) for p in pages if p.words)
    out = {t for t, n in firsts.items() if n >= 2 and len(pages) >= 2}
    if committee:
        out.add(normalise_spaces(committee))
    return out


def page_to_print_lines(page: Page, size: float, furniture: set[str]) -> list[PrintLine]:
    """The page's lines, each with its kind (see PrintLine)."""
    out = []
    for i, line in enumerate(page.lines()):
        words = line.words
        text = normalise_spaces(line.text)
        bold = sum(w.bold for w in words) > len(words) / 2
        line_size = mode_size(words)
        if i == 0 and text in furniture:
            kind = "furniture"
        elif FOOTER.match(text) and line.top > page.height / 2:
            kind = "footer"
        elif bold and line_size >= size * 1.2:
            kind = "heading"
        elif bold:
            kind = "header"
        elif abs(line_size - size) > size * 0.06:
            kind = "prose"
        else:
            kind = "body"
        out.append(PrintLine(page.number, tuple(words), kind))
    return out


# ----- 2. sheets and segments ----------------------------------------------------------------------------

def header_signature(header: Sequence[PrintLine]) -> str:
    """A column header's text, to tell a repeated header (same sheet) from another table's."""
    return " ".join(ln.text for ln in header).lower()


def same_heading(above: PrintLine, below: PrintLine) -> bool:
    """Whether two heading lines are one wrapped title: the same type size, set a line apart."""
    size_above, size_below = mode_size(above.words), mode_size(below.words)
    return abs(size_above - size_below) <= 0.5 and below.page == above.page \
        and 0 < below.top - above.top <= 1.6 * size_above


def repeats_title(line: PrintLine, sheet: Sheet | None, heading_buf: Sequence[PrintLine],
                  header_buf: Sequence[PrintLine]) -> bool:
    """Is a bold line read as a column header the current sheet's title printed again (atop a continued page,
    set too small to read as a heading: 9.5 pt over 8 pt figures)? Then it is no header: a header without a
    word over the figures would leave the page, and every page after it, without columns."""
    return (sheet is not None and bool(sheet.heading) and not heading_buf and not header_buf
            and normalise_spaces(line.text).lower() == sheet.heading_text.lower())


def print_lines_to_sheets(lines: Sequence[PrintLine]) -> list[Sheet]:
    """Split a section's lines into sheets and segments (module docstring, step 2).

    A heading starts a sheet unless it repeats the current sheet's title; a column header starts a segment,
    or a new table when it differs from the header of a segment that already has rows; body lines on a new
    page without a header start a segment that keeps the columns before it. Prose between the heading and
    the first row (period, unit, instructions) is the sheet's preamble; the footer names the page's sheets."""
    sheets: list[Sheet] = []
    cur: Sheet | None = None
    heading_buf: list[PrintLine] = []
    header_buf: list[PrintLine] = []
    prose_buf: list[PrintLine] = []
    footers: dict[int, PrintLine] = {}

    def new_sheet(heading: list[PrintLine]) -> Sheet:
        sheet = Sheet(heading=heading)
        sheets.append(sheet)
        return sheet

    def has_rows(sheet: Sheet | None) -> bool:
        return sheet is not None and any(s.body for s in sheet.segments)

    def close_heading() -> None:
        nonlocal cur
        if heading_buf:
            text = join_prose_lines([ln.text for ln in heading_buf]).lower()
            if cur is None or text != cur.heading_text.lower():
                cur = new_sheet(list(heading_buf))
                prose_buf.clear()  # prose above a new heading ended the sheet before it
            heading_buf.clear()

    def take_prose() -> None:
        if cur is not None and not has_rows(cur):
            cur.preamble.extend(prose_buf)
        prose_buf.clear()

    def close_header() -> None:
        nonlocal cur
        close_heading()
        if not header_buf:
            return
        if cur is None:
            cur = new_sheet([])
        headed = [s for s in cur.segments if s.header]
        if headed and has_rows(cur) and header_signature(headed[-1].header) != header_signature(header_buf):
            heading = cur.heading
            cur = new_sheet([])
            cur.heading = heading  # another table under the same heading
        take_prose()
        cur.segments.append(Segment(header=list(header_buf)))
        header_buf.clear()

    for ln in lines:
        if ln.kind == "furniture":
            continue
        if ln.kind == "footer":
            footers.setdefault(ln.page, ln)
        elif ln.kind == "heading":
            if header_buf:
                close_header()
            if heading_buf and not same_heading(heading_buf[-1], ln):
                close_heading()  # a title above this one (a running header, a form title) is another heading
            heading_buf.append(ln)
        elif ln.kind == "header" and repeats_title(ln, cur, heading_buf, header_buf):
            heading_buf.append(ln)  # the sheet's title again atop a continued page, a size smaller
        elif ln.kind == "header":
            close_heading()
            header_buf.append(ln)
        elif ln.kind == "prose":
            close_header()
            prose_buf.append(ln)
        else:
            close_header()
            if cur is None:
                cur = new_sheet([])
            take_prose()
            seg = cur.segments[-1] if cur.segments else None
            if seg is None or (seg.body and seg.body[-1].page != ln.page):
                seg = Segment()
                cur.segments.append(seg)
            seg.body.append(ln)
    close_header()
    for sheet in sheets:
        pages = [ln.page for seg in sheet.segments for ln in seg.body] + [ln.page for ln in sheet.heading]
        footer = next((footers[p] for p in sorted(set(pages)) if p in footers), None)
        if footer is not None:
            m = FOOTER.match(footer.text)
            sheet.footer, sheet.footer_name = footer, m.group("sheet").strip() if m else None
    return [s for s in sheets if any(seg.body for seg in s.segments)]


# ----- 3. columns ----------------------------------------------------------------------------------------

def line_phrases(line: PrintLine, edges: Sequence[float] = ()) -> list[list[Word]]:
    """A header line's words in phrases (one header cell's line of text each): a phrase ends where a word
    ends on a column edge (header cells are right-aligned; neighbouring cells may be a word space apart)
    or before a gap wider than 0.6 em."""
    return words_to_phrases(line.words, lambda w: edge_index(w.x1, edges) is not None)


def trailing_figures(line: PrintLine, size: float) -> list[Cell]:
    """The figure cells a line ends with (a label's own digits, like '2019', are followed by figures or
    other words and can still be here: only columns confirmed by a header or by other lines count)."""
    cells = words_to_cells(line.words, line.page, size)
    out: list[Cell] = []
    for cell in reversed(cells):
        if not is_figure_text(cell.text):
            break
        out.append(cell)
    return out[::-1]


def segment_edges(seg: Segment, size: float) -> list[float]:
    """Right edges of a segment's figure columns: where figures end (on two lines or more, or on one line
    and a header word); with a header, a header word must end there too (header cells are right-aligned
    like the figures under them)."""
    supports: list[tuple[float, int]] = []
    for i, ln in enumerate(seg.body):
        supports.extend((c.x1, i) for c in trailing_figures(ln, size))
    header_ids = set()
    for j, w in enumerate(w for ln in seg.header for w in ln.words):
        supports.append((w.x1, -(j + 1)))
        header_ids.add(-(j + 1))
    edges = []
    for x, ids in cluster_values(supports, tolerance=EDGE_TOLERANCE / 1.5):
        body = {i for i in ids if i >= 0}
        head = ids & header_ids
        if seg.header:
            if body and head:
                edges.append(x)
        elif len(body) >= 2:
            edges.append(x)
    return edges


def edge_index(x1: float, edges: Sequence[float]) -> int | None:
    """The column whose right edge a right-aligned text ending at x1 stands on, if any."""
    best = min(range(len(edges)), key=lambda i: abs(edges[i] - x1), default=None)
    if best is None or abs(edges[best] - x1) > EDGE_TOLERANCE:
        return None
    return best


def header_to_columns(header: Sequence[PrintLine], edges: Sequence[float], label_limit: float
                      ) -> tuple[list[Column], str, list[PrintLine]]:
    """Columns named by the header phrases over their edges; the label column's header text; the header
    lines holding a phrase over no column (reported by the caller). A column's phrases, one per header line, join
    as a wrapped label's lines do (`join_header_lines`): a header too wide for its column is cut inside a word
    ('Förändrin' / 'g' / '202201-20' / '2213', held-out seed 2705, is 'Förändring 202201-202213')."""
    texts: dict[int, list[list[Word]]] = {i: [] for i in range(len(edges))}
    label_parts: list[str] = []
    unplaced: list[PrintLine] = []
    for ln in header:
        for phrase in line_phrases(ln, edges):
            i = edge_index(phrase[-1].x1, edges)
            if i is not None:
                texts[i].append(phrase)
            elif phrase[-1].x1 <= label_limit:
                label_parts.append(" ".join(w.text for w in phrase))
            else:
                unplaced.append(ln)
    columns = []
    for i, edge in enumerate(edges):
        words = [w for phrase in texts[i] for w in phrase]
        columns.append(Column(edge, join_header_lines(texts[i]), None,
                              header[0].page if header else None,
                              union_box([w.bbox for w in words]) if words else None))
    return columns, normalise_spaces(" ".join(label_parts)), unplaced


# ----- 4. rows -------------------------------------------------------------------------------------------

def gap_clusters(gaps: Iterable[float], tolerance: float = 0.3) -> list[tuple[float, int]]:
    """Distances between lines clustered: (median distance, how many), smallest first."""
    return [(median(run), len(run)) for run in close_runs(gaps, tolerance)]


def continuation_gap(segments: Sequence[Segment]) -> float:
    """Below this distance from the line above, a line continues its row (0: no row is wrapped).

    A wrapped cell's lines are set closer than rows (rows add the cell padding): the smallest distance
    between lines is a wrapped cell's when a distance a little larger (by 0.75 pt up to half a line)
    is common too — the row pitch, which follows every wrapped row; otherwise there is only the row pitch
    (and larger distances around prose)."""
    gaps = [b.top - a.top for seg in segments for a, b in zip(seg.body, seg.body[1:])
            if b.page == a.page and b.top - a.top > 0.5]
    clusters = gap_clusters(gaps)
    if len(clusters) < 2:
        return 0.0
    smallest, count = clusters[0]
    rows = [(g, n) for g, n in clusters[1:] if 0.75 <= g - smallest <= 0.45 * smallest]
    if not rows:
        return 0.0
    pitch, n = max(rows, key=lambda c: c[1])
    return (smallest + pitch) / 2 if n >= max(2, 0.2 * count) else 0.0


def assign_line(line: PrintLine, edges: Sequence[float], size: float) -> tuple[dict[int, Cell], list[Word]]:
    """A body line's figure cells by column (a figure standing on a column edge, within its column: a figure that
    reaches past the column to its left, like '28 671' run into '180 684 449,49', is no figure) and its other
    words."""
    cells: dict[int, Cell] = {}
    rest: list[Word] = []
    for cell in words_to_cells(line.words, line.page, size, edges):
        i = edge_index(cell.x1, edges) if is_figure_text(cell.text) else None
        if i is not None and i > 0 and cell.x0 < edges[i - 1]:
            i = None
        if i is not None and i not in cells:
            cells[i] = cell
        else:
            rest.extend(cell.words)
    return cells, rest


def name_column_left(lines: Iterable[Sequence[Word]]) -> float | None:
    """Where account names start in a sheet that prints an account number before them: the most common
    x of the word after a leading 2–4 digit number; where fewer than three lines show one, the word after a
    single digit, the first of an account stacked a digit per line in a column one digit wide (held-out seed 395:
    '1' / 'Mark, byggnader …' for group 11; its 594 values had no account). None when neither shows three times."""
    lines = [words for words in lines if len(words) >= 2]
    for leading in (ACCOUNT, ONE_DIGIT):
        xs = Counter(round(words[1].x0) for words in lines if leading.match(words[0].text)
                     and words[1].x0 - words[0].x1 > 2.0)
        if xs:
            x, n = xs.most_common(1)[0]
            if n >= 3:
                return float(x)
    return None


LEADING_DIGITS = re.compile(r"(\d+)(\D.*)")


def split_account_words(label: Sequence[Word], name_left: float) -> tuple[list[Word], list[Word], list[Word]]:
    """A label line's words in an account-number column cut at `name_left` (where names start): the account's
    words, the name's, and the words that start in the account column with digits and run on into the name.

    A narrow account column stacks an account number one or a few digits per line and sets the first digits so
    close to the name that the two print as one word ('1Pågående', then 1, 7, 1 below). Those glued words are
    returned apart (and left in the name for now): `cut_glued_words` cuts them once the row's other lines show
    how many digits the column holds. A word of digits only that starts in the account column is an account
    digit even where it reaches past `name_left` (indented names may start further right than the edge the
    group rows give)."""
    account: list[Word] = []
    name: list[Word] = []
    glued: list[Word] = []
    for w in label:
        starts_left = w.x0 < name_left - 1.0
        if starts_left and w.text.isdigit():
            account.append(w)
        elif starts_left and name_left < w.x1 and LEADING_DIGITS.fullmatch(w.text):
            glued.append(w)
            name.append(w)
        elif w.x1 <= name_left:  # wholly left of the names
            account.append(w)
        else:
            name.append(w)
    return account, name, glued


def cut_glued_words(account: Sequence[Word], label_lines: Sequence[Sequence[Word]], glued: Sequence[Word]
                    ) -> tuple[list[Word], list[list[Word]], bool]:
    """A row's account words and label lines with each glued word (split_account_words) cut after the digits the
    account column holds per line, and whether every glued word could be cut. The column's width in digits is
    read from the row's stacked account words that start where the glued word starts: all k digits long, so the
    glued word's first k characters are the account's and its box is theirs (x1 of the stacked digits). Without
    such lines, or when they disagree, the word is not cut and the account is unread: '625%' is the account's 6
    and the name's 25% only because the lines below hold one digit each."""
    account_out, lines_out, cut_all = list(account), [list(line) for line in label_lines], True
    for g in glued:
        stacked = [w for w in account if w.text.isdigit() and abs(w.x0 - g.x0) <= 0.5]
        widths = {len(w.text) for w in stacked}
        k = widths.pop() if len(widths) == 1 else 0
        digits = LEADING_DIGITS.fullmatch(g.text)
        if not k or digits is None or len(digits.group(1)) < k:
            cut_all = False
            continue
        edge = median(w.x1 for w in stacked)
        account_out.append(replace(g, text=g.text[:k], x1=edge))
        lines_out = [[replace(w, text=w.text[k:], x0=edge) if w is g else w for w in line] for line in lines_out]
    account_out.sort(key=lambda w: (w.top, w.x0))  # the digits in reading order: the glued ones come first
    return account_out, lines_out, cut_all


def segment_columns(sheet: Sheet, size: float, section: str, problems: list[Problem]) -> None:
    """Give every segment its columns: from its own header and figures, or those of the segment before it."""
    columns: list[Column] = []
    for seg in sheet.segments:
        if seg.header:
            seg.columns = [Column(e) for e in segment_edges(seg, size)]
            if not seg.columns:
                problems.append(Problem(seg.header[0].page, section,
                                        f"no figure column under the header {header_signature(seg.header)!r}"))
        elif columns:
            seg.columns = columns
        else:
            seg.columns = [Column(e) for e in segment_edges(seg, size)]
        columns = seg.columns


AssignedLine = tuple[Segment, PrintLine, dict[int, Cell], list[Word]]


def assign_lines(sheet: Sheet, size: float) -> list[AssignedLine]:
    """Every body line of the sheet with its segment, its figure cells by column and its other words
    (assign_line against the segment's column edges), in print order."""
    return [(seg, ln, *assign_line(ln, [c.edge for c in seg.columns], size))
            for seg in sheet.segments for ln in seg.body]


def columns_under(words: Sequence[Word], edges: Sequence[float]) -> set[int]:
    """The figure columns (index of their right edge) whose width, from the edge before, the words reach into."""
    return {i for w in words for i, edge in enumerate(edges)
            if w.x0 < edge and w.x1 > (edges[i - 1] if i > 0 else float("-inf"))}


def label_column_limit(assigned: Sequence[AssignedLine]) -> float:
    """Where the label column ends: just left of the leftmost figure standing on a column edge."""
    starts = [c.x0 for _, _, cells, _ in assigned for c in cells.values()]
    return (min(starts) if starts else float("inf")) - EDGE_TOLERANCE


def name_segment_columns(sheet: Sheet, label_limit: float, section: str, problems: list[Problem]) -> str:
    """Label each headed segment's columns with the header text over them; returns the label column's
    header text (e.g. 'Mnkr', 'Prognos (mnkr)', 'Anläggningsinformation')."""
    label_header = ""
    for seg in sheet.segments:
        if not seg.header:
            continue
        named, seg.label_header, unplaced = header_to_columns(seg.header, [c.edge for c in seg.columns],
                                                              label_limit)
        for col, new in zip(seg.columns, named):
            col.label, col.header_page, col.header_box = new.label, new.header_page, new.header_box
        for ln in dict.fromkeys(unplaced):
            problems.append(Problem(ln.page, section, f"header text over no figure column: {ln.text!r}"))
        label_header = label_header or seg.label_header
    return label_header


def wrapped_label_right(rows: Sequence[Row]) -> dict[int, float]:
    """Per page, how far the label lines that wrapped onto another line reach: at most the label column's text
    edge, and at it when a line was cut mid-word; an estimate from below, so a line ending two characters short of
    it surely wrapped at a space (ends_short_of), while too few wrapped lines only leave a cut undecided."""
    reach: dict[int, float] = {}
    for row in rows:
        for line in [ln for ln in row.label_words if ln][:-1]:
            reach[row.page] = max(reach.get(row.page, float("-inf")), *(w.x1 for w in line))
    return reach


def lines_to_rows(sheet: Sheet, assigned: Sequence[AssignedLine], label_limit: float, with_accounts: bool
                  ) -> list[Row]:
    """The sheet's logical rows (module docstring, step 4) from its assigned body lines; with_accounts splits
    an account-number column off the label column where the sheet prints one."""
    gap = continuation_gap(sheet.segments)
    limit = label_limit + EDGE_TOLERANCE
    name_left = name_column_left([w for w in rest if w.x1 <= limit] for *_, rest in assigned) \
        if with_accounts else None
    rows: list[Row] = []
    prev: tuple[Segment, PrintLine] | None = None
    for seg, ln, cells, rest in assigned:
        if not (prev is not None and prev[0] is seg and prev[1].page == ln.page and 0 < ln.top - prev[1].top < gap):
            rows.append(Row(ln.page, columns=seg.columns))
        row = rows[-1]
        row.lines.append(ln)
        label = [w for w in rest if w.x1 <= limit]
        row.strays.extend(w for w in rest if w.x1 > limit)
        if name_left is not None:
            account, label, glued = split_account_words(label, name_left)
            row.account_words.extend(account)
            row.glued_words.extend(glued)
        row.label_words.append(label)
        for i, cell in cells.items():
            row.cells.setdefault(i, []).append(cell)
        prev = (seg, ln)
    reach = wrapped_label_right(rows)
    for row in rows:
        row.label_right = reach.get(row.page)
        blocked = columns_under(row.strays, [c.edge for c in row.columns])
        for i in sorted(blocked & set(row.cells)):  # a figure beside unplaced text in its column is not read
            row.strays.extend(w for cell in row.cells.pop(i) for w in cell.words)
        if row.glued_words:
            row.account_words, row.label_words, cut = cut_glued_words(row.account_words, row.label_words,
                                                                      row.glued_words)
            row.account_cut = not cut
    return rows


def read_sheet(sheet: Sheet, size: float, section: str, with_accounts: bool) -> SheetTable:
    """A sheet read: columns named by its header, logical rows, its name and unit; what could not be
    placed is a Problem."""
    problems: list[Problem] = []
    segment_columns(sheet, size, section, problems)
    assigned = assign_lines(sheet, size)  # naming the columns below changes no edge
    label_limit = label_column_limit(assigned)
    label_header = name_segment_columns(sheet, label_limit, section, problems)
    rows = lines_to_rows(sheet, assigned, label_limit, with_accounts)
    for row in rows:
        if row.strays:
            problems.append(Problem(row.page, section, "text in the figure area under no column, not read: "
                                    + repr(" ".join(w.text for w in row.strays))))
    name, name_prov = sheet_name(sheet, label_header)
    unit, unit_prov = sheet_unit(sheet, rows, problems, section)
    columns = sheet.segments[-1].columns if sheet.segments else []
    return SheetTable(name, name_prov, unit, unit_prov, columns, rows, label_header, problems)


def sheet_name(sheet: Sheet, label_header: str) -> tuple[str, Provenance | None]:
    """The sheet's printed heading; for a heading that names the report (a form title) or no heading, the
    sheet name of the print footer; else the label column's header text."""
    heading = sheet.heading_text
    if heading and not FORM_TITLE.search(heading):
        return heading, Provenance(sheet.heading[0].page, union_box([ln.bbox for ln in sheet.heading]), heading)
    if sheet.footer_name and sheet.footer is not None:
        return sheet.footer_name, Provenance(sheet.footer.page, sheet.footer.bbox, sheet.footer.text)
    if heading:
        return heading, Provenance(sheet.heading[0].page, union_box([ln.bbox for ln in sheet.heading]), heading)
    return label_header, None


def sheet_unit(sheet: Sheet, rows: Sequence[Row], problems: list[Problem], section: str
               ) -> tuple[str | None, Provenance | None]:
    """The unit printed in the sheet's header, the lines above it, or its text rows before the first figure."""
    lines: list[PrintLine] = list(sheet.preamble)
    for seg in sheet.segments:
        lines.extend(seg.header)
    for row in rows:
        if row.has_figures:
            break
        lines.extend(row.lines)
    found: dict[str, Provenance] = {}
    for ln in lines:
        for w in ln.words:
            m = UNIT_TOKEN.match(w.text)
            if m:
                found.setdefault(m.group("unit").lower(), Provenance(ln.page, w.bbox, m.group("unit")))
    if len(found) > 1:
        first = next(iter(found.values()))
        problems.append(Problem(first.page, section, f"several units printed for one sheet: {sorted(found)}"))
        return None, None
    if found:
        prov = next(iter(found.values()))
        return prov.printed, prov
    return None, None


def read_figure(fragments: Sequence[Cell], column: Column) -> Figure:
    """A figure cell's printed lines joined (a wrapped figure continues on the next line) and read."""
    printed = " ".join(c.text for c in fragments)
    bbox = union_box([c.bbox for c in fragments])
    try:
        parsed = parse_number(printed)
        value, decimals = parsed.value, parsed.decimals
    except ParseError:
        value, decimals = None, None
    return Figure(column, printed, value, decimals, fragments[0].page, bbox)  # type: ignore[arg-type]


def resolve_group_labels(rows: Sequence[Row]) -> list[tuple[Row, str, Box | None, int]]:
    """(row, label, label box, label page) for every row with figures: a figure row without a label takes
    the label printed alone on the row just above it (a group row); other rows keep their own label."""
    out = []
    for i, row in enumerate(rows):
        if not row.has_figures:
            continue
        label, box, page = row.label, row.label_box, row.page
        if not label and not row.account_words and i > 0:
            above = rows[i - 1]
            if not above.has_figures and above.label and not above.account_words:
                label, box, page = above.label, above.label_box, above.lines[0].page
        out.append((row, label, box, page))
    return out


# ----- 5. column keys -----------------------------------------------------------------------------------

def repair_years(printed: Sequence[str]) -> list[int | None]:
    """Years of a year-plan header. A misprinted year ('Plan 20223') is read from its place in the sequence:
    the year between two years printed two apart (2022, ?, 2024 -> 2023), or at either end of a run of
    consecutive years; anything else stays None (a Problem for the caller)."""
    years: list[int | None] = [int(p) if re.fullmatch(r"(19|20)\d\d", p) else None for p in printed]
    known = [(i, y) for i, y in enumerate(years) if y is not None]
    consecutive = all(y2 - y1 == i2 - i1 for (i1, y1), (i2, y2) in zip(known, known[1:]))
    out = list(years)
    for i, year in enumerate(years):
        if year is not None:
            continue
        before = years[i - 1] if i > 0 else None
        after = years[i + 1] if i + 1 < len(years) else None
        if before is not None and after is not None:
            out[i] = before + 1 if after - before == 2 else None
        elif consecutive and (before is not None or after is not None) and len(known) >= 2:
            out[i] = before + 1 if before is not None else after - 1  # type: ignore[operator]
    return out


def budget_column_keys(labels: Sequence[str]) -> list[str | None]:
    """Keys of a budget/outcome sheet's columns from their header texts (module docstring)."""
    numbers = [m.group(1) if (m := re.search(r"(?:^|\s)(\d)$", label)) else None for label in labels]
    if labels and numbers == [str(i) for i in range(1, len(labels) + 1)]:
        return [f"c{i}" for i in range(1, len(labels) + 1)]
    plans = [YEAR_PLAN.match(normalise_spaces(label)) for label in labels]
    if labels and all(plans):
        years = repair_years([m.group("year") for m in plans])  # type: ignore[union-attr]
        return [f"year_{y}" if y is not None else None for y in years]
    lows = [label.lower() for label in labels]
    outcomes = sum("utfall" in low for low in lows)
    keys: list[str | None] = []
    for low in lows:
        if "avvik" in low:
            keys.append("deviation")
        elif "utfall" in low:
            years = re.findall(r"\b(20\d\d)\b", low)
            keys.append("outcome" if outcomes == 1 else (f"outcome_{years[-1]}" if years else None))
        elif "budget" in low or re.search(r"\bvp\b", low):
            keys.append("budget")
        else:
            keys.append(None)
    return keys


def statement_column_keys(labels: Sequence[str]) -> list[str | None]:
    """Keys of a balance sheet's or income statement's columns from their header texts."""
    keys: list[str | None] = []
    for label in labels:
        low = normalise_spaces(label).lower()
        key = next((k for word, k in STATEMENT_KEYS if word in low), None)
        if key is None and re.search(r"\bib\b", low):
            key = "ib"
        keys.append(key)
    return keys


def reconciliation_column_keys(labels: Sequence[str]) -> list[str | None]:
    """Keys of reconciliation and control-sum columns: account headings, Belopp, UB, IB."""
    if len(labels) == 1 and not labels[0].strip():
        return ["amount"]
    keys: list[str | None] = []
    for label in labels:
        low = normalise_spaces(label).lower()
        m = ACCOUNT_HEAD.match(low)
        if m:
            keys.append("acct_" + m.group("acct").replace("-", "_"))
        elif low.startswith("belopp"):
            keys.append("amount")
        elif re.match(r"ub\b", low):
            keys.append("ub_prev")
        elif re.match(r"ib\b", low):
            keys.append("ib")
        else:
            keys.append(None)
    return keys


def name_columns(table: SheetTable, keys_for: Callable[[Sequence[str]], list[str | None]], section: str) -> None:
    """Give every column of every segment its key; a column no rule names, or a key given twice, is a
    Problem (its figures are not read: never moved to a neighbour column)."""
    seen: set[int] = set()
    for row in table.rows:
        cols = row.columns
        if id(cols) in seen:
            continue
        seen.add(id(cols))
        keys = keys_for([c.label for c in cols])
        counts = Counter(k for k in keys if k)
        for col, key in zip(cols, keys):
            col.key = key if key and counts[key] == 1 else None
            if col.key is None:
                table.problems.append(Problem(col.header_page or row.page, section,
                                              f"column not known, its figures not read: header {col.label!r}"))


# ----- 6. records ---------------------------------------------------------------------------------------

def row_figures(row: Row, section: str, problems: list[Problem]) -> list[Figure]:
    """The row's figures in named columns; unreadable ones are Problems (and keep value None)."""
    out = []
    cols = row.columns
    for i in sorted(row.cells):
        col = cols[i]
        if col.key is None:
            continue
        fig = read_figure(row.cells[i], col)
        if fig.value is None:
            problems.append(Problem(fig.page, section, f"figure not read in column {col.key}: {fig.printed!r}"))
        out.append(fig)
    return out


def column_prov(col: Column, fallback_page: int) -> Provenance:
    """Where a column's header text was printed (the figure's page when the column has no header)."""
    return Provenance(col.header_page or fallback_page, col.header_box, col.label)


def sheet_pages(pages: Sequence[Page], ctx: SectionContext) -> tuple[list[Sheet], float]:
    """A section's sheets and the type size of their figures."""
    size = table_type_size(pages)
    committee = ctx.doc.committee if ctx.doc else None
    furniture = running_headers(pages, committee)
    lines = [ln for p in pages for ln in page_to_print_lines(p, size, furniture)]
    return print_lines_to_sheets(lines), size


def no_figures_reported(result: SectionResult, pages: Sequence[Page], section: str) -> SectionResult:
    """The result, with a Problem when the section's pages gave no figure at all (a layout not known)."""
    if not result.records:
        result.problems.append(Problem(pages[0].number if pages else None, section,
                                       "no sheet figures found on these pages"))
    return result


def section_name(ctx: SectionContext) -> str:
    """The section kind, used to say where a Problem was found."""
    return ctx.span.kind if ctx.span else "sheets"


def row_indents(rows: Sequence[Row]) -> list[float | None]:
    """Each row's label indentation; a row without a label continues the indentation of the row above."""
    out: list[float | None] = []
    for row in rows:
        out.append(row.label_x0 if row.label_x0 is not None else (out[-1] if out else None))
    return out


def indent_runs(indents: Sequence[float | None]) -> list[tuple[int, int]]:
    """(first, last) row index of every run of consecutive rows indented deeper than the rows around it."""
    known = [x for x in indents if x is not None]
    if not known:
        return []
    base = min(known)
    runs: list[tuple[int, int]] = []
    for i, x in enumerate(indents):
        deep = x is not None and x > base + 2.0
        if deep and runs and runs[-1][1] == i - 1 and abs((indents[runs[-1][0]] or 0) - x) <= 2.0:
            runs[-1] = (runs[-1][0], i)
        elif deep:
            runs.append((i, i))
    return runs


def column_values(row: Row) -> dict[int, Decimal]:
    """The row's figures by column index, read (unreadable ones left out)."""
    out = {}
    for i, frags in row.cells.items():
        try:
            out[i] = parse_number(" ".join(c.text for c in frags)).value
        except ParseError:
            continue
    return out


def totals_below(rows: Sequence[Row]) -> bool:
    """Whether the sheet prints its total lines under their items (Budgetavräkning) rather than over them
    (the VP budget): the items of an indented run add up to the total line next to them — counted over
    all runs and columns; without arithmetic evidence, a sheet that opens with indented items has its
    totals below."""
    indents = row_indents(rows)
    runs = indent_runs(indents)
    above = below = 0
    for first, last in runs:
        sums: dict[int, Decimal] = {}
        for row in rows[first:last + 1]:
            for i, v in column_values(row).items():
                sums[i] = sums.get(i, Decimal(0)) + v
        over = column_values(rows[first - 1]) if first > 0 and rows[first - 1].has_figures else {}
        under = column_values(rows[last + 1]) if last + 1 < len(rows) and rows[last + 1].has_figures else {}
        for i, total in sums.items():
            above += over.get(i) == total and under.get(i) != total
            below += under.get(i) == total and over.get(i) != total
    if above != below:
        return below > above
    if not runs:
        return False
    first = runs[0][0]
    return not any(r.has_figures and x is not None and x < (indents[first] or 0) - 2.0
                   for r, x in zip(rows[:first], indents[:first]))


def parent_rows(rows: Sequence[Row]) -> list[Row | None]:
    """The total line each row sits under: the nearest less indented row with figures above it, or below it
    on a sheet whose totals print under their items (see totals_below)."""
    indents = row_indents(rows)
    below = totals_below(rows)
    out: list[Row | None] = []
    for i, x in enumerate(indents):
        parent = None
        if x is not None:
            others = range(i + 1, len(rows)) if below else range(i - 1, -1, -1)
            for j in others:
                y = indents[j]
                if rows[j].has_figures and rows[j].label and y is not None and y < x - 2.0:
                    parent = rows[j]
                    break
        out.append(parent)
    return out


def budget_records(table: SheetTable, section: str, problems: list[Problem]) -> list[BudgetLine]:
    """The BudgetLines of one read sheet."""
    factor = unit_factor(table.unit)
    if factor is None and any(row.has_figures for row in table.rows):
        problems.append(Problem(table.rows[0].page, section,
                                f"no unit printed for sheet {table.name!r}: amounts kept as printed only"))
    resolved = {id(r): (label, box, page) for r, label, box, page in resolve_group_labels(table.rows)}
    parents = parent_rows(table.rows)
    out: list[BudgetLine] = []
    for line_no, (row, parent) in enumerate(zip(table.rows, parents), start=1):
        if not row.has_figures:
            continue
        label, label_box, label_page = resolved[id(row)]
        for fig in row_figures(row, section, problems):
            value_sek = fig.value * factor if (fig.value is not None and factor is not None) else None
            cell = Provenance(fig.page, fig.bbox, fig.printed)
            prov = {"label": Provenance(label_page, label_box, label), "value_printed": cell, "value_sek": cell,
                    "column_key": column_prov(fig.column, fig.page),
                    "column_label": column_prov(fig.column, fig.page)}
            if table.name_prov:
                prov["sheet"] = table.name_prov
            if table.unit_prov:
                prov["unit"] = table.unit_prov
            if parent is not None:
                prov["parent_label"] = Provenance(parent.page, parent.label_box, parent.label)
            out.append(BudgetLine(sheet=table.name, line_no=line_no, label=label,
                                  parent_label=parent.label if parent is not None else None,
                                  column_key=fig.column.key or "", column_label=fig.column.label,
                                  value_sek=value_sek, value_printed=fig.printed, unit=table.unit,
                                  page=fig.page, bbox=fig.bbox, provenance=prov))
    return out


def extract_budget_sheets(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """BudgetLine per figure of the section's budget/outcome sheets (VP budget, investment plan, VB investment
    follow-up, Budgetavräkning), with the sheet's heading, row hierarchy by indentation and unit."""
    section = section_name(ctx)
    result = SectionResult()
    sheets, size = sheet_pages(pages, ctx)
    for sheet in sheets:
        table = read_sheet(sheet, size, section, with_accounts=False)
        name_columns(table, budget_column_keys, section)
        result.problems.extend(table.problems)
        result.records.extend(budget_records(table, section, result.problems))
    return no_figures_reported(result, pages, section)


def statement_of(table: SheetTable, sheet: Sheet, ctx: SectionContext) -> str | None:
    """'BR' or 'RR': from the sheet's title, else its columns (IB / Förändring), else the section kind."""
    title = (sheet.heading_text or table.label_header).lower()
    if "balansräkning" in title:
        return "BR"
    if "resultaträkning" in title:
        return "RR"
    keys = {c.key for c in table.columns}
    if keys & {"ib", "change"}:
        return "BR"
    kind = section_name(ctx)
    return {"balansrakning": "BR", "resultatrakning": "RR"}.get(kind)


def kronor_factor(table: SheetTable, figures: Sequence[Figure]) -> Decimal | None:
    """The unit factor of a sheet that may print no unit: its printed unit, else kronor when every figure
    carries öre (two decimals), else None (the magnitude would be a guess)."""
    factor = unit_factor(table.unit)
    if factor is not None:
        return factor
    if figures and all(f.decimals == 2 for f in figures if f.value is not None):
        return Decimal(1)
    return None


def extract_accounts(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """AccountFigure per figure of Balansräkning / Resultaträkning: accounts with level and parent account,
    group rows (printed without a label) named by the label line above them."""
    section = section_name(ctx)
    result = SectionResult()
    sheets, size = sheet_pages(pages, ctx)
    statement = None
    for sheet in sheets:
        table = read_sheet(sheet, size, section, with_accounts=True)
        name_columns(table, statement_column_keys, section)
        result.problems.extend(table.problems)
        statement = statement_of(table, sheet, ctx) or statement
        if statement is None:
            result.problems.append(Problem(sheet.segments[0].body[0].page, section,
                                           "neither Balansräkning nor Resultaträkning: not read"))
            continue
        result.records.extend(account_records(table, statement, section, result.problems))
    return no_figures_reported(result, pages, section)


def account_records(table: SheetTable, statement: str, section: str, problems: list[Problem]
                    ) -> list[AccountFigure]:
    """The AccountFigures of one read statement."""
    rows = resolve_group_labels(table.rows)
    figures = {id(row): row_figures(row, section, problems) for row, *_ in rows}
    factor = kronor_factor(table, [f for fs in figures.values() for f in fs])
    if factor is None and any(figures.values()):
        problems.append(Problem(rows[0][0].page, section,
                                "no unit printed and figures without öre: amounts kept as printed only"))
    out = []
    for row, label, box, page in rows:
        account = row.account or None
        acct_prov = Provenance(row.page, union_box([w.bbox for w in row.account_words]), account) if account else None
        if row.account_cut:
            problems.append(Problem(row.page, section, f"account number not read: its digits run into the name "
                                                       f"{label!r}"))
            account, acct_prov = None, None
        elif account is not None and not ACCOUNT.match(account):
            problems.append(Problem(row.page, section, f"account number not read: {account!r}"))
            account, acct_prov = None, None
        if account is None and not label:
            problems.append(Problem(row.page, section, "a figure row with neither account nor label"))
        elif account is None and LEADING_DIGIT_LABEL.match(label):  # the account column was not found
            problems.append(Problem(row.page, section, f"account number not read: the label begins with digits "
                                                       f"{label!r}"))
        for fig in figures[id(row)]:
            cell = Provenance(fig.page, fig.bbox, fig.printed)
            prov = {"account_name": Provenance(page, box, label), "value_printed": cell, "value_sek": cell,
                    "column_key": column_prov(fig.column, fig.page)}
            if acct_prov:
                prov.update(account=acct_prov, level=acct_prov, parent_account=acct_prov)
            out.append(AccountFigure(
                statement=statement, account=account, account_name=label or None,
                level=len(account) if account else None,
                parent_account=account[:-1] if account and len(account) > 2 else None,
                column_key=fig.column.key or "",
                value_sek=fig.value * factor if (fig.value is not None and factor is not None) else None,
                value_printed=fig.printed, page=fig.page, bbox=fig.bbox, provenance=prov))
    return out


# ----- reconciliations and control sums (not in the warehouse contract's evaluated set) --------------------

@dataclass(kw_only=True)
class SheetFigure(Record):
    """A figure of a reconciliation or control sheet: its row's label (and account), column, value."""

    label: str
    account: str | None
    column_key: str
    value_sek: Decimal | None
    value_printed: str


@dataclass(kw_only=True)
class FixedAssetFigure(SheetFigure):
    """A figure of Anläggningsinformation (one column per asset account group)."""

    ENTITY = "fixed_asset_reconciliation"


@dataclass(kw_only=True)
class WorkingCapitalFigure(SheetFigure):
    """A figure of anläggnings- och rörelsekapital (the committee's fixed and working capital)."""

    ENTITY = "working_capital"


@dataclass(kw_only=True)
class ControlSum(SheetFigure):
    """A figure of Kontokontroller: a control sum (which should be 0,00) or a figure it compares."""

    ENTITY = "control_sums"


def sheet_figures(table: SheetTable, cls: type[SheetFigure], section: str, problems: list[Problem]
                  ) -> list[SheetFigure]:
    """One record per figure of a reconciliation or control sheet."""
    rows = resolve_group_labels(table.rows)
    figures = {id(row): row_figures(row, section, problems) for row, *_ in rows}
    factor = kronor_factor(table, [f for fs in figures.values() for f in fs])
    if factor is None and any(figures.values()):
        problems.append(Problem(rows[0][0].page, section,
                                "no unit printed and figures without öre: amounts kept as printed only"))
    out: list[SheetFigure] = []
    for row, label, box, page in rows:
        account = row.account or None
        if account is not None and not ACCOUNT.match(account):
            problems.append(Problem(row.page, section, f"account number not read: {account!r}"))
            account = None
        for fig in figures[id(row)]:
            cell = Provenance(fig.page, fig.bbox, fig.printed)
            prov = {"label": Provenance(page, box, label), "value_printed": cell, "value_sek": cell,
                    "column_key": column_prov(fig.column, fig.page)}
            if account:
                prov["account"] = Provenance(row.page, union_box([w.bbox for w in row.account_words]), account)
            out.append(cls(label=label, account=account, column_key=fig.column.key or "",
                           value_sek=fig.value * factor if (fig.value is not None and factor is not None) else None,
                           value_printed=fig.printed, page=fig.page, bbox=fig.bbox, provenance=prov))
    return out


def extract_reconciliations(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """Anläggningsinformation (per asset account group) and anläggnings- och rörelsekapital (one amount column)."""
    section = section_name(ctx)
    result = SectionResult()
    sheets, size = sheet_pages(pages, ctx)
    for sheet in sheets:
        table = read_sheet(sheet, size, section, with_accounts=False)
        name_columns(table, reconciliation_column_keys, section)
        result.problems.extend(table.problems)
        title = f"{sheet.heading_text} {table.label_header}".lower()
        cls = WorkingCapitalFigure if "rörelsekapital" in title else FixedAssetFigure
        result.records.extend(sheet_figures(table, cls, section, result.problems))
    return no_figures_reported(result, pages, section)


def extract_control_sums(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """Kontokontroller: every control sum (which should be 0,00) and the figures it compares."""
    section = section_name(ctx)
    result = SectionResult()
    sheets, size = sheet_pages(pages, ctx)
    for sheet in sheets:
        table = read_sheet(sheet, size, section, with_accounts=True)
        name_columns(table, reconciliation_column_keys, section)
        result.problems.extend(table.problems)
        result.records.extend(sheet_figures(table, ControlSum, section, result.problems))
    return no_figures_reported(result, pages, section)
