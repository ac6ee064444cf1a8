"""The checks over the warehouse: read the published state back as check input, write findings and rules.

`run_checks` is called inside the load (after the run's rows are loaded and published) and by `muni check`.
It reads what auditors see — the published views and `provenance` — so a steward's accepted state is what is
checked, and it does not open or close a transaction itself (the caller's snapshot makes the load atomic).
"""
from __future__ import annotations

import dataclasses
import json
import operator
import typing
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any, Iterable

import duckdb
import pyarrow as pa

from pipeline.checks.model import DocData, Finding, check_row, doc_key
from pipeline.checks.rules import CATALOGUE, Rule, run_rules
from pipeline.records import ENTITIES, Record
from warehouse.load import insert_arrow

KEY_COLUMNS = ("run_id", "doc_id", "row_no")
OPEN = "open"

# the table each rule reads first (the `rules.entity` column); a rule missing here gets NULL
RULE_ENTITY: dict[str, str] = {
    "RISK_RV_PRODUCT": "risks", "RISK_RV12_IN_PLAN": "risks", "MATRIX_PLACEMENT": "risk_matrix",
    "MATRIX_TOTAL": "risk_matrix_totals", "CONTROL_RV": "controls", "CONTROL_FOLLOWED_UP": "control_followups",
    "FOLLOWUP_NOT_PERFORMED": "control_followups", "SHEET_SUM": "budget_lines", "SHEET_COLUMN_FORMULA": "budget_lines",
    "SHEET_NETTO": "budget_lines", "SHEET_DEVIATION": "budget_lines", "VP_VB_BUDGET": "budget_lines",
    "BR_IB_CHANGE_UB": "accounts", "ACCOUNT_COUNTERPARTY": "accounts", "ACCOUNT_PARENT_SUM": "accounts",
    "CONTROL_SUM_ZERO": "control_sums", "KAA_PERCENT": "kaa_stats", "KAA_GENDER_TOTAL": "kaa_stats",
    "KAA_TEXT_TABLE": "kaa_stats", "KPI_RATIO": "kpis", "PROJECT_CROSS_DOC": "projects",
    "PROJECT_DUPLICATE": "projects", "UNIT_SLIP": "projects",
}


@dataclasses.dataclass(frozen=True)
class PublishedDoc:
    """A published document: its warehouse id and its logical identity (the key findings name)."""

    doc_id: str
    key: str
    doc_type: str | None
    year: int | None
    committee: str | None
    sha256: str
    source_uri: str


# ----- reading the published state ---------------------------------------------------------------------

def relation_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The tables and views of the main schema (one catalog query for a reader that looks up many)."""
    return {name for name, in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
        "UNION SELECT view_name FROM duckdb_views() WHERE schema_name = 'main'").fetchall()}


def relation_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Is there a table or view called `name` in the main schema."""
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
                       "UNION ALL SELECT count(*) FROM duckdb_views() WHERE schema_name = 'main' AND view_name = ?",
                       [name, name]).fetchall() != [(0,), (0,)]


def published_docs(con: duckdb.DuckDBPyConnection) -> list[PublishedDoc]:
    """Every document with a published extraction, in a stable order (source, then id)."""
    rows = con.execute("SELECT doc_id, doc_type, year, committee, sha256, source_uri FROM documents "
                       "WHERE published_run_id IS NOT NULL ORDER BY source_uri, doc_id").fetchall()
    return [PublishedDoc(d, doc_key(t, y, c), t, y, c, s, u) for d, t, y, c, s, u in rows]


