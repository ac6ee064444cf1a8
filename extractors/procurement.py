"""The VP's procurement plan and the information-security requirement statuses (VP and VB), read from their
ruled tables; and the ruled-table reader they share with the innovation tables (extractors.projects).

Both forms are spreadsheet prints: every row is a band of vertical rules, every cell is closed below by a
horizontal rule segment, and a cell that spans several rows (a requirement with parts a/b) is simply not
closed below where it goes on. Column boundaries come from the rules, the meaning of a column from the
header words above the table; cells keep their page and bbox for provenance.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Sequence

from extractors.pages import Box, Line, Page, Rule, Word, close_runs, mode_size, union_box, words_to_lines
from parsers import ParseError, join_wrapped, normalise_spaces, parse_number, parse_yes_no
from parsers.cuts import FUNCTION_WORDS, line_may_end_in_cut, with_head, wrapped_at_space
from parsers.text import is_word, join_at_space
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import Problem, Procurement, Provenance, Record

# ----- running headers and footers -------------------------------------------------------------------


@dataclass(frozen=True)
class PageLine:
    """A printed line with the page it is on."""

    page: int
    line: Line


@dataclass(frozen=True)
class TableHeading:
    """A bold heading printed right above a table block (wrapped lines joined), where it was printed."""

    page: int
    bbox: Box | None
    text: str


def _same_text(a: str, b: str) -> bool:
    return normalise_spaces(a).lower() == normalise_spaces(b).lower()


def running_line_keys(pages: Sequence[Page], committee: str | None = None) -> set[tuple[int, float]]:
    """(page, top) of the running header and page-number lines: the first line of a page whose text recurs
    at the same place on another page (or names the committee), and a bare page number as the last line.

    These are page furniture, not content: a block or a table cut by a page break goes on after them."""
    firsts: dict[int, Line] = {}
    lasts: dict[int, Line] = {}
    for p in pages:
        lines = p.lines()
        if lines:
            firsts[p.number], lasts[p.number] = lines[0], lines[-1]
    out: set[tuple[int, float]] = set()
    for p in pages:
        first = firsts.get(p.number)
        if first is not None and first.top < p.height * 0.15:
            recurs = any(_same_text(first.text, o.text) and abs(o.top - first.top) < 2.5
                         for n, o in firsts.items() if n != p.number)
            if recurs or (committee and _same_text(first.text, committee)):
                out.add((p.number, round(first.top, 1)))
        last = lasts.get(p.number)
        if last is not None and last is not first and last.bottom > p.height * 0.85:
            recurs = any(_same_text(last.text, o.text) and abs(o.top - last.top) < 2.5
                         for n, o in lasts.items() if n != p.number)
            if re.fullmatch(r"\d{1,4}", last.text.strip()) or recurs:
                out.add((p.number, round(last.top, 1)))
    return out


def content_lines(page: Page, running: set[tuple[int, float]]) -> list[Line]:
    """The page's lines without its running header and page number."""
    return [ln for ln in page.lines() if (page.number, round(ln.top, 1)) not in running]


# ----- ruled tables ------------------------------------------------------------------------------------

X_TOL = 1.5  # points: two rules this close are one column boundary


@dataclass(frozen=True)
class Band:
    """One row band of a ruled table on one page: its vertical extent and column boundaries."""

    page: int
    top: float
    bottom: float
    xs: tuple[float, ...]


@dataclass
class GridCell:
    """A cell's printed lines (with their boxes), the right edge of its column, and the page where it starts
    (a spanning cell may go on in later bands, also on the next page)."""

    page: int
    left: float
    right: float
    lines: list[Line] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cell's lines joined as running text (see join_cell_lines)."""
        return join_cell_lines(self.lines, self.right, self.left)

    @property
    def bbox(self) -> Box | None:
        """The box of the cell's lines on the page where it starts."""
        return union_box([ln.bbox for ln, pg in zip(self.lines, self.pages) if pg == self.page])

    def add(self, line: Line, page: int) -> None:
        self.lines.append(line)
        self.pages.append(page)

    def provenance(self) -> Provenance:
        return Provenance(self.page, self.bbox, self.text)


