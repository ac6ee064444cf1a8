"""The risk register (VoR, väsentlighets- och riskanalys): one `RiskRow` per printed risk, across all its pages.

The table is read by geometry, not by flattening text. Column x-ranges come from the repeated header
("KF:s mål för verksamhetsområdet | Process | Arbetssätt | Nr | Oönskad händelse | Sannolikhet | Konsekvens
| RV | IKP"); rows are the bands between horizontal rules under the risk cells. Goal, process and way of
working are merged cells that span rows: their text is printed once at the top of the span, and the rule
under such a column is drawn only where its span ends. So each of these columns is read as a sequence of
spans cut by its own rules, and every row takes the span it lies in — across page breaks, where a span
that was not closed at the foot of a page continues at the top of the next one (also in a band printed
above the first row of the next page, which holds only the rest of cells cut by the break).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extractors.pages import Box, Line, Page, Rule, Word, union_box, words_to_lines
from parsers import ParseError, normalise_spaces, parse_in_control_plan, parse_number, parse_scale
from parsers.cuts import join_from_the_end, line_may_end_in_cut
from parsers.codes import CONSEQUENCE_LABELS, PROBABILITY_LABELS
from pipeline.records import Problem, Provenance, RiskRow

SECTION = "vor"

# column key -> lower-case first word of its header label (and accepted alternatives)
HEADER_LABELS: dict[str, tuple[str, ...]] = {
    "goal": ("kf:s", "kf", "mål"),
    "process": ("process",),
    "working_method": ("arbetssätt",),
    "risk_no": ("nr", "nr.", "risknr"),
    "event": ("oönskad", "risk"),
    "probability": ("sannolikhet", "s"),
    "consequence": ("konsekvens", "k"),
    "risk_value": ("rv", "riskvärde"),
    "in_control_plan": ("ikp",),
}
COLUMN_ORDER = tuple(HEADER_LABELS)
SPANNING = ("goal", "process", "working_method")  # merged cells carried over the rows they cover
OWN = ("risk_no", "event", "probability", "consequence", "risk_value", "in_control_plan")
GOAL_CODE = re.compile(r"^(\d+(?:\.\d+)+\.?)(?=\s|$)")
ROUND = 1.0  # points within which two rules are at the same height


# ----- page geometry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One table column: its key, its x-range (edge to edge) and where its text may reach on the right."""

    key: str
    x0: float
    x1: float
    text_x1: float

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2

    def holds(self, word: Word) -> bool:
        return self.x0 - 0.5 <= word.x0 < self.x1 - 0.5


@dataclass(frozen=True)
class Header:
    """The table header on one page: its columns and the y where the table body starts."""

    columns: tuple[Column, ...]
    top: float
    bottom: float

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    def column_of(self, word: Word) -> str | None:
        for c in self.columns:
            if c.holds(word):
                return c.key
        return None


@dataclass
class Segment:
    """A horizontal band of the table body between two row rules, with its words per column.

    `opens[key]` says whether a spanning column's rule at the band's top ends the span above (None
    where the top is the header rule or a band rule, so the state at the foot of the previous page holds)."""

    page: int
    top: float
    bottom: float
    words: dict[str, list[Word]]
    opens: dict[str, bool | None]

    @property
    def has_own_cells(self) -> bool:
        return any(self.words.get(k) for k in OWN)


@dataclass
class PageTable:
    """What one VoR page holds: header, body segments, whether each spanning column is closed at the foot,
    and text under the last rule that continues a span there."""

    page: Page
    header: Header
    segments: list[Segment]
    closed_at_foot: dict[str, bool]
    overflow: dict[str, list[Word]] = field(default_factory=dict)


def names_column(text: str, labels: tuple[str, ...]) -> bool:
    """Is a header word one of a column's labels? A long label cut at the column edge (`Sannolikhe`) counts."""
    token = normalise_spaces(text).lower().rstrip(".:")
    return any(token == label.rstrip(".:") or (len(token) >= 5 and label.startswith(token)) for label in labels)


