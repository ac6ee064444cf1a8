"""Project lists: the Projektbilaga (numbered prose blocks under funder headings) and the innovation tables.

The Projektbilaga is read as a stream of typed lines across its pages (running headers and page numbers
dropped, so a block cut by a page break goes on): headings in a larger bold type name the funder and the
committee's role, bold title lines open a project ("2. Name", "24 Name", a sub-project "A) Bron" or an
unnumbered "Bron"), and 'Label: value' lines (bold label) carry budget, co-financing, period and
department, a value wrapping onto hanging-indented lines. The innovation tables are ruled tables read with
extractors.procurement's grid reader; their columns are found by header words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.pages import Box, Line, Page, mode_size, union_box
from extractors.procurement import (GridRow, GridTable, content_lines, join_cell_lines, merge_continuation_rows,
                                    read_ruled_tables, running_line_keys)
from parsers import ParseError, normalise_spaces, parse_amount, parse_period, project_key
from parsers.facts import LabelledField, extract_labelled_fields, field_for_label
from parsers.numbers import Amount
from parsers.periods import Period
from pipeline.extract import SectionContext, SectionResult
from pipeline.records import Problem, Project, Provenance

# ----- funders and roles (data: the funders' names as Swedish plans print them) -------------------------

# (cue in a heading, lower case) -> funder's short name; the first cue found wins, so specific cues first
FUNDER_CUES: tuple[tuple[str, str], ...] = (
    ("smart stad", "Smart stad"),
    ("sociala investeringsfond", "Sociala investeringsfonden"),
    ("samordningsförbund", "FINSAM"),
    ("finsam", "FINSAM"),
    ("delegationen mot segregation", "DELMOS"),
    ("delmos", "DELMOS"),
    ("länsstyrelsen", "Länsstyrelsen"),
    ("erasmus", "Erasmus+"),
    ("europeiska kommissionen", "Europeiska kommissionen"),
    ("vinnova", "Vinnova"),
    ("arvsfonden", "Allmänna arvsfonden"),
    ("europeiska socialfonden", "ESF"),
    ("esf", "ESF"),
    ("europeiska regionala utvecklingsfonden", "ERUF"),
    ("eruf", "ERUF"),
    ("asyl-, migrations- och integrationsfonden", "AMIF"),
    ("amif", "AMIF"),
)
FUNDING_WORDS = ("finansier", "finansiering", "projektägare", "samarbetspart", "nämnden är", "medel från")
ROLE = re.compile(r"nämnden\s+är\s+(?:en\s+|ett\s+)?(projektägare|delprojektägare|samarbetspartner|samarbetspart"
                  r"|partner|medfinansiär|part)\b", re.IGNORECASE)
ITEM = re.compile(r"^(?P<no>\d{1,3})(?:\.\s*|\s+)(?P<name>[^\d\s.].*)$")
SUB_ITEM = re.compile(r"^(?P<letter>[A-ZÅÄÖ])\)\s*(?P<name>\S.*)$")
# a status note after the name: "Utökat stöd inom VUX – projekt under handläggning"
STATUS_NOTE = re.compile(r"^(?P<name>.*\S)\s+[–—-]\s+"
                         r"(?P<note>projekt(?:et)?\s+(?:under|är|i|har|avslutat|beviljat)\b.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class FunderReading:
    """What a group heading says: the funder's short name, the committee's role, and whether the heading
    speaks of funding at all (a section title like 'Projektbilaga' does not)."""

    funder: str | None
    role: str | None
    about_funding: bool


def heading_to_funder(text: str) -> FunderReading:
    """'Projekt finansierade av Europeiska socialfonden (ESF), nämnden är projektägare' -> ESF, projektägare."""
    low = normalise_spaces(text).lower()
    funder = next((name for cue, name in FUNDER_CUES if re.search(rf"(?<![a-zåäö]){re.escape(cue)}", low)), None)
    if funder == "Länsstyrelsen" and "37" in low:
        funder = "Länsstyrelsen §37"
    m = ROLE.search(text)
    role = m.group(1).lower() if m else None
    about = funder is not None or role is not None or any(w in low for w in FUNDING_WORDS)
    return FunderReading(funder, role, about)


# ----- the Projektbilaga as typed lines ------------------------------------------------------------------


@dataclass(frozen=True)
class TypedLine:
    """A content line of the section and what it is: heading | title | label | text."""

    page: int
    line: Line
    kind: str

    @property
    def text(self) -> str:
        return normalise_spaces(self.line.text)


def body_size(lines: list[Line]) -> float:
    """The type size of running text: the most common size of the non-bold words."""
    return mode_size(w for ln in lines for w in ln.words if not w.bold)


def _label_split(line: Line) -> int | None:
    """Index of the first value word when the line starts with a label ending in ':' — printed in bold
    ('Projektets budget:'), or one of the known field labels in any type — else None."""
    end = next((i + 1 for i, w in enumerate(line.words[:6]) if w.text.endswith(":")), None)
    if end is None:
        return None
    label = line.words[:end]
    known = field_for_label(" ".join(w.text for w in label)) is not None
    return end if all(w.bold for w in label) or known else None


def classify_line(line: Line, body: float) -> str:
    """heading (bold, clearly larger than the text), title (bold line opening a project), label (bold
    'Label:' then a value) or text."""
    all_bold = all(w.bold for w in line.words)
    size = max(w.size for w in line.words)
    if all_bold and size >= body + 1.5:
        return "heading"
    if _label_split(line) is not None:
        return "label"
    if all_bold and (size >= body + 0.3 or ITEM.match(line.text) or SUB_ITEM.match(line.text)):
        return "title"
    return "text"


def typed_lines(pages: list[Page], committee: str | None) -> list[TypedLine]:
    """The section's content lines in print order, typed; running headers and page numbers left out."""
    running = running_line_keys(pages, committee)
    per_page = [(p.number, content_lines(p, running)) for p in pages]
    body = body_size([ln for _, lines in per_page for ln in lines])
    return [TypedLine(n, ln, classify_line(ln, body)) for n, lines in per_page for ln in lines]