def _cut_mid_word(line: Line, nxt: Line, limit: float, word_so_far: str | None = None, tail_alone: bool = False,
                  next_word: str | None = None) -> bool:
    """Was this line's only word cut at the cell edge (a word wider than its column, printed without a hyphen)?

    `limit` is where text must end in the cell (its right edge less the padding). A cut fragment ends so
    close to it that the next character would not fit; the rest goes on in lower case. When the next word
    would not have fitted either, the words themselves decide (see _ambiguous_break_is_cut). When the next line's
    word is itself cut at its line's end (`next_word` is longer than it), a function word before it that makes no
    word with the whole of it ended where a wrap did ('Inte' / 'bestä' / 'mt' in a right-aligned column, held-out
    seed 44), while a fragment before it is judged against the fragment as before ('region' / 'komm' / 'unerna': a
    cut, though 'region kommunerna' would read too). `word_so_far` is the word as read so far
    when the line's word is the rest of a word cut on the line above ('kombin' / 'ationsut': 'kombinationsut');
    `tail_alone`: the rest of the cell after this line reads as one word, as `parsers.cuts.wrapped_at_space` asks
    ('psykos' / 'vården' ending a project's name, held-out seed 2320); `next_word`: the next line's word made
    whole by the cuts below it, which the words at this break are judged with, as the other cell readers judge
    them ('pedagogiska' / 'bemanningst' / 'jänster': 'bemanningstjänster' is a word after a word, held-out seed
    3713; its fragment 'bemanningst' is none)."""
    if not line_may_end_in_cut(line, nxt, limit):
        return False  # several words, or room left for the next letter: the line ended at a word's end
    w, head = line.words[0], nxt.words[0]
    if w.text[-1:] in ",;:)!?":
        return False
    # a rest no wrapped line starts with: 'kindstedt@stockholm' | '.se', '2018-08' | '-01'
    address_rest = re.match(r"[.@][\wåäö]", head.text) is not None or (
        re.match(r"-\d", head.text) is not None and w.text[-1:].isdigit())
    if not (head.text[:1].islower() or address_rest or (head.text[:1].isdigit() and w.text[-1:].isdigit())):
        return False  # a word goes on in lower case (digits only after digits: 'augusti' | '2019' is a wrap)
    if address_rest:
        return True
    next_is_cut = next_word is not None and next_word != head.text
    if next_is_cut and w.text.lower() in FUNCTION_WORDS and not is_word(w.text + next_word):
        return False
    space = 0.28 * head.size
    if w.x1 + space + (head.x1 - head.x0) <= limit + 0.5:
        return True  # the next word would have fitted after a space: only a cut explains the break
    return _ambiguous_break_is_cut(word_so_far or w.text, next_word or head.text, tail_alone)


DOTTED = re.compile(r"\w\.\w")  # a dot between letters, as in an address's name.surname or domain, never in prose


def _ambiguous_break_is_cut(fragment: str, rest_text: str, tail_alone: bool = False) -> bool:
    """Decide a line break that geometry leaves open (a full-width word, then a word that would not have fitted
    either): an address goes on ('stockhol' | 'm.se'), also when the fragment is a dotted name before the rest of
    an address ('christina.grön' | 'berg@edu.sto', held-out seed 1329: 'grön' and 'berg' are words, but an
    address holds no space); the rest is the words' to decide, by the rules both other cell readers use
    (parsers.cuts.wrapped_at_space): 'Handledningskonsult' | 'er' and 'Medborgar' | 'utveckling' are cuts,
    'Inte' | 'bestämt' a wrap."""
    if fragment.endswith((".", "@")) or "@" in fragment or "/" in fragment:
        return True
    rest = rest_text.split(" ", 1)[0]
    if DOTTED.search(fragment) and ("@" in rest or DOTTED.search(rest)):
        return True
    return not wrapped_at_space(fragment, rest_text, tail_alone)


def cut_lines(lines: Sequence[Line], limit: float) -> list[bool]:
    """Per line, whether it ends in a word cut at the cell edge (`_cut_mid_word`), judged from the last line up, so
    that a line whose own word is cut is known to go on into the next when the line above it is judged."""
    cut = [False] * len(lines)
    alone = [False] * len(lines)  # the cell's rest after line i is one word (its last line, or cut into it)
    whole = [ln.words[0].text if ln.words else "" for ln in lines]  # line i's first word, joined with its cut rest
    for i in range(len(lines) - 2, -1, -1):
        nxt = lines[i + 1]
        alone[i] = len(nxt.words) == 1 and (i + 2 == len(lines) or (cut[i + 1] and alone[i + 1]))
        cut[i] = _cut_mid_word(lines[i], nxt, limit, tail_alone=alone[i], next_word=whole[i + 1])
        if cut[i]:
            whole[i] += whole[i + 1]
    # then from the top: a fragment alone on its line after a cut is judged with the head of its word
    # (parsers.cuts.with_head, as the other cell readers judge it)
    texts = [normalise_spaces(ln.text) for ln in lines]
    for i in range(1, len(lines) - 1):
        word = with_head(texts, i, lambda j: cut[j], whole[i + 1])
        if word != texts[i]:
            cut[i] = _cut_mid_word(lines[i], lines[i + 1], limit, word, alone[i], whole[i + 1])
    return cut