def stacked_label_text(word: Word, words: list[Word], leading: float) -> str:
    """A header word with the pieces printed under it at the same left edge, each within `leading` (the header
    line's height) of the one above, glued: a narrow column wraps its label mid-word (`R` over `V` is `RV`)."""
    text, bottom = word.text, word.bottom
    while True:
        below = [w for w in words if abs(w.x0 - word.x0) <= 1.0 and 0 <= w.top - bottom <= leading
                 and w.bold == word.bold and w.size == word.size]
        if len(below) != 1:
            return text
        text, bottom = text + below[0].text, below[0].bottom


def header_line_words(page: Page) -> tuple[dict[str, Word], Line] | None:
    """The header line of a VoR page (the line naming at least seven of the nine columns, Nr among them)
    and its first word per column key; a label wrapped mid-word under its first piece counts whole."""
    for line in page.lines(tolerance=2.5):
        found: dict[str, Word] = {}
        unnamed: list[Word] = []
        for w in line.words:
            for key, labels in HEADER_LABELS.items():
                if key not in found and names_column(w.text, labels):
                    found[key] = w
                    break
            else:
                unnamed.append(w)
        if 5 <= len(found) < len(HEADER_LABELS):  # a header line: its unnamed words may be wrapped labels
            for w in unnamed:
                glued = stacked_label_text(w, page.words, line.bottom - line.top)
                key = next((k for k, labels in HEADER_LABELS.items()
                            if glued != w.text and k not in found and names_column(glued, labels)), None)
                if key is not None:
                    found[key] = w
        if len(found) >= 7 and "risk_no" in found and all(k in found for k in ("event", "probability")):
            return found, line
    return None


def column_edges(page: Page, near_top: float) -> list[float]:
    """x positions where table rules start or end (column edges), from the rules under the header."""
    xs: list[float] = []
    for r in page.rules:
        if r.horizontal and r.top >= near_top - 2:
            xs += [r.x0, r.x1]
        elif not r.horizontal and r.bottom >= near_top:
            xs.append(r.x0)
    return sorted(xs)


