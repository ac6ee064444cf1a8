"""Table readers per table shape, measured on the two samples: `python -m bench.tables`.

For each table shape in the samples the same pages are read by our extractor (the page model and the section's
extractor), by pdfplumber's table finder (lines strategy and text strategy) and by camelot 2.0 (lattice, stream,
network, hybrid; the `ml` flavor needs a downloaded model and is left out). Every reader's output becomes cells
(page, box, text); a truth cell (a value the truth file has, with its page, box and printed string) is read
right when a cell whose box holds the centre of the truth's box has the same text — whitespace ignored, and
figures compared as Decimal from the printed string. A row is exact when all its truth cells are right.
`--pages` times `read_pages` through pdfium (every page it can read) against pdfplumber for every page.
"""
from __future__ import annotations

import argparse
import json
import time
import warnings
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
Box = tuple[float, float, float, float]
EDGE_TOLERANCE = 0.5  # points: a cell holds a centre lying this close outside its edge


@dataclass(frozen=True)
class Part:
    """Pages of one sample holding a shape, and the section kinds our pipeline reads them as."""

    stem: str
    first: int
    last: int
    kinds: tuple[str, ...]

    @property
    def pages(self) -> list[int]:
        return list(range(self.first, self.last + 1))


@dataclass(frozen=True)
class Shape:
    """A table shape: where it is printed, which truth table holds its values, how its rows are formed."""

    name: str
    entity: str
    parts: tuple[Part, ...]
    keep: Callable[[dict], bool] = lambda r: True
    rows_by_line: bool = False  # one truth record per value (sheets, accounts): a row is a printed line
    list_cells: bool = False  # a cell lists several values (risk matrix): a value is right when it is in the cell
    fields: frozenset[str] | None = None  # the truth's fields the contract table holds (None: all)


SHAPES: tuple[Shape, ...] = (
    Shape("VoR risk register", "risks", (Part("amn-vp-2022", 14, 20, ("vor",)),)),
    Shape("risk matrix", "risk_matrix", (Part("amn-vp-2022", 13, 13, ("riskmatris",)),), list_cells=True),
    Shape("control plan", "controls", (Part("amn-vp-2022", 21, 23, ("internkontrollplan",)),)),
    Shape("follow-up table", "control_followups", (Part("amn-vb-2022", 1, 6, ("ikp_followup",)),)),
    Shape("budget sheets", "budget_lines", (Part("amn-vp-2022", 24, 25, ("budget",)),
                                            Part("amn-vb-2022", 10, 10, ("investeringar",)),
                                            Part("amn-vb-2022", 21, 21, ("budgetavrakning",))), rows_by_line=True),
    Shape("accounts RR/BR", "accounts", (Part("amn-vb-2022", 22, 35, ("balansrakning", "resultatrakning")),),
          rows_by_line=True),
    Shape("KAA tables", "kaa_stats", (Part("amn-vb-2022", 70, 87, ("kaa",)),),
          keep=lambda r: r.get("source") == "table", rows_by_line=True),
    Shape("project lists", "projects", (Part("amn-vp-2022", 53, 59, ("projektbilaga",)),
                                        Part("amn-vb-2022", 62, 69, ("projektbilaga",))),
          keep=lambda r: r.get("list") == "projektbilaga",
          fields=frozenset({"Projektets budget", "Projektbudget", "Nämndens medfinansiering",
                            "Start- och avslutsdatum", "Start och avslutsdatum", "Ansvarig avdelning", "Projektägare"})),
    Shape("innovation tables", "projects", (Part("amn-vp-2022", 29, 31, ("innovation",)),
                                            Part("amn-vb-2022", 14, 17, ("innovation",))),
          keep=lambda r: r.get("list") == "innovation", fields=frozenset({"name", "budget", "timeline"})),
    Shape("procurement plan", "procurements", (Part("amn-vp-2022", 35, 36, ("procurement",)),)),
)


@dataclass(frozen=True)
class TruthCell:
    """A value the truth has: its row, page, box and the string as printed."""

    row: tuple
    field: str
    page: int
    bbox: Box
    printed: str


@dataclass(frozen=True)
class ReadCell:
    """A cell as a reader returns it: page, box (x0, top, x1, bottom, PDF points from the top) and text."""

    page: int
    bbox: Box
    text: str