def plain_decimal(value: Decimal) -> Decimal:
    """A DECIMAL(20,4) as the extraction held it: no trailing zeros in the fraction, never an exponent."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def from_db(value: Any) -> Any:
    """A value read from DuckDB in the shape extraction gives it (exact Decimals, boxes as tuples)."""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    return value


def record_classes() -> dict[str, type[Record]]:
    """Every record class by entity, including those without a warehouse table (kept in other_records)."""
    import pipeline.extract as extract

    for spec in extract.EXTRACTORS.values():
        if spec:
            extract.resolve(spec)  # imports the module, which defines its record classes
    out: dict[str, type[Record]] = {}
    todo = list(Record.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.ENTITY:
            out.setdefault(cls.ENTITY, cls)
    return out


def decimal_fields(cls: type[Record] | None) -> set[str]:
    """Fields of a record class that hold exact numbers (JSON keeps them as strings)."""
    if cls is None:
        return set()
    hints = typing.get_type_hints(cls)
    return {f.name for f in dataclasses.fields(cls) if "Decimal" in str(hints.get(f.name, ""))}


def from_json_value(value: Any, as_decimal: bool) -> Any:
    """A JSON value back in extraction's types: Decimal fields, boxes as tuples."""
    if as_decimal and isinstance(value, (str, int)) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def provenance_by_row(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str, int], dict[str, dict]]:
    """(doc_id, entity, row_no) -> {field: {page, bbox, printed}} of the published rows.

    Read as columns through Arrow, the box as its four numbers: a row-wise fetch of a DOUBLE[4] costs twice the
    time. The values are the same Python ints, floats and strings a row-wise fetch gives."""
    table = con.sql("SELECT doc_id, entity, row_no, field, page, bbox IS NULL, bbox[1], bbox[2], bbox[3], bbox[4], "
                    "printed FROM provenance ORDER BY doc_id, entity, row_no, field").to_arrow_table()
    out: dict[tuple[str, str, int], dict[str, dict]] = {}
    for doc_id, entity, row_no, fld, page, no_box, x0, top, x1, bottom, printed in zip(
            *(column.to_pylist() for column in table.columns)):
        key = (doc_id, entity, row_no)
        fields = out.get(key)
        if fields is None:
            fields = out[key] = {}
        fields[fld] = {"page": page, "bbox": None if no_box else (x0, top, x1, bottom), "printed": printed}
    return out


def table_rows(con: duckdb.DuckDBPyConnection, entity: str, with_extra: bool) -> Iterable[tuple[str, int, dict]]:
    """(doc_id, row_no, row) of an entity's published view; fields without a column come back from `extra`
    (`with_extra`: the run table `run_<entity>` that keeps it exists)."""
    run_tbl = f"run_{entity}"
    extra = "r.extra" if with_extra else "NULL"
    join = f"LEFT JOIN {run_tbl} r ON r.run_id = v.run_id AND r.doc_id = v.doc_id AND r.row_no = v.row_no" \
        if with_extra else ""
    cur = con.execute(f"SELECT v.*, {extra} AS _extra FROM {entity} v {join} ORDER BY v.doc_id, v.row_no")
    names = [d[0] for d in cur.description]
    doc_at, row_no_at, extra_at = names.index("doc_id"), names.index("row_no"), names.index("_extra")
    kept = [(i, n) for i, n in enumerate(names) if n not in KEY_COLUMNS and n != "_extra"]
    kept_names = [n for _, n in kept]
    pick = operator.itemgetter(*[i for i, _ in kept])
    for values in cur.fetchall():
        picked = pick(values)
        row = dict(zip(kept_names, picked if len(kept) > 1 else (picked,)))
        for k, v in row.items():
            if type(v) is Decimal:
                row[k] = plain_decimal(v)
        if row.get("bbox") is not None:
            row["bbox"] = tuple(row["bbox"])
        kept_json = values[extra_at]
        if kept_json:
            kept_extra = json.loads(kept_json)
            for part in ("unmapped", "rejected"):
                row.update(kept_extra.get(part) or {})
        yield values[doc_at], values[row_no_at], row


