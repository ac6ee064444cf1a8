"""Key figures (nyckeltal, VB landscape sheets): one `Kpi` per numbered key figure.

Each key figure is a heading "Nyckeltal N: name" (possibly wrapped), an optional note, a small table and
"Kommentarer:" with the comment. The table is read by geometry: a bold header ("Underlag" over the
numerator/denominator columns, "Nyckeltal" over the value column, the prior year over the last) and
one boxed data row. Column x-ranges come from the vertical rules of the data row, or — when a layout
draws none — from where the header's column labels start. A key figure without a table (e.g. one
reported by another committee) is reported as a Problem, never guessed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from extractors.pages import Box, Line, Page, Word, union_box, words_to_lines, words_to_phrases
from parsers import ParseError, Parsed, normalise_spaces, parse_number
from parsers.text import join_prose_lines
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import Kpi, Problem, Provenance

SECTION = "nyckeltal"
HEADING = re.compile(r"^Nyckeltal\s+(?P<no>\d+[A-Za-z]?)\s*[:.]\s*(?P<name>.*)$")
COMMENT = re.compile(r"^Kommentar(?:er)?\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
CONTACT = re.compile(r"^(Handläggare|Telefon|Mejladress|E-post|Kontaktperson)\b", re.IGNORECASE)
YEAR = re.compile(r"^(19|20)\d\d$")
EDGE_BAND = 0.08  # share of the page height at top and bottom where running headers and footers live


# ----- lines of a section, without running headers and footers --------------------------------------


@dataclass(frozen=True)
class PlacedLine:
    """A line of words with the number of the page it is printed on."""

    page: int
    line: Line

    @property
    def text(self) -> str:
        return normalise_spaces(self.line.text)

    @property
    def top(self) -> float:
        return self.line.top

    @property
    def bottom(self) -> float:
        return self.line.bottom

    @property
    def size(self) -> float:
        return max(w.size for w in self.line.words)

    @property
    def bold(self) -> bool:
        return all(w.bold for w in self.line.words)

    @property
    def bbox(self) -> Box:
        return self.line.bbox


def _edge_key(text: str) -> str:
    """A running line's text with its digits masked, so 'Sida 3' and 'Sida 4' compare equal."""
    return re.sub(r"\d+", "#", normalise_spaces(text)).lower()


def edge_lines(page: Page) -> list[Line]:
    """The first and last line of a page when they lie in its top or bottom band: where running headers,
    footers and page numbers print."""
    lines = page.lines()
    band = EDGE_BAND * page.height
    out = [lines[0]] if lines and lines[0].top < band else []
    if lines and lines[-1].bottom > page.height - band and lines[-1] is not lines[0]:
        out.append(lines[-1])
    return out


def running_keys(pages: list[Page], committee: str | None = None) -> set[str]:
    """Texts (digits masked) of edge lines repeated on two or more pages: running headers, footers and
    page numbers. A lone page number and the committee name count even on a single page."""
    seen: dict[str, set[int]] = {}
    for page in pages:
        for line in edge_lines(page):
            seen.setdefault(_edge_key(line.text), set()).add(page.number)
    keys = {k for k, numbers in seen.items() if len(numbers) >= 2 or k == "#"}
    if committee:
        keys.add(_edge_key(committee))
    return keys


def content_lines(pages: list[Page], committee: str | None = None) -> list[PlacedLine]:
    """Every line of the pages in reading order, without running headers, footers and page numbers."""
    keys = running_keys(pages, committee)
    out = []
    for page in pages:
        running = {l for l in edge_lines(page) if _edge_key(l.text) in keys}
        out.extend(PlacedLine(page.number, line) for line in page.lines() if line not in running)
    return out


# ----- key-figure blocks -----------------------------------------------------------------------------


@dataclass
class KpiBlock:
    """The lines of one key figure: its heading lines and everything up to the next heading."""

    number: str
    heading: list[PlacedLine]
    body: list[PlacedLine]

    @property
    def name(self) -> str:
        """The key figure's name: the heading after 'Nyckeltal N:', wrapped lines joined, footnote star dropped."""
        first = HEADING.match(self.heading[0].text)
        parts = [first.group("name") if first else ""] + [h.text for h in self.heading[1:]]
        return re.sub(r"\s*\*+$", "", join_prose_lines(parts))


def _continues_heading(prev: PlacedLine, line: PlacedLine) -> bool:
    """A wrapped heading line: same page, bold, same size, right below, and not a heading of its own."""
    return (line.page == prev.page and line.bold and abs(line.size - prev.size) < 0.3
            and line.top - prev.bottom < 0.6 * prev.size and not HEADING.match(line.text))


