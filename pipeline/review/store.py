"""Review in the warehouse: queue a run's changes against the published state, and apply stewards' decisions.

The published state of a logical document (doc_type-year-committee) lives in the `pub_<entity>` tables and
`pub_provenance`. Its first version is published whole as the baseline (by 'system', recorded in `publications`).
A later extraction (same bytes, new code; or a republished PDF) is diffed against it: unchanged values carry over
with the new provenance, changed / added / removed values wait in `review_changes` until a steward accepts,
rejects or overrides them (`review_decisions`, append-only). An override's value stands in the published state,
through later extractions, until a steward lifts it. Nothing here opens a transaction: callers write through
warehouse.snapshot.writing (the load, `muni review`, the web page).
"""
from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Callable, Iterable

import duckdb

from pipeline.checks.model import doc_key  # the logical identity of a document, as the checks name it
from pipeline.review.diff import (IDENTITY, LOCATION, NOT_VALUES, SPECS, TABLE_ORDER, FieldSource, Row, RowDiff,
                                  RowRef, diff_rows, display, keyed)
from warehouse.db import quote_ident

SYSTEM = "system"
DECISIONS = ("accept", "reject", "override")


class ReviewError(ValueError):
    """A decision that cannot be made (unknown change, already decided, a value that does not fit); says why."""


def now_utc() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def pub_table(entity: str) -> str:
    if entity not in SPECS:
        raise ReviewError(f"no published table for {entity!r}")
    return f"pub_{entity}"


def run_table(entity: str) -> str:
    if entity not in SPECS:
        raise ReviewError(f"no run table for {entity!r}")
    return f"run_{entity}"


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's column names in order."""
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ? ORDER BY column_index",
        [table]).fetchall()]


# ----- reading rows ---------------------------------------------------------------------------------------

def as_bbox(value: Any) -> tuple | None:
    return tuple(value) if value is not None else None


def rows_from(con: duckdb.DuckDBPyConnection, entity: str, table: str, prov_table: str, where: str,
              params: list[Any]) -> list[Row]:
    """Rows of `table` matching `where` (over its own columns), with their field provenance from `prov_table`."""
    order = "doc_id, row_no" + (", entity" if entity == "other_records" else "")  # its rows are numbered per entity
    cur = con.execute(f"SELECT * FROM {quote_ident(table)} WHERE {where} ORDER BY {order}", params)
    names = [d[0] for d in cur.description]
    raw = [dict(zip(names, r)) for r in cur.fetchall()]
    prov: dict[tuple, dict[str, FieldSource]] = {}
    if raw:
        other = entity == "other_records"
        keys = "run_id, doc_id, row_no" + (", entity" if other else "")
        for run_id, doc_id, row_no, ent, fld, page, bbox, printed in con.execute(
                f"SELECT p.run_id, p.doc_id, p.row_no, p.entity, p.field, p.page, p.bbox, p.printed "
                f"FROM {quote_ident(prov_table)} p JOIN (SELECT {keys} FROM {quote_ident(table)} WHERE {where}) t "
                f"USING ({keys})" + ("" if other else " WHERE p.entity = ?"),
                [*params] + ([] if other else [entity])).fetchall():
            prov.setdefault((run_id, doc_id, row_no, ent if other else None), {})[fld] = FieldSource(
                page, as_bbox(bbox), printed)
    return [stored_row(entity, r, prov) for r in raw]


def stored_row(entity: str, r: dict[str, Any], prov: dict[tuple, dict[str, FieldSource]]) -> Row:
    """A stored row (column -> value) as a Row, with its fields' provenance from `prov`, keyed (run_id, doc_id,
    row_no, the record's entity for run_other_records, else None)."""
    other = entity == "other_records"
    return row_of(entity, r, prov.get((r["run_id"], r["doc_id"], r["row_no"], r["entity"] if other else None), {}))


def row_of(entity: str, r: dict[str, Any], fields: dict[str, FieldSource]) -> Row:
    """A stored row (column -> value) as a Row whose fields were printed where `fields` says."""
    ref = RowRef(r["run_id"], r["doc_id"], r["row_no"], r.get("page"), as_bbox(r.get("bbox")))
    skip = ROW_FIELDS if entity == "other_records" else ROW_FIELDS_AND_EXTRA
    return Row(entity, ref, {k: v for k, v in r.items() if k not in skip}, fields, r.get("extra"))


ROW_FIELDS = frozenset(IDENTITY + LOCATION)  # what RowRef holds, not the row's values
ROW_FIELDS_AND_EXTRA = frozenset(NOT_VALUES)  # and the row's extra JSON, which Row keeps apart


def run_rows(con: duckdb.DuckDBPyConnection, run_id: str, doc_id: str) -> list[Row]:
    """Every row a run extracted from a document, in every table."""
    return [row for e in TABLE_ORDER
            for row in rows_from(con, e, run_table(e), "run_provenance", "run_id = ? AND doc_id = ?", [run_id, doc_id])]


def run_rows_by_doc(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[Row]]:
    """Every row a run extracted, per document (each list as `run_rows` gives it): one read of each table for the
    whole run instead of one per document — each read scans the table, which grows with the warehouse."""
    out: dict[str, list[Row]] = {}
    for e in TABLE_ORDER:
        for row in rows_from(con, e, run_table(e), "run_provenance", "run_id = ?", [run_id]):
            out.setdefault(row.ref.doc_id, []).append(row)
    return out


def as_read(value: Any) -> Any:
    """A fitted value (warehouse.rows: decimals already at their column's scale, lists as lists) as DuckDB gives it
    back: the same, but a decimal zero has no sign."""
    return value.copy_abs() if isinstance(value, Decimal) and value.is_zero() else value