def join_cell_lines(lines: Sequence[Line], right: float | None = None, left: float | None = None) -> str:
    """A cell's lines as running text: a fragment cut mid-word at the cell edge joins its rest directly
    (needs the cell's `right` edge; `left` gives the padding), a word hyphenated at the line end ('IT-' +
    'resurser') follows join_wrapped, every other wrap is a space (a standalone dash ('2022-02-01 -') is a
    separator, not a hyphen)."""
    limit = None
    if right is not None and lines:
        pad = min(ln.x0 for ln in lines) - left if left is not None else 2.0
        limit = right - max(0.0, min(pad, 6.0))
    cut = cut_lines(lines, limit) if limit is not None else [False] * len(lines)
    out = ""
    prev: Line | None = None
    for i, ln in enumerate(lines):
        text = normalise_spaces(ln.text)
        if prev is None or not out:
            out = text
        elif cut[i - 1]:
            out = out + text
        elif re.search(r"[\wåäöÅÄÖ]-$", out) and text[:1].isalpha():
            out = join_wrapped(out, text)
        elif re.search(r"\d-$", out) and text[:1].isdigit():
            out = out + text  # a date or a year range wrapped at its hyphen ('2019-08-' + '01')
        else:
            out = join_at_space(out, text)
        prev = ln
    return normalise_spaces(out)


@dataclass
class GridRow:
    """One band of a table: a cell per column (a spanning cell is shared with the rows it covers)."""

    page: int
    bbox: Box
    cells: list[GridCell]
    carried: list[bool]  # the cell continues a span opened in an earlier band
    heading: TableHeading | None = None  # the bold heading printed right above this row's table block
    after_text: bool = False  # the block this row starts was preceded by other text (not a continuation)
    block_start: bool = False

    def text(self, col: int | None) -> str:
        return self.cells[col].text if col is not None and 0 <= col < len(self.cells) else ""


@dataclass
class GridTable:
    """Consecutive table blocks with the same columns, in print order, with the header printed over them."""

    xs: tuple[float, ...]
    header: list[str]
    header_page: int | None
    header_bbox: Box | None
    rows: list[GridRow] = field(default_factory=list)

    def column(self, *cues: str, exclude: tuple[str, ...] = ()) -> int | None:
        """The first column whose header text contains one of `cues` (lower case) and none of `exclude`."""
        for i, h in enumerate(self.header):
            low = h.lower()
            if any(c in low for c in cues) and not any(e in low for e in exclude):
                return i
        return None


def _cluster(values: Iterable[float], tol: float = X_TOL) -> list[float]:
    """Sorted values with near-equal ones merged (their mean)."""
    return [sum(c) / len(c) for c in close_runs(values, tol)]


def rules_to_bands(page: Page) -> list[Band]:
    """Row bands of the page's ruled tables: vertical rules sharing a top and bottom make one band."""
    groups: dict[tuple[float, float], list[float]] = {}
    for r in page.vrules:
        if r.bottom - r.top < 3:
            continue
        key = (round(r.top * 2) / 2, round(r.bottom * 2) / 2)
        groups.setdefault(key, []).append((r.x0 + r.x1) / 2)
    bands = [Band(page.number, top, bottom, tuple(_cluster(xs))) for (top, bottom), xs in groups.items()]
    return sorted((b for b in bands if len(b.xs) >= 3), key=lambda b: b.top)


def same_columns(a: Sequence[float], b: Sequence[float], tol: float = 2.0) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= tol for x, y in zip(a, b))


def _closed_below(band: Band, col: int, hrules: list[Rule]) -> bool:
    """Is column `col` of `band` closed by a horizontal rule at the band's bottom?"""
    mid = (band.xs[col] + band.xs[col + 1]) / 2
    return any(abs((r.top + r.bottom) / 2 - band.bottom) <= 1.5 and r.x0 - 0.5 <= mid <= r.x1 + 0.5 for r in hrules)


def _header_rule(band: Band, hrules: list[Rule]) -> Rule | None:
    """A full-width rule just above a block's first band: the line under a table header."""
    width = band.xs[-1] - band.xs[0]
    for r in hrules:
        y = (r.top + r.bottom) / 2
        if 0 <= band.top - y <= 3.5 and r.x0 <= band.xs[0] + 2 and r.x1 >= band.xs[0] + 0.9 * width:
            return r
    return None


def _crosses_column(word: Word, xs: Sequence[float]) -> bool:
    """Does the word run across a column boundary (text that is not inside one cell)?"""
    return any(word.x0 < x - 1.0 and word.x1 > x + 1.0 for x in xs)


def _header_lines(lines: list[Line], rule_y: float, xs: tuple[float, ...], body_size: float) -> list[Line]:
    """The bold lines stacked right above a header rule, walking up while lines follow at header-row spacing.
    A line in a larger type than the table's cells, or running across column boundaries, is a heading."""
    above = [ln for ln in lines if ln.bottom <= rule_y + 1 and ln.x0 >= xs[0] - 2 and ln.x1 <= xs[-1] + 2]
    out: list[Line] = []
    edge = rule_y
    for ln in sorted(above, key=lambda ln: -ln.bottom):
        height = max(ln.bottom - ln.top, body_size)  # a header cell's type may shrink to fit its column
        if edge - ln.bottom > 1.6 * height or not all(w.bold for w in ln.words):
            break
        if max(w.size for w in ln.words) > body_size + 0.6 or any(_crosses_column(w, xs) for w in ln.words):
            break
        out.append(ln)
        edge = ln.top
    return sorted(out, key=lambda ln: ln.top)