def lines_to_blocks(lines: list[PlacedLine]) -> list[KpiBlock]:
    """Cut the section's lines into key-figure blocks at each 'Nyckeltal N:' heading. A bold line larger
    than the headings (a sheet title such as 'Nyckeltal för ...') ends the block before it."""
    blocks: list[KpiBlock] = []
    i = 0
    while i < len(lines):
        m = HEADING.match(lines[i].text)
        if not (m and lines[i].bold):
            i += 1
            continue
        heading = [lines[i]]
        i += 1
        while i < len(lines) and _continues_heading(heading[-1], lines[i]):
            heading.append(lines[i])
            i += 1
        body = []
        while i < len(lines):
            line = lines[i]
            if line.bold and (HEADING.match(line.text) or line.size > heading[0].size + 0.5):
                break
            body.append(line)
            i += 1
        blocks.append(KpiBlock(m.group("no"), heading, body))
    return blocks


# ----- the table of one key figure -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: its x-range and the header words printed over it."""

    x0: float
    x1: float
    header: str

    def holds(self, word: Word) -> bool:
        """Does the word's middle lie in the column's x-range?"""
        mid = (word.x0 + word.x1) / 2
        return self.x0 - 0.5 <= mid < self.x1 + 0.5


@dataclass(frozen=True)
class Cell:
    """The text of one cell of the data row, with its page and box (None when the cell is empty)."""

    text: str
    page: int
    bbox: Box | None


@dataclass
class KpiTable:
    """The data row of a key figure's table: its cells by column, and where the row is printed."""

    columns: list[Column]
    cells: list[Cell]
    page: int
    bbox: Box

    def role_index(self) -> tuple[int | None, int | None]:
        """Indexes of the value column ('Nyckeltal' in its header) and the prior-year column after it."""
        value = next((i for i, c in enumerate(self.columns) if re.search(r"\bnyckeltal\b", c.header, re.I)), None)
        if value is None:
            return None, None
        after = list(range(value + 1, len(self.columns)))
        prior = next((i for i in after if any(YEAR.match(w) for w in self.columns[i].header.split())), None)
        return value, prior if prior is not None else (after[0] if after else None)


def _table_parts(body: list[PlacedLine]) -> tuple[list[PlacedLine], PlacedLine | None]:
    """The bold header lines of the table and the first data line after them (None without a table)."""
    header: list[PlacedLine] = []
    for line in body:
        if COMMENT.match(line.text):
            break
        if line.bold:
            header.append(line)
        elif header:
            return header, line
    return header, None


def _rule_columns(page: Page, first: PlacedLine) -> tuple[list[float], tuple[float, float]] | None:
    """Column edges (x of the vertical rules) and the vertical band of the boxed row holding `first`."""
    mid = (first.top + first.bottom) / 2
    vrules = [r for r in page.vrules if r.top - 1 <= mid <= r.bottom + 1]
    if len(vrules) < 3:
        return None
    xs: list[float] = []
    for x in sorted(r.x0 for r in vrules):
        if not xs or x - xs[-1] > 2:
            xs.append(x)
    top, bottom = min(r.top for r in vrules), max(r.bottom for r in vrules)
    # a grid may draw one vertical rule through header and rows: the row is cut by its horizontal rules
    ys = [r.top for r in page.hrules if r.x0 <= xs[1] and r.x1 >= xs[-2] and top - 1 <= r.top <= bottom + 1]
    top = max([y for y in ys if y <= first.top + 1], default=top)
    bottom = min([y for y in ys if y >= first.bottom - 1], default=bottom)
    return xs, (top, bottom)


def _header_columns(header: list[PlacedLine], left: float, right: float) -> list[float]:
    """Column edges from where the header's column labels start (for a table drawn without rules)."""
    starts: list[float] = []
    for line in header:
        for run in words_to_phrases(line.line.words):
            starts.append(run[0].x0 - 1)
    edges: list[float] = [left]
    for x in sorted(starts):
        if x - edges[-1] > 4:
            edges.append(x)
    return edges + [right + 1]


def _header_text(header: list[PlacedLine], x0: float, x1: float) -> str:
    """The header words printed over the x-range [x0, x1), top to bottom."""
    words = [w for line in header for w in line.line.words if x0 - 1 <= w.x0 < x1 - 1]
    return " ".join(normalise_spaces(l.text) for l in words_to_lines(words))