@dataclass
class LabelledLine:
    """A 'Label: value' line with its wrapped continuation lines."""

    label: str
    parts: list[tuple[int, Line]]  # value lines (page, line); the first holds only the value's words
    label_page: int = 0  # where the label itself stands: the place of a label printed without a value
    label_bbox: Box | None = None

    @property
    def value(self) -> str:
        return join_cell_lines([ln for _, ln in self.parts])

    @property
    def page(self) -> int:
        return self.parts[0][0] if self.parts else self.label_page

    @property
    def bbox(self) -> Box | None:
        if not self.parts:
            return self.label_bbox
        return union_box([ln.bbox for pg, ln in self.parts if pg == self.page])


@dataclass
class ProjectBlock:
    """One project as printed: its title lines, labelled lines, and the heading it stands under."""

    title: list[TypedLine]
    labelled: list[LabelledLine] = field(default_factory=list)
    heading: list[TypedLine] = field(default_factory=list)


def lines_to_blocks(lines: list[TypedLine]) -> tuple[list[ProjectBlock], list[TypedLine]]:
    """Group typed lines into project blocks; returns (blocks, the text lines printed before any title)."""
    blocks: list[ProjectBlock] = []
    heading: list[TypedLine] = []
    heading_open = False
    current: ProjectBlock | None = None
    title_open = False
    value_x: float | None = None  # x where the open labelled value's lines start (hanging indent)
    before: list[TypedLine] = []
    for tl in lines:
        if tl.kind == "heading":
            heading = heading + [tl] if heading_open else [tl]
            heading_open, current, title_open, value_x = True, None, False, None
            continue
        heading_open = False
        if tl.kind == "title":
            if title_open and current is not None and _continues(current.title[-1], tl):
                current.title.append(tl)
                continue
            current = ProjectBlock([tl], heading=list(heading))
            blocks.append(current)
            title_open, value_x = True, None
            continue
        title_open = False
        if current is None:
            before.append(tl)
            continue
        if tl.kind == "label":
            split = _label_split(tl.line) or 0
            label_words, value_words = tl.line.words[:split], tl.line.words[split:]
            label = " ".join(w.text for w in label_words)
            parts = [(tl.page, Line(tuple(value_words)))] if value_words else []
            current.labelled.append(LabelledLine(label, parts, tl.page, tl.line.bbox))
            value_x = value_words[0].x0 if value_words else None
            continue
        if value_x is not None and current.labelled and abs(tl.line.x0 - value_x) <= 2.0:
            current.labelled[-1].parts.append((tl.page, tl.line))  # a wrapped value (hanging indent)
            continue
        value_x = None  # running text: the project's description (not a field)
    return blocks, before


