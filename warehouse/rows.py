"""Turning extracted records into warehouse rows: pure functions, no database.

Why a separate, strict step: the nightly load must never fail because one extractor produced one odd
value, and must never lose or round a value either. So every value is checked here against the column it
goes to (its DuckDB type and the CHECK constraints of the schema, mirrored in `CHECKS`):

- a value that does not fit (a float where money must be exact, an S of 7, a month like '2022') is stored
  as NULL, kept verbatim in the row's `extra` JSON under "rejected", and recorded as a load problem;
- a field the schema has no column for is kept in `extra` under "unmapped";
- a row that misses a NOT NULL value, or whose entity has no table yet, goes whole to `run_other_records`
  (JSON payload) with a problem, instead of failing the run.
"""
from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, is_dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Callable, Iterable

from pipeline.records import Problem, Provenance, Record

OTHER_TABLE = "run_other_records"
COMMON_COLUMNS = ("run_id", "doc_id", "row_no")


def run_table(entity: str) -> str:
    """The run-scoped table of an entity: `risks` -> `run_risks`."""
    return f"run_{entity}"


@dataclass(frozen=True)
class Column:
    """A column as the database describes it."""

    name: str
    type: str  # as DuckDB prints it: VARCHAR, INTEGER, DECIMAL(20,4), DOUBLE[4], INTEGER[], BOOLEAN, JSON
    nullable: bool = True


@dataclass(frozen=True)
class Check:
    """A CHECK constraint of the schema, mirrored so the loader can refuse a value before the database does."""

    test: Callable[[Any], bool]
    says: str  # plain words, for the problem message
    bad: Any  # a value the database refuses (used by the parity test)


def _month(v: Any) -> bool:
    return isinstance(v, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", v) is not None


# column -> check, for every table having the column; table-specific ones under (table, column)
CHECKS: dict[str | tuple[str, str], Check] = {
    "page": Check(lambda v: v >= 1, "a page number is 1 or more", 0),
    "row_no": Check(lambda v: v >= 1, "row numbers start at 1", 0),
    "risk_no": Check(lambda v: v >= 0, "a risk number is not negative", -1),
    "probability": Check(lambda v: 1 <= v <= 5, "probability (sannolikhet) is 1-5", 6),
    "consequence": Check(lambda v: 1 <= v <= 5, "consequence (konsekvens) is 1-5", 0),
    "risk_value": Check(lambda v: v >= 0, "a risk value (riskvärde) is not negative", -1),
    ("run_risk_matrix_totals", "total"): Check(lambda v: v >= 0, "a total is not negative", -1),
    ("run_control_assessments", "assessment"): Check(
        lambda v: v in ("tillräcklig", "delvis tillräcklig", "otillräcklig"),
        "assessment is tillräcklig, delvis tillräcklig or otillräcklig", "bra"),
    ("run_budget_lines", "line_no"): Check(lambda v: v >= 0, "a line number is not negative", -1),
    ("run_accounts", "statement"): Check(lambda v: v in ("RR", "BR"), "statement is RR or BR", "XX"),
    ("run_accounts", "level"): Check(lambda v: v in (2, 3, 4), "an account level is 2, 3 or 4 digits", 5),
    ("run_kaa_stats", "year"): Check(lambda v: 1900 <= v <= 2200, "a year is 1900-2200", 22),
    ("run_kaa_stats", "unit"): Check(lambda v: v in ("count", "percent"), "unit is count or percent", "st"),
    ("run_kaa_stats", "source"): Check(lambda v: v in ("table", "text"), "source is table or text", "pdf"),
    ("run_projects", "start_month"): Check(_month, "a month is YYYY-MM", "2022"),
    ("run_projects", "end_month"): Check(_month, "a month is YYYY-MM", "2022-13"),
}


def check_for(table: str, column: str) -> Check | None:
    return CHECKS.get((table, column)) or CHECKS.get(column)


# ----- values against DuckDB types ----------------------------------------------------------------------

class Unfit(ValueError):
    """A value that does not fit its column; the message says why in plain words."""


def fit(value: Any, type_name: str) -> Any:
    """`value` converted for a column of DuckDB type `type_name`, losslessly, or Unfit.

    Numbers are never rounded: money that has more decimals than the column keeps is refused, and so is a
    float (records.py: money is Decimal). Text columns accept ints/Decimals (an item number printed '3').
    """
    if value is None:
        return None
    t = type_name.upper()
    if t == "VARCHAR":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
        raise Unfit(f"text expected, got {type(value).__name__} {value!r}")
    if t in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT"):
        if isinstance(value, bool):
            raise Unfit(f"integer expected, got bool {value!r}")
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        raise Unfit(f"integer expected, got {type(value).__name__} {value!r}")
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return fit_decimal(value, int(m.group(1)), int(m.group(2)))
    if t == "BOOLEAN":
        if isinstance(value, bool):
            return value
        raise Unfit(f"true/false expected, got {type(value).__name__} {value!r}")
    if t == "DOUBLE[4]":
        return fit_bbox(value)
    if t == "INTEGER[]":
        if isinstance(value, (list, tuple)) and all(isinstance(x, int) and not isinstance(x, bool) for x in value):
            return list(value)
        raise Unfit(f"list of integers expected, got {value!r}")
    if t == "JSON":
        return to_json(value)
    raise Unfit(f"no conversion for column type {type_name}")


def fit_decimal(value: Any, precision: int, scale: int) -> Decimal:
    """An exact Decimal for DECIMAL(precision, scale), or Unfit: never rounded, never from a float."""
    if isinstance(value, bool) or isinstance(value, float):
        raise Unfit(f"exact number expected (Decimal), got {type(value).__name__} {value!r}")
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal):
        raise Unfit(f"number expected, got {type(value).__name__} {value!r}")
    if not value.is_finite():
        raise Unfit(f"finite number expected, got {value}")
    try:
        exact = value.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation as exc:
        raise Unfit(f"{value} does not fit DECIMAL({precision},{scale})") from exc
    if exact != value:
        raise Unfit(f"{value} has more than {scale} decimals; it would be rounded")
    if abs(exact) >= Decimal(10) ** (precision - scale):
        raise Unfit(f"{value} is too large for DECIMAL({precision},{scale})")
    return exact