def _data_words(block_lines: list[PlacedLine], first: PlacedLine, band: tuple[float, float] | None) -> list[Word]:
    """Words of the data row: inside the ruled band, or the first data line and the lines wrapped under it."""
    page_lines = [l for l in block_lines if l.page == first.page]
    if band is not None:
        return [w for l in page_lines for w in l.line.words if band[0] - 0.5 <= (w.top + w.bottom) / 2 <= band[1] + 0.5]
    out, prev = list(first.line.words), first
    for line in page_lines[page_lines.index(first) + 1:]:
        if line.bold or COMMENT.match(line.text) or line.top - prev.bottom > 0.6 * first.size:
            break
        out.extend(line.line.words)
        prev = line
    return out


def block_to_table(block: KpiBlock, pages: dict[int, Page]) -> KpiTable | None:
    """The key figure's data row split into cells by column, or None when the block has no table."""
    header, first = _table_parts(block.body)
    if first is None:
        return None
    ruled = _rule_columns(pages[first.page], first)
    words = _data_words(block.body, first, ruled[1] if ruled else None)
    if ruled:
        edges = ruled[0]
    else:
        left = min(w.x0 for w in words)
        right = max([w.x1 for w in words] + [w.x1 for h in header for w in h.line.words])
        edges = _header_columns(header, left, right)
    columns = [Column(a, b, _header_text(header, a, b)) for a, b in zip(edges, edges[1:])]
    cells = []
    for col in columns:
        inside = [w for w in words if col.holds(w)]
        text = " ".join(normalise_spaces(l.text) for l in words_to_lines(inside))
        cells.append(Cell(text, first.page, union_box([w.bbox for w in inside])))
    return KpiTable(columns, cells, first.page, union_box([w.bbox for w in words]))


# ----- figures -----------------------------------------------------------------------------------------


def _parse_cell(cell: Cell, what: str, kpi_no: str, problems: list[Problem]) -> Parsed | None:
    """The number printed in a cell; an empty cell is None, an unreadable one a Problem (never a guess)."""
    if not cell.text:
        return None
    try:
        return parse_number(cell.text)
    except ParseError:
        problems.append(Problem(cell.page, SECTION, f"nyckeltal {kpi_no}: {what} not a number: {cell.text!r}"))
        return None


def kpi_unit(value: Parsed | None, header: str) -> str | None:
    """The key figure's unit: '%' when printed or named, 'kvot' for a ratio, 'kr' for kronor."""
    h = header.lower()
    if value is not None and value.percent:
        return "%"
    if "kvot" in h:
        return "kvot"
    if "(%)" in h or "procent" in h or re.search(r"(^|\s)%", h):
        return "%"
    if re.search(r"\b(kronor|kr)\b", h):
        return "kr"
    return None


def _ratio(a: Decimal, b: Decimal, unit: str | None) -> Decimal | None:
    """a / b in the key figure's unit (a percentage is multiplied by 100)."""
    if b == 0:
        return None
    return a / b * (100 if unit == "%" else 1)


def numerator_denominator(underlag: list[tuple[Column, Parsed | None]], value: Parsed | None,
                          unit: str | None) -> tuple[int | None, int | None, str | None]:
    """Which underlag columns are numerator and denominator.

    Two columns: as printed (numerator first). More columns (e.g. counts and two shares for a ratio of
    shares): the two percentage columns, in the order whose quotient is nearest the printed value; when
    that does not decide clearly, (None, None) and the reason."""
    filled = [(i, p) for i, (_, p) in enumerate(underlag) if p is not None]
    if not filled:
        return None, None, None
    if len(underlag) == 2:
        return 0, 1, None
    shares = [(i, p) for i, p in filled if p.percent or "%" in underlag[i][0].header]
    if len(shares) != 2 or value is None:
        return None, None, f"{len(underlag)} underlag columns, {len(shares)} shares: numerator/denominator unclear"
    (i, a), (j, b) = shares
    fits = []
    for num, den, n, d in ((i, j, a, b), (j, i, b, a)):
        q = _ratio(n.value, d.value, unit)
        if q is not None:
            fits.append((abs(q - value.value), num, den))
    fits.sort()
    lo, hi = value.interval()
    tolerance = max(hi - lo, abs(value.value) * Decimal("0.02"))
    if not fits or fits[0][0] > tolerance or (len(fits) > 1 and fits[1][0] <= tolerance):
        return None, None, "the quotient of the shares does not single out numerator and denominator"
    return fits[0][1], fits[0][2], None