def other_rows(con: duckdb.DuckDBPyConnection) -> Iterable[tuple[str, str, int, dict]]:
    """(doc_id, entity, row_no, row) of published records that have no table of their own."""
    classes: dict[str, type[Record]] | None = None  # imported only when there are such rows
    decimals: dict[str, set[str]] = {}
    for doc_id, entity, row_no, payload in con.execute(
            "SELECT doc_id, entity, row_no, payload FROM other_records ORDER BY doc_id, entity, row_no").fetchall():
        if entity not in decimals:
            classes = classes if classes is not None else record_classes()
            decimals[entity] = decimal_fields(classes.get(entity))
        data = json.loads(payload)
        row = {k: from_json_value(v, k in decimals[entity]) for k, v in data.items()}
        if row.get("bbox") is not None:
            row["bbox"] = tuple(row["bbox"])
        yield doc_id, entity, row_no, row


def docs_from_warehouse(con: duckdb.DuckDBPyConnection, docs: list[PublishedDoc] | None = None) -> list[DocData]:
    """The published state as check input: the same row dicts `doc_from_extraction` builds, with `_prov`
    (`docs`: published_docs(con), when the caller has read them already)."""
    docs = published_docs(con) if docs is None else docs
    # One DocData per logical document: a republished version that stewards accepted only in part publishes
    # rows of both versions (two doc_ids), which are still one document to check.
    out: dict[str, DocData] = {}
    for d in docs:
        out.setdefault(d.key, DocData(d.key, d.doc_type, d.year, d.committee))
    key_of = {d.doc_id: d.key for d in docs}
    prov = provenance_by_row(con)

    def add(doc_id: str, entity: str, row_no: int, row: dict) -> None:
        if doc_id in key_of:
            rows = out[key_of[doc_id]].tables.setdefault(entity, [])
            rows.append(check_row(row, prov.get((doc_id, entity, row_no), {})))

    relations = relation_names(con)
    for entity in ENTITIES:
        if entity in relations:
            for doc_id, row_no, row in table_rows(con, entity, f"run_{entity}" in relations):
                add(doc_id, entity, row_no, row)
    if "other_records" in relations:
        for doc_id, entity, row_no, row in other_rows(con):
            add(doc_id, entity, row_no, row)
    return list(out.values())


# ----- writing findings and rules ----------------------------------------------------------------------

def doc_ids_by_key(docs: Iterable[PublishedDoc]) -> dict[str, str]:
    """Logical document key -> warehouse doc_id (the first published document with that identity)."""
    out: dict[str, str] = {}
    for d in docs:
        out.setdefault(d.key, d.doc_id)
    return out


def evidence_structs(finding: Finding, doc_ids: dict[str, str]) -> list[dict]:
    """The finding's evidence as `findings.evidence` STRUCTs, with warehouse doc ids."""
    return [{"doc_id": doc_ids.get(e.doc), "field": e.field, "page": e.page,
             "bbox": [float(x) for x in e.bbox] if e.bbox else None, "printed": e.printed}
            for e in finding.evidence]


def previous_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """finding_id -> the status of its latest recorded row (a steward's accept/dismiss carries over)."""
    return dict(con.execute(
        "SELECT finding_id, status FROM ("
        "  SELECT f.finding_id, f.status, row_number() OVER (PARTITION BY f.finding_id "
        "      ORDER BY r.started_at DESC NULLS LAST, f.run_id DESC) AS rank "
        "  FROM findings f LEFT JOIN runs r ON r.run_id = f.run_id) WHERE rank = 1").fetchall())


def finding_row(finding: Finding, run_id: str, doc_ids: dict[str, str], status: str) -> list[Any]:
    """One `findings` row, in the column order of FINDING_COLUMNS."""
    return [finding.finding_id, run_id, finding.rule_id, finding.severity, doc_ids.get(finding.doc),
            doc_ids.get(finding.other_doc) if finding.other_doc else None, finding.entity, finding.entity_key,
            finding.expected, finding.actual, finding.tolerance, finding.message,
            evidence_structs(finding, doc_ids), status]


FINDING_COLUMNS = ("finding_id", "run_id", "rule_id", "severity", "doc_id", "other_doc_id", "entity", "entity_key",
                   "expected", "actual", "tolerance", "message", "evidence", "status")


