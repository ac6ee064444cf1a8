"""The KAA report (VB, kommunala aktivitetsansvaret): statistics tables and figures in prose -> KaaStat rows.

The report is a narrow text column with small tables. Lines are told apart by type and geometry: bold
lines at body size or larger are headings, lines in a smaller font (or with cell-wide gaps) are table
lines, the rest is prose. Prose is cut into paragraphs and bullet items; every figure stated in them is
read by `parsers.facts.extract_facts` (with the nearest heading as context, so that a programme named by
the heading — Aim, Ungvux — prefixes the metric) and becomes a `source='text'` row with its sentence.

Tables are read by geometry (cells from word runs, columns from the right edges of the figures, labels
from the left-aligned first column, headers from the bold lines over the columns), then each table is
identified by its content, not by its position:

- a table with gender labels (Kvinna / Man / Totalsumma) and one figure column: its metric is the one
  the prose states for its total (e.g. "omfattade 7154 ungdomar");
- a table with Jobbtorg rows and labelled columns ("Inskrivna", "Andel avslutade till studier", ...):
  metrics from the column labels; its year is the year whose prose figures equal its Totalt row (the
  2022 table prints under the "7.2 Inskrivna vid Aim" heading, far from its caption, and is still the
  whole-KAA table because its Totalt equals the 983 inskrivna the prose states for 2022);
- a table of answers on a 1–5 scale with "Antal" and "%" columns: the survey, whose metric prefix and
  year are those of the prose figure equal to its total count ("samtliga 22 personer" -> enkat_…);
- a grid without any labels whose rows come in blocks of three with row 1 + row 2 = row 3 and whose
  third column is the sum of the first two: the outreach table (ej nådda / nådda / sökta × Kvinna /
  Man / Totalt). Within a block the sum row is 'sokta', and 'nadda' is the addend the prose states as
  nådda (the other is 'ej_nadda'); a block's year is the year the prose gives its sökta or nådda
  total; the gender of the two addend columns comes from prose shares by gender (nådda / sökta), or
  else from the order of the section's labelled gender table;
- any other grid without labels: each figure is resolved by the prose facts stating that very value
  (metric, year, gender); a row must resolve to one group and a column to one year, or the table is
  reported as a Problem.

A table that none of these rules can read is reported as a Problem; no figure is guessed. Every table
figure keeps, per decided field (metric, year, group_value), the provenance of its evidence: the column
header, the row label, or the prose figure that states the same value.

Prose facts outside the kaa_stats contract (a mean score) or with a year no report of this year speaks
of (a count such as '2000 fler' taken for a year) are reported as Problems, not rows.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from extractors.kpis import PlacedLine, content_lines
from extractors.pages import Box, Page, Word, close_runs, mode_size, union_box, words_to_phrases
from parsers import ParseError, Parsed, normalise_spaces, parse_number
from parsers.facts import Fact, extract_facts
from parsers.text import join_prose_lines, repair_lines
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import KaaStat, Problem, Provenance

SECTION = "kaa"
BULLET = re.compile(r"^[•●▪◦‣∙·\-–]\s*")
STAT_UNITS = ("count", "percent")  # the units of the kaa_stats contract
YEARS_BACK = 10  # a KAA report compares with earlier years, but not with ones decades back


# ----- line types ------------------------------------------------------------------------------------


def body_size(lines: list[PlacedLine]) -> float:
    """The prose font size: the most common size of regular (non-bold) words, by number of words."""
    return mode_size(w for l in lines for w in l.line.words if not w.bold)


def _wide_gap(line: PlacedLine) -> bool:
    """A gap between two words wider than three em: cells of a table row, never running prose."""
    words = sorted(line.line.words, key=lambda w: w.x0)
    return any(b.x0 - a.x1 > 3 * max(a.size, 1.0) for a, b in zip(words, words[1:]))


def line_kind(line: PlacedLine, body: float) -> str:
    """'heading' (bold, body size or larger), 'table' (smaller font or cell gaps) or 'prose'."""
    smaller = line.size < body - 0.5
    if line.bold and not smaller and not _wide_gap(line):
        return "heading"
    if smaller or _wide_gap(line):
        return "table"
    return "prose"


# ----- prose -------------------------------------------------------------------------------------------


@dataclass
class TextBlock:
    """A paragraph or one bullet item of prose, with the heading it sits under."""

    lines: list[PlacedLine]
    heading: str
    bullet: bool = False

    def text_and_spans(self) -> tuple[str, list[tuple[int, int, PlacedLine]]]:
        """The block's running text and, per line, the character range it occupies in that text."""
        text, spans = "", []
        for k, line in enumerate(self.lines):
            piece = normalise_spaces(" ".join(w.text for w in line.line.words))
            if k == 0 and self.bullet:
                piece = BULLET.sub("", piece)
            joined = join_prose_lines([text, piece]) if text else piece
            start = len(joined) - len(piece)
            spans.append((start, len(joined), line))
            text = joined
        return text, spans


def wraps_heading(heading: list[PlacedLine], line: PlacedLine) -> bool:
    """Is this heading line the wrapped continuation of the heading lines right before it?"""
    return bool(heading) and heading[-1].page == line.page and line.top - heading[-1].bottom < 0.6 * line.size