def _comment(block: KpiBlock) -> tuple[str | None, list[PlacedLine]]:
    """The text after 'Kommentarer:' up to the next bold line or contact line, and its lines."""
    at = next((k for k, l in enumerate(block.body) if COMMENT.match(l.text)), None)
    if at is None:
        return None, []
    first = COMMENT.match(block.body[at].text).group("rest")
    lines = [block.body[at]] if first else []
    texts = [first] if first else []
    for line in block.body[at + 1:]:
        if line.bold or CONTACT.match(line.text) or HEADING.match(line.text):
            break
        lines.append(line)
        texts.append(line.text)
    return (join_prose_lines(texts) or None), lines


def _prov(cell: Cell) -> Provenance:
    """Where a cell is printed, with its text."""
    return Provenance(cell.page, cell.bbox, cell.text)


def block_to_kpi(block: KpiBlock, table: KpiTable) -> tuple[Kpi | None, list[Problem]]:
    """One Kpi from a key figure's block and its table; what cannot be read becomes a Problem."""
    problems: list[Problem] = []
    no = block.number
    value_i, prior_i = table.role_index()
    if value_i is None:
        return None, [Problem(table.page, SECTION, f"nyckeltal {no}: no 'Nyckeltal' column in the table header")]
    value = _parse_cell(table.cells[value_i], "value", no, problems)
    prior = _parse_cell(table.cells[prior_i], "prior value", no, problems) if prior_i is not None else None
    unit = kpi_unit(value, table.columns[value_i].header) or kpi_unit(prior, table.columns[prior_i].header
                                                                         if prior_i is not None else "")
    underlag_cols = list(range(1, value_i))
    underlag = [(table.columns[k], _parse_cell(table.cells[k], "underlag", no, problems)) for k in underlag_cols]
    num_i, den_i, why = numerator_denominator(underlag, value, unit)
    if why:
        problems.append(Problem(table.page, SECTION, f"nyckeltal {no}: {why}"))
    comment, comment_lines = _comment(block)
    heading_box = union_box([h.bbox for h in block.heading])
    kpi = Kpi(
        kpi_no=no, name=block.name or None,
        numerator=underlag[num_i][1].value if num_i is not None and underlag[num_i][1] else None,
        denominator=underlag[den_i][1].value if den_i is not None and underlag[den_i][1] else None,
        value=value.value if value else None, prior_value=prior.value if prior else None, unit=unit,
        value_printed=table.cells[value_i].text or None, comment=comment,
        page=table.page, bbox=table.bbox,
    )
    kpi.provenance["kpi_no"] = Provenance(block.heading[0].page, heading_box, block.heading[0].text)
    kpi.provenance["name"] = Provenance(block.heading[0].page, heading_box, " ".join(h.text for h in block.heading))
    kpi.provenance["label"] = _prov(table.cells[0])
    for field_name, index in (("numerator", num_i), ("denominator", den_i)):
        if index is not None and underlag[index][1] is not None:
            kpi.provenance[field_name] = _prov(table.cells[underlag_cols[index]])
    for field_name, index in (("value", value_i), ("prior_value", prior_i)):
        if index is not None and table.cells[index].text:
            kpi.provenance[field_name] = _prov(table.cells[index])
    if unit:
        kpi.provenance["unit"] = Provenance(table.page, table.cells[value_i].bbox, table.columns[value_i].header)
    if comment_lines:
        kpi.provenance["comment"] = Provenance(comment_lines[0].page, union_box([l.bbox for l in comment_lines]),
                                               comment or "")
    return kpi, problems


# ----- the section ---------------------------------------------------------------------------------------


def extract_kpis(pages: list[Page], ctx: SectionContext) -> SectionResult:
    """Every numbered key figure of the section as a Kpi; key figures without a readable table as Problems."""
    result = SectionResult()
    committee = ctx.doc.committee
    by_number = {p.number: p for p in pages}
    blocks = lines_to_blocks(content_lines(pages, committee))
    if not blocks:
        first = pages[0].number if pages else None
        result.problems.append(Problem(first, SECTION, "no 'Nyckeltal N:' heading found"))
    for block in blocks:
        table = block_to_table(block, by_number)
        if table is None:
            note = next((l.text for l in block.body if not l.bold), "")
            result.problems.append(Problem(block.heading[0].page, SECTION,
                                           f"nyckeltal {block.number} has no table of figures: {note!r}"))
            continue
        kpi, problems = block_to_kpi(block, table)
        result.problems.extend(problems)
        if kpi is not None:
            result.records.append(kpi)
    return result