def _continues(prev: TypedLine, nxt: TypedLine) -> bool:
    """Is `nxt` the wrapped second line of the title `prev` (same type, directly below, not a new item)?"""
    if ITEM.match(nxt.text) or SUB_ITEM.match(nxt.text) or nxt.page != prev.page:
        return False
    gap = nxt.line.top - prev.line.bottom
    same_size = abs(nxt.line.words[0].size - prev.line.words[0].size) < 0.2
    return same_size and gap <= 0.6 * (prev.line.bottom - prev.line.top)


# ----- blocks -> Project records -------------------------------------------------------------------------


@dataclass(frozen=True)
class TitleReading:
    item_no: str | None
    name: str
    numbered: bool  # printed with its own number ('2.', '24')
    lettered: str | None  # the letter of a sub-project ('A)')


def title_to_name(title: str) -> TitleReading:
    """'2. Utvecklingsplattform ...' -> ('2', name); 'A) Bron' -> letter A; 'Bron' -> unnumbered. A trailing
    status note ('– projekt under handläggning') is not part of the name."""
    text = normalise_spaces(title)
    m = ITEM.match(text)
    no, letter = None, None
    if m:
        no, text = m.group("no"), m.group("name")
    else:
        s = SUB_ITEM.match(text)
        if s:
            letter, text = s.group("letter"), s.group("name")
    note = STATUS_NOTE.match(text)
    if note:
        text = note.group("name")
    return TitleReading(no, text.strip(), no is not None, letter)


def block_to_project(block: ProjectBlock, funder: FunderReading, item_no: str | None, section: str,
                     list_name: str = "projektbilaga") -> tuple[Project, list[Problem]]:
    """A Project from a block: name and key from the title, funder/role from the heading, fields from the
    labelled lines (amounts via parse_amount, EUR kept as EUR; periods via parse_period)."""
    title_text = join_cell_lines([t.line for t in block.title])
    title = title_to_name(title_text)
    first = block.title[0]
    tbox = union_box([t.line.bbox for t in block.title if t.page == first.page])
    rec = Project(list=list_name, item_no=item_no, name=title.name, project_key=project_key(title.name),
                  funder=funder.funder, role=funder.role, page=first.page, bbox=tbox)
    rec.provenance["name"] = rec.provenance["project_key"] = Provenance(first.page, tbox, title_text)
    if item_no is not None:
        rec.provenance["item_no"] = rec.provenance["name"]
    if block.heading:
        hp = block.heading[0].page
        heading = Provenance(hp, union_box([h.line.bbox for h in block.heading if h.page == hp]),
                             join_cell_lines([h.line for h in block.heading]))
        for name in ("funder", "role"):
            if getattr(rec, name) is not None:
                rec.provenance[name] = heading
    problems: list[Problem] = []
    fields = extract_labelled_fields([(ll.label, ll.value) for ll in block.labelled])
    lines = {}
    for ll in block.labelled:
        lines.setdefault(field_for_label(ll.label), ll)
    for key in fields:
        if "#" in key:
            problems.append(Problem(first.page, section, f"{title.name}: {key.split('#')[0]} printed twice; "
                                                         "the first is kept"))
    for name, apply in FIELD_READERS.items():
        if name in fields:
            problems.extend(apply(rec, fields[name], lines[name], section))
    return rec, problems


def read_budget(rec: Project, lf: LabelledField, ll: LabelledLine, section: str) -> list[Problem]:
    """budget_sek/currency/budget_printed from a budget line ('okänt' leaves the amount empty)."""
    rec.budget_printed = normalise_spaces(lf.printed)
    prov = Provenance(ll.page, ll.bbox, lf.printed)
    for name in ("budget_sek", "budget_printed", "currency"):
        rec.provenance[name] = prov
    if not isinstance(lf.value, Amount):
        return [Problem(ll.page, section, f"{rec.name}: budget not read ({lf.error})")]
    if not lf.value.unknown:
        rec.budget_sek, rec.currency = lf.value.value, lf.value.currency
    return []