def loaded_rows_by_doc(loaded: dict[str, list[dict[str, Any]]], columns: dict[str, dict[str, Any]]
                       ) -> dict[str, list[Row]]:
    """The rows a load has just written (warehouse.load.RunRows.tables: table -> fitted rows), per document, exactly
    as `run_rows_by_doc` would read them back — without reading back what is already in hand.

    A re-extraction of many documents hands over millions of provenance rows, so this is written for speed: each
    provenance row is filed once, under its record's entity (a row of run_other_records finds its fields under the
    entity it names), and only decimal columns go through `as_read` (no other column holds a Decimal)."""
    by_entity: dict[str, dict[tuple, dict[str, FieldSource]]] = {}
    for p in loaded.get("run_provenance", []):
        per = by_entity.get(p["entity"])
        if per is None:
            per = by_entity[p["entity"]] = {}
        key = (p["run_id"], p["doc_id"], p["row_no"])
        fields = per.get(key)
        if fields is None:
            fields = per[key] = {}
        fields[p["field"]] = FieldSource(p.get("page"), as_bbox(p.get("bbox")), p.get("printed"))
    out: dict[str, list[Row]] = {}
    for e in TABLE_ORDER:
        cols = columns[run_table(e)]
        exact = {name for name, col in cols.items() if col.type.upper().startswith("DECIMAL")}
        other = e == "other_records"
        order = (lambda f: (f["row_no"], f["entity"])) if other else (lambda f: f["row_no"])
        own = by_entity.get(e, {})
        for fitted in sorted(loaded.get(run_table(e), []), key=order):  # each document's rows as rows_from orders them
            r = {name: as_read(fitted.get(name)) if name in exact else fitted.get(name) for name in cols}
            prov = by_entity.get(r["entity"], {}) if other else own
            row = row_of(e, r, prov.get((r["run_id"], r["doc_id"], r["row_no"]), {}))
            out.setdefault(row.ref.doc_id, []).append(row)
    return out


def published_doc_ids(con: duckdb.DuckDBPyConnection, key: str) -> list[str]:
    """Every document that was ever published as a version of the logical document `key`."""
    return [r[0] for r in con.execute(
        "SELECT DISTINCT doc_id FROM publications WHERE doc_key = ? ORDER BY doc_id", [key]).fetchall()]


def published_rows(con: duckdb.DuckDBPyConnection, key: str, entities: Iterable[str] = TABLE_ORDER) -> list[Row]:
    """The published rows of a logical document (of any of its versions), with their published provenance."""
    docs = published_doc_ids(con, key)
    if not docs:
        return []
    marks = ", ".join("?" for _ in docs)
    return [row for e in entities
            for row in rows_from(con, e, pub_table(e), "pub_provenance", f"doc_id IN ({marks})", list(docs))]


# ----- publications ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentReview:
    """What the review step did with one document of a run."""

    doc_id: str
    doc_key: str
    basis: str  # baseline | reextraction | republished
    compared_doc_id: str | None
    rows_published: int  # rows published without review (the baseline, or carried over unchanged)
    changes_queued: int


@dataclass(frozen=True)
class ReviewSummary:
    """What `queue_changes` did with a run: per document, and in total."""

    run_id: str
    documents: tuple[DocumentReview, ...] = ()

    @property
    def pending_changes(self) -> int:
        return sum(d.changes_queued for d in self.documents)

    @property
    def auto_published(self) -> int:
        return sum(d.rows_published for d in self.documents)

    @property
    def baselines(self) -> int:
        return sum(1 for d in self.documents if d.basis == "baseline")


def current_publication(con: duckdb.DuckDBPyConnection, key: str) -> tuple[str, str] | None:
    """(run_id, doc_id) of the latest publication of a logical document, or None when it has none."""
    row = con.execute(
        "SELECT p.run_id, p.doc_id FROM publications p JOIN runs r ON r.run_id = p.run_id WHERE p.doc_key = ? "
        "ORDER BY r.started_at DESC, p.run_id DESC, p.doc_id DESC LIMIT 1", [key]).fetchone()
    return (row[0], row[1]) if row else None


def publication_row(review: DocumentReview, run_id: str, reason: str) -> dict[str, Any]:
    """The publications row saying what the review step did with one document, now."""
    return {"run_id": run_id, "doc_id": review.doc_id, "doc_key": review.doc_key, "basis": review.basis,
            "compared_doc_id": review.compared_doc_id, "reviewer": SYSTEM, "published_at": now_utc(), "reason": reason,
            "rows_published": review.rows_published, "changes_queued": review.changes_queued}