def starts_block(block: TextBlock | None, prev: PlacedLine | None, line: PlacedLine, body: float) -> bool:
    """Does `line` start a new paragraph? At a bullet, back at (or left of) the bullet's edge after a bullet
    item, or after a gap wider than the line spacing on the same page. A page turn is no such gap: a page
    foot cannot tell a paragraph's end from a sentence's end, so the prose runs on (seed 482 turns the page
    after 'Av enkätsvaren framgår … erbjöds.', and 'På en skala … svarade 24' still speaks of the enkät)."""
    if block is None or prev is None or BULLET.match(line.text):
        return True
    if block.bullet and line.line.x0 <= block.lines[0].line.x0 + 1:
        return True
    return line.page == prev.page and line.top - prev.bottom > 0.45 * body


def lines_to_blocks(lines: list[PlacedLine], kinds: list[str], body: float) -> list[TextBlock]:
    """Paragraphs and bullet items of the prose lines, each with its nearest heading. Prose at a page foot
    continues on the next page when nothing else (a heading, a table) comes between."""
    blocks: list[TextBlock] = []
    heading: list[PlacedLine] = []
    prev: PlacedLine | None = None
    block: TextBlock | None = None
    for line, kind in zip(lines, kinds):
        if kind != "prose":
            if kind == "heading":
                heading = heading + [line] if prev is None and wraps_heading(heading, line) else [line]
            block, prev = None, None
            continue
        if starts_block(block, prev, line, body):
            block = TextBlock([line], join_prose_lines([h.text for h in heading]), bool(BULLET.match(line.text)))
            blocks.append(block)
        else:
            block.lines.append(line)
        prev = line
    return blocks


@dataclass(frozen=True)
class TextFact:
    """A fact read from prose, with the page and box of the line(s) that print it."""

    fact: Fact
    printed: str  # the print, lengthened where needed to locate the figure in its paragraph
    page: int
    bbox: Box | None
    block_bbox: Box | None = None  # the paragraph's lines on that page


def block_to_facts(block: TextBlock, year: int | None) -> tuple[list[TextFact], list[str]]:
    """The figures of one paragraph or bullet (extract_facts), placed on the lines that print them;
    and the sentences holding a figure that no rule could read."""
    text, spans = block.text_and_spans()
    result = extract_facts(text, default_year=year, context=block.heading)
    out = []
    for fact in result.facts:
        hit = [line for a, b, line in spans if a < fact.end and fact.start < b]
        page = hit[0].page if hit else block.lines[0].page
        out.append(TextFact(fact, locating_print(text, fact.start, fact.end), page,
                            union_box([l.bbox for l in hit if l.page == page]),
                            union_box([l.bbox for l in block.lines if l.page == page])))
    return out, result.unmatched


def _first_print(text: str, printed: str) -> int:
    """Where `printed` first occurs in the text as a whole figure (not inside '56,5' or '1560')."""
    m = re.search(r"(?<![\d,])" + re.escape(printed) + r"(?!\d|,\d)", text)
    return m.start() if m else -1


def locating_print(text: str, start: int, end: int, max_words: int = 3) -> str:
    """The print of the figure at text[start:end], lengthened by the words after it until its first
    occurrence in the text is this one ('54 procent' printed twice -> '54 procent 2022' for the second),
    so that the print locates the figure; unchanged when it already does or cannot be made to."""
    stop = end
    for _ in range(max_words + 1):
        if _first_print(text, text[start:stop]) == start:
            return text[start:stop]
        more = re.match(r"\s*[^\s.,;:!?()]+", text[stop:])
        if not more:
            break
        stop += more.end()
    return text[start:end]


def text_fact_to_stat(tf: TextFact) -> KaaStat:
    """A prose fact as a KaaStat row (source 'text'), keeping its sentence, its print and how it relates to its year
    ('268 fler än 2021' is a change, comparison 'diff_vs_2021', not the year's level)."""
    f = tf.fact
    stat = KaaStat(year=f.year, metric=f.metric, unit=f.unit, group_by=f.group_by, group_value=f.group_value,
                   value=f.value, printed=tf.printed, source="text", sentence=f.sentence, page=tf.page,
                   bbox=tf.bbox, comparison=f.comparison or "level", vs_year=f.vs_year)
    stat.provenance["value"] = Provenance(tf.page, tf.bbox, tf.printed)
    stat.provenance["sentence"] = Provenance(tf.page, tf.block_bbox, f.sentence)
    return stat


# ----- tables: geometry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TCell:
    """One printed cell of a table line: its text, page and box."""

    text: str
    page: int
    bbox: Box

    @property
    def x0(self) -> float:
        return self.bbox[0]

    @property
    def x1(self) -> float:
        return self.bbox[2]


@dataclass
class TRow:
    """A data row: its label cell (None in a grid without labels) and its figure cells by column."""

    label: TCell | None
    cells: list[TCell | None]
    page: int
    bbox: Box

    @property
    def label_text(self) -> str:
        return self.label.text if self.label else ""


@dataclass
class Grid:
    """A table read by geometry: label column header, per figure column its header, and the rows."""

    label_header: str
    headers: list[str]
    header_boxes: list[Box | None]
    rows: list[TRow]
    labelled: bool
    heading: str = ""

    @property
    def page(self) -> int:
        return self.rows[0].page if self.rows else 0


