"""The diff between two extractions of a document: pure functions over rows, keyed by natural keys.

Rows are matched per table by what identifies them on paper (a risk number; sheet + line label + column; account +
column; project key; ...), never by their position, so a reordered table or a row that moved to another page is not
a change. A matched row whose values differ is a change, field by field, old -> new with the printed strings and the
provenance of both sides; a figure whose printed form changed but whose value did not ("1 163,6" -> "1163,6") is
reported as a change of form, which needs no review.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

BBox = tuple[float, float, float, float]
IDENTITY = ("run_id", "doc_id", "row_no")
LOCATION = ("page", "bbox")
NOT_VALUES = IDENTITY + LOCATION + ("extra",)


@dataclass(frozen=True)
class EntitySpec:
    """How the rows of one table are identified and compared.

    `key`: fields that identify a row on paper; `fallback`: used when every key field is NULL (an unnumbered risk);
    `position`: fields that only say where the row stands (a reorder is not a change); `forms`: printed-form field ->
    the value field it prints (a change of form alone needs no review).
    """

    entity: str
    key: tuple[str, ...]
    fallback: tuple[str, ...] = ()
    position: tuple[str, ...] = ()
    forms: dict[str, str] = field(default_factory=dict)


SPECS: dict[str, EntitySpec] = {s.entity: s for s in (
    EntitySpec("risks", ("risk_no",), fallback=("event",)),
    EntitySpec("risk_matrix", ("risk_no",)),
    EntitySpec("risk_matrix_totals", (), forms={"printed": "total"}),
    EntitySpec("controls", ("process", "working_method", "control_activity", "control", "event")),
    EntitySpec("control_assessments", (), forms={"printed": "assessment"}),
    EntitySpec("control_followups", ("process", "working_method", "control_activity")),
    EntitySpec("budget_lines", ("sheet", "parent_label", "label", "column_key"), position=("line_no",),
               forms={"value_printed": "value_sek"}),
    EntitySpec("accounts", ("statement", "account", "column_key"), fallback=("statement", "account_name", "column_key"),
               forms={"value_printed": "value_sek"}),
    EntitySpec("kaa_stats", ("year", "metric", "unit", "group_by", "group_value", "source"), forms={"printed": "value"}),
    EntitySpec("kpis", ("kpi_no",), fallback=("name",), forms={"value_printed": "value"}),
    EntitySpec("projects", ("list", "project_key"),
               forms={"budget_printed": "budget_sek", "cofinancing_printed": "cofinancing_sek"}),
    EntitySpec("procurements", ("category", "description")),
    EntitySpec("other_records", ("entity",)),
)}
TABLE_ORDER = tuple(SPECS)


def spec_of(entity: str) -> EntitySpec:
    """The spec of a table; a table without one has no key (its single row, or `#2`, `#3`, ...)."""
    return SPECS.get(entity) or EntitySpec(entity, ())


@dataclass(frozen=True)
class FieldSource:
    """Where a field's value was printed: page, box and the string as printed."""

    page: int | None = None
    bbox: BBox | None = None
    printed: str | None = None


@dataclass(frozen=True)
class RowRef:
    """Which stored row a value comes from, and where the row stands in its PDF."""

    run_id: str
    doc_id: str
    row_no: int
    page: int | None = None
    bbox: BBox | None = None


@dataclass(frozen=True)
class Row:
    """One extracted (or published) row: its identity, its values and the provenance of each field."""

    entity: str
    ref: RowRef
    values: dict[str, Any]
    prov: dict[str, FieldSource] = field(default_factory=dict)
    extra: str | None = None  # the row's `extra` JSON, carried with it


@dataclass(frozen=True)
class FieldChange:
    """One field of a matched row that differs: `kind` 'value' (needs review) or 'form' (printed form only)."""

    field: str
    kind: str
    old: Any
    new: Any
    old_source: FieldSource
    new_source: FieldSource


@dataclass(frozen=True)
class RowDiff:
    """A row of the diff: `status` added / removed / changed / unchanged; `moved` when its page or place changed."""

    entity: str
    key: str
    status: str
    old: Row | None
    new: Row | None
    fields: tuple[FieldChange, ...] = ()
    moved: bool = False

    @property
    def value_changes(self) -> list[FieldChange]:
        return [f for f in self.fields if f.kind == "value"]

    @property
    def form_changes(self) -> list[FieldChange]:
        return [f for f in self.fields if f.kind == "form"]


# ----- values ---------------------------------------------------------------------------------------------

def comparable(entity: str, name: str, value: Any) -> Any:
    """A value in the form two extractions are compared in: payloads without their position, boxes as tuples."""
    if entity == "other_records" and name == "payload" and isinstance(value, str):
        data = json.loads(value)
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in LOCATION}
        return json.dumps(data, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list):
        return tuple(value)
    return value


def display(value: Any) -> str | None:
    """A value as text for review_changes / review_decisions and the diff outputs (NULL stays None)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return str(value.quantize(Decimal(1)))
        return format(value.normalize(), "f")
    if isinstance(value, (list, tuple)):
        return json.dumps([display(v) if isinstance(v, Decimal) else v for v in value], ensure_ascii=False)
    return str(value)


# ----- keys -----------------------------------------------------------------------------------------------

def key_fields(spec: EntitySpec, values: dict[str, Any]) -> tuple[str, ...]:
    """The fields that identify this row: the key, or the fallback when every key field is NULL."""
    if spec.fallback and all(values.get(k) is None for k in spec.key):
        return spec.fallback
    return spec.key


def base_key(spec: EntitySpec, values: dict[str, Any]) -> str:
    """A row's natural key as text, e.g. `risk_no=3` or `sheet=Budget | label=Netto | column_key=budget`."""
    names = key_fields(spec, values)
    return " | ".join(f"{k}={display(values.get(k)) if values.get(k) is not None else '∅'}" for k in names) or "row"