def _band_text_size(page: Page, band: Band) -> float:
    """The most common type size of the words printed in a band (the table's cell size)."""
    sizes = [round(w.size, 1) for w in page.words if band.top <= w.mid_y <= band.bottom
             and band.xs[0] <= w.x0 <= band.xs[-1]]
    return max(set(sizes), key=sizes.count) if sizes else 0.0


def _column_of(word: Word, xs: Sequence[float]) -> int | None:
    mid = (word.x0 + word.x1) / 2
    for i in range(len(xs) - 1):
        if xs[i] <= mid < xs[i + 1]:
            return i
    return None


def words_to_cell_lines(words: list[Word]) -> list[Line]:
    """A cell's words as lines, top to bottom."""
    return words_to_lines(words, tolerance=1.5)


def _header_texts(header: list[Line], xs: tuple[float, ...]) -> list[str]:
    """Header text per column (the header's words by column, wrapped lines joined)."""
    cols: list[list[Word]] = [[] for _ in range(len(xs) - 1)]
    for ln in header:
        for w in ln.words:
            c = _column_of(w, xs)
            if c is not None:
                cols[c].append(w)
    return [join_cell_lines(words_to_cell_lines(ws), xs[i + 1], xs[i]) if ws else "" for i, ws in enumerate(cols)]


@dataclass
class _Block:
    """Bands of one table on one page, with the header drawn over them (if any)."""

    bands: list[Band]
    header: list[Line]
    header_rule: Rule | None


def bands_to_blocks(page: Page, bands: list[Band], lines: list[Line]) -> list[_Block]:
    """Group a page's bands into blocks: consecutive bands with the same columns that touch each other."""
    hrules = page.hrules
    blocks: list[_Block] = []
    for b in bands:
        prev = blocks[-1].bands[-1] if blocks else None
        if prev is not None and same_columns(prev.xs, b.xs) and abs(b.top - prev.bottom) <= 2.5:
            blocks[-1].bands.append(b)
            continue
        rule = _header_rule(b, hrules)
        header = _header_lines(lines, (rule.top + rule.bottom) / 2, b.xs, _band_text_size(page, b)) if rule else []
        blocks.append(_Block([b], header, rule if header else None))
    return blocks


def _block_top(block: _Block) -> float:
    return block.header[0].top if block.header else block.bands[0].top


def read_ruled_tables(pages: Sequence[Page], running: set[tuple[int, float]]) -> list[GridTable]:
    """Every ruled table of the pages, in print order: rows with their cells (spans followed across bands and
    pages), the header text per column, and the bold heading printed right above each block."""
    tables: list[GridTable] = []
    pending_heading: list[PageLine] = []  # the trailing bold lines since the last block
    seen_text = False  # non-heading text since the last block
    open_spans: list[GridCell | None] = []
    for page in pages:
        lines = content_lines(page, running)
        hrules = page.hrules
        blocks = bands_to_blocks(page, rules_to_bands(page), lines)
        header_ids = {id(ln) for b in blocks for ln in b.header}
        table_spans = [(_block_top(b), b.bands[-1].bottom) for b in blocks]

        def inside(ln: Line) -> bool:
            mid = (ln.top + ln.bottom) / 2
            return id(ln) in header_ids or any(t - 0.5 <= mid <= bt + 0.5 for t, bt in table_spans)

        outside = [ln for ln in lines if not inside(ln)]
        for block in blocks:
            top = _block_top(block)
            for ln in [o for o in outside if o.bottom <= top + 0.5]:
                _note_line(ln, page.number, pending_heading)
                seen_text = seen_text or not all(w.bold for w in ln.words)
            outside = [o for o in outside if o.bottom > top + 0.5]
            xs = block.bands[0].xs
            table = tables[-1] if tables and same_columns(tables[-1].xs, xs) else None
            widowed = widowed_header(pending_heading, xs, page.number, _band_text_size(page, block.bands[0])) \
                if table is None and not block.header else []
            if widowed:
                del pending_heading[-len(widowed):]
            heading = _heading_of(pending_heading)
            if table is None or block.header:
                header = block.header or [pl.line for pl in widowed]
                texts = _header_texts(header, xs)
                if table is None or texts != table.header:
                    table = GridTable(xs, texts, (widowed[0].page if widowed else page.number) if header else None,
                                      union_box([ln.bbox for ln in header]) if header else None)
                    tables.append(table)
                    open_spans = [None] * (len(xs) - 1)
            if len(open_spans) != len(xs) - 1:
                open_spans = [None] * (len(xs) - 1)
            for bi, band in enumerate(block.bands):
                row = _band_to_row(page, band, open_spans, hrules)
                if bi == 0:
                    row.block_start, row.heading, row.after_text = True, heading, seen_text
                table.rows.append(row)
            pending_heading.clear()
            seen_text = False
        if blocks:
            overflow = span_overflow(outside, blocks[-1].bands[-1], open_spans)
            for ln, cell in overflow:
                cell.add(ln, page.number)
            taken = {id(ln) for ln, _ in overflow}
            outside = [ln for ln in outside if id(ln) not in taken]
        for ln in outside:
            _note_line(ln, page.number, pending_heading)
            seen_text = seen_text or not all(w.bold for w in ln.words)
    return tables