def line_cells(line: PlacedLine, edges: list[float] | None = None, size: float = 0.0) -> list[TCell]:
    """A table line cut into cells where words are further apart than a wide space, and, given the figure
    columns' right `edges`, after a figure standing on an edge (cut_at_edges)."""
    phrases = words_to_phrases(line.line.words)
    if edges:
        phrases = [part for ws in phrases for part in cut_at_edges(ws, edges, size)]
    return [TCell(normalise_spaces(" ".join(w.text for w in ws)), line.page, union_box([w.bbox for w in ws]))
            for ws in phrases]


EDGE_TOLERANCE = 1.5  # points: a right-aligned figure ends on its column's edge
FIGURE_END = re.compile(r"\d ?%?$")  # a figure's last digit, or its percent sign ('71%', '66 %')


def cut_at_edges(words: list[Word], edges: list[float], size: float) -> list[list[Word]]:
    """A phrase cut after each figure that ends on a column edge where the next word is another figure
    further off than a digit group's space (0.4 em): the figures of two narrow neighbouring columns printed
    closer than a wide space ('183' | '54,5 %', held-out seed 58; '71%' | '2296' and '66 %' | '2275', held-out
    seed 576). '54,5' + '%' and '2' + '949' stay one."""
    out = [[words[0]]]
    for a, b in zip(words, words[1:]):
        on_edge = any(abs(e - a.x1) <= EDGE_TOLERANCE for e in edges)
        if on_edge and re.match(r"[-−]?\d", b.text) and b.x0 - a.x1 > 0.4 * max(size, 1.0) \
                and FIGURE_END.search(" ".join(w.text for w in out[-1][-2:])):
            out.append([b])
        else:
            out[-1].append(b)
    return out


def _is_figure(text: str) -> bool:
    """Does the cell hold a printed figure ('3329', '72%', '54,5 %', '9,1')?"""
    try:
        parse_number(text)
        return True
    except ParseError:
        return False