def read_cofinancing(rec: Project, lf: LabelledField, ll: LabelledLine, section: str) -> list[Problem]:
    """cofinancing_sek/cofinancing_printed from a co-financing line (kronor only)."""
    rec.cofinancing_printed = normalise_spaces(lf.printed)
    rec.provenance["cofinancing_sek"] = rec.provenance["cofinancing_printed"] = Provenance(ll.page, ll.bbox,
                                                                                          lf.printed)
    if not isinstance(lf.value, Amount):
        return [Problem(ll.page, section, f"{rec.name}: co-financing not read ({lf.error})")]
    if lf.value.currency == "SEK":
        rec.cofinancing_sek = lf.value.value
    elif not lf.value.unknown:
        return [Problem(ll.page, section, f"{rec.name}: co-financing in {lf.value.currency} ({lf.printed!r}) "
                                          "is not kronor; not stored")]
    return []


def read_period(rec: Project, lf: LabelledField, ll: LabelledLine, section: str) -> list[Problem]:
    """start_month/end_month from a period line ('Pågående' or 'Inte bestämt' leave them empty)."""
    rec.provenance["start_month"] = rec.provenance["end_month"] = Provenance(ll.page, ll.bbox, lf.printed)
    if not isinstance(lf.value, Period):
        return [Problem(ll.page, section, f"{rec.name}: period not read ({lf.error})")]
    rec.start_month, rec.end_month = lf.value.start_month, lf.value.end_month
    return []


def read_department(rec: Project, lf: LabelledField, ll: LabelledLine, section: str) -> list[Problem]:
    """department as printed (a '; projektet samverkar med ...' clause is split off by the parser)."""
    rec.department = normalise_spaces(lf.printed) or None
    rec.provenance["department"] = Provenance(ll.page, ll.bbox, lf.printed)
    return []


FIELD_READERS = {"budget": read_budget, "cofinancing": read_cofinancing, "period": read_period,
                 "department": read_department}


def has_fields(block: ProjectBlock) -> bool:
    """Does the block print at least one labelled project field (budget, co-financing, period, department)?"""
    return any(field_for_label(ll.label) in FIELD_READERS for ll in block.labelled)


def project_blocks(blocks: list[ProjectBlock]) -> tuple[list[ProjectBlock], list[ProjectBlock]]:
    """(blocks that are projects, bold blocks that are not). A project prints labelled fields, or is a
    numbered parent whose sub-projects follow ('6. Rätt stöd för mig' before 'Bron', '23.' before 'A) Bron')."""
    keep, skip = [], []
    for i, block in enumerate(blocks):
        title = title_to_name(join_cell_lines([t.line for t in block.title]))
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        nxt_title = title_to_name(join_cell_lines([t.line for t in nxt.title])) if nxt else None
        parent = (title.numbered and nxt is not None and nxt_title is not None and not nxt_title.numbered
                  and (nxt_title.lettered is not None or has_fields(nxt)))
        (keep if has_fields(block) or parent else skip).append(block)
    return keep, skip


def blocks_to_projects(blocks: list[ProjectBlock], section: str) -> tuple[list[Project], list[Problem]]:
    """Projects of all blocks: funder and role from the heading each stands under; item numbers as printed,
    a lettered sub-project numbered under the last numbered item ('23 A')."""
    records: list[Project] = []
    problems: list[Problem] = []
    parent_no: str | None = None
    reported: set[str] = set()
    for block in blocks:
        heading_text = join_cell_lines([h.line for h in block.heading]) if block.heading else ""
        reading = heading_to_funder(heading_text) if heading_text else FunderReading(None, None, False)
        if heading_text and reading.about_funding and reading.funder is None and heading_text not in reported:
            reported.add(heading_text)
            problems.append(Problem(block.heading[0].page, section,
                                    f"funder not recognised in heading {heading_text!r}; funder left empty"))
        title = title_to_name(join_cell_lines([t.line for t in block.title]))
        if title.numbered:
            item_no = title.item_no
            parent_no = title.item_no
        elif title.lettered:
            item_no = f"{parent_no} {title.lettered}" if parent_no else None
            if parent_no is None:
                problems.append(Problem(block.title[0].page, section,
                                        f"sub-project {title.lettered}) {title.name} has no numbered parent"))
        else:
            item_no = None
        rec, probs = block_to_project(block, reading, item_no, section)
        records.append(rec)
        problems.extend(probs)
    return records, problems