def span_overflow(lines: Sequence[Line], last: Band, open_spans: Sequence[GridCell | None]) -> list[tuple[Line, GridCell]]:
    """The lines printed right under a page's last band, inside a column whose spanning cell is still open (no rule
    closes it): a merged cell's text that ran on past the band where the page broke the table (held-out seeds 29,
    33, ...: a requirement spanning parts a and b, part b on the next page). Each line must follow the one above at
    line spacing and stand within the open column; the first line that does not ends the overflow."""
    out: list[tuple[Line, GridCell]] = []
    edge = last.bottom
    for ln in sorted((ln for ln in lines if ln.top >= last.top), key=lambda ln: ln.top):
        cols = {_column_of(w, last.xs) for w in ln.words}
        col = next(iter(cols)) if len(cols) == 1 else None
        cell = open_spans[col] if col is not None and col < len(open_spans) else None
        inside = cell is not None and all(last.xs[col] - 0.5 <= w.x0 and w.x1 <= last.xs[col + 1] + 0.5
                                          for w in ln.words)
        if not inside or ln.top - edge > 0.8 * (ln.bottom - ln.top):
            break
        out.append((ln, cell))
        edge = ln.bottom
    return out


def widowed_header(pending: Sequence[PageLine], xs: Sequence[float], page: int, cell_size: float) -> list[PageLine]:
    """The bold lines that end the page before a table printed without a header, when they read as that table's
    header (a page break between header and rows): the last lines whose every word stands within one of the
    table's columns, not across a column rule, naming at least three columns. A heading above them runs across
    the rules or is set larger than the table's cells (`cell_size`; a header may set a long column label smaller
    than the rest, held-out seed 105), and stays the table's heading."""
    if not pending or pending[-1].page >= page:
        return []
    last = pending[-1]
    lines: list[PageLine] = []
    columns: set[int] = set()
    for pl in reversed(pending):
        cols = [_column_of(w, xs) for w in pl.line.words]
        within = all(c is not None and xs[c] - 0.5 <= w.x0 and w.x1 <= xs[c + 1] + 0.5
                     for w, c in zip(pl.line.words, cols))
        if pl.page != last.page or not within or mode_size(pl.line.words) > 1.15 * cell_size:
            break
        lines.insert(0, pl)
        columns.update(cols)
    return lines if len(columns) >= 3 else []


def _note_line(ln: Line, page: int, pending: list[PageLine]) -> None:
    """Keep the run of bold lines that ends right before the next table; any other line breaks the run."""
    if ln.words and all(w.bold for w in ln.words):
        pending.append(PageLine(page, ln))
    else:
        pending.clear()


def _heading_of(pending: list[PageLine]) -> TableHeading | None:
    """The last bold paragraph before a table (its wrapped lines joined), or None."""
    if not pending:
        return None
    group = [pending[-1]]
    for pl in reversed(pending[:-1]):
        prev = group[0]
        same_size = abs(pl.line.words[0].size - prev.line.words[0].size) < 0.3
        close = prev.line.top - pl.line.bottom < 0.8 * (pl.line.bottom - pl.line.top)
        if pl.page == prev.page and same_size and close:
            group.insert(0, pl)
        else:
            break
    text = join_cell_lines([g.line for g in group])
    return TableHeading(group[0].page, union_box([g.line.bbox for g in group]), text) if text else None


def _band_to_row(page: Page, band: Band, open_spans: list[GridCell | None], hrules: list[Rule]) -> GridRow:
    """One band's cells: its words by column; a column not closed above goes on filling the open span."""
    ncols = len(band.xs) - 1
    by_col: list[list[Word]] = [[] for _ in range(ncols)]
    for w in page.words:
        if band.top - 0.5 <= w.mid_y <= band.bottom + 0.5:
            c = _column_of(w, band.xs)
            if c is not None:
                by_col[c].append(w)
    cells: list[GridCell] = []
    carried: list[bool] = []
    for c in range(ncols):
        span = open_spans[c]
        cell = span if span is not None else GridCell(page.number, band.xs[c], band.xs[c + 1])
        for ln in words_to_cell_lines(by_col[c]):
            cell.add(ln, page.number)
        cells.append(cell)
        carried.append(span is not None)
        open_spans[c] = None if _closed_below(band, c, hrules) else cell
    return GridRow(page.number, (band.xs[0], band.top, band.xs[-1], band.bottom), cells, carried)