EVIDENCE_TYPE = pa.list_(pa.struct([("doc_id", pa.string()), ("field", pa.string()), ("page", pa.int32()),
                                     ("bbox", pa.list_(pa.float64(), 4)), ("printed", pa.string())]))
# the Arrow type of each column as the schema declares it (warehouse/migrations/0002_extraction.sql)
FINDING_TYPES = (pa.string(),) * 12 + (EVIDENCE_TYPE, pa.string())
RULE_COLUMNS = ("rule_id", "entity", "title", "description", "tolerance", "severity", "documented_in")
RULE_TYPES = (pa.string(),) * len(RULE_COLUMNS)


def insert_batch(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...], types: tuple[pa.DataType, ...],
                 rows: list[list[Any]]) -> None:
    """Insert `rows` (values in the order of `columns`) as one Arrow batch of exactly `types`; a value Arrow cannot
    hold as that type without conversion (a number in a text column) sends the rows through a parameterised
    executemany instead, which converts as DuckDB always did."""
    if not rows:
        return
    cols = ", ".join(columns)
    try:
        batch = pa.table([pa.array([r[i] for r in rows], type=t) for i, t in enumerate(types)], names=list(columns))
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        return
    insert_arrow(con, table, batch)


def rule_row(rule: Rule) -> list[Any]:
    """One `rules` row."""
    return [rule.rule_id, getattr(rule, "entity", None) or RULE_ENTITY.get(rule.rule_id), rule.title, rule.checks,
            rule.tolerance, rule.severity, "docs/rules.md (Rule catalogue)"]


def write_rules(con: duckdb.DuckDBPyConnection, rules: Iterable[Rule] = CATALOGUE) -> int:
    """Replace the `rules` table by the catalogue; the number of rules."""
    rows = [rule_row(r) for r in rules]
    con.execute("DELETE FROM rules")
    insert_batch(con, "rules", RULE_COLUMNS, RULE_TYPES, rows)
    return len(rows)


def write_findings(con: duckdb.DuckDBPyConnection, run_id: str, findings: list[Finding],
                   docs: list[PublishedDoc]) -> None:
    """Replace the run's findings; each keeps the status a steward gave the same finding_id last."""
    statuses = previous_statuses(con)
    doc_ids = doc_ids_by_key(docs)
    rows = [finding_row(f, run_id, doc_ids, statuses.get(f.finding_id, OPEN))
            for f in sorted(findings, key=lambda f: f.finding_id)]
    con.execute("DELETE FROM findings WHERE run_id = ?", [run_id])
    insert_batch(con, "findings", FINDING_COLUMNS, FINDING_TYPES, rows)


def record_check_run(con: duckdb.DuckDBPyConnection, run_id: str, documents: int, rules: int, findings: int,
                     code_version: str) -> None:
    """Note that the run ran the checks (now), so `current_findings` shows its findings."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    con.execute("DELETE FROM check_runs WHERE run_id = ?", [run_id])
    con.execute("INSERT INTO check_runs (run_id, checked_at, code_version, documents, rules, findings) "
                "VALUES (?, ?, ?, ?, ?, ?)", [run_id, now, code_version, documents, rules, findings])


def run_checks(con: duckdb.DuckDBPyConnection, run_id: str, rules: list[Rule] | None = None) -> list[Finding]:
    """Run the catalogue over the published state and write the run's findings, the rules and `check_runs`."""
    from pipeline.ingest import current_code_version

    rules = CATALOGUE if rules is None else rules
    docs = published_docs(con)
    findings = run_rules(docs_from_warehouse(con, docs), rules)
    write_findings(con, run_id, findings, docs)
    write_rules(con, rules)
    record_check_run(con, run_id, len(docs), len(rules), len(findings), current_code_version())
    return findings


def latest_run_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest succeeded run (what `muni check` attaches re-run findings to)."""
    row = con.execute("SELECT run_id FROM runs WHERE status = 'succeeded' "
                      "ORDER BY started_at DESC, run_id DESC LIMIT 1").fetchone()
    return row[0] if row else None