def extract_project_list(pages: list[Page], ctx: SectionContext | None) -> SectionResult:
    """Projects of the Projektbilaga (VP and VB): one record per block that prints project fields, and per
    numbered parent of sub-projects; bold lines that are neither are reported, not guessed into projects."""
    section = ctx.span.kind if ctx is not None else "projektbilaga"
    committee = ctx.doc.committee if ctx is not None else None
    out = SectionResult()
    blocks, _ = lines_to_blocks(typed_lines(pages, committee))
    projects, others = project_blocks(blocks)
    if others:
        names = [join_cell_lines([t.line for t in b.title])[:50] for b in others]
        out.problems.append(Problem(others[0].title[0].page, section,
                                    f"{len(others)} bold title line(s) without project fields, not read as "
                                    f"projects: {names[:5]}"))
    if not projects:
        out.problems.append(Problem(pages[0].number if pages else None, section,
                                    "no project blocks found (no title followed by labelled project fields)"))
        return out
    records, problems = blocks_to_projects(projects, section)
    out.records.extend(records)
    out.problems.extend(problems)
    return out


# ----- innovation tables ---------------------------------------------------------------------------------

INNOVATION_COLUMNS = {
    "name": ("namn",),
    "timeline": ("tidplan", "tidsplan", "projektperiod", "period"),
    "budget": ("budget",),
}


def innovation_columns(table: GridTable) -> dict[str, int]:
    """Field -> column of an innovation table, from its header words."""
    out: dict[str, int] = {}
    for name, cues in INNOVATION_COLUMNS.items():
        col = table.column(*cues)
        if col is not None:
            out[name] = col
    return out


def is_innovation_table(table: GridTable) -> bool:
    """A ruled table with a name column whose header speaks of innovations/satsningar or has a timeline or
    budget column."""
    cols = innovation_columns(table)
    about = any(w in " ".join(table.header).lower() for w in ("innovation", "satsning"))
    return "name" in cols and (about or "timeline" in cols or "budget" in cols)


def extract_innovation_table(pages: list[Page], ctx: SectionContext | None) -> SectionResult:
    """Projects of the innovation tables (VP and VB): name, budget (VP only) and timeline per row."""
    section = ctx.span.kind if ctx is not None else "innovation"
    committee = ctx.doc.committee if ctx is not None else None
    out = SectionResult()
    running = running_line_keys(pages, committee)
    tables = [t for t in read_ruled_tables(pages, running) if is_innovation_table(t)]
    if not tables:
        out.problems.append(Problem(pages[0].number if pages else None, section,
                                    "no innovation table found (no ruled table with a 'Namn' column)"))
        return out
    for table in tables:
        cols = innovation_columns(table)
        rows, orphans = merge_continuation_rows(table.rows, cols["name"])
        for r in orphans:
            out.problems.append(Problem(r.page, section, "a table row continues nothing before it; not read"))
        for r in rows:
            rec, problems = innovation_row(r, cols, section)
            if rec is not None:
                out.records.append(rec)
            out.problems.extend(problems)
    return out


def innovation_row(row: GridRow, cols: dict[str, int], section: str) -> tuple[Project | None, list[Problem]]:
    """A Project from one innovation-table row."""
    problems: list[Problem] = []
    name_cell = row.cells[cols["name"]]
    name = name_cell.text
    if not name:
        problems.append(Problem(row.page, section, "innovation row without a name; not read"))
        return None, problems
    rec = Project(list="innovation", item_no=None, name=name, project_key=project_key(name), page=row.page,
                  bbox=row.bbox)
    rec.provenance["name"] = rec.provenance["project_key"] = name_cell.provenance()
    if "budget" in cols:
        cell = row.cells[cols["budget"]]
        printed = cell.text
        if printed:
            rec.budget_printed = printed
            prov = cell.provenance()
            for f in ("budget_sek", "budget_printed", "currency"):
                rec.provenance[f] = prov
            try:
                amount = parse_amount(printed)
                if not amount.unknown:
                    rec.budget_sek, rec.currency = amount.value, amount.currency
            except ParseError as e:
                problems.append(Problem(row.page, section, f"{name}: budget not read ({e})"))
    if "timeline" in cols:
        cell = row.cells[cols["timeline"]]
        printed = cell.text
        if printed:
            prov = cell.provenance()
            rec.provenance["start_month"] = rec.provenance["end_month"] = prov
            try:
                period = parse_period(printed)
                rec.start_month, rec.end_month = period.start_month, period.end_month
            except ParseError as e:
                problems.append(Problem(row.page, section, f"{name}: timeline not read ({e})"))
    return rec, problems