def merge_continuation_rows(rows: list[GridRow], key_col: int | None) -> tuple[list[GridRow], list[GridRow]]:
    """Rows whose key cell is empty at the top of a block (a row cut by a page break) are merged into the row
    before; returns (rows, orphans: continuation rows with nothing before them)."""
    out: list[GridRow] = []
    orphans: list[GridRow] = []
    for r in rows:
        key_empty = key_col is None or not r.text(key_col) or r.carried[key_col]
        is_cont = key_empty and r.block_start and not r.after_text and r.heading is None
        if is_cont and any(c.lines for i, c in enumerate(r.cells) if not r.carried[i]):
            if not out:
                orphans.append(r)
                continue
            prev = out[-1]
            for i, c in enumerate(r.cells):
                if not r.carried[i] and c.lines and c is not prev.cells[i]:
                    for ln, pg in zip(c.lines, c.pages):
                        prev.cells[i].add(ln, pg)
            continue
        if key_col is not None and not r.text(key_col) and not any(
                c.lines for i, c in enumerate(r.cells) if not r.carried[i]):
            continue  # an empty band (spacing row)
        out.append(r)
    return out, orphans


# ----- procurement plan ---------------------------------------------------------------------------------

PROCUREMENT_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field -> (header cues, header words that rule the column out)
    "category": (("kategorifamilj", "kategori"), ("klass",)),
    "category_class": (("kategoriklass",), ()),
    "description": (("beskrivning", "upphandling av", "avser"), ("planerad",)),
    "planned_start": (("planerad start", "start"), ("avtalsperiod",)),
    "period": (("avtalsperiod", "period"), ()),
    "value": (("värde", "kontraktsvärde", "belopp"), ()),
    "committee": (("nämnd",), ("kontakt",)),
    "contact": (("kontakt",), ()),
}
HEADER_UNITS = {"mnkr": Decimal(10) ** 6, "mkr": Decimal(10) ** 6, "miljoner": Decimal(10) ** 6,
                "tkr": Decimal(10) ** 3, "kr": Decimal(1), "kronor": Decimal(1), "sek": Decimal(1)}
NOT_DECIDED = ("inte bestämt", "ej bestämt", "okänt", "ej fastställt", "inte fastställt", "-", "")


def procurement_columns(table: GridTable) -> dict[str, int]:
    """Field -> column index, read from the header words."""
    out: dict[str, int] = {}
    for name, (cues, exclude) in PROCUREMENT_COLUMNS.items():
        for i, h in enumerate(table.header):
            low = normalise_spaces(h).lower()
            if i in out.values():
                continue
            if any(c in low for c in cues) and not any(e in low for e in exclude):
                out[name] = i
                break
    return out


def header_unit(header: str) -> str | None:
    """The unit a value column's header states ('Värde mnkr' -> 'mnkr'), or None."""
    for token in re.findall(r"[a-zåäö]+", header.lower()):
        if token in HEADER_UNITS:
            return token
    return None


@dataclass(frozen=True)
class ValueReading:
    """A procurement value as read: kronor (or None), whether the header's unit was overruled, and why a
    value was not read."""

    value_sek: Decimal | None
    unit_conflict: bool = False
    problem: str | None = None


def read_procurement_value(printed: str, unit: str | None) -> ValueReading:
    """Kronor from a value cell. A whole number of a million or more under a 'mnkr' (or 'tkr') header is
    kronor as printed ('28 000 000'): the plan lists contracts over 1 million kr, so the header's unit is
    the slip (reported as a unit conflict). A number that fits neither reading is not guessed;
    'Inte bestämt' is no value."""
    text = normalise_spaces(printed)
    if text.lower() in NOT_DECIDED:
        return ValueReading(None)
    try:
        number = parse_number(text)
    except ParseError as e:
        return ValueReading(None, problem=f"value not read: {e}")
    if number.percent:
        return ValueReading(None, problem=f"value printed as a percentage: {printed!r}")
    factor = HEADER_UNITS.get(unit or "kr", Decimal(1))
    if factor > 1 and number.decimals == 0 and abs(number.value) >= 1_000_000:
        return ValueReading(number.value, unit_conflict=True)
    if factor >= 1_000_000 and abs(number.value) >= 10_000:
        return ValueReading(None, problem=f"value {printed!r} is neither kronor (under 1 000 000) nor plausible {unit}")
    return ValueReading(number.value * factor)


