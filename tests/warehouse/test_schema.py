"""The schema: the contract's tables and columns with sane types, documented, constrained, migrated forward."""
from __future__ import annotations

import re
import shutil
import typing
from pathlib import Path

import duckdb
import pytest

from pipeline.records import ENTITIES
from warehouse.db import connect, migrations, schema_version
from warehouse.rows import CHECKS, check_for, run_table

ROOT = Path(__file__).resolve().parents[2]
CONTRACT_MD = ROOT.parent / "shared" / "warehouse-contract.md"

# ../shared/warehouse-contract.md, as a checklist: table -> required columns
CONTRACT: dict[str, list[str]] = {
    "documents": ["doc_id", "sha256", "source_uri", "doc_type", "year", "committee", "title", "page_count",
                  "first_seen_at"],
    "runs": ["run_id", "started_at", "finished_at", "code_version", "status", "documents_seen", "documents_new",
             "documents_unchanged", "documents_failed"],
    "risks": ["doc_id", "risk_no", "goal_code", "goal", "process", "working_method", "event", "probability",
              "probability_label", "consequence", "consequence_label", "risk_value", "in_control_plan", "page", "bbox"],
    "risk_matrix": ["doc_id", "risk_no", "probability", "consequence"],
    "controls": ["doc_id", "goal_code", "process", "working_method", "control", "risk_value", "event",
                 "control_activity", "risk_no", "page"],
    "control_followups": ["doc_id", "process", "working_method", "control_activity", "result_text", "performed",
                          "control_doc_id", "risk_no", "page"],
    "budget_lines": ["doc_id", "sheet", "line_no", "label", "parent_label", "column_key", "column_label", "value_sek",
                     "value_printed", "unit", "page"],
    "accounts": ["doc_id", "statement", "account", "account_name", "level", "parent_account", "column_key",
                 "value_sek", "page"],
    "kaa_stats": ["doc_id", "year", "metric", "unit", "group_by", "group_value", "value", "printed", "source", "page"],
    "kpis": ["doc_id", "kpi_no", "name", "numerator", "denominator", "value", "prior_value", "unit", "page"],
    "projects": ["doc_id", "list", "item_no", "name", "project_key", "funder", "role", "budget_sek", "budget_printed",
                 "currency", "cofinancing_sek", "start_month", "end_month", "department", "page"],
    "procurements": ["doc_id", "category", "category_class", "description", "planned_start", "period", "value_sek",
                     "committee", "contact", "page"],
    "findings": ["finding_id", "run_id", "rule_id", "severity", "doc_id", "other_doc_id", "entity", "entity_key",
                 "expected", "actual", "tolerance", "message", "evidence", "status"],
    "review_decisions": ["decision_id", "run_id", "entity", "entity_key", "field", "old_value", "new_value",
                         "decision", "override_value", "reviewer", "decided_at", "comment"],
    "rules": ["rule_id"],
}
INTEGER = {"year", "page", "page_count", "risk_no", "probability", "consequence", "risk_value", "line_no", "level"}
EXACT = {"value_sek", "budget_sek", "cofinancing_sek", "value", "numerator", "denominator", "prior_value"}
BOOLEAN = {"in_control_plan", "performed"}
TIMESTAMP = {"first_seen_at", "started_at", "finished_at", "decided_at"}


def sane_type(column: str, type_name: str) -> bool:
    """The type a column of this name should have: integers, exact decimals, booleans, timestamps, boxes, text."""
    if column in INTEGER or column.startswith("documents_"):
        return type_name in ("INTEGER", "BIGINT", "SMALLINT")
    if column in EXACT:
        return re.fullmatch(r"DECIMAL\((18,2|20,4)\)", type_name) is not None
    if column in BOOLEAN:
        return type_name == "BOOLEAN"
    if column in TIMESTAMP:
        return type_name.startswith("TIMESTAMP")
    if column == "bbox":
        return type_name == "DOUBLE[4]"
    if column == "evidence":
        return re.fullmatch(r"STRUCT\(doc_id VARCHAR, (field VARCHAR, )?page INTEGER, bbox DOUBLE\[4\], "
                            r"printed VARCHAR\)\[\]", type_name) is not None
    return type_name == "VARCHAR"