def _columns_by_right_edge(cells: list[TCell], tolerance: float) -> list[float]:
    """Right edges of the figure columns: figures are right-aligned, so their x1 cluster per column."""
    return [e[len(e) // 2] for e in close_runs((c.x1 for c in cells), tolerance)]


WRAPPED_UNITS = frozenset({"%"})  # what a narrow figure column wraps onto a line of its own ('72,5' / '%')


def cells_by_column(cells: list[TCell], edges: list[float], into: list[TCell | None]) -> list[TCell | None]:
    """`into` with each cell added to the figure column whose right edge is nearest its own (figures are
    right-aligned); a cell that lands where another is already joins it after a space."""
    out = list(into)
    for c in cells:
        k = min(range(len(edges)), key=lambda i: abs(edges[i] - c.x1))
        out[k] = c if out[k] is None else TCell(f"{out[k].text} {c.text}", out[k].page, union_box([out[k].bbox, c.bbox]))
    return out


def continued_row(prev: TRow, label: TCell | None, units: list[TCell], edges: list[float]) -> TRow:
    """The row above with a wrapped line added: the rest of its label ('Jobbtorg' / 'Skärholmen') and the units
    its figures wrapped ('72,5' / '%')."""
    merged = prev.label
    if label is not None and prev.label is not None:
        merged = TCell(join_prose_lines([prev.label.text, label.text]), prev.label.page,
                       union_box([prev.label.bbox, label.bbox]))
    parts = [c.bbox for c in ([label] if label is not None else []) + units]
    return TRow(merged, cells_by_column(units, edges, prev.cells), prev.page, union_box([prev.bbox, *parts]))


def header_cell_text(lines: list[list[Word]]) -> str:
    """A column header's words, line by line, as one label: a line's words joined by spaces, the lines as a narrow
    cell wraps them (a word cut mid-word, 'Inskrivn' / 'a', mended by parsers.text.repair_lines)."""
    return repair_lines([" ".join(w.text for w in ws) for ws in lines if ws])


def header_on_the_rows_page(header: list[PlacedLine], page: int) -> list[PlacedLine]:
    """A table's header lines: those on the page of its first row when the header was also printed, alone, at the
    foot of the page before (held-out seed 87: both copies read as one header, 'Inskrivna Inskrivna', and the
    table was refused); a header printed only on the page before stays the header."""
    return [l for l in header if l.page == page] or header


def chunk_to_grid(chunk: list[PlacedLine], heading: str = "") -> Grid | None:
    """Read a run of table lines as a grid: bold lines before the first data line are its header (a header
    repeated after a page break is skipped), the left-aligned first cells are labels when any of them is
    text, figure columns come from the right edges of the figures, and a line holding only a label and units
    continues the row above (a wrapped 'Jobbtorg / Skärholmen', a wrapped '72,5 / %')."""
    first_data = next((k for k, l in enumerate(chunk) if not l.bold), None)
    if first_data is None:
        return None
    header = header_on_the_rows_page(chunk[:first_data], chunk[first_data].page)
    data = [(l, line_cells(l)) for l in chunk[first_data:] if not l.bold]
    left = min(cells[0].x0 for _, cells in data)
    size = max(l.size for l, _ in data)
    firsts = [cells[0] for _, cells in data if cells[0].x0 <= left + 2]
    labelled = any(not _is_figure(c.text) for c in firsts)
    figure_cells = [c for _, cells in data for c in (cells[1:] if labelled and cells[0].x0 <= left + 2 else cells)]
    edges = _columns_by_right_edge(figure_cells, max(3.0, 0.4 * size))
    data = [(l, line_cells(l, edges, size)) for l, _ in data]  # the figures of close columns apart
    firsts = [cells[0] for _, cells in data if cells[0].x0 <= left + 2]
    label_x1 = max((c.x1 for c in firsts), default=left) if labelled else left - 1
    bounds = [label_x1] + edges
    rows: list[TRow] = []
    for line, cells in data:
        label = cells[0] if labelled and cells[0].x0 <= left + 2 else None
        figures = cells[1:] if label else cells
        # a line of the label's rest and wrapped units only (a line without a label has units: cells are never empty)
        if rows and all(c.text in WRAPPED_UNITS for c in figures) and (label is None or rows[-1].label is not None):
            rows[-1] = continued_row(rows[-1], label, figures, edges)
            continue
        rows.append(TRow(label, cells_by_column(figures, edges, [None] * len(edges)), line.page, line.line.bbox))
    header_lines = [sorted(l.line.words, key=lambda w: w.x0) for l in header]
    label_header = join_prose_lines([w.text for ws in header_lines for w in ws if w.x0 < bounds[0] + 1]) \
        if labelled else ""
    over = [[[w for w in ws if bounds[i] + 1 <= w.x0 <= bounds[i + 1] + 1] for ws in header_lines]
            for i in range(len(edges))]
    headers = [header_cell_text(lines) for lines in over]
    boxes = [union_box([w.bbox for ws in lines for w in ws]) for lines in over]
    return Grid(label_header, headers, boxes, rows, labelled, heading)


def table_chunks(lines: list[PlacedLine], kinds: list[str]) -> list[tuple[list[PlacedLine], str]]:
    """Runs of table lines, each with the heading before it; a run continues across a page break when
    nothing but the page change lies between (a table split over two pages, its header repeated)."""
    chunks: list[tuple[list[PlacedLine], str]] = []
    heading: list[PlacedLine] = []
    current = None
    for line, kind in zip(lines, kinds):
        if kind == "table":
            if current is None:
                current = []
                chunks.append((current, join_prose_lines([h.text for h in heading])))
            current.append(line)
            continue
        current = None
        if kind == "heading":
            heading = heading + [line] if wraps_heading(heading, line) else [line]
    return chunks


# ----- tables: what they hold, decided by content -----------------------------------------------------------

GENDER_LABELS = {"kvinna": "Kvinna", "kvinnor": "Kvinna", "man": "Man", "män": "Man"}
TOTAL_LABEL = re.compile(r"^(total\w*|summa|samtliga)$", re.IGNORECASE)
SCALE_LABEL = re.compile(r"^\d+\b")
UNLABELLED_TOTAL = "Totalt"  # the group name of a total row printed without a label


@dataclass(frozen=True)
class Figure:
    """A table figure placed in the contract's terms, with the cell that prints it and, per decided
    field (metric, year, group_value), where the deciding evidence is printed (a prose figure, a header)."""

    metric: str
    year: int | None
    group_by: str | None
    group_value: str | None
    cell: TCell
    parsed: Parsed
    evidence: tuple[tuple[str, Provenance], ...] = ()


@dataclass
class TableReading:
    """What one table was read as: its figures, or the Problems why not, and how it was decided."""

    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    how: str = ""


def _refuse(grid: Grid, message: str) -> TableReading:
    """A reading with no figures and one Problem saying why the table was not read."""
    return TableReading(problems=[Problem(grid.page, SECTION, message)])


def cell_provenance(cell: TCell) -> Provenance:
    """Where a cell is printed, with its text."""
    return Provenance(cell.page, cell.bbox, cell.text)


def fact_provenance(tf: TextFact) -> Provenance:
    """Where a prose figure is printed (its line), with its print."""
    return Provenance(tf.page, tf.bbox, tf.printed)


def label_evidence(row: TRow) -> tuple[tuple[str, Provenance], ...]:
    """The provenance of a row's group label, when the row prints one."""
    return (("group_value", cell_provenance(row.label)),) if row.label is not None else ()


def figure_to_stat(fig: Figure) -> KaaStat:
    """A table figure as a KaaStat row (source 'table'), with the provenance of every decided field."""
    unit = "percent" if fig.parsed.percent or "andel" in fig.metric.split("_") else "count"
    stat = KaaStat(year=fig.year, metric=fig.metric, unit=unit, group_by=fig.group_by, group_value=fig.group_value,
                   value=fig.parsed.value, printed=fig.cell.text, source="table", sentence=None, page=fig.cell.page,
                   bbox=fig.cell.bbox)
    stat.provenance["value"] = cell_provenance(fig.cell)
    stat.provenance.update(dict(fig.evidence))
    return stat


def parsed_cell(cell: TCell | None) -> Parsed | None:
    """The figure printed in a cell, or None (empty or not a number)."""
    if cell is None:
        return None
    try:
        return parse_number(cell.text)
    except ParseError:
        return None


def level_facts(facts: list[TextFact]) -> list[TextFact]:
    """Facts that state a level (not a difference or change) of a count or a share."""
    return [tf for tf in facts if tf.fact.comparison in (None, "prior", "from", "to") and tf.fact.unit in STAT_UNITS]


def facts_with_value(facts: list[TextFact], value: Decimal, percent: bool) -> list[TextFact]:
    """Facts stating exactly this value, as a share or as a count like the cell."""
    return [tf for tf in facts if tf.fact.value == value and (tf.fact.unit == "percent") == percent]


def header_metric(header: str) -> str | None:
    """A column label as a metric name: 'Inskrivna' -> inskrivna, 'Andel avslutade' -> andel_avslutade,
    'Antal avslutade till studier' -> till_studier, 'Andel till studier/arbete' -> andel_till_studier_arbete."""
    words = [w for w in re.split(r"[\s/]+", normalise_spaces(header).lower()) if w]
    if not words:
        return None
    share = words[0] == "andel"
    rest = [w for w in words if w not in ("antal", "andel")]
    if "till" in rest:
        rest = rest[rest.index("till"):]
    name = "_".join(re.sub(r"[^0-9a-zåäö]", "", w) for w in rest)
    name = name.replace("å", "a").replace("ä", "a").replace("ö", "o")
    if not name:
        return None
    return f"andel_{name}" if share else name


def is_total_row(row: TRow) -> bool:
    """Is the row labelled as the table's total ('Totalt', 'Totalsumma', 'Total', 'Summa')?"""
    return bool(TOTAL_LABEL.match(row.label_text.strip()))


def row_speaks_of(row: TRow, fact: Fact) -> bool:
    """Does a prose fact speak of this row's group? The total row matches facts without a group."""
    if is_total_row(row):
        return fact.group_by is None
    return fact.group_value is not None and fact.group_value.lower() in row.label_text.lower()


def year_by_prose(grid: Grid, metrics: list[str | None],
                  facts: list[TextFact]) -> tuple[int | None, TextFact | None, str]:
    """The year whose prose figures equal the table's figures (same metric, group and value): every such
    figure must name the same year; otherwise None and why."""
    votes: dict[int, list[TextFact]] = {}
    for row in grid.rows:
        for metric, cell in zip(metrics, row.cells):
            p = parsed_cell(cell)
            if metric is None or p is None:
                continue
            same = [tf for tf in facts_with_value(facts, p.value, p.percent)
                    if tf.fact.metric == metric and row_speaks_of(row, tf.fact)]
            if len({tf.fact.year for tf in same}) == 1:
                votes.setdefault(same[0].fact.year, []).append(same[0])
    if len(votes) == 1:
        year, evidence = next(iter(votes.items()))
        return year, evidence[0], f"year {year}: {len(evidence)} figure(s) equal the prose figures for {year}"
    return None, None, f"year undecided by the prose (years {sorted(votes)})"


def columns_table(grid: Grid, facts: list[TextFact]) -> TableReading:
    """A table with labelled rows and columns (results per Jobbtorg): metrics from the column labels,
    group from the label column's header, year from the prose figures its rows restate (its Totalt row)."""
    metrics = [header_metric(h) for h in grid.headers]
    group_by = normalise_spaces(grid.label_header).lower() or None
    if group_by is None or any(m is None for m in metrics):
        return _refuse(grid, f"table without a label for every column: {grid.label_header!r} {grid.headers!r}")
    year, evidence, how = year_by_prose(grid, metrics, facts)
    if year is None:
        return _refuse(grid, f"table {grid.headers[:3]!r}…: {how}")
    out = []
    for row in grid.rows:
        for k, (metric, cell) in enumerate(zip(metrics, row.cells)):
            p = parsed_cell(cell)
            if cell is not None and p is not None:
                ev = (("metric", Provenance(grid.page, grid.header_boxes[k], grid.headers[k])),
                      ("year", fact_provenance(evidence))) + label_evidence(row)
                out.append(Figure(metric, year, group_by, row.label_text, cell, p, ev))
    return TableReading(out, [], how)


def single_column_group_table(grid: Grid, facts: list[TextFact], group_by: str) -> TableReading:
    """A table of groups (genders) with one figure column and no header: metric and year are those the
    prose states for the same figures (its total, e.g. 'omfattade 7154 ungdomar' in 2022)."""
    readings: dict[tuple[str, int | None], TextFact] = {}
    for row in grid.rows:
        p = parsed_cell(row.cells[0]) if row.cells else None
        for tf in facts_with_value(facts, p.value, p.percent) if p else []:
            if row_speaks_of(row, tf.fact):
                readings.setdefault((tf.fact.metric, tf.fact.year), tf)
    if len(readings) != 1:
        return _refuse(grid, f"table of {group_by} {[r.label_text for r in grid.rows]}: metric and year not "
                             f"stated once by the prose ({sorted(map(str, readings))})")
    (metric, year), tf = next(iter(readings.items()))
    out = [Figure(metric, year, group_by, row.label_text, row.cells[0], parsed_cell(row.cells[0]),
                  (("metric", fact_provenance(tf)), ("year", fact_provenance(tf))) + label_evidence(row))
           for row in grid.rows if row.cells and parsed_cell(row.cells[0]) is not None]
    return TableReading(out, [], f"{metric} {year}: its figures equal the prose figures")


def survey_table(grid: Grid, facts: list[TextFact]) -> TableReading:
    """Answers on a 1–N scale with 'Antal' and '%' columns: the survey. Its metric prefix and year are
    those of the prose figure equal to its total count ('samtliga 22 personer som svarade' -> enkat_…)."""
    total = next((r for r in grid.rows if is_total_row(r)), None)
    keys = ["andel" if "%" in h or h.lower().startswith("andel") else "antal" if h.lower().startswith("antal")
            else None for h in grid.headers]
    count_col = keys.index("antal") if "antal" in keys else None
    p = parsed_cell(total.cells[count_col]) if total is not None and count_col is not None else None
    matches = {(tf.fact.metric.split("_")[0], tf.fact.year): tf for tf in (facts_with_value(facts, p.value, False)
               if p else []) if tf.fact.group_by is None and "_" in tf.fact.metric}
    if len(matches) != 1 or None in keys:
        return _refuse(grid, f"answer table {grid.headers!r}: total not stated once in the prose, or columns not "
                             f"Antal/% ({sorted(map(str, matches))})")
    (prefix, year), tf = next(iter(matches.items()))
    out = []
    for row in grid.rows:
        for k, (key, cell) in enumerate(zip(keys, row.cells)):
            q = parsed_cell(cell)
            if cell is not None and q is not None:
                ev = (("metric", fact_provenance(tf)), ("year", fact_provenance(tf))) + label_evidence(row)
                out.append(Figure(f"{prefix}_{key}", year, "svar", row.label_text, cell, q, ev))
    return TableReading(out, [], f"{prefix} {year}: its total equals the prose figure {tf.printed!r}")


def grid_values(grid: Grid) -> list[list[Decimal | None]]:
    """The figures of a grid by row and column (None where a cell is empty or unreadable)."""
    return [[(p.value if (p := parsed_cell(c)) is not None else None) for c in row.cells] for row in grid.rows]


def is_outreach_shape(grid: Grid) -> bool:
    """Three columns where the third is the sum of the first two, and rows in blocks of three where the
    third row is the sum of the first two: counts split by two groups and into two complementary kinds.
    One misprinted figure (every broken sum runs through the same cell) keeps the shape: checks report it."""
    v = grid_values(grid)
    if grid.labelled or not v or len(v) % 3 or any(len(r) != 3 or None in r for r in v):
        return False
    sums = [[(i, 0), (i, 1), (i, 2)] for i in range(len(v))]
    sums += [[(b, k), (b + 1, k), (b + 2, k)] for b in range(0, len(v), 3) for k in range(3)]
    broken = [set(s) for s in sums if v[s[0][0]][s[0][1]] + v[s[1][0]][s[1][1]] != v[s[2][0]][s[2][1]]]
    return not broken or (len(broken) <= 2 and bool(set.intersection(*broken)))


def share_fits(share: Fact, part: Decimal, whole: Decimal) -> bool:
    """Does the printed share ('54 procent', '49,9 procent') round from part / whole at its precision?"""
    if whole == 0:
        return False
    head = share.printed.split()[0]
    decimals = len(head.split(",")[1]) if "," in head else 0
    return abs(part / whole * 100 - share.value) <= Decimal(5).scaleb(-(decimals + 1))


@dataclass(frozen=True)
class Outreach:
    """The rows of an outreach grid: per block its year and evidence; per row position its metric."""

    metrics: dict[int, str]  # row in block (0, 1, 2) -> metric
    years: dict[int, tuple[int, TextFact]]  # first row of block -> (year, evidence)
    evidence: dict[int, TextFact]  # row in block -> the prose fact naming its metric


def outreach_rows(v: list[list[Decimal]], facts: list[TextFact]) -> Outreach | str:
    """Name the rows of an outreach grid from the prose: the sum row's total and one addend's total are
    prose figures (sökta, nådda) with their year; the other addend is their complement ('ej_' + metric)."""
    named: dict[int, str] = {}
    evidence: dict[int, TextFact] = {}
    years: dict[int, tuple[int, TextFact]] = {}
    for b in range(0, len(v), 3):
        block_years: list[tuple[int, TextFact]] = []  # in row order: the first stating fact is the evidence
        for k in range(3):
            found = {(tf.fact.metric, tf.fact.year): tf for tf in facts_with_value(facts, v[b + k][2], False)
                     if tf.fact.group_by is None}
            if len(found) != 1:
                continue
            (metric, year), tf = next(iter(found.items()))
            if named.setdefault(k, metric) != metric:
                return "rows read differently in two blocks"
            evidence.setdefault(k, tf)
            block_years.append((year, tf))
        if len({y for y, _ in block_years}) == 1:
            years[b] = block_years[0]
    addends = [k for k in (0, 1) if k in named]
    if 2 not in named or len(addends) != 1 or len(years) != len(v) // 3:
        return f"rows {named} or block years {sorted(y for y, _ in years.values())} not stated by the prose"
    known = addends[0]
    return Outreach({known: named[known], 1 - known: f"ej_{named[known]}", 2: named[2]}, years, evidence)


def outreach_genders(v: list[list[Decimal]], rows: Outreach, facts: list[TextFact],
                     labelled_order: list[tuple[str, TCell]]) -> tuple[list[tuple[str, Provenance]] | None, str]:
    """Which of the two addend columns is Kvinna and which Man: by the prose shares per gender of a row
    metric ('andel_nadda' Kvinna 54 procent = nådda / sökta in exactly one column), else by the order of
    the section's labelled gender table."""
    for b, (year, _) in rows.years.items():
        for k in (0, 1):
            shares = [tf for tf in facts if tf.fact.metric == f"andel_{rows.metrics[k]}"
                      and tf.fact.group_by == "gender" and tf.fact.year == year]
            fits = {tf.fact.group_value: (tf, {c for c in (0, 1) if share_fits(tf.fact, v[b + k][c], v[b + 2][c])})
                    for tf in shares}
            if len(fits) == 2 and all(len(cs) == 1 for _, cs in fits.values()) \
                    and len(set.union(*(cs for _, cs in fits.values()))) == 2:
                cols: list[tuple[str, Provenance]] = [("", Provenance(0, None, ""))] * 2
                for gender, (tf, cs) in fits.items():
                    cols[next(iter(cs))] = (gender, fact_provenance(tf))
                return cols, f"genders by the prose shares of {rows.metrics[k]} {year} per gender"
    if len(labelled_order) >= 2:
        return ([(g, cell_provenance(c)) for g, c in labelled_order[:2]],
                "genders in the order of the section's labelled gender table")
    return None, "genders of the columns not decided"


def outreach_table(grid: Grid, facts: list[TextFact], labelled_order: list[tuple[str, TCell]]) -> TableReading:
    """The unlabelled outreach grid (see is_outreach_shape): rows by arithmetic and prose totals, block
    years by the prose, the addend columns' genders by prose shares; the sum column is 'Totalt'."""
    v = grid_values(grid)
    rows = outreach_rows(v, facts)
    if isinstance(rows, str):
        return _refuse(grid, f"unlabelled table (blocks of row 1 + row 2 = row 3): {rows}")
    genders, how_genders = outreach_genders(v, rows, facts, labelled_order)
    if genders is None:
        return _refuse(grid, f"unlabelled outreach table: {how_genders}")
    known = next(k for k in (0, 1) if k in rows.evidence)
    out = []
    for b, (year, year_tf) in rows.years.items():
        for k in range(3):
            metric_ev = rows.evidence.get(k, rows.evidence[known])
            for c in range(3):
                cell = grid.rows[b + k].cells[c]
                group, group_ev = genders[c] if c < 2 else (UNLABELLED_TOTAL, None)
                ev = [("metric", fact_provenance(metric_ev)), ("year", fact_provenance(year_tf))]
                if group_ev is not None:
                    ev.append(("group_value", group_ev))
                out.append(Figure(rows.metrics[k], year, "gender", group, cell, parsed_cell(cell), tuple(ev)))
    how = (f"rows by arithmetic and the prose totals ({rows.metrics}); years "
           f"{sorted(y for y, _ in rows.years.values())} by the prose totals; {how_genders}")
    return TableReading(out, [], how)


def resolved_grid(grid: Grid, facts: list[TextFact]) -> TableReading:
    """An unlabelled grid read through the prose: every figure the prose states (same value) names its
    metric, year and gender (or none: the total); the table has one metric, each row one group, each
    column one year. A cell without its own prose match takes its row's group and its column's year.
    A contradiction, or a row or column left undecided, makes the table a Problem."""
    cands: dict[tuple[int, int], list[TextFact]] = {}
    for i, row in enumerate(grid.rows):
        for j, cell in enumerate(row.cells):
            p = parsed_cell(cell)
            if p is not None:
                cands[(i, j)] = [tf for tf in facts_with_value(facts, p.value, p.percent)
                                 if tf.fact.group_by in (None, "gender")]
    votes = Counter(m for c in cands.values() for m in {tf.fact.metric for tf in c})
    if not votes:
        return _refuse(grid, "unlabelled table: no figure of it is stated in the prose")
    ranked = votes.most_common()
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return _refuse(grid, f"unlabelled table: metric ambiguous {dict(votes)}")
    metric = ranked[0][0]
    row_group: dict[int, dict[str | None, TextFact]] = {}
    col_year: dict[int, dict[int | None, TextFact]] = {}
    for (i, j), c in cands.items():
        for tf in c:
            if tf.fact.metric == metric:
                row_group.setdefault(i, {}).setdefault(tf.fact.group_value, tf)
                col_year.setdefault(j, {}).setdefault(tf.fact.year, tf)
    n_cols = max(len(r.cells) for r in grid.rows)
    if any(len(row_group.get(i, {})) != 1 for i in range(len(grid.rows))) or \
            any(len(col_year.get(j, {})) != 1 for j in range(n_cols)):
        return _refuse(grid, f"unlabelled table ({metric}): rows {[sorted(map(str, g)) for g in row_group.values()]} / "
                             f"columns {[sorted(map(str, y)) for y in col_year.values()]} not decided by the prose")
    out = []
    for (i, j), c in cands.items():
        (group, group_tf), = row_group[i].items()
        (year, year_tf), = col_year[j].items()
        own = [tf for tf in c if tf.fact.metric == metric]
        if own and not any(tf.fact.year == year and tf.fact.group_value == group for tf in own):
            return _refuse(grid, f"unlabelled table ({metric}): {grid.rows[i].cells[j].text} contradicts its "
                                 f"row/column")
        cell = grid.rows[i].cells[j]
        ev = (("metric", fact_provenance(own[0] if own else group_tf)), ("year", fact_provenance(year_tf)),
              ("group_value", fact_provenance(group_tf)))
        out.append(Figure(metric, year, "gender", group or UNLABELLED_TOTAL, cell, parsed_cell(cell), ev))
    return TableReading(out, [], f"{metric}: every row and column decided by the prose figures it restates")


def labels_are_genders(grid: Grid) -> bool:
    """Are all row labels genders (or the total)?"""
    return all(r.label_text.lower() in GENDER_LABELS or is_total_row(r) for r in grid.rows)


def grid_to_figures(grid: Grid, facts: list[TextFact], labelled_order: list[tuple[str, TCell]]) -> TableReading:
    """Decide what a table holds from its content (see the module docstring) and read its figures."""
    levels = level_facts(facts)
    if not grid.rows:
        return TableReading()
    if not grid.labelled:
        return outreach_table(grid, levels, labelled_order) if is_outreach_shape(grid) else resolved_grid(grid, levels)
    if labels_are_genders(grid) and len(grid.headers) == 1:
        return single_column_group_table(grid, levels, "gender")
    if SCALE_LABEL.match(grid.rows[0].label_text) and grid.rows[0].label_text.startswith("1") and \
            all(SCALE_LABEL.match(r.label_text) or is_total_row(r) for r in grid.rows):
        return survey_table(grid, levels)
    if grid.label_header and all(grid.headers):
        return columns_table(grid, levels)
    return _refuse(grid, f"table not recognised: labels {[r.label_text for r in grid.rows][:4]}, "
                         f"headers {grid.headers}")


def gender_order(grids: list[Grid]) -> list[tuple[str, TCell]]:
    """The genders in the order the section's labelled gender table lists them, with their label cells."""
    for g in grids:
        if g.labelled and labels_are_genders(g):
            return [(GENDER_LABELS[r.label_text.lower()], r.label) for r in g.rows
                    if r.label is not None and r.label_text.lower() in GENDER_LABELS]
    return []


# ----- the section ---------------------------------------------------------------------------------------


def fact_rejection(fact: Fact, report_year: int | None) -> str | None:
    """Why a prose fact cannot be a kaa_stats row, or None: a unit outside the contract (a mean score),
    or a year no KAA report states a figure for (a count like '2000 fler' read as a year elsewhere)."""
    if fact.unit not in STAT_UNITS:
        return f"a {fact.unit} ({fact.metric}), not a count or percent"
    if report_year is not None and fact.year is not None and not (
            report_year - YEARS_BACK <= fact.year <= report_year + 1):
        return f"year {fact.year} implausible for a {report_year} report"
    return None


def prose_facts(lines: list[PlacedLine], kinds: list[str], body: float,
                year: int | None) -> tuple[list[TextFact], list[Problem]]:
    """The readable facts of every paragraph and bullet; unread sentences and rejected facts as Problems."""
    facts, problems = [], []
    for block in lines_to_blocks(lines, kinds, body):
        found, unmatched = block_to_facts(block, year)
        for sentence in unmatched:
            problems.append(Problem(block.lines[0].page, SECTION, f"figure in prose not read: {sentence!r}"))
        for tf in found:
            why = fact_rejection(tf.fact, year)
            if why:
                problems.append(Problem(tf.page, SECTION, f"prose figure {tf.printed!r} not kept: {why}"))
            else:
                facts.append(tf)
    return facts, problems


def section_grids(lines: list[PlacedLine], kinds: list[str]) -> tuple[list[Grid], list[Problem]]:
    """Every table of the section read as a grid; table lines without a data row (only bold lines) that
    print a figure are reported."""
    grids, problems = [], []
    for chunk, heading in table_chunks(lines, kinds):
        grid = chunk_to_grid(chunk, heading)
        if grid is not None:
            grids.append(grid)
        elif any(_is_figure(c.text) for l in chunk for c in line_cells(l)):
            problems.append(Problem(chunk[0].page, SECTION, f"table lines without a data row: {chunk[0].text!r}"))
    return grids, problems


def unread_cells(grid: Grid) -> list[Problem]:
    """A Problem for each printed figure cell of a read table that is no number: it is left unread, not guessed."""
    return [Problem(cell.page, SECTION, f"table cell not read as a figure: {cell.text!r} (row "
                                        f"{row.label_text!r}, column {grid.headers[k]!r})")
            for row in grid.rows for k, cell in enumerate(row.cells)
            if cell is not None and parsed_cell(cell) is None]


def table_stats(grids: list[Grid], prose: list[TextFact]) -> tuple[list[KaaStat], list[Problem]]:
    """KaaStat rows of every table of the section, each table read by what its content shows."""
    order = gender_order(grids)
    stats, problems = [], []
    for grid in grids:
        reading = grid_to_figures(grid, prose, order)
        problems.extend(reading.problems)
        if reading.figures:  # a table refused whole is one Problem already
            problems.extend(unread_cells(grid))
        stats.extend(figure_to_stat(f) for f in reading.figures)
    return stats, problems


def extract_kaa(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """KaaStat rows of the KAA report: every figure of its tables and every figure in its prose."""
    result = SectionResult()
    year = ctx.doc.year
    lines = content_lines(pages, ctx.doc.committee)
    if not lines:
        result.problems.append(Problem(pages[0].number if pages else None, SECTION, "no text on the KAA pages"))
        return result
    body = body_size(lines)
    kinds = [line_kind(l, body) for l in lines]
    facts, problems = prose_facts(lines, kinds, body, year)
    grids, grid_problems = section_grids(lines, kinds)
    stats, table_problems = table_stats(grids, facts)
    result.records.extend(stats)
    result.records.extend(text_fact_to_stat(tf) for tf in facts)
    result.problems.extend(problems + grid_problems + table_problems)
    if not result.records:
        result.problems.append(Problem(pages[0].number, SECTION, "no KAA figure found in prose or tables"))
    return result