def extract_procurements(pages: list[Page], ctx: SectionContext | None) -> SectionResult:
    """Procurement rows of the VP's procurement plan: every row of the table whose header names the
    procurement columns, with the department group heading printed above its block."""
    section = ctx.span.kind if ctx is not None else "procurement"
    committee = ctx.doc.committee if ctx is not None else None
    running = running_line_keys(pages, committee)
    out = SectionResult()
    tables = [t for t in read_ruled_tables(pages, running) if len(procurement_columns(t)) >= 5]
    if not tables:
        out.problems.append(Problem(pages[0].number if pages else None, section,
                                    "no procurement table found (no ruled table with a procurement header)"))
        return out
    for table in tables:
        records, problems = procurement_rows(table, section)
        out.records.extend(records)
        out.problems.extend(problems)
    return out


def procurement_rows(table: GridTable, section: str) -> tuple[list[Record], list[Problem]]:
    """Procurement records of one table (department from the group heading above each block)."""
    cols = procurement_columns(table)
    problems: list[Problem] = []
    missing = [f for f in PROCUREMENT_COLUMNS if f not in cols]
    if missing:
        problems.append(Problem(table.header_page, section, f"procurement columns not found in header: {missing}"))
    unit = header_unit(table.header[cols["value"]]) if "value" in cols else None
    rows, orphans = merge_continuation_rows(table.rows, cols.get("description"))
    for r in orphans:
        problems.append(Problem(r.page, section, "a table row continues nothing before it; not read"))
    records: list[Record] = []
    in_kronor: list[str] = []
    department: TableHeading | None = None
    for r in rows:
        if r.block_start and r.heading is not None:
            department = r.heading
        elif r.block_start and r.after_text:
            department = None
        rec = Procurement(category=None, category_class=None, description=None, planned_start=None, period=None,
                          value_sek=None, committee=None, contact=None, page=r.page, bbox=r.bbox)
        for name, col in cols.items():
            cell = r.cells[col]
            if name == "value":
                rec.provenance["value_sek"] = cell.provenance()
                reading = read_procurement_value(cell.text, unit)
                rec.value_sek = reading.value_sek
                if reading.unit_conflict:
                    in_kronor.append(cell.text)
                elif reading.problem:
                    problems.append(Problem(r.page, section, f"{cell.text or '(empty)'}: {reading.problem}"))
                continue
            setattr(rec, name, cell.text or None)
            if cell.text:
                rec.provenance[name] = cell.provenance()
        if department is not None:
            rec.department = department.text
            rec.provenance["department"] = Provenance(department.page, department.bbox, department.text)
        if not rec.description:
            problems.append(Problem(r.page, section, "procurement row without a description"))
        records.append(rec)
    if in_kronor:
        problems.append(Problem(table.header_page, section,
                                f"unit conflict: the header says {unit!r} but {len(in_kronor)} values are printed "
                                f"in kronor ({', '.join(repr(v) for v in in_kronor[:3])}, ...); stored as kronor"))
    return records, problems


# ----- information-security requirements ----------------------------------------------------------------


@dataclass(kw_only=True)
class InfosecRequirement(Record):
    """One requirement's status ('Ja'/'Nej' as printed) in the 'grundläggande baskrav för
    informationssäkerhet' form; a requirement in parts (a, b) gives one row per part.

    Defined here because pipeline/records.py has no record for it (the entity is not in the warehouse
    contract yet)."""

    ENTITY = "infosec_requirements"
    req_no: str | None
    requirement: str | None
    part: str | None
    status: str | None
    met: bool | None
    comment: str | None


def infosec_columns(table: GridTable) -> dict[str, int]:
    """Field -> column of the requirements table: by header where printed, else by position around the
    Status column (number | requirement | part | status | comment)."""
    status = next((i for i, h in enumerate(table.header) if "status" in h.lower()), None)
    if status is None:
        return {}
    comments = [i for i, h in enumerate(table.header) if "kommentar" in h.lower() and i > status]
    reqs = [i for i, h in enumerate(table.header) if ("krav" in h.lower() or "redovisning" in h.lower()) and i < status]
    out = {"status": status}
    if comments:
        out["comment"] = comments[0]
    if reqs:
        out["requirement"] = reqs[0]
        if reqs[0] > 0:
            out["req_no"] = reqs[0] - 1
        if status - reqs[0] == 2:
            out["part"] = reqs[0] + 1
    return out