def header_to_columns(found: dict[str, Word], page: Page, top: float) -> tuple[Column, ...] | None:
    """Column x-ranges from the header words: a column runs from its label's left edge to the next one's.

    Rule ends at the column edges (when drawn) give the cell padding, hence where a cell's text can reach."""
    keys = [k for k in COLUMN_ORDER if k in found]
    if [found[k].x0 for k in keys] != sorted(found[k].x0 for k in keys):
        return None
    edges = column_edges(page, top)
    pads = []
    for k in keys:
        left = [x for x in edges if found[k].x0 - 8 <= x <= found[k].x0 + 0.3]
        if left:
            pads.append(found[k].x0 - max(left))
    pad = sorted(pads)[len(pads) // 2] if pads else 0.0
    right_edge = max((x for x in edges), default=max(w.x1 for w in page.words))
    cols = []
    for i, k in enumerate(keys):
        x0 = found[k].x0 - pad
        x1 = found[keys[i + 1]].x0 - pad if i + 1 < len(keys) else max(right_edge, found[k].x1 + pad)
        cols.append(Column(k, x0, x1, x1 - pad))
    return tuple(cols)


def header_bottom(page: Page, line: Line, columns: tuple[Column, ...]) -> float:
    """Where the table body starts: the first rule under the header line that spans the whole table,
    else the foot of the bold header lines."""
    left, right = columns[0].x0, columns[-1].x0
    for r in sorted(page.hrules, key=lambda r: r.top):
        if r.top > line.top and r.x0 <= left + 2 and r.x1 >= right:
            return r.top
    bold = [w for w in page.words if w.bold and line.top - 1 <= w.top <= line.top + 4 * (line.bottom - line.top)]
    return max([w.bottom for w in bold] + [line.bottom]) + 0.5


def find_header(page: Page) -> Header | str | None:
    """The VoR header of a page; None when the page has none, a message when it names too few columns."""
    hit = header_line_words(page)
    if hit is None:
        return None
    found, line = hit
    missing = [k for k in COLUMN_ORDER if k not in found]
    if missing:
        return f"VoR header without the columns {', '.join(missing)}: page not read"
    columns = header_to_columns(found, page, line.top)
    if columns is None:
        return "VoR header columns out of their usual order: page not read"
    return Header(columns, line.top, header_bottom(page, line, columns))


def rules_at(rules: list[Rule], y: float) -> list[Rule]:
    return [r for r in rules if abs(r.top - y) <= ROUND]


def covers(rules: list[Rule], x: float) -> bool:
    return any(r.x0 - 0.5 <= x <= r.x1 + 0.5 for r in rules)


def row_boundaries(page: Page, header: Header) -> list[float]:
    """Heights of the rules under the risk cells (Nr / event columns), top to bottom, starting at the header."""
    marks = [header.column("risk_no").mid, header.column("event").mid]
    ys: list[float] = []
    for r in sorted(page.hrules, key=lambda r: r.top):
        if r.top <= header.bottom + ROUND:
            continue
        if any(r.x0 - 0.5 <= m <= r.x1 + 0.5 for m in marks) and (not ys or r.top - ys[-1] > ROUND):
            ys.append(r.top)
    return [header.bottom] + ys


def words_by_column(words: list[Word], header: Header) -> dict[str, list[Word]]:
    out: dict[str, list[Word]] = {}
    for w in words:
        key = header.column_of(w)
        if key is not None:
            out.setdefault(key, []).append(w)
    return out


def page_to_table(page: Page, problems: list[Problem]) -> PageTable | None:
    """Cut one VoR page into header, body segments and the state of the spanning columns at its foot."""
    header = find_header(page)
    if not isinstance(header, Header):
        problems.append(Problem(page.number, SECTION, header or f"no VoR table header found; first line: "
                                                                f"{page.first_line()!r}"))
        return None
    ys = row_boundaries(page, header)
    if len(ys) < 2:
        problems.append(Problem(page.number, SECTION, "VoR page without row rules: rows and merged cells cannot be "
                                                      "told apart, page not read"))
        return None
    hrules = [r for r in page.hrules if r.top > header.bottom + ROUND]
    body = [w for w in page.words if w.top >= header.bottom - 0.5]
    unplaced = [w for w in body if header.column_of(w) is None]
    if unplaced:
        problems.append(Problem(page.number, SECTION, "words outside the VoR columns not read: "
                                + " ".join(w.text for w in unplaced)[:200]))
    segments: list[Segment] = []
    previous_was_band = False
    for i, (top, bottom) in enumerate(zip(ys, ys[1:])):
        # each word in one band: the first band takes words centred up to half a point above its top, the others
        # start at their rule (a word centred just above a rule is the band above's last line, held-out seed 165:
        # read in both bands, it was read twice into the merged cell they share)
        low = top - 0.5 if i == 0 else top
        seg_words = words_by_column([w for w in body if low <= w.mid_y < bottom], header)
        first = i == 0
        opens: dict[str, bool | None] = {}
        for key in SPANNING:
            opens[key] = None if (first or previous_was_band) else covers(rules_at(hrules, top),
                                                                          header.column(key).mid)
        seg = Segment(page.number, top, bottom, seg_words, opens)
        previous_was_band = first and not seg.has_own_cells
        segments.append(seg)
    last = ys[-1]
    closed = {k: covers(rules_at(hrules, last), header.column(k).mid) for k in SPANNING}
    table = PageTable(page, header, segments, closed)
    below = words_by_column([w for w in body if w.mid_y >= last], header)
    for key, words in below.items():
        kept = contiguous_below(words, last) if key in SPANNING and not closed[key] else []
        table.overflow[key] = kept
        rest = [w for w in words if w not in kept]
        if rest:
            problems.append(Problem(page.number, SECTION, f"text under the last table row not read ({key}): "
                                    + " ".join(w.text for w in rest)[:200]))
    return table


def contiguous_below(words: list[Word], y: float) -> list[Word]:
    """Lines of a spanning cell that run on under the last row rule (its text is longer than its rows),
    line after line with no gap; anything further down is not part of the cell."""
    kept: list[Word] = []
    reach = y
    for line in words_to_lines(words):
        height = line.bottom - line.top
        if line.top - reach > max(height, 2.0) * 1.2:
            break
        kept += list(line.words)
        reach = line.bottom
    return kept


# ----- cells -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellText:
    """A cell's text as printed on one page: lines, the printed string and its bbox (each computed once)."""

    page: int
    lines: list[Line]

    @cached_property
    def printed(self) -> str:
        return " ".join(normalise_spaces(line.text) for line in self.lines)

    @cached_property
    def bbox(self) -> Box | None:
        return union_box([line.bbox for line in self.lines])


def join_lines(lines: list[Line], column: Column | list[Column]) -> str:
    """A cell's lines as running text, whitespace normalised (`parsers.cuts.join_from_the_end`): a one-word line
    that fills its column (`parsers.cuts.line_may_end_in_cut`) may be a mid-word cut (`verksamhetsområde|schefer`,
    `(flyktingmottagan|de)`). `column` may be given per line (a merged cell continued on a page with other
    column widths)."""
    columns = column if isinstance(column, list) else [column] * len(lines)
    return join_from_the_end([normalise_spaces(line.text) for line in lines],
                             lambda i: line_may_end_in_cut(lines[i], lines[i + 1], columns[i].text_x1))


def cell_lines(words: list[Word]) -> list[Line]:
    return words_to_lines(words)


@dataclass
class Span:
    """A merged cell of a spanning column: its parts on one or more pages, in reading order."""

    key: str
    parts: list[CellText] = field(default_factory=list)

    def add(self, page: int, words: list[Word]) -> None:
        if not words:
            return
        if self.parts and self.parts[-1].page == page:
            merged = [w for line in self.parts[-1].lines for w in line.words] + list(words)
            self.parts[-1] = CellText(page, cell_lines(merged))
        else:
            self.parts.append(CellText(page, cell_lines(words)))

    def text(self, column_on: dict[int, Column]) -> str | None:
        """The merged cell's text over all its parts; a part on the next page joins like a wrapped line."""
        lines = [line for part in self.parts for line in part.lines]
        columns = [column_on[part.page] for part in self.parts for _ in part.lines]
        return join_lines(lines, columns) or None

    def first_part(self) -> CellText | None:
        return self.parts[0] if self.parts else None


# ----- rows --------------------------------------------------------------------------------------


@dataclass
class RawRow:
    """A table row before parsing: its segment and the spans it lies in."""

    segment: Segment
    header: Header
    spans: dict[str, Span]
    opened: dict[str, bool]  # the span of this column starts at this row


def tables_to_rows(tables: list[PageTable], problems: list[Problem]) -> list[RawRow]:
    """Walk the body segments of all pages in order, cutting each spanning column into spans at its rules
    and giving every row the spans it lies in."""
    current: dict[str, Span | None] = {k: None for k in SPANNING}
    closed_before: dict[str, bool] = {k: True for k in SPANNING}
    rows: list[RawRow] = []
    for table in tables:
        for i, seg in enumerate(table.segments):
            if not seg.has_own_cells:
                if not any(seg.words.get(k) for k in SPANNING):
                    continue
                if i != 0:
                    problems.append(Problem(seg.page, SECTION, "a table band with no risk cells inside the page; "
                                                               "its text is read as the rest of the merged cells above"))
                for key in SPANNING:
                    if seg.words.get(key):
                        if current[key] is None:
                            current[key] = Span(key)
                            problems.append(Problem(seg.page, SECTION, f"{key} text above the first row continues "
                                                                       "no cell"))
                        current[key].add(seg.page, seg.words[key])
                continue
            opened = {}
            for key in SPANNING:
                opens = seg.opens[key]
                if opens is None:
                    opens = closed_before[key]
                if opens or current[key] is None:
                    current[key] = Span(key)
                opened[key] = bool(opens)
                current[key].add(seg.page, seg.words.get(key, []))
            rows.append(RawRow(seg, table.header, dict(current), opened))  # type: ignore[arg-type]
        for key in SPANNING:
            if table.overflow.get(key) and current[key] is not None:
                current[key].add(table.page.number, table.overflow[key])
        closed_before = dict(table.closed_at_foot)
    return rows


def line_joins(texts: list[str]) -> list[str]:
    """Every way of joining a few lines with or without a space at each break (a short cell only)."""
    out = [texts[0]] if texts else []
    for t in texts[1:]:
        out = [x + sep + t for x in out for sep in (" ", "")]
    return out


def read_scale(cell: CellText | None, scale: str, column: Column,
               where: tuple[int, str]) -> tuple[int | None, str | None, list[Problem]]:
    """S or K cell (`2. Mindre` / `sannolikt`) -> (value, label as printed).

    The cell's lines are joined as running text; when another join of its breaks (a label cut mid-word in
    a narrow column: `sannolik` / `t`) gives the scale's own label for the printed value, that join wins."""
    if cell is None:
        return None, None, []
    try:
        parsed = parse_scale(join_lines(cell.lines, column), scale)
    except ParseError:
        return None, None, [Problem(where[0], SECTION, f"{where[1]}: {scale} not read from {cell.printed!r}")]
    own = (PROBABILITY_LABELS if scale == "probability" else CONSEQUENCE_LABELS)[parsed.value]
    if parsed.label_matches is False and len(cell.lines) <= 4:
        for text in line_joins([normalise_spaces(line.text) for line in cell.lines]):
            try:
                other = parse_scale(text, scale)
            except ParseError:
                continue
            if other.value == parsed.value and other.label == own:
                parsed = other
                break
    return parsed.value, (parsed.label or None), []


def read_int(cell: CellText | None, column: Column, low: int, high: int, what: str,
             where: tuple[int, str]) -> tuple[int | None, list[Problem]]:
    """A whole number printed alone in a cell (risk number, RV), within [low, high]; else unread. A number
    cut over two lines of a narrow column is joined only where the line above fills the column."""
    if cell is None:
        return None, []
    try:
        number = parse_number(join_lines(cell.lines, column))
    except ParseError:
        return None, [Problem(where[0], SECTION, f"{where[1]}: {what} not read from {cell.printed!r}")]
    if number.decimals or number.percent or number.nil or not (low <= number.value <= high):
        return None, [Problem(where[0], SECTION, f"{where[1]}: {what} {cell.printed!r} is not a whole number "
                                                 f"in {low}–{high}")]
    return int(number.value), []


def own_cell(seg: Segment, key: str) -> CellText | None:
    words = seg.words.get(key) or []
    return CellText(seg.page, cell_lines(words)) if words else None


def raw_to_record(raw: RawRow, column_on: dict[int, dict[str, Column]]) -> tuple[RiskRow, list[Problem]]:
    """One table row -> a typed `RiskRow` with provenance per field read."""
    seg, header = raw.segment, raw.header
    problems: list[Problem] = []
    cells = {k: own_cell(seg, k) for k in OWN}
    label = f"row at y={seg.top:.0f}"
    risk_no, p = read_int(cells["risk_no"], header.column("risk_no"), 1, 10_000, "risk number", (seg.page, label))
    problems += p
    if risk_no is not None:
        label = f"risk {risk_no}"
    where = (seg.page, label)
    probability, probability_label, p = read_scale(cells["probability"], "probability",
                                                   header.column("probability"), where)
    problems += p
    consequence, consequence_label, p = read_scale(cells["consequence"], "consequence",
                                                   header.column("consequence"), where)
    problems += p
    risk_value, p = read_int(cells["risk_value"], header.column("risk_value"), 1, 25, "RV", where)
    problems += p
    ikp_cell = cells["in_control_plan"]
    try:
        in_plan: bool | None = parse_in_control_plan(ikp_cell.printed if ikp_cell else "")
    except ParseError:
        in_plan = None
        problems.append(Problem(seg.page, SECTION, f"{label}: IKP cell not read: {ikp_cell.printed!r}"))
    if risk_no is not None and None in (probability, consequence, risk_value) and not problems:
        problems.append(Problem(seg.page, SECTION, f"{label}: S, K or RV not printed"))
    event_col = header.column("event")
    event = join_lines(cells["event"].lines, event_col) if cells["event"] else None

    texts: dict[str, str | None] = {}
    for key in SPANNING:
        cols = {page: by_key[key] for page, by_key in column_on.items()}
        texts[key] = raw.spans[key].text(cols)
    goal = texts["goal"]
    code = GOAL_CODE.match(goal) if goal else None

    provenance: dict[str, Provenance] = {}
    for key, cell in cells.items():
        if cell is not None:
            provenance[key] = Provenance(cell.page, cell.bbox, cell.printed)
    if ikp_cell is None:
        col = header.column("in_control_plan")
        provenance["in_control_plan"] = Provenance(seg.page, (col.x0, seg.top, col.x1, seg.bottom), "")
    for key in SPANNING:
        first = raw.spans[key].first_part()
        if first is not None:
            provenance[key] = Provenance(first.page, first.bbox, first.printed)
    if code and "goal" in provenance:
        provenance["goal_code"] = Provenance(provenance["goal"].page, provenance["goal"].bbox, code.group(1))
    for key, src in (("probability_label", "probability"), ("consequence_label", "consequence")):
        if src in provenance:
            provenance[key] = provenance[src]

    boxes = [c.bbox for c in cells.values() if c is not None and c.bbox]
    for key in SPANNING:
        first = raw.spans[key].first_part()
        if raw.opened[key] and first is not None and first.page == seg.page and first.bbox:
            boxes.append(first.bbox)
    record = RiskRow(
        risk_no=risk_no, goal_code=code.group(1) if code else None, goal=goal, process=texts["process"],
        working_method=texts["working_method"], event=event, probability=probability,
        probability_label=probability_label, consequence=consequence, consequence_label=consequence_label,
        risk_value=risk_value, in_control_plan=in_plan, page=seg.page,
        bbox=union_box(boxes) or (header.columns[0].x0, seg.top, header.columns[-1].x1, seg.bottom),
        provenance=provenance)
    return record, problems


def duplicate_numbers(records: list[RiskRow]) -> list[Problem]:
    seen: dict[int, RiskRow] = {}
    out = []
    for r in records:
        if r.risk_no is None:
            continue
        if r.risk_no in seen:
            out.append(Problem(r.page, SECTION, f"risk number {r.risk_no} printed twice (pages "
                                                f"{seen[r.risk_no].page} and {r.page})"))
        seen[r.risk_no] = r
    return out


def extract_vor(pages: list[Page], ctx) -> "SectionResult":
    """The VoR section's pages -> one RiskRow per risk (the unnumbered one included), Problems for the rest."""
    from pipeline.extract import SectionResult

    problems: list[Problem] = []
    tables = [t for t in (page_to_table(p, problems) for p in pages) if t is not None]
    rows = tables_to_rows(tables, problems)
    column_on = {t.page.number: {c.key: c for c in t.header.columns} for t in tables}
    records: list[RiskRow] = []
    for raw in rows:
        record, p = raw_to_record(raw, column_on)
        records.append(record)
        problems += p
    problems += duplicate_numbers(records)
    if not records:
        problems.append(Problem(pages[0].number if pages else None, SECTION, "no VoR rows read"))
    return SectionResult(list(records), problems)