@pytest.fixture(scope="module")
def empty(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("schema") / "empty.duckdb"
    connect(path).close()
    return path


@pytest.fixture(scope="module")
def columns(empty: Path) -> dict[str, dict[str, str]]:
    """table or view -> column -> type, from the database's own catalogue."""
    con = duckdb.connect(str(empty), read_only=True)
    out: dict[str, dict[str, str]] = {}
    for t, c, ty in con.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position").fetchall():
        out.setdefault(t, {})[c] = ty
    con.close()
    return out


def test_every_contract_table_and_column_exists_with_a_sane_type(columns):
    for table, required in CONTRACT.items():
        assert table in columns, f"missing contract table/view {table}"
        for col in required:
            assert col in columns[table], f"{table}.{col} missing"
            assert sane_type(col, columns[table][col]), f"{table}.{col} has type {columns[table][col]}"
    assert any(c.startswith("documents_") for c in columns["runs"])  # "counts"


@pytest.mark.skipif(not CONTRACT_MD.exists(), reason="../shared/warehouse-contract.md not beside the repository")
def test_the_checklist_covers_the_contract_document():
    """Every table and backticked column of the contract's table is in CONTRACT (so the test above is complete)."""
    seen = set()
    for line in CONTRACT_MD.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        table = cells[0].strip("`")
        seen.add(table)
        assert table in CONTRACT, table
        named = re.findall(r"`([a-z_0-9]+)`", cells[2])
        assert set(named) <= set(CONTRACT[table]), (table, set(named) - set(CONTRACT[table]))
    assert seen == set(CONTRACT) - {"rules"}  # `rules` is required by the text below the table


def test_every_record_field_has_a_column_in_its_run_table(columns):
    """records.py and the schema agree: no extracted field ends up in `extra` or `run_other_records`."""
    for entity, cls in ENTITIES.items():
        table = run_table(entity)
        assert table in columns, f"no table for entity {entity}"
        fields = [f for f in typing.get_type_hints(cls) if f not in ("provenance", "ENTITY")]
        missing = [f for f in fields if f not in columns[table]]
        assert not missing, f"{table} lacks {missing}"


def test_each_published_view_is_its_run_table_without_extra(columns):
    for entity in list(ENTITIES) + ["problems", "provenance"]:
        view, table = columns[entity], columns[run_table(entity)]
        assert {**view} == {k: v for k, v in table.items() if k != "extra"}, entity


def documented(md: str) -> dict[str, dict[str, str]]:
    """table -> column -> type, from the column tables under each `### \\`name\\`` heading of docs/schema.md."""
    out: dict[str, dict[str, str]] = {}
    current = None
    for line in md.splitlines():
        m = re.match(r"### `([a-z_0-9]+)`", line)
        if m:
            current = out.setdefault(m.group(1), {})
            continue
        m = re.match(r"\| `([a-z_0-9]+)` \| ([^|]+) \|", line)
        if m and current is not None:
            current[m.group(1)] = m.group(2).strip()
    return out


def test_docs_schema_describes_every_column_with_its_type(columns):
    docs = documented((ROOT / "docs" / "schema.md").read_text(encoding="utf-8"))
    views = {e for e in ENTITIES} | {"problems", "provenance"}
    for table, cols in columns.items():
        if table.startswith("run_") and table[4:] in views:
            continue  # documented as "the view's columns plus extra"
        assert table in docs, f"docs/schema.md does not describe {table}"
        assert docs[table] == cols, f"docs/schema.md is out of date for {table}"
    for table in docs:
        assert table in columns, f"docs/schema.md describes {table}, which does not exist"


def minimal_row(con, table: str) -> dict[str, object]:
    """Values for the NOT NULL columns of `table` that pass its checks."""
    dummy = {"VARCHAR": "x", "INTEGER": 1, "JSON": "{}", "BOOLEAN": True}
    return {c: dummy.get(t, 1) for c, t in con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND NOT is_nullable",
        [table]).fetchall()}