@dataclass
class Score:
    cells: int = 0
    cells_right: int = 0
    figures: int = 0
    figures_right: int = 0
    rows: int = 0
    rows_exact: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def cell_accuracy(self) -> float:
        return self.cells_right / self.cells if self.cells else 1.0

    @property
    def figure_accuracy(self) -> float:
        return self.figures_right / self.figures if self.figures else 1.0


# ----- truth --------------------------------------------------------------------------------------------------

def load_truth(stem: str) -> dict:
    return json.loads((SAMPLES / "truth" / f"{stem}.json").read_text(encoding="utf-8"))


def record_cells(record: dict, index: int, rows_by_line: bool) -> list[TruthCell]:
    """A truth record's printed values with their boxes: per field from `_provenance`, else the record's own
    printed value (sheets, accounts, KAA) — figures only where the truth gives no box for the label."""
    if rows_by_line:
        printed = record.get("value_printed", record.get("printed"))
        if printed in (None, "") or not record.get("bbox"):
            return []
        box = tuple(record["bbox"])
        return [TruthCell((record["page"], round(box[1])), "value", record["page"], box, str(printed))]
    return [TruthCell((index,), name, p["page"], tuple(p["bbox"]), str(p["printed"]))
            for name, p in (record.get("_provenance") or {}).items()
            if p.get("bbox") and p.get("printed") not in (None, "")]


def truth_cells(shape: Shape, part: Part, truth: dict) -> list[TruthCell]:
    """Every truth cell of a shape on a part's pages."""
    out = []
    for i, r in enumerate(truth["tables"].get(shape.entity, [])):
        if shape.keep(r):
            out += [c for c in record_cells(r, i, shape.rows_by_line) if part.first <= c.page <= part.last
                    and (shape.fields is None or c.field in shape.fields)]
    return out


# ----- comparing ------------------------------------------------------------------------------------------------

def normalise(text: str) -> str:
    """Whitespace of every kind collapsed to single spaces, ends stripped."""
    return " ".join(str(text).split())


def squeeze(text: str) -> str:
    """Text without any whitespace: a line break inside a cell (a space in one reading, none in another) and a
    word cut at a line end ('regionkommun erna') compare equal to the text as meant."""
    return "".join(str(text).split())


def figure(text: str) -> Decimal | None:
    """The exact value of a printed Swedish number, None when the text is not one."""
    from parsers.numbers import ParseError, parse_number

    try:
        return parse_number(text).value
    except ParseError:
        return None


def same_text(printed: str, text: str, list_cells: bool = False) -> bool:
    """Whether a reader's cell text says what the truth printed: equal text, an equal figure, or (list cells)
    the printed value among the cell's comma- or space-separated items."""
    want, got = normalise(printed), normalise(text)
    if squeeze(want) == squeeze(got):
        return True
    value = figure(want)
    if value is not None and figure(got) == value:
        return True
    return list_cells and want in got.replace(",", " ").split()


def holds(cell: Box, point: tuple[float, float]) -> bool:
    x, y = point
    return (cell[0] - EDGE_TOLERANCE <= x <= cell[2] + EDGE_TOLERANCE
            and cell[1] - EDGE_TOLERANCE <= y <= cell[3] + EDGE_TOLERANCE)


def centre(box: Box) -> tuple[float, float]:
    return ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)


def score_cells(truth: Iterable[TruthCell], read: Iterable[ReadCell], list_cells: bool = False) -> Score:
    """Truth cells read right (a read cell at the truth's place says the same), figures among them, exact rows."""
    by_page: dict[int, list[ReadCell]] = {}
    for c in read:
        by_page.setdefault(c.page, []).append(c)
    score = Score()
    rows: dict[tuple, bool] = {}
    for t in truth:
        point = centre(t.bbox)
        right = any(holds(c.bbox, point) and same_text(t.printed, c.text, list_cells) for c in by_page.get(t.page, []))
        is_figure = figure(t.printed) is not None
        score.cells += 1
        score.cells_right += right
        score.figures += is_figure
        score.figures_right += right and is_figure
        rows[t.row] = rows.get(t.row, True) and right
    score.rows = len(rows)
    score.rows_exact = sum(rows.values())
    return score