def signature(row: Row) -> str:
    """A row's values as text, to order rows that share a natural key independently of where they stand."""
    return repr(sorted((k, repr(comparable(row.entity, k, v))) for k, v in row.values.items()))


def keyed(rows: Iterable[Row]) -> dict[tuple[str, str], Row]:
    """Rows by (entity, natural key); a key printed twice in one document gets `#2`, `#3`, ... (ordered by the
    rows' values, so identical duplicates match whatever their order on the page)."""
    with_keys = [((r.entity, base_key(spec_of(r.entity), r.values)), r) for r in rows]
    counts: dict[tuple[str, str], int] = {}
    for k, _ in with_keys:
        counts[k] = counts.get(k, 0) + 1

    def order(item: tuple[tuple[str, str], Row]) -> tuple:
        (entity, key), r = item
        return (TABLE_ORDER.index(entity) if entity in SPECS else 99, entity, key,
                signature(r) if counts[(entity, key)] > 1 else "", r.ref.row_no)

    out: dict[tuple[str, str], Row] = {}
    seen: dict[tuple[str, str], int] = {}
    for k, row in sorted(with_keys, key=order):
        n = seen[k] = seen.get(k, 0) + 1
        out[(k[0], k[1] if n == 1 else f"{k[1]} #{n}")] = row
    return out


# ----- the diff -------------------------------------------------------------------------------------------

def source_of(row: Row, name: str, spec: EntitySpec) -> FieldSource:
    """Where a field was printed: its own provenance, else the row's box and its printed-form field (a figure)."""
    src = row.prov.get(name)
    if src is not None:
        return src
    form = next((f for f, v in spec.forms.items() if v == name), None)
    if form is not None and row.values.get(form) is not None:
        return FieldSource(row.ref.page, row.ref.bbox, str(row.values[form]))
    return FieldSource()


def field_changes(old: Row, new: Row, skip: frozenset[str] = frozenset()) -> list[FieldChange]:
    """The fields of two matched rows that differ, as value or form changes (fields in `skip` are left out)."""
    spec = spec_of(new.entity)
    names = [n for n in dict.fromkeys([*old.values, *new.values])
             if n not in NOT_VALUES and n not in spec.position and n not in skip]
    value_changed = {n for n in names if n not in spec.forms and
                     comparable(new.entity, n, old.values.get(n)) != comparable(new.entity, n, new.values.get(n))}
    out = []
    for n in names:  # where a field was printed is looked up only for a field that changed (most do not)
        o, w = old.values.get(n), new.values.get(n)
        if n in value_changed:
            out.append(FieldChange(n, "value", o, w, source_of(old, n, spec), source_of(new, n, spec)))
        elif n in spec.forms:
            if spec.forms[n] in value_changed:
                continue  # printed with its value's change
            if o != w:
                out.append(FieldChange(n, "form", o, w, source_of(old, n, spec), source_of(new, n, spec)))
        else:
            os_, ns = old.prov.get(n), new.prov.get(n)  # a printed form of its own only where both have one
            if os_ is not None and ns is not None and os_.printed is not None and ns.printed is not None \
                    and os_.printed != ns.printed:
                out.append(FieldChange(n, "form", o, w, os_, ns))
    return out


def moved(old: Row, new: Row) -> bool:
    """Whether a matched row stands elsewhere: another page, box or position in its sheet."""
    spec = spec_of(new.entity)
    if old.ref.page != new.ref.page or old.ref.bbox != new.ref.bbox:
        return True
    return any(old.values.get(p) != new.values.get(p) for p in spec.position)


def diff_rows(old: Iterable[Row], new: Iterable[Row],
              skip: dict[tuple[str, str], frozenset[str]] | None = None) -> list[RowDiff]:
    """Every row of `old` and `new` matched by natural key: added, removed, changed or unchanged, in table order.

    `skip` maps (entity, key) to fields left out of the comparison (a steward's override stands on them).
    """
    skip = skip or {}
    a, b = keyed(old), keyed(new)
    out: list[RowDiff] = []
    for k in dict.fromkeys([*b, *a]):
        o, n = a.get(k), b.get(k)
        if o is None:
            out.append(RowDiff(k[0], k[1], "added", None, n))
        elif n is None:
            out.append(RowDiff(k[0], k[1], "removed", o, None))
        else:
            changes = field_changes(o, n, skip.get(k, frozenset()))
            status = "changed" if any(c.kind == "value" for c in changes) else "unchanged"
            out.append(RowDiff(k[0], k[1], status, o, n, tuple(changes), moved(o, n)))
    order = {e: i for i, e in enumerate(TABLE_ORDER)}
    return sorted(out, key=lambda d: (order.get(d.entity, 99), d.entity, (d.new or d.old).ref.row_no,
                                      d.status != "removed"))


@dataclass(frozen=True)
class TableSummary:
    """Counts of one table's diff."""

    entity: str
    added: int
    removed: int
    changed: int
    unchanged: int
    moved: int
    reformatted: int


def summarise(diffs: Iterable[RowDiff]) -> list[TableSummary]:
    """Per table: rows added, removed, changed, unchanged, moved, and rows with form-only changes."""
    by: dict[str, list[RowDiff]] = {}
    for d in diffs:
        by.setdefault(d.entity, []).append(d)
    return [TableSummary(e, *(sum(1 for d in ds if d.status == s) for s in ("added", "removed", "changed", "unchanged")),
                         sum(1 for d in ds if d.moved), sum(1 for d in ds if d.form_changes and d.status == "unchanged"))
            for e, ds in by.items()]