def run_row_counts(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    """Rows a run extracted per document, over every table (one statement)."""
    union = " UNION ALL ".join(f"SELECT doc_id FROM {quote_ident(run_table(e))} WHERE run_id = ?" for e in TABLE_ORDER)
    return dict(con.execute(f"SELECT doc_id, count(*) FROM ({union}) GROUP BY doc_id",
                            [run_id] * len(TABLE_ORDER)).fetchall())


def loaded_row_counts(loaded: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    """`run_row_counts` of the rows a load has just written (table -> fitted rows)."""
    counts: dict[str, int] = {}
    for e in TABLE_ORDER:
        for r in loaded.get(run_table(e), []):
            counts[r["doc_id"]] = counts.get(r["doc_id"], 0) + 1
    return counts


def publish_baseline(run_id: str, doc_id: str, key: str, rows: int, extracted: Callable[[], list[Row]],
                     state: "PublishedState") -> DocumentReview:
    """Publish every row (`rows` of them; `extracted()` reads them) of a logical document's first version as it was
    extracted (written with the load's other writes, `state.flush`)."""
    review = DocumentReview(doc_id, key, "baseline", None, rows, 0)
    state.record(publication_row(review, run_id, "first version"))
    state.published(key, doc_id, baseline=extracted)
    return review


def change_id_for(run_id: str, doc_id: str, entity: str, key: str, fld: str | None) -> str:
    """A change's id: stable for the same run, document, row and field."""
    return hashlib.sha256("\0".join([run_id, doc_id, entity, key, fld or ""]).encode()).hexdigest()[:20]


def change_rows(d: RowDiff, run_id: str, doc_id: str, key: str, created: datetime) -> list[dict[str, Any]]:
    """The review_changes rows of one row diff: one per changed value, or one for an added / removed row."""
    base = {"run_id": run_id, "doc_id": doc_id, "doc_key": key, "entity": d.entity, "entity_key": d.key,
            "created_at": created}
    old = {"old_run_id": d.old.ref.run_id, "old_doc_id": d.old.ref.doc_id, "old_row_no": d.old.ref.row_no,
           "old_page": d.old.ref.page, "old_bbox": d.old.ref.bbox} if d.old else {}
    new = {"new_row_no": d.new.ref.row_no, "new_page": d.new.ref.page, "new_bbox": d.new.ref.bbox} if d.new else {}
    if d.status in ("added", "removed"):
        return [{**base, **old, **new, "change_id": change_id_for(run_id, doc_id, d.entity, d.key, None),
                 "field": None, "kind": d.status}]
    out = []
    for c in d.value_changes:
        spec = SPECS[d.entity]
        form = next((f for f, v in spec.forms.items() if v == c.field), None)
        old_printed = c.old_source.printed or (display(d.old.values.get(form)) if form else None)
        new_printed = c.new_source.printed or (display(d.new.values.get(form)) if form else None)
        out.append({**base, **old, **new, "change_id": change_id_for(run_id, doc_id, d.entity, d.key, c.field),
                    "field": c.field, "kind": "changed", "old_value": display(c.old), "new_value": display(c.new),
                    "old_printed": old_printed, "new_printed": new_printed,
                    "old_page": c.old_source.page or d.old.ref.page,
                    "old_bbox": c.old_source.bbox or d.old.ref.bbox,
                    "new_page": c.new_source.page or d.new.ref.page,
                    "new_bbox": c.new_source.bbox or d.new.ref.bbox})
    return out


def merged_row(d: RowDiff, overridden: dict[str, Any]) -> Row:
    """The published row after a carry-over: the new extraction, but the old value (and its provenance) where a
    value changed (it waits for review), and the override's value where one stands."""
    assert d.old is not None and d.new is not None
    spec = SPECS[d.entity]
    values, prov = dict(d.new.values), dict(d.new.prov)
    keep = {c.field for c in d.value_changes}
    keep |= {f for f, v in spec.forms.items() if v in keep}
    for f in keep:
        values[f] = d.old.values.get(f)
        if f in d.old.prov:
            prov[f] = d.old.prov[f]
        else:
            prov.pop(f, None)
    values.update(overridden)
    return Row(d.entity, d.new.ref, values, prov, d.new.extra)


def row_record(row: Row) -> dict[str, Any]:
    """A Row as a dict of its table's columns."""
    rec = {"run_id": row.ref.run_id, "doc_id": row.ref.doc_id, "row_no": row.ref.row_no, "page": row.ref.page,
           "bbox": list(row.ref.bbox) if row.ref.bbox else None, **row.values}
    if row.entity != "other_records":
        rec["extra"] = row.extra
    return {k: list(v) if isinstance(v, tuple) else v for k, v in rec.items()}


def prov_records(row: Row) -> list[dict[str, Any]]:
    return [{"run_id": row.ref.run_id, "doc_id": row.ref.doc_id, "entity": row.entity, "row_no": row.ref.row_no,
             "field": f, "page": s.page, "bbox": list(s.bbox) if s.bbox else None, "printed": s.printed}
            for f, s in sorted(row.prov.items())]


def row_where(row: Row) -> tuple[str, list[Any]]:
    """SQL condition (and its parameters) selecting a row by its identity in its pub_ or run_ table."""
    r = row.ref
    if row.entity == "other_records":
        return "run_id = ? AND doc_id = ? AND row_no = ? AND entity = ?", [r.run_id, r.doc_id, r.row_no,
                                                                          row.values["entity"]]
    return "run_id = ? AND doc_id = ? AND row_no = ?", [r.run_id, r.doc_id, r.row_no]


def delete_matching(con: duckdb.DuckDBPyConnection, table: str, keys: dict[str, list], match: tuple[str, ...]
                    ) -> None:
    """Delete the rows of `table` whose `match` columns equal one of the rows of `keys` (columns -> values)."""
    import pyarrow as pa

    cond = " AND ".join(f"s.{c} = t.{c}" for c in match)
    con.register("_review_gone", pa.table(keys))
    try:
        con.execute(f"DELETE FROM {quote_ident(table)} t WHERE EXISTS (SELECT 1 FROM _review_gone s WHERE {cond})")
    finally:
        con.unregister("_review_gone")


def delete_published(con: duckdb.DuckDBPyConnection, rows: list[Row]) -> None:
    """Remove rows (and their provenance) from the published state: one statement per table."""
    def keys(group: list[Row]) -> dict[str, list]:
        return {"run_id": [r.ref.run_id for r in group], "doc_id": [r.ref.doc_id for r in group],
                "row_no": [r.ref.row_no for r in group], "entity": [prov_entity(r) for r in group]}

    by: dict[str, list[Row]] = {}
    for row in rows:
        by.setdefault(row.entity, []).append(row)
    for entity, group in by.items():
        delete_matching(con, pub_table(entity), keys(group),
                        ("run_id", "doc_id", "row_no") + (("entity",) if entity == "other_records" else ()))
    if rows:
        delete_matching(con, "pub_provenance", keys(rows), ("run_id", "doc_id", "entity", "row_no"))


def prov_entity(row: Row) -> str:
    """The entity name provenance rows use: the record's own for `other_records`."""
    return row.values["entity"] if row.entity == "other_records" else row.entity


def insert_published(con: duckdb.DuckDBPyConnection, rows: list[Row], tables: dict | None = None) -> None:
    """Add rows (and their provenance) to the published state, one Arrow batch per table (`tables`: the catalogue,
    when the caller has read it)."""
    from warehouse.load import insert_rows, table_columns

    if not rows:
        return
    tables = tables or table_columns(con)
    by: dict[str, list[dict]] = {}
    prov: list[dict] = []
    for row in rows:
        by.setdefault(pub_table(row.entity), []).append(row_record(row))
        prov.extend({**p, "entity": prov_entity(row)} for p in prov_records(row))
    for table, recs in by.items():
        insert_rows(con, table, tables[table], recs)
    insert_rows(con, "pub_provenance", tables["pub_provenance"], prov)


def queue_document(run_id: str, doc_id: str, key: str, against: tuple[str, str], extracted: list[Row],
                   state: "PublishedState") -> DocumentReview:
    """Diff one document's run rows (`extracted`) against the published state of its logical document (`state`,
    kept in step): carry over what did not change, queue the rest (written with the load's other writes,
    `state.flush`)."""
    overrides = state.overrides(key)
    diffs = diff_rows(state.rows(key), extracted, {k: frozenset(v) for k, v in overrides.items()})
    republished = doc_id not in state.doc_ids(key)
    created = now_utc()
    changes: list[dict[str, Any]] = []
    carried: list[Row] = []
    for d in diffs:
        if d.status in ("unchanged", "changed"):
            carried.append(merged_row(d, overrides.get((d.entity, d.key), {})))
        changes.extend(change_rows(d, run_id, doc_id, key, created))
    state.replace([d.old for d in diffs if d.status in ("unchanged", "changed")], carried)
    state.queue([{k: list(v) if isinstance(v, tuple) else v for k, v in c.items()} for c in changes])
    unchanged = sum(1 for d in diffs if d.status == "unchanged")
    review = DocumentReview(doc_id, key, "republished" if republished else "reextraction", against[1], unchanged,
                            len(changes))
    state.record(publication_row(review, run_id, f"compared with the published state (run {against[0]}, document "
                                                 f"{against[1]}): {unchanged} rows carried over, {len(changes)} "
                                                 "changes wait for review"))
    state.published(key, doc_id)
    return review


def row_identity(row: Row) -> tuple:
    """A published row's identity in its table (for `other_records`, with its record's entity), as deletes match it."""
    r = row.ref
    return row.entity, r.run_id, r.doc_id, r.row_no, row.values["entity"] if row.entity == "other_records" else None


class PublishedState:
    """The published rows and publications of the logical documents one load touches: read from the warehouse once,
    then kept in step with what the load publishes.

    Before, each document's diff read the published state back (13 pub_ tables with two queries each, plus the
    publications and overrides), and those tables grow with the warehouse; a run that brings many versions of the
    same logical documents spent most of its load there. `rows`, `doc_ids`, `current` and `overrides` answer exactly
    what `published_rows`, `published_doc_ids`, `current_publication` and `active_overrides` would read at the same
    moment, once the writes it holds are flushed (tests/pipeline/review/test_store.py compares them after every
    document). It also holds the load's review writes (rows carried over and replaced, queued changes,
    publications) until `flush` writes them, one statement per table: per document they cost ~7 ms, each
    statement scanning tables that grow with the warehouse.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str, keys: Iterable[str], tables: dict):
        from warehouse.load import table_columns

        self.con, self.run_id, self.tables = con, run_id, tables or table_columns(con)
        keys = sorted(set(keys))
        self._docs: dict[str, set[str]] = {k: set() for k in keys}
        self._current: dict[str, tuple] = {}
        found = self.con.execute("SELECT started_at FROM runs WHERE run_id = ?", [run_id]).fetchone()
        self._started = found[0] if found else None  # runs.started_at is NOT NULL: None means no such run
        if keys:
            marks = ", ".join("?" for _ in keys)
            for key, doc_id, pub_run, started in con.execute(
                    "SELECT p.doc_key, p.doc_id, p.run_id, r.started_at FROM publications p "
                    f"LEFT JOIN runs r ON r.run_id = p.run_id WHERE p.doc_key IN ({marks})", keys).fetchall():
                self._docs[key].add(doc_id)
                self._note_current(key, started, pub_run, doc_id)
        self._by_doc: dict[str, list[Row]] = {}
        docs = sorted(set().union(*self._docs.values())) if keys else []
        if docs:
            marks = ", ".join("?" for _ in docs)
            for e in TABLE_ORDER:
                for row in rows_from(con, e, pub_table(e), "pub_provenance", f"doc_id IN ({marks})", docs):
                    self._by_doc.setdefault(row.ref.doc_id, []).append(row)
        self._standing: dict[str, list[Override]] = {}
        for o in standing_overrides(con):
            self._standing.setdefault(o.doc_key, []).append(o)
        self._overrides: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
        self._unread: dict[str, Callable[[], list[Row]]] = {}  # this load's baselines whose rows are not read yet
        self._baselines: list[str] = []  # documents whose run rows are published whole at `flush`
        self._deletes: list[Row] = []  # published rows to delete (in the warehouse now, or by the time of the flush)
        self._inserts: dict[tuple, Row] = {}  # rows to publish, by identity
        self._changes: list[dict[str, Any]] = []
        self._publications: list[dict[str, Any]] = []

    def _note_current(self, key: str, started_at: datetime | None, run_id: str, doc_id: str) -> None:
        """A publication of `key`; the current one is the newest run's, then the greatest run_id and doc_id (the
        order of `current_publication`, which only counts publications whose run is recorded)."""
        rank = (started_at, run_id, doc_id)
        if started_at is not None and (key not in self._current or rank > self._current[key]):
            self._current[key] = rank

    def rows(self, key: str) -> list[Row]:
        """The published rows of a logical document, as `published_rows` reads them."""
        for d in self._docs.get(key, set()) & self._unread.keys():
            self._by_doc.setdefault(d, []).extend(self._unread.pop(d)())
        order = {e: i for i, e in enumerate(TABLE_ORDER)}
        got = [row for d in self._docs.get(key, ()) for row in self._by_doc.get(d, [])]
        return sorted(got, key=lambda r: (order[r.entity], r.ref.doc_id, r.ref.row_no))

    def doc_ids(self, key: str) -> list[str]:
        """Every document published as a version of `key`, as `published_doc_ids` reads them."""
        return sorted(self._docs.get(key, ()))

    def current(self, key: str) -> tuple[str, str] | None:
        """(run_id, doc_id) of the latest publication of `key`, as `current_publication` reads it."""
        rank = self._current.get(key)
        return (rank[1], rank[2]) if rank else None

    def overrides(self, key: str) -> dict[tuple[str, str], dict[str, Any]]:
        """The overrides standing on `key`, as `active_overrides` reads them (parsed when first asked for)."""
        if key not in self._overrides:
            standing = self._standing.get(key, [])
            self._overrides[key] = typed_overrides(standing, {t: {c: col.type for c, col in cols.items()}
                                                              for t, cols in self.tables.items()}) if standing else {}
        return self._overrides[key]

    def replace(self, gone: list[Row], added: list[Row]) -> None:
        """Rows (as `rows` gave them) deleted from and rows added to the published state; the warehouse gets them at
        `flush`."""
        for r in gone:
            if self._inserts.pop(row_identity(r), None) is None:  # one added since the last flush is simply dropped
                self._deletes.append(r)
        self._inserts.update((row_identity(r), r) for r in added)
        drop = {row_identity(r) for r in gone}
        for doc_id in {r.ref.doc_id for r in gone}:
            self._by_doc[doc_id] = [r for r in self._by_doc.get(doc_id, []) if row_identity(r) not in drop]
        for r in added:
            self._by_doc.setdefault(r.ref.doc_id, []).append(r)

    def queue(self, changes: list[dict[str, Any]]) -> None:
        """review_changes rows to write at `flush`."""
        self._changes.extend(changes)

    def record(self, publication: dict[str, Any]) -> None:
        """A publications row to write at `flush`."""
        self._publications.append(publication)

    def flush(self) -> None:
        """Write what the load published since the last flush: baselines (copied from the run tables), then the
        deletes (nothing this load adds can have the identity of a row it deletes: carried rows are this run's),
        then the rows carried over, the changes and the publications."""
        from warehouse.load import insert_rows

        if self._baselines:
            marks = ", ".join("?" for _ in self._baselines)
            for table, source in [(pub_table(e), run_table(e)) for e in TABLE_ORDER] + [("pub_provenance",
                                                                                         "run_provenance")]:
                cols = ", ".join(quote_ident(c) for c in self.tables[table])
                self.con.execute(f"INSERT INTO {quote_ident(table)} ({cols}) SELECT {cols} FROM {quote_ident(source)} "
                                 f"WHERE run_id = ? AND doc_id IN ({marks})", [self.run_id, *self._baselines])
            self._baselines = []
        delete_published(self.con, self._deletes)
        insert_published(self.con, list(self._inserts.values()), self.tables)
        insert_rows(self.con, "review_changes", self.tables["review_changes"], self._changes)
        insert_rows(self.con, "publications", self.tables["publications"], self._publications)
        self._deletes, self._inserts, self._changes, self._publications = [], {}, [], []

    def published(self, key: str, doc_id: str, baseline: Callable[[], list[Row]] | None = None) -> None:
        """This load published `doc_id` as a version of `key`. A baseline's run rows are copied at `flush`;
        `baseline()` reads them, only when a later version in the same load asks for them (most baselines have none)."""
        self._docs.setdefault(key, set()).add(doc_id)
        self._note_current(key, self._started, self.run_id, doc_id)
        if baseline is not None:
            self._baselines.append(doc_id)
            self._unread[doc_id] = baseline


def queue_changes(con: duckdb.DuckDBPyConnection, run_id: str, tables: dict | None = None,
                  loaded: dict[str, list[dict[str, Any]]] | None = None) -> ReviewSummary:
    """Publish or queue every document a run extracted: a first version is the baseline, a later one is diffed.

    Idempotent: a document the run already published or queued is left as it is. Call it after the run's rows are
    loaded and before the checks (which read the published state), inside the load's transaction. The published
    state is read once (PublishedState), not once per document. `loaded` is what the load just wrote (table ->
    fitted rows, with `tables` their columns): the run's rows are then taken from it instead of read back.
    """
    docs = con.execute(
        "SELECT e.doc_id, e.doc_type, e.year, e.committee FROM document_extractions e WHERE e.run_id = ? "
        "AND e.status = 'succeeded' AND NOT EXISTS (SELECT 1 FROM publications p WHERE p.run_id = e.run_id "
        "AND p.doc_id = e.doc_id) ORDER BY e.doc_id", [run_id]).fetchall()
    if not docs:
        return ReviewSummary(run_id, ())
    marks = ", ".join("?" for _ in docs)
    first_key = {doc_id: key for doc_id, key in con.execute(  # a re-extraction keeps its identity
        f"SELECT doc_id, arg_min(doc_key, published_at) FROM publications WHERE doc_id IN ({marks}) GROUP BY doc_id",
        [d[0] for d in docs]).fetchall()}
    keys = [first_key.get(doc_id) or doc_key(doc_type, year, committee) for doc_id, doc_type, year, committee in docs]
    state = PublishedState(con, run_id, keys, tables)
    held = loaded is not None and tables is not None
    extracted = cache(lambda: loaded_rows_by_doc(loaded, tables) if held
                      else run_rows_by_doc(con, run_id))  # the run's rows per document, when first needed
    counts = cache(lambda: loaded_row_counts(loaded) if held
                   else run_row_counts(con, run_id))  # and how many, when the first baseline needs them
    out = []
    for (doc_id, *_), key in zip(docs, keys):
        against = state.current(key)
        if against is None:
            out.append(publish_baseline(run_id, doc_id, key, counts().get(doc_id, 0),
                                        lambda d=doc_id: extracted().get(d, []), state))
        else:
            out.append(queue_document(run_id, doc_id, key, against, extracted().get(doc_id, []), state))
    state.flush()
    return ReviewSummary(run_id, tuple(out))


# ----- changes and their status ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """A queued change with its status as the decisions say: pending, accepted, rejected, overridden or superseded
    (a later run of the same logical document re-queued what still differs)."""

    change_id: str
    run_id: str
    doc_id: str
    doc_key: str
    entity: str
    entity_key: str
    field: str | None
    kind: str
    old_value: str | None
    new_value: str | None
    old_printed: str | None
    new_printed: str | None
    old_run_id: str | None
    old_doc_id: str | None
    old_row_no: int | None
    old_page: int | None
    old_bbox: tuple | None
    new_row_no: int | None
    new_page: int | None
    new_bbox: tuple | None
    created_at: datetime
    status: str
    decision_id: str | None
    override_value: str | None


CHANGES_SQL = """
WITH cur AS (
    SELECT doc_key, run_id, doc_id FROM (
        SELECT p.doc_key, p.run_id, p.doc_id, row_number() OVER (PARTITION BY p.doc_key
            ORDER BY r.started_at DESC, p.run_id DESC, p.doc_id DESC) AS rk
        FROM publications p JOIN runs r ON r.run_id = p.run_id) WHERE rk = 1),
dec AS (
    SELECT change_id, decision, decision_id, override_value FROM (
        SELECT d.*, row_number() OVER (PARTITION BY d.change_id ORDER BY d.decided_at DESC, d.decision_id DESC) AS rk
        FROM review_decisions d WHERE d.change_id IS NOT NULL AND d.lifts IS NULL) WHERE rk = 1)
SELECT c.change_id, c.run_id, c.doc_id, c.doc_key, c.entity, c.entity_key, c.field, c.kind, c.old_value, c.new_value,
       c.old_printed, c.new_printed, c.old_run_id, c.old_doc_id, c.old_row_no, c.old_page, c.old_bbox, c.new_row_no,
       c.new_page, c.new_bbox, c.created_at,
       CASE d.decision WHEN 'accept' THEN 'accepted' WHEN 'reject' THEN 'rejected' WHEN 'override' THEN 'overridden'
            ELSE CASE WHEN cur.run_id IS NULL THEN 'superseded' ELSE 'pending' END END AS status,
       d.decision_id, d.override_value
FROM review_changes c
LEFT JOIN dec d ON d.change_id = c.change_id
LEFT JOIN cur ON cur.doc_key = c.doc_key AND cur.run_id = c.run_id AND cur.doc_id = c.doc_id
"""


def list_changes(con: duckdb.DuckDBPyConnection, *, run_id: str | None = None, doc_id: str | None = None,
                 entity: str | None = None, status: str | None = None, change_id: str | None = None) -> list[Change]:
    """Queued changes, filtered, in table order then row order."""
    conds, params = [], []
    for col, val in (("run_id", run_id), ("doc_id", doc_id), ("entity", entity), ("status", status),
                     ("change_id", change_id)):
        if val is not None:
            conds.append(f"{col} = ?")
            params.append(val)
    where = " WHERE " + " AND ".join(conds) if conds else ""
    rows = con.execute(f"SELECT * FROM ({CHANGES_SQL}){where}", params).fetchall()
    order = {e: i for i, e in enumerate(TABLE_ORDER)}
    out = [Change(*r[:16], as_bbox(r[16]), r[17], r[18], as_bbox(r[19]), *r[20:]) for r in rows]
    return sorted(out, key=lambda c: (c.doc_key, c.run_id, order.get(c.entity, 99),
                                      c.new_row_no if c.new_row_no is not None else c.old_row_no or 0,
                                      c.field or ""))


def get_change(con: duckdb.DuckDBPyConnection, change_id: str) -> Change:
    found = list_changes(con, change_id=change_id)
    if not found:
        raise ReviewError(f"ingen ändring med id {change_id!r} (no such change)")
    return found[0]


# ----- overrides ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    """An override standing on a published field."""

    decision_id: str
    doc_key: str
    entity: str
    entity_key: str
    field: str
    value: str
    reviewer: str
    decided_at: datetime
    comment: str | None


def standing_overrides(con: duckdb.DuckDBPyConnection, key: str | None = None) -> list[Override]:
    """Overrides not lifted and not replaced by a newer override of the same field."""
    rows = con.execute(
        "SELECT decision_id, doc_key, entity, entity_key, field, override_value, reviewer, decided_at, comment FROM ("
        "  SELECT d.*, row_number() OVER (PARTITION BY d.doc_key, d.entity, d.entity_key, d.field "
        "      ORDER BY d.decided_at DESC, d.decision_id DESC) AS rk FROM review_decisions d "
        "  WHERE d.decision = 'override' AND (? IS NULL OR d.doc_key = ?)) o "
        "WHERE rk = 1 AND NOT EXISTS (SELECT 1 FROM review_decisions l WHERE l.lifts = o.decision_id) "
        "ORDER BY doc_key, entity, entity_key, field", [key, key]).fetchall()
    return [Override(*r) for r in rows]


def active_overrides(con: duckdb.DuckDBPyConnection, key: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(entity, natural key) -> {field: typed value} of the overrides standing on a logical document."""
    standing = standing_overrides(con, key)
    return typed_overrides(standing, column_types(con)) if standing else {}


def typed_overrides(standing: Iterable[Override], types: dict[str, dict[str, str]]
                    ) -> dict[tuple[str, str], dict[str, Any]]:
    """Standing overrides as (entity, natural key) -> {field: value typed for its column} (`types`: table ->
    column -> DuckDB type)."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for o in standing:
        t = run_table(o.entity)
        out.setdefault((o.entity, o.entity_key), {})[o.field] = parse_value(o.value, types[t][o.field], t, o.field)
    return out


def column_types(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    from warehouse.load import table_columns

    return {t: {c: col.type for c, col in cols.items()} for t, cols in table_columns(con).items()}


def parse_value(text: str, type_name: str, table: str, fld: str) -> Any:
    """A steward's typed value for a column: Swedish number formats accepted ("1 163,6", "−5"); refused with the
    reason when it does not fit the column or breaks its constraint."""
    from warehouse.rows import Unfit, check_for, fit

    t = type_name.upper()
    s = (text or "").strip()
    if not s:
        raise ReviewError("ett värde krävs (a value is required)")
    try:
        if t in ("INTEGER", "BIGINT", "SMALLINT") or t.startswith("DECIMAL"):
            s2 = re.sub(r"[\s\u00a0\u202f]", "", s).replace("−", "-").replace(",", ".")
            try:
                value: Any = Decimal(s2)
            except InvalidOperation:
                raise ReviewError(f"{text!r} är inte ett tal (not a number)") from None
        elif t == "BOOLEAN":
            low = s.lower()
            if low not in ("ja", "nej", "true", "false"):
                raise ReviewError(f"{text!r}: skriv ja eller nej (yes/no expected)")
            value = low in ("ja", "true")
        elif t == "VARCHAR":
            value = s
        else:
            raise ReviewError(f"fältet {fld} ({type_name}) kan inte ersättas här (cannot be overridden)")
        v = fit(value, t)
        check = check_for(table, fld)
        if v is not None and check is not None and not check.test(v):
            raise ReviewError(f"{text!r}: {check.says}")
        return v
    except Unfit as exc:
        raise ReviewError(f"{text!r} passar inte fältet {fld}: {exc}") from None


# ----- decisions ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    """A steward's decision as recorded."""

    decision_id: str
    change_id: str | None
    decision: str
    reviewer: str
    decided_at: datetime
    comment: str | None
    override_value: str | None = None
    lifts: str | None = None


def record_decision(con: duckdb.DuckDBPyConnection, *, run_id: str, doc_id: str, key: str, entity: str,
                    entity_key: str, fld: str | None, old: str | None, new: str | None, decision: str,
                    reviewer: str, comment: str | None, override_value: str | None = None,
                    change_id: str | None = None, lifts: str | None = None) -> Decision:
    """Append one row to review_decisions (never updated, never deleted)."""
    if not reviewer or not reviewer.strip():
        raise ReviewError("granskarens namn saknas (reviewer required)")
    d = Decision(uuid.uuid4().hex, change_id, decision, reviewer.strip(), now_utc(), (comment or "").strip() or None,
                 override_value, lifts)
    con.execute(
        "INSERT INTO review_decisions (decision_id, run_id, entity, entity_key, field, old_value, new_value, decision, "
        "override_value, reviewer, decided_at, comment, change_id, doc_id, doc_key, lifts) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [d.decision_id, run_id, entity, entity_key, fld, old, new, decision, override_value, d.reviewer,
         d.decided_at, d.comment, change_id, doc_id, key, lifts])
    return d


def find_published(con: duckdb.DuckDBPyConnection, key: str, entity: str, entity_key: str) -> Row | None:
    """The published row of a logical document with this natural key."""
    return keyed(published_rows(con, key, [entity])).get((entity, entity_key))


def set_published_value(con: duckdb.DuckDBPyConnection, row: Row, fld: str, value: Any) -> None:
    """Set one field of a published row (the field name is checked against the table's columns)."""
    if fld not in columns(con, pub_table(row.entity)):
        raise ReviewError(f"{row.entity} har inget fält {fld!r} (no such field)")
    where, params = row_where(row)
    con.execute(f"UPDATE {quote_ident(pub_table(row.entity))} SET {quote_ident(fld)} = ? WHERE {where}", [value, *params])


def copy_field_from_run(con: duckdb.DuckDBPyConnection, row: Row, fld: str, run_id: str, doc_id: str, row_no: int
                        ) -> None:
    """Set a published field (and its printed form and provenance) to what a run extracted."""
    spec = SPECS[row.entity]
    names = [fld] + [f for f, v in spec.forms.items() if v == fld]
    cond, params = row_where(replace_ref(row, run_id=run_id, doc_id=doc_id, row_no=row_no))
    src = rows_from(con, row.entity, run_table(row.entity), "run_provenance", cond, params)
    if not src:
        raise ReviewError(f"raden finns inte längre i körning {run_id} (the run's row is gone)")
    for n in names:
        set_published_value(con, row, n, src[0].values.get(n))
        con.execute("DELETE FROM pub_provenance WHERE run_id = ? AND doc_id = ? AND entity = ? AND row_no = ? "
                    "AND field = ?", [row.ref.run_id, row.ref.doc_id, prov_entity(row), row.ref.row_no, n])
        s = src[0].prov.get(n)
        if s is not None:
            con.execute("INSERT INTO pub_provenance (run_id, doc_id, entity, row_no, field, page, bbox, printed) "
                        "VALUES (?,?,?,?,?,?,?,?)", [row.ref.run_id, row.ref.doc_id, prov_entity(row), row.ref.row_no, n,
                                                     s.page, list(s.bbox) if s.bbox else None, s.printed])


def decide(con: duckdb.DuckDBPyConnection, change_id: str, decision: str, reviewer: str, comment: str | None = None,
           value: str | None = None) -> Decision:
    """Accept, reject or override a pending change: record the decision and update the published state."""
    return apply_decision(con, get_change(con, change_id), decision, reviewer, comment, value)


def apply_decision(con: duckdb.DuckDBPyConnection, c: Change, decision: str, reviewer: str,
                   comment: str | None = None, value: str | None = None) -> Decision:
    """`decide` for a change already read in this transaction (a bulk accept reads its changes once)."""
    if decision not in DECISIONS:
        raise ReviewError(f"okänt beslut {decision!r} (accept, reject or override)")
    if c.status != "pending":
        raise ReviewError(f"ändringen är inte väntande utan {c.status} (the change is {c.status}, not pending)")
    override_value = None
    if decision == "override":
        if c.kind != "changed":
            raise ReviewError("bara ett ändrat värde kan ersättas (only a changed value can be overridden)")
        typed = parse_value(value or "", column_types(con)[run_table(c.entity)][c.field], run_table(c.entity), c.field)
        override_value = display(typed)
    row = None
    if c.kind != "added":
        row = find_published(con, c.doc_key, c.entity, c.entity_key)
        if row is None:
            raise ReviewError(f"den publicerade raden {c.entity_key} saknas (published row missing)")
    if decision == "accept":
        if c.kind == "changed":
            copy_field_from_run(con, row, c.field, c.run_id, c.doc_id, c.new_row_no)
        elif c.kind == "added":
            new = keyed(rows_from(con, c.entity, run_table(c.entity), "run_provenance", "run_id = ? AND doc_id = ?",
                                  [c.run_id, c.doc_id])).get((c.entity, c.entity_key))
            if new is None:
                raise ReviewError(f"raden {c.entity_key} finns inte i körning {c.run_id} (the run's row is gone)")
            insert_published(con, [new])
        else:
            delete_published(con, [row])
    elif decision == "override":
        set_published_value(con, row, c.field, typed)
    return record_decision(con, run_id=c.run_id, doc_id=c.doc_id, key=c.doc_key, entity=c.entity,
                           entity_key=c.entity_key, fld=c.field, old=c.old_value, new=c.new_value, decision=decision,
                           reviewer=reviewer, comment=comment, override_value=override_value, change_id=c.change_id)


def table_digest(changes: Iterable[Change]) -> str:
    """A short digest of a set of changes: a bulk accept names the changes the steward saw."""
    return hashlib.sha256("\n".join(sorted(c.change_id for c in changes)).encode()).hexdigest()[:16]


def bulk_accept(con: duckdb.DuckDBPyConnection, run_id: str, doc_id: str, entity: str, reviewer: str, comment: str,
                digest: str) -> list[Decision]:
    """Accept every pending change of one table of one document in one run, with the steward's explanation.

    Refused without an explanation, and when the pending changes are not exactly the ones the steward saw (`digest`).
    """
    if not comment or not comment.strip():
        raise ReviewError("en förklaring krävs för att godkänna hela tabellen (an explanation is required)")
    pending = list_changes(con, run_id=run_id, doc_id=doc_id, entity=entity, status="pending")
    if not pending:
        raise ReviewError("inga väntande ändringar i tabellen (no pending changes)")
    if table_digest(pending) != digest:
        raise ReviewError("ändringarna har ändrats sedan sidan visades (the changes differ from those shown)")
    return [apply_decision(con, c, "accept", reviewer, comment) for c in pending]


def lift_override(con: duckdb.DuckDBPyConnection, decision_id: str, reviewer: str, comment: str | None = None
                  ) -> Decision:
    """Lift a standing override: the published field goes back to what the latest extraction says."""
    found = [o for o in standing_overrides(con) if o.decision_id == decision_id]
    if not found:
        raise ReviewError(f"ingen gällande ersättning med id {decision_id!r} (no standing override)")
    o = found[0]
    row = find_published(con, o.doc_key, o.entity, o.entity_key)
    if row is None:
        raise ReviewError(f"den publicerade raden {o.entity_key} saknas (published row missing)")
    copy_field_from_run(con, row, o.field, row.ref.run_id, row.ref.doc_id, row.ref.row_no)
    extracted = find_published(con, o.doc_key, o.entity, o.entity_key)
    return record_decision(con, run_id=row.ref.run_id, doc_id=row.ref.doc_id, key=o.doc_key, entity=o.entity,
                           entity_key=o.entity_key, fld=o.field, old=o.value,
                           new=display(extracted.values.get(o.field)) if extracted else None, decision="accept",
                           reviewer=reviewer, comment=comment or f"lifts override {decision_id}", lifts=decision_id)


def decisions(con: duckdb.DuckDBPyConnection, limit: int = 500) -> list[dict[str, Any]]:
    """The audit trail, newest first."""
    cur = con.execute("SELECT * FROM review_decisions ORDER BY decided_at DESC, decision_id DESC LIMIT ?", [limit])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def replace_ref(row: Row, **kw: Any) -> Row:
    return replace(row, ref=replace(row.ref, **kw))