def add(a: Score, b: Score) -> Score:
    return Score(a.cells + b.cells, a.cells_right + b.cells_right, a.figures + b.figures,
                 a.figures_right + b.figures_right, a.rows + b.rows, a.rows_exact + b.rows_exact,
                 a.seconds + b.seconds, a.error or b.error)


# ----- readers: each reads the given pages of a PDF and returns cells ------------------------------------------

def page_heights(path: Path) -> dict[int, float]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return {i: pdf[i - 1].get_height() for i in range(1, len(pdf) + 1)}
    finally:
        pdf.close()


def pdfplumber_cells(path: Path, pages: list[int], settings: dict | None = None) -> list[ReadCell]:
    """Cells of every table pdfplumber's table finder finds on the pages (None cells: spanned, skipped)."""
    import pdfplumber

    out = []
    with pdfplumber.open(str(path)) as pdf:
        for n in pages:
            for table in pdf.pages[n - 1].find_tables(settings or {}):
                for row, texts in zip(table.rows, table.extract()):
                    for box, text in zip(row.cells, texts):
                        if box is not None and text is not None:
                            out.append(ReadCell(n, tuple(float(v) for v in box), text))
    return out


def camelot_cells(path: Path, pages: list[int], flavor: str, **kwargs) -> list[ReadCell]:
    """Cells of every table camelot finds on the pages with the given flavor (boxes turned to top-left origin)."""
    import camelot

    heights = page_heights(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tables = camelot.read_pdf(str(path), pages=",".join(map(str, pages)), flavor=flavor, suppress_stdout=True,
                                  **kwargs)
    out = []
    for table in tables:
        n = int(table.page)
        h = heights[n]
        for row in table.cells:
            for cell in row:
                out.append(ReadCell(n, (cell.x1, h - cell.y2, cell.x2, h - cell.y1), cell.text))
    return out


@dataclass
class OurContext:
    """A sample's classification and sections, found once (not timed) so a shape's pages can be read alone."""

    info: object
    spans: list = field(default_factory=list)
    pages: dict = field(default_factory=dict)  # the page model of every page, by number


def our_context(path: Path) -> OurContext:
    from extractors.classify import classify_document, segment_pages
    from extractors.pages import read_pages

    pages = read_pages(path)
    info = classify_document(pages)
    return OurContext(info, segment_pages(pages, info.doc_type).spans, {p.number: p for p in pages})


def our_cells(path: Path, part: Part, context: OurContext) -> list[ReadCell]:
    """Our page model of the part's pages, read from the PDF, and its sections' extractors: every value's
    provenance as a cell."""
    from extractors.pages import read_pages

    return cells_from_model({p.number: p for p in read_pages(path, part.pages)}, part, context)


def our_cells_on_model(path: Path, part: Part, context: OurContext) -> list[ReadCell]:
    """The sections' extractors alone, on the page model the pipeline builds once for every page anyway
    (classification and segmentation need it): what a table costs the pipeline beyond reading the document."""
    return cells_from_model(context.pages, part, context)


def cells_from_model(pages: dict, part: Part, context: OurContext) -> list[ReadCell]:
    """Run the part's sections' extractors over the page model; every value's provenance becomes a cell."""
    from pipeline.extract import EXTRACTORS, SectionContext, resolve

    out = []
    for span in context.spans:
        if span.kind not in part.kinds or not (part.first <= span.first_page <= part.last):
            continue
        section = [pages[n] for n in range(span.first_page, span.last_page + 1) if n in pages]
        result = resolve(EXTRACTORS[span.kind])(section, SectionContext(context.info, span))
        for record in result.records:
            for prov in record.provenance.values():
                if prov.bbox is not None:
                    out.append(ReadCell(prov.page, tuple(prov.bbox), prov.printed))
    return out


PLUMBER_TEXT = {"vertical_strategy": "text", "horizontal_strategy": "text"}
PLUMBER_MIXED = {"vertical_strategy": "text", "horizontal_strategy": "lines"}  # rows ruled, columns by alignment
READERS: dict[str, Callable[[Path, Part, OurContext], list[ReadCell]]] = {
    "ours": our_cells,
    "ours on model": our_cells_on_model,
    "pdfplumber lines": lambda path, part, ctx: pdfplumber_cells(path, part.pages),
    "pdfplumber text": lambda path, part, ctx: pdfplumber_cells(path, part.pages, PLUMBER_TEXT),
    "pdfplumber rules+text": lambda path, part, ctx: pdfplumber_cells(path, part.pages, PLUMBER_MIXED),
    "camelot lattice": lambda path, part, ctx: camelot_cells(path, part.pages, "lattice", copy_text=["v"]),
    "camelot stream": lambda path, part, ctx: camelot_cells(path, part.pages, "stream"),
    "camelot network": lambda path, part, ctx: camelot_cells(path, part.pages, "network"),
    "camelot hybrid": lambda path, part, ctx: camelot_cells(path, part.pages, "hybrid"),
}


def measure(shape: Shape, reader: str, contexts: dict[str, OurContext], truths: dict[str, dict],
            repeat: int = 2) -> Score:
    """One reader on one shape: its score over every part, and the CPU seconds the reading took (the best of
    `repeat` runs, so that one-off costs — imports, loading spaCy's model — are not charged to a shape)."""
    total = Score()
    for part in shape.parts:
        path = SAMPLES / "pdfs" / f"{part.stem}.pdf"
        truth = truth_cells(shape, part, truths[part.stem])
        seconds = float("inf")
        for _ in range(max(repeat, 1)):
            started = time.process_time()  # CPU seconds: fair on a machine shared with other work
            try:
                read = READERS[reader](path, part, contexts[part.stem])
                error = None
            except Exception as exc:  # a library that fails on a page is a result, not a crash of the bench
                read, error = [], f"{type(exc).__name__}: {exc}"[:120]
            seconds = min(seconds, time.process_time() - started)
        score = score_cells(truth, read, shape.list_cells)
        score.seconds, score.error = seconds, error
        total = add(total, score)
    return total


def format_table(results: list[tuple[str, str, Score]]) -> str:
    lines = [f"{'shape':<20} {'reader':<21} {'cells right':>12} {'figures right':>14} {'rows exact':>11} {'CPU':>7}"]
    for shape, reader, s in results:
        figures = f"{100 * s.figure_accuracy:5.1f}% of {s.figures:>4}" if s.figures else "-"
        lines.append(f"{shape:<20} {reader:<21} {100 * s.cell_accuracy:5.1f}% of {s.cells:>4} {figures:>14} "
                     f"{s.rows_exact:>4}/{s.rows:<5} {s.seconds:6.2f}s" + (f"  ({s.error})" if s.error else ""))
    return "\n".join(lines)


def time_read_pages(repeat: int) -> str:
    """CPU seconds `read_pages` takes on each sample, pdfplumber for every page against pdfium where it can."""
    from extractors.pages import read_pages

    lines = [f"read_pages, CPU seconds, best of {repeat}:"]
    for path in sorted((SAMPLES / "pdfs").glob("*.pdf")):
        best = {}
        for reader in ("pdfplumber", "auto"):
            runs = []
            for _ in range(repeat):
                started = time.process_time()
                read_pages(path, text_reader=reader)
                runs.append(time.process_time() - started)
            best[reader] = min(runs)
        lines.append(f"  {path.name}: pdfplumber {best['pdfplumber']:.2f}s, auto (pdfium where it can) "
                     f"{best['auto']:.2f}s = {best['auto'] / best['pdfplumber']:.0%}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", help="comma-separated shape names (default: all)")
    ap.add_argument("--readers", help=f"comma-separated readers (default: all): {', '.join(READERS)}")
    ap.add_argument("--pages", action="store_true", help="time read_pages instead (pdfium text pages vs pdfplumber)")
    ap.add_argument("--repeat", type=int, default=2, help="runs per reader and shape (the best one counts)")
    args = ap.parse_args(argv)
    if args.pages:
        print(time_read_pages(args.repeat))
        return
    shapes = [s for s in SHAPES if not args.shapes or s.name in args.shapes.split(",")]
    readers = args.readers.split(",") if args.readers else list(READERS)
    stems = sorted({p.stem for s in shapes for p in s.parts})
    truths = {stem: load_truth(stem) for stem in stems}
    contexts = {stem: our_context(SAMPLES / "pdfs" / f"{stem}.pdf") for stem in stems}
    results = []
    for shape in shapes:
        for reader in readers:
            results.append((shape.name, reader, measure(shape, reader, contexts, truths, args.repeat)))
            print(format_table(results[-1:]).splitlines()[-1], flush=True)
    print()
    print(format_table(results))


if __name__ == "__main__":
    main()