def infer_infosec_columns(table: GridTable) -> dict[str, int]:
    """Field -> column of a requirements table printed without its header (the header fell on a page
    outside the section): the status column holds only Ja/Nej, the number column only integers, the part
    column only 'a)'-like marks; the requirement is the longest text left of the status, the comment the
    longest right of it. {} when the content does not say."""
    ncols = len(table.xs) - 1
    texts = [[r.cells[c].text for r in table.rows if not r.carried[c] and r.cells[c].text] for c in range(ncols)]

    def all_match(c: int, test) -> bool:
        return bool(texts[c]) and all(test(t) for t in texts[c])

    def yes_no(t: str) -> bool:
        try:
            parse_yes_no(t)
            return True
        except ParseError:
            return False

    status = next((c for c in range(ncols) if len(texts[c]) >= 2 and all_match(c, yes_no)), None)
    if status is None:
        return {}
    out = {"status": status}
    numbers = [c for c in range(status) if all_match(c, lambda t: re.fullmatch(r"\d{1,3}\.?", t) is not None)]
    if numbers:
        out["req_no"] = numbers[0]
    parts = [c for c in range(status) if all_match(c, lambda t: PART.fullmatch(t) is not None)]
    if parts:
        out["part"] = parts[-1]
    longest = lambda cols: max(cols, key=lambda c: sum(len(t) for t in texts[c]), default=None)  # noqa: E731
    requirement = longest([c for c in range(status) if c not in out.values() and texts[c]])
    comment = longest([c for c in range(status + 1, ncols) if texts[c]])
    if requirement is None:
        return {}
    out["requirement"] = requirement
    if comment is not None:
        out["comment"] = comment
    return out


def extract_infosec(pages: list[Page], ctx: SectionContext | None) -> SectionResult:
    """Requirement statuses of the information-security form (VP and VB). A table whose header is not in
    the section is read by its content, and that is reported."""
    section = ctx.span.kind if ctx is not None else "infosec"
    committee = ctx.doc.committee if ctx is not None else None
    running = running_line_keys(pages, committee)
    out = SectionResult()
    tables = read_ruled_tables(pages, running)
    found = [(t, infosec_columns(t)) for t in tables if "status" in infosec_columns(t)]
    if not found:
        found = [(t, cols) for t in tables if not any(t.header) and (cols := infer_infosec_columns(t))]
        for t, _ in found:
            out.problems.append(Problem(t.rows[0].page, section, "requirements table without its header in this "
                                                                 "section; columns inferred from the content"))
    if not found:
        out.problems.append(Problem(pages[0].number if pages else None, section,
                                    "no requirements table found (no ruled table with a Status column)"))
        return out
    for table, cols in found:
        records, problems = infosec_rows(table, cols, section)
        out.records.extend(records)
        out.problems.extend(problems)
    return out


PART = re.compile(r"([a-zåäö])\s*\)")  # 'a)'; a narrow column may print a space before the bracket ('a )')


def infosec_rows(table: GridTable, cols: dict[str, int], section: str) -> tuple[list[Record], list[Problem]]:
    """One record per band that carries a status: its requirement (a spanning cell for parts a/b)."""
    problems: list[Problem] = []
    for name in ("req_no", "requirement", "comment"):
        if name not in cols:
            problems.append(Problem(table.header_page, section, f"requirements table: no {name} column found"))
    records: list[Record] = []
    rows, orphans = merge_continuation_rows(table.rows, cols["status"])  # a requirement cut by a page break
    for r in [*orphans, *rows]:  # a continuation with nothing before it opens the table: a row without a status
        status_cell = r.cells[cols["status"]]
        status = status_cell.text
        req_cell = r.cells[cols["req_no"]] if "req_no" in cols else None
        text_cell = r.cells[cols["requirement"]] if "requirement" in cols else None
        part_cell = r.cells[cols["part"]] if "part" in cols else None
        comment_cell = r.cells[cols["comment"]] if "comment" in cols else None
        own = [c for i, c in enumerate(r.cells) if not r.carried[i] and c.lines]
        if not own:
            continue  # a band that only continues spanning cells
        if not status:
            problems.append(Problem(r.page, section, f"requirement row without a status: {own[0].text[:60]!r}"))
            continue
        try:
            met = parse_yes_no(status)
        except ParseError as e:
            met = None
            problems.append(Problem(r.page, section, f"status not read: {e}"))
        req_no = req_cell.text if req_cell is not None else None
        if req_no and not re.fullmatch(r"\d{1,3}\.?", req_no):
            problems.append(Problem(r.page, section, f"requirement number not read: {req_no!r}"))
            req_no = None
        part = part_cell.text if part_cell is not None else ""
        if part:
            m = PART.fullmatch(part)
            if m is None:
                problems.append(Problem(r.page, section, f"requirement part not read: {part!r}"))
            part = m.group(1) + ")" if m else ""
        rec = InfosecRequirement(
            req_no=req_no.rstrip(".") if req_no else None,
            requirement=text_cell.text if text_cell is not None else None,
            part=part, status=status, met=met,
            comment=comment_cell.text if comment_cell is not None else "",
            page=r.page, bbox=r.bbox)
        for name, cell in (("req_no", req_cell), ("requirement", text_cell), ("part", part_cell),
                           ("status", status_cell), ("comment", comment_cell)):
            if cell is not None and cell.lines:
                rec.provenance[name] = cell.provenance()
        records.append(rec)
    return records, problems

