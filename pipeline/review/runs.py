"""The diff between two runs: their documents paired (same document, or a republished version of it) and diffed."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import duckdb

from pipeline.review.diff import NOT_VALUES, SPECS, RowDiff, diff_rows, display, summarise
from pipeline.review.store import doc_key, run_rows


@dataclass(frozen=True)
class DocumentDiff:
    """One document's diff between two runs (a side is None when the document is only in the other run)."""

    doc_key: str
    old_run_id: str | None
    old_doc_id: str | None
    new_run_id: str | None
    new_doc_id: str | None
    rows: tuple[RowDiff, ...]

    @property
    def differences(self) -> list[RowDiff]:
        return [d for d in self.rows if d.status != "unchanged" or d.fields or d.moved]


def run_documents(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    """(doc_id, doc_key) of every document a run extracted successfully."""
    if not con.execute("SELECT count(*) FROM runs WHERE run_id = ?", [run_id]).fetchone()[0]:
        raise LookupError(f"no run {run_id!r} in the warehouse")
    return [(d, doc_key(t, y, c)) for d, t, y, c in con.execute(
        "SELECT doc_id, doc_type, year, committee FROM document_extractions WHERE run_id = ? AND status = 'succeeded' "
        "ORDER BY doc_id", [run_id]).fetchall()]


def pair_documents(old: list[tuple[str, str]], new: list[tuple[str, str]]
                   ) -> list[tuple[tuple[str, str] | None, tuple[str, str] | None]]:
    """Pairs (old, new): the same document first, else the same logical document (a republished version)."""
    pairs, left = [], list(old)
    for n in new:
        match = next((o for o in left if o[0] == n[0]), None) or next((o for o in left if o[1] == n[1]), None)
        if match is not None:
            left.remove(match)
        pairs.append((match, n))
    pairs.extend((o, None) for o in left)
    return pairs


def diff_runs(con: duckdb.DuckDBPyConnection, run_a: str, run_b: str) -> list[DocumentDiff]:
    """Every document of two runs, paired and diffed table by table."""
    out = []
    for o, n in pair_documents(run_documents(con, run_a), run_documents(con, run_b)):
        old_rows = run_rows(con, run_a, o[0]) if o else []
        new_rows = run_rows(con, run_b, n[0]) if n else []
        out.append(DocumentDiff((n or o)[1], run_a if o else None, o[0] if o else None, run_b if n else None,
                                n[0] if n else None, tuple(diff_rows(old_rows, new_rows))))
    return out


# ----- text -----------------------------------------------------------------------------------------------

def where(source_page: int | None, printed: str | None) -> str:
    text = f'"{printed}"' if printed is not None else "—"
    return f"{text} p.{source_page}" if source_page else text


def format_text(diffs: list[DocumentDiff], run_a: str, run_b: str) -> str:
    """The diff for a terminal: per document and table the counts, then each difference with printed forms."""
    lines = [f"muni diff {run_a} -> {run_b}"]
    for doc in diffs:
        lines.append(f"== {doc.doc_key}: {doc.old_doc_id or '(none)'} in {doc.old_run_id or '-'} -> "
                     f"{doc.new_doc_id or '(none)'} in {doc.new_run_id or '-'}")
        for s in summarise(doc.rows):
            lines.append(f"   {s.entity}: {s.changed} changed, {s.added} added, {s.removed} removed, {s.unchanged} "
                         f"unchanged ({s.moved} moved, {s.reformatted} reformatted)")
        for d in doc.differences:
            head = f"   {d.entity} [{d.key}]"
            if d.status == "added":
                lines.append(f"   + {d.entity} [{d.key}] new row, p.{d.new.ref.page}")
            elif d.status == "removed":
                lines.append(f"   - {d.entity} [{d.key}] row gone (was p.{d.old.ref.page})")
            for c in d.fields:
                mark = "~" if c.kind == "value" else "≈"
                lines.append(f"   {mark} {d.entity} [{d.key}] {c.field}: {display(c.old)} -> {display(c.new)}   "
                             f"printed {where(c.old_source.page, c.old_source.printed)} -> "
                             f"{where(c.new_source.page, c.new_source.printed)}"
                             + ("" if c.kind == "value" else " (form only)"))
            if d.moved and d.old and d.new:
                lines.append(f"   > {head.strip()} moved p.{d.old.ref.page} -> p.{d.new.ref.page}")
        if not doc.differences:
            lines.append("   no differences")
    return "\n".join(lines) + "\n"


# ----- Tabular Diff Format (daff) -------------------------------------------------------------------------

def value_columns(entity: str, rows: list[RowDiff]) -> list[str]:
    """The columns of a table in the diff, in the table's order, without identity and position."""
    names: dict[str, None] = {}
    for d in rows:
        for r in (d.old, d.new):
            if r is not None:
                names.update(dict.fromkeys(k for k in r.values if k not in NOT_VALUES))
    return list(names) + ["page"]


def cell(value: object) -> str:
    text = display(value)
    return "" if text is None else text


def tdf_arrow(diffs: list[DocumentDiff]) -> str:
    """The arrow of the diff: '->' unless a value contains it, then longer ('-->', ...), as the format says."""
    arrow = "->"
    texts = [cell(v) for doc in diffs for d in doc.rows for r in (d.old, d.new) if r for v in r.values.values()]
    while any(arrow in t for t in texts):
        arrow = "-" + arrow
    return arrow


def format_tdf(diffs: list[DocumentDiff], table: str | None = None) -> str:
    """The diff as CSV in the Tabular Diff Format used by daff: action column, `@@` header, `+++` added, `---`
    removed, `->` modified with `old->new` cells, `...` for omitted unchanged rows. One table holds every entity:
    the columns are `table`, `document`, `key`, then the union of the entities' columns."""
    arrow = tdf_arrow(diffs)
    shown = [d for doc in diffs for d in doc.differences if table is None or d.entity == table]
    entities = [table] if table else list(dict.fromkeys(d.entity for d in shown))
    cols: dict[str, None] = {}
    for e in entities:
        cols.update(dict.fromkeys(value_columns(e, [d for d in shown if d.entity == e])))
    header = ["@@", "table", "document", "key", *cols]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    skipped = False
    for doc in diffs:
        for d in (x for x in doc.rows if x.entity in entities):
            row = tdf_row(d, list(cols), arrow, doc.doc_key)
            if row is None:
                skipped = True
                continue
            if skipped:
                w.writerow(["..."] * len(header))
                skipped = False
            w.writerow(row)
    if skipped:
        w.writerow(["..."] * len(header))
    return out.getvalue()


def tdf_row(d: RowDiff, cols: list[str], arrow: str, document: str) -> list[str] | None:
    """One TDF row for a row diff (None for an unchanged row, which is omitted)."""
    def values(r) -> dict[str, object]:
        return {**r.values, "page": r.ref.page}

    if d.status == "added":
        v = values(d.new)
        return ["+++", d.entity, document, d.key, *(cell(v.get(c)) for c in cols)]
    if d.status == "removed":
        v = values(d.old)
        return ["---", d.entity, document, d.key, *(cell(v.get(c)) for c in cols)]
    if not d.fields and not d.moved:
        return None
    a, b = values(d.old), values(d.new)
    cells = []
    for c in cols:
        x, y = a.get(c), b.get(c)
        if c not in a and c not in b:
            cells.append("")
        elif cell(x) != cell(y):
            cells.append(f"{cell(x) if x is not None else 'NULL'}{arrow}{cell(y) if y is not None else 'NULL'}")
        else:
            cells.append(cell(y))
    return [arrow, d.entity, document, d.key, *cells]


def html_context(diffs: list[DocumentDiff], run_a: str, run_b: str) -> dict:
    """What the diff page template shows."""
    return {"run_a": run_a, "run_b": run_b,
            "documents": [{"doc": doc, "summary": summarise(doc.rows), "differences": doc.differences}
                          for doc in diffs],
            "display": display, "specs": SPECS}