def test_python_checks_mirror_the_schema_checks(empty: Path, tmp_path: Path, columns):
    """The loader refuses exactly what the database would refuse, so a CHECK can never fail a load."""
    path = tmp_path / "w.duckdb"
    shutil.copyfile(empty, path)
    con = duckdb.connect(str(path))
    loaded = [run_table(e) for e in ENTITIES] + ["run_provenance", "run_other_records"]
    db_checks = {(t, cols[0]) for t, cols in con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'CHECK'"
    ).fetchall() if t in loaded and len(set(cols)) == 1}
    py_checks = {(t, c) for t in loaded for c in columns[t] if check_for(t, c) is not None}
    assert db_checks == py_checks
    for table, column in sorted(db_checks):
        row = {**minimal_row(con, table), column: check_for(table, column).bad}
        names = list(row)
        with pytest.raises(duckdb.ConstraintException):
            con.execute(f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({", ".join("?" * len(names))})',
                        list(row.values()))
    assert all(isinstance(k, str) or k[0] in loaded for k in CHECKS)
    con.close()


def test_constraints_hold_where_the_contract_says(empty: Path, tmp_path: Path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(empty, path)
    con = duckdb.connect(str(path))
    bad = [
        "INSERT INTO document_files VALUES ('0000000000000000', '" + "1" * 64 + "', 'x', 1, now()::TIMESTAMP)",
        "INSERT INTO findings (finding_id, run_id, rule_id, severity, message) VALUES ('f', 'r', 'x', 'fatal', 'm')",
        "INSERT INTO findings (finding_id, run_id, rule_id, severity, message, status) "
        "VALUES ('f', 'r', 'x', 'error', 'm', 'closed')",
        "INSERT INTO review_decisions (decision_id, run_id, entity, entity_key, decision, reviewer, decided_at) "
        "VALUES ('d', 'r', 'risks', '1', 'override', 'me', now()::TIMESTAMP)",
        "INSERT INTO runs (run_id, started_at, code_version, status, documents_seen) "
        "VALUES ('r', now()::TIMESTAMP, 'v', 'succeeded', 1)",
    ]
    for sql in bad:
        with pytest.raises(duckdb.ConstraintException):
            con.execute(sql)
    con.close()


def test_migrating_a_version_1_warehouse_keeps_its_data(tmp_path: Path):
    path = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(path))
    version, sql = migrations()[0]
    assert version == 1
    con.execute(sql)
    con.execute("INSERT INTO schema_version (version) VALUES (1)")
    sha = "ab" * 32
    con.execute("INSERT INTO documents VALUES (?, ?, 'file:///a.pdf', NULL, NULL, NULL, NULL, 3, now()::TIMESTAMP)",
                [sha[:16], sha])
    con.execute("INSERT INTO runs VALUES ('r1', now()::TIMESTAMP, now()::TIMESTAMP, '0.1.0', 'succeeded', "
                "2, 1, 0, 1, 3)")
    con.execute("INSERT INTO run_documents VALUES ('r1', 'file:///a.pdf', ?, ?, 'new', NULL, NULL, 3), "
                "('r1', 'file:///b.pdf', NULL, NULL, 'failed', 'not_pdf', 'html', 0)", [sha, sha[:16]])
    con.close()
    con = connect(path)
    assert schema_version(con) == max(v for v, _ in migrations())
    assert con.execute("SELECT doc_id, page_count, published_run_id FROM documents").fetchall() == [(sha[:16], 3, None)]
    assert con.execute("SELECT run_id, documents_seen, documents_failed, records_loaded FROM runs").fetchall() == [
        ("r1", 2, 1, 0)]
    assert con.execute("SELECT count(*) FROM run_documents").fetchone()[0] == 2
    con.close()


def test_migrations_are_numbered_without_gaps():
    versions = [v for v, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))