def fit_bbox(value: Any) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) as four floats, or Unfit."""
    if isinstance(value, (list, tuple)) and len(value) == 4 and all(
            isinstance(x, (int, float, Decimal)) and not isinstance(x, bool) for x in value):
        return tuple(float(x) for x in value)  # type: ignore[return-value]
    raise Unfit(f"bbox of four numbers expected, got {value!r}")


def plain(value: Any) -> Any:
    """A JSON-ready form of a record value: Decimals as strings (exact), tuples as lists, dataclasses as dicts."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Provenance) or is_dataclass(value) and not isinstance(value, type):
        return plain(asdict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def to_json(value: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, sort_keys=True)


# ----- records to rows ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadProblem:
    """Something the load had to change or set aside, said where."""

    entity: str | None
    row_no: int | None
    page: int | None
    message: str


@dataclass
class DocumentRows:
    """Every row one document contributes to one run, by table, plus what had to be set aside."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)
    records: int = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables.setdefault(table, []).append(row)


Fitter = Callable[[Any], Any]


def column_fitter(table: str, col: Column) -> Fitter:
    """`fit` and the column's CHECK as one function of a value (fitted value, or Unfit), with fast paths for the
    types extraction gives almost always (text as str, integers as int, boxes as four floats, exact money) that
    return exactly what `fit` returns for them."""
    check = check_for(table, col.name)
    type_name = col.type
    t = type_name.upper()

    def checked(v: Any) -> Any:
        if v is not None and check is not None and not check.test(v):
            raise Unfit(f"{v!r} breaks the rule: {check.says}")
        return v

    def slow(value: Any) -> Any:
        return checked(fit(value, type_name))

    decimal = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if t in ("VARCHAR", "INTEGER"):
        exact = str if t == "VARCHAR" else int  # the type fit() returns unchanged
        if check is None:
            def fitter(value: Any) -> Any:
                return value if value is None or type(value) is exact else slow(value)
        else:
            def fitter(value: Any) -> Any:
                return checked(value) if type(value) is exact else None if value is None else slow(value)
    elif decimal:
        precision, scale = int(decimal.group(1)), int(decimal.group(2))

        def fitter(value: Any) -> Any:
            return None if value is None else checked(fit_decimal(value, precision, scale))
    elif t == "DOUBLE[4]":
        def fitter(value: Any) -> Any:
            if type(value) is tuple and len(value) == 4:
                x0, top, x1, bottom = value
                if type(x0) is float and type(top) is float and type(x1) is float and type(bottom) is float:
                    return checked(value)  # = fit_bbox(value): already four floats
            return None if value is None else slow(value)
    else:
        def fitter(value: Any) -> Any:
            return None if value is None else slow(value)
    return fitter


@dataclass(frozen=True)
class TableFit:
    """How values are fitted into one table: a fitter per column, and the NOT NULL columns a record must fill."""

    table: str
    columns: dict[str, Column]
    fitters: dict[str, Fitter]
    required: tuple[str, ...]


@lru_cache(maxsize=256)
def _table_fit(table: str, columns: tuple[Column, ...]) -> TableFit:
    cols = {c.name: c for c in columns}
    return TableFit(table, cols, {c.name: column_fitter(table, c) for c in columns},
                    tuple(c.name for c in columns if not c.nullable and c.name not in COMMON_COLUMNS))


def table_fit(table: str, columns: dict[str, Column]) -> TableFit:
    """The (cached) TableFit of `table` with `columns` as the database describes them."""
    return _table_fit(table, tuple(columns.values()))


def fit_values(fitters: dict[str, Fitter], values: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    """(row, rejected values, reasons): each value through its column's fitter, unfit ones NULL."""
    row: dict[str, Any] = {}
    rejected: dict[str, Any] = {}
    reasons: list[str] = []
    for name, value in values.items():
        fitter = fitters[name]
        try:
            row[name] = fitter(value)
        except Unfit as exc:
            rejected[name] = value
            reasons.append(f"{name}: {exc}")
            row[name] = None
    return row, rejected, reasons


def fit_row(table: str, columns: dict[str, Column], values: dict[str, Any]) -> tuple[dict, dict, list[str]]:
    """(row for the table's columns, rejected values, reasons): each value fitted and checked, unfit ones NULL."""
    return fit_values(table_fit(table, columns).fitters, values)


def record_rows(records: Iterable[Record], tables: dict[str, dict[str, Column]], run_id: str,
                doc_id: str) -> DocumentRows:
    """The rows of one document's records: one per record in its run table, one per field in run_provenance.

    `tables` is the schema as the database describes it (table -> column name -> Column). Rows are numbered
    1, 2, ... per entity in the order extraction returned them; provenance rows point at (entity, row_no).
    """
    out = DocumentRows()
    counters: dict[str, int] = {}
    fits: dict[str, TableFit | None] = {}
    prov_fitters = table_fit("run_provenance", tables["run_provenance"]).fitters
    other_fitters = table_fit(OTHER_TABLE, tables[OTHER_TABLE]).fitters
    prov_rows = out.tables.setdefault("run_provenance", [])
    fit_page, fit_box, fit_printed = prov_fitters["page"], prov_fitters["bbox"], prov_fitters["printed"]
    for rec in records:
        entity = rec.ENTITY or type(rec).__name__
        out.records += 1
        row_no = counters[entity] = counters.get(entity, 0) + 1
        table = run_table(entity)
        if table not in fits:
            fits[table] = table_fit(table, tables[table]) if table in tables else None
        tf = fits[table]
        base = {"run_id": run_id, "doc_id": doc_id, "row_no": row_no}
        if tf is None:
            out.add(OTHER_TABLE, other_row(base, entity, rec, other_fitters))
        else:
            columns = tf.columns
            values = {**rec.values(), "page": rec.page, "bbox": rec.bbox}
            known = {k: v for k, v in values.items() if k in columns}
            unmapped = {k: v for k, v in values.items() if k not in columns}
            row, rejected, reasons = fit_values(tf.fitters, known)
            missing = [name for name in tf.required if row.get(name) is None]
            if missing:
                out.add(OTHER_TABLE, other_row(base, entity, rec, other_fitters))
                why = "".join(f"; {r}" for r in reasons)
                out.problems.append(LoadProblem(entity, row_no, row.get("page"),
                                                f"row lacks required {', '.join(missing)}{why}: kept in {OTHER_TABLE}"))
            else:
                extra = {k: v for k, v in (("unmapped", unmapped), ("rejected", rejected)) if v}
                if "extra" in columns:
                    row["extra"] = to_json(extra) if extra else None
                out.add(table, {**base, **row})
                for reason in reasons:
                    out.problems.append(LoadProblem(entity, row_no, row.get("page"), f"value set aside: {reason}"))
                if unmapped:
                    out.problems.append(LoadProblem(entity, row_no, row.get("page"),
                                                    f"fields without a column kept in extra: {', '.join(unmapped)}"))
        for name, prov in (rec.provenance or {}).items():
            if type(prov) is Provenance:  # the common case, inline: provenance_row() gives the same row
                try:
                    prov_rows.append({**base, "entity": entity, "field": name, "page": fit_page(prov.page),
                                      "bbox": fit_box(prov.bbox), "printed": fit_printed(prov.printed)})
                    continue
                except Unfit:
                    pass
            prow, problems = provenance_row(base, entity, name, prov, prov_fitters)
            prov_rows.append(prow)
            out.problems.extend(problems)
    if not prov_rows:
        del out.tables["run_provenance"]
    for entity, n in counters.items():
        if run_table(entity) not in tables:
            out.problems.append(LoadProblem(entity, None, None, f"{n} rows of {entity!r}, which has no warehouse table "
                                                                f"yet: kept whole in {OTHER_TABLE}"))
    return out


def other_row(base: dict, entity: str, rec: Record, fitters: dict[str, Fitter]) -> dict[str, Any]:
    """A whole record as JSON, for a row that cannot go to its own table (`fitters`: of run_other_records)."""
    row, _, _ = fit_values(fitters, {"page": rec.page, "bbox": rec.bbox})
    payload = {**rec.values(), "page": rec.page, "bbox": rec.bbox}
    return {**base, "entity": entity, **row, "payload": to_json(payload)}


def provenance_row(base: dict, entity: str, name: str, prov: Any, fitters: dict[str, Fitter]
                   ) -> tuple[dict[str, Any], list[LoadProblem]]:
    """One run_provenance row: where field `name` of a record was printed (`fitters`: of run_provenance)."""
    if isinstance(prov, Provenance):
        page, bbox, printed = prov.page, prov.bbox, prov.printed
    elif isinstance(prov, dict):
        page, bbox, printed = prov.get("page"), prov.get("bbox"), prov.get("printed")
    else:
        page, bbox, printed = None, None, repr(prov)
    try:  # the common case: every value fits
        return {**base, "entity": entity, "field": name, "page": fitters["page"](page), "bbox": fitters["bbox"](bbox),
                "printed": fitters["printed"](printed)}, []
    except Unfit:
        pass
    row = {**base, "entity": entity, "field": name}
    reasons: list[str] = []
    for col, value in (("page", page), ("bbox", bbox), ("printed", printed)):
        try:
            row[col] = fitters[col](value)
        except Unfit as exc:
            row[col] = None
            reasons.append(f"{col}: {exc}")
    problems = [LoadProblem(entity, base["row_no"], row["page"], f"provenance of {name} set aside: {r}")
                for r in reasons]
    return row, problems


def _page(page: Any) -> int | None:
    return page if isinstance(page, int) and not isinstance(page, bool) and page >= 1 else None


def problem_rows(run_id: str, doc_id: str, extraction: Iterable[Problem], link: Iterable[Problem],
                 load: Iterable[LoadProblem]) -> list[dict[str, Any]]:
    """run_problems rows, numbered in order: extraction's own, then linking's, then the load's."""
    rows: list[dict[str, Any]] = []
    for stage, problems in (("extraction", extraction), ("link", link)):
        for p in problems:
            rows.append({"stage": stage, "page": _page(p.page), "section": p.section, "entity": None,
                         "row_no": None, "message": str(p.message)})
    for p in load:
        rows.append({"stage": "load", "page": _page(p.page), "section": None, "entity": p.entity,
                     "row_no": p.row_no, "message": p.message})
    return [{"run_id": run_id, "doc_id": doc_id, "problem_no": i, **r} for i, r in enumerate(rows, 1)]
