"""Every query of docs/queries.md runs and returns the expected rows on the samples.

Expected rows are computed here in Python from samples/truth/*.json, never from the SQL. They are checked
against a warehouse loaded from that truth (full tables), and against the warehouse the real pipeline builds
from samples/pdfs for the tables extraction already fills (a query over a table extraction does not fill yet
must still run).
"""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Callable

import duckdb
import pytest

from pipeline.cli import main
from tests.warehouse.conftest import ROOT
from tests.warehouse.truth_run import doc_id_of, load_truths, truth_run
from warehouse.load import publish_run

TRUTHS = load_truths()
VP, VB = TRUTHS["amn-vp-2022"], TRUTHS["amn-vb-2022"]


def documented_queries() -> dict[str, str]:
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    out = {}
    for block in re.findall(r"```sql\n(.*?)```", text, re.S):
        m = re.match(r"-- query: (\w+)\n", block)
        assert m, f"a sql block of docs/queries.md has no '-- query: name' line:\n{block}"
        out[m.group(1)] = block
    return out


QUERIES = documented_queries()


def run(con, name: str, **params) -> list[dict]:
    sql = QUERIES[name]
    cur = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql} or None)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def dec(v) -> Decimal | None:
    return None if v is None else Decimal(str(v))


# ----- expectations from the truth ------------------------------------------------------------------------

def rv12_expected(truths) -> list[int]:
    out = []
    for t in truths:
        linked = {c["risk_no"] for c in t["tables"].get("controls", [])}
        for r in t["tables"].get("risks", []):
            rv = max(r["risk_value"] or 0, (r["probability"] or 0) * (r["consequence"] or 0))
            if rv >= 12 and (r["in_control_plan"] is not True or r["risk_no"] not in linked):
                out.append(r["risk_no"])
    return sorted(out)


def deviations_expected(truths) -> list[tuple]:
    out = []
    for t in truths:
        year = t["document"]["year"]
        lines: dict[tuple, dict] = defaultdict(dict)
        for b in t["tables"].get("budget_lines", []):
            lines[(b["sheet"], b["line_no"], b["label"])][b["column_key"]] = dec(b["value_sek"])
        for (sheet, line_no, label), cols in lines.items():
            budget = cols.get("budget")
            outcome = cols.get("outcome", cols.get(f"outcome_{year}"))
            if budget is not None and outcome is not None and abs(budget - outcome) > Decimal("0.05") * abs(budget):
                out.append((t["document"]["doc_type"], sheet, line_no, label, budget, outcome))
    return sorted(out)


def project_expected(truths, key: str) -> list[tuple]:
    order = {"VP": 0, "VB": 1}
    rows = [(order[t["document"]["doc_type"]], t["document"]["doc_type"], p["list"], p["item_no"], dec(p["budget_sek"]),
             dec(p["cofinancing_sek"]), p["start_month"], p["end_month"], p["department"], p["page"])
            for t in truths for p in t["tables"].get("projects", []) if p["project_key"] == key]
    return [r[1:] for r in sorted(rows, key=lambda r: (r[0], r[2], r[-1]))]


def differing_expected(truths) -> list[str]:
    by_key: dict[str, list[tuple]] = defaultdict(list)
    for t in truths:
        for p in t["tables"].get("projects", []):
            if p["list"] == "projektbilaga":
                by_key[p["project_key"]].append((t["document"]["sha256"], dec(p["budget_sek"]),
                                                 dec(p["cofinancing_sek"]), p["start_month"], p["end_month"]))
    out = []
    for key, rows in by_key.items():
        distinct = [len({r[i] for r in rows if r[i] is not None}) for i in range(5)]
        if distinct[0] > 1 and any(n > 1 for n in distinct[1:]):
            out.append(key)
    return sorted(out)


def provenance_expected(truth, entity: str, index: int) -> list[tuple]:
    p = truth["tables"][entity][index]["_provenance"]
    return sorted((f, v["printed"], v["page"], tuple(v["bbox"])) for f, v in p.items())


def kaa_changes_expected(truths) -> list[tuple]:
    return sorted((r["page"], r["year"], r["metric"], r["printed"], dec(r["value"]), r["comparison"], r["vs_year"])
                  for t in truths for r in t["tables"].get("kaa_stats", [])
                  if r["source"] == "text" and r["comparison"] not in ("level", "prior", "from", "to"))


def kaa_changes_got(c) -> list[tuple]:
    return [(r["page"], r["year"], r["metric"], r["printed"], r["value"], r["comparison"], r["vs_year"])
            for r in run(c, "kaa_prose_changes")]


# ----- on the truth warehouse -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def con(truth_warehouse: Path):
    c = duckdb.connect(str(truth_warehouse), read_only=True)
    yield c
    c.close()


CHECKED: set[str] = set()


def checks(name: str) -> Callable:
    CHECKED.add(name)
    return lambda fn: fn


@checks("rv12_not_in_control_plan")
def test_rv12_not_in_control_plan(con):
    rows = run(con, "rv12_not_in_control_plan")
    assert [r["risk_no"] for r in rows] == rv12_expected([VP]) == []


def test_rv12_finds_a_risk_marked_out_and_one_no_control_links(tmp_path: Path):
    def break_rules(stem, records):
        for r in records:
            if r.ENTITY == "risks" and r.risk_no == 19:
                r.in_control_plan = False
        records[:] = [r for r in records if not (r.ENTITY == "controls" and r.risk_no == 25)]

    path = tmp_path / "w.duckdb"
    publish_run(path, truth_run(mutate=break_rules))
    c = duckdb.connect(str(path), read_only=True)
    rows = run(c, "rv12_not_in_control_plan")
    c.close()
    assert [(r["risk_no"], r["reason"]) for r in rows] == [
        (19, "marked not in the IKP (Nej, endast VoR)"), (25, "marked in the IKP, but no IKP row links to it")]
    assert rows[0]["rv_printed"] == 12 and rows[0]["page"] is not None


@checks("budget_deviations_over_5_percent")
def test_budget_deviations(con):
    rows = run(con, "budget_deviations_over_5_percent")
    got = sorted((r["doc_type"], r["sheet"], r["line_no"], r["label"], r["budget_sek"], r["outcome_sek"]) for r in rows)
    assert got == deviations_expected([VP, VB])
    assert len(got) == 8
    summa = next(r for r in rows if r["label"] == "Summa drift")
    assert summa["deviation_pct"] == 8.2 and summa["deviation_sek"] == Decimal("83607229.22")
    assert summa["deviation_printed"] == "83\u00a0607\u00a0229,22"


@checks("project_across_documents")
def test_project_across_documents(con):
    for key in ("vux20", "bron", "hälsofrämjandeinsatserförnyanlända"):
        rows = run(con, "project_across_documents", project_key=key)
        got = [(r["doc_type"], r["list"], r["item_no"], r["budget_sek"], r["cofinancing_sek"], r["start_month"],
                r["end_month"], r["department"], r["page"]) for r in rows]
        assert got == project_expected([VP, VB], key), key
    assert len(run(con, "project_across_documents", project_key="vux20")) == 4


@checks("projects_differing_across_documents")
def test_projects_differing_across_documents(con):
    rows = run(con, "projects_differing_across_documents")
    assert [r["project_key"] for r in rows] == differing_expected([VP, VB])
    vux = next(r for r in rows if r["project_key"] == "vux20")
    assert vux["budgets_sek"] == [Decimal("14000000"), Decimal("18700000")]


@checks("figure_provenance")
def test_figure_provenance(con):
    rows = run(con, "figure_provenance", doc_id=doc_id_of(VP), entity="risks", row_no=1)
    assert sorted((r["field"], r["printed"], r["page"], r["bbox"]) for r in rows) == provenance_expected(VP, "risks", 0)


@checks("kaa_prose_changes")
def test_kaa_prose_changes(con):
    expected = kaa_changes_expected([VP, VB])
    assert len(expected) == 8 and {e[5] for e in expected} == {"diff_vs_2021", "increase"}
    assert kaa_changes_got(con) == expected


FINDINGS = [  # (finding_id, run_id, severity, doc, status)
    ("f-warn", "truth-1", "warning", "VB", "open"),
    ("f-err", "truth-1", "error", "VP", "open"),
    ("f-info", "truth-1", "info", None, "open"),
    ("f-dismissed", "truth-1", "error", "VP", "dismissed"),
    ("f-old", "old-run", "error", "VP", "open"),  # from a run that is not the published one
]


@checks("open_findings")
@checks("open_findings_count_by_severity")
def test_open_findings_by_severity(truth_warehouse: Path, tmp_path: Path):
    path = tmp_path / "w.duckdb"
    shutil.copyfile(truth_warehouse, path)
    c = duckdb.connect(str(path))
    docs = {"VP": doc_id_of(VP), "VB": doc_id_of(VB), None: None}
    for fid, run_id, severity, doc, status in FINDINGS:
        c.execute("INSERT INTO findings (finding_id, run_id, rule_id, severity, doc_id, entity, entity_key, message, "
                  "evidence, status) VALUES (?, ?, 'rv_s_times_k', ?, ?, 'risks', '7', 'RV printed 13, S×K = 12', "
                  "[{'doc_id': ?, 'field': 'risk_value', 'page': 14, 'bbox': [1.0, 2.0, 3.0, 4.0], "
                  "'printed': '13'}], ?)",
                  [fid, run_id, severity, docs[doc], docs[doc], status])
    rows = run(c, "open_findings")
    counts = run(c, "open_findings_count_by_severity")
    c.close()
    assert [r["finding_id"] for r in rows] == ["f-err", "f-warn", "f-info"]
    assert rows[0]["evidence"] == [{"doc_id": docs["VP"], "field": "risk_value", "page": 14,
                                    "bbox": (1.0, 2.0, 3.0, 4.0), "printed": "13"}]
    assert [(r["severity"], r["findings"]) for r in counts] == [("error", 1), ("warning", 1), ("info", 1)]


@checks("risks_changed_between_runs")
def test_risks_changed_between_runs(tmp_path: Path):
    path = tmp_path / "w.duckdb"
    publish_run(path, truth_run("r1", datetime(2023, 3, 1, tzinfo=timezone.utc)))

    def misread(stem, records):
        for r in records:
            if r.ENTITY == "risks" and r.risk_no == 7:
                r.probability = 5

    publish_run(path, truth_run("r2", datetime(2023, 3, 2, tzinfo=timezone.utc), mutate=misread))
    c = duckdb.connect(str(path), read_only=True)
    rows = run(c, "risks_changed_between_runs", doc_id=doc_id_of(VP), old_run="r1", new_run="r2")
    same = run(c, "risks_changed_between_runs", doc_id=doc_id_of(VP), old_run="r1", new_run="r1")
    c.close()
    old_p = next(r["probability"] for r in VP["tables"]["risks"] if r["risk_no"] == 7)
    assert [(r["change"], r["risk_no"], r["probability"]) for r in rows] == [("removed", 7, old_p), ("added", 7, 5)]
    assert same == []


def test_every_documented_query_is_checked():
    assert set(QUERIES) == CHECKED


def test_muni_query_takes_parameters(truth_warehouse: Path, tmp_path: Path, capsys):
    path = tmp_path / "w.duckdb"  # a copy: this process already holds the original open with other settings
    shutil.copyfile(truth_warehouse, path)
    assert main(["query", QUERIES["project_across_documents"], "--param", "project_key=vux20",
                 "--warehouse", str(path)]) == 0
    out = capsys.readouterr().out
    assert "(4 rows)" in out and "Vux 2.0" in out
    assert main(["query", "SELECT count(*) AS n FROM risks WHERE risk_no > $n", "--param", "n=60",
                 "--warehouse", str(path)]) == 0
    assert "\n5\n" in capsys.readouterr().out


# ----- on the warehouse the real pipeline builds from samples/pdfs -----------------------------------------

PARAMS = {"project_key": "vux20", "entity": "risks", "row_no": 1}
NEEDS = {  # query -> (contract tables it reads, expectation on full tables or None)
    "rv12_not_in_control_plan": (["risks", "controls"], lambda c: [
        r["risk_no"] for r in run(c, "rv12_not_in_control_plan")] == rv12_expected([VP])),
    "budget_deviations_over_5_percent": (["budget_lines"], lambda c: sorted(
        (r["doc_type"], r["sheet"], r["line_no"], r["label"], r["budget_sek"], r["outcome_sek"])
        for r in run(c, "budget_deviations_over_5_percent")) == deviations_expected([VP, VB])),
    "project_across_documents": (["projects"], lambda c: [
        (r["doc_type"], r["list"], r["item_no"], r["budget_sek"], r["cofinancing_sek"], r["start_month"],
         r["end_month"], r["department"], r["page"]) for r in run(c, "project_across_documents", **PARAMS)]
        == project_expected([VP, VB], "vux20")),
    "projects_differing_across_documents": (["projects"], lambda c: [
        r["project_key"] for r in run(c, "projects_differing_across_documents")] == differing_expected([VP, VB])),
    "kaa_prose_changes": (["kaa_stats"], lambda c: kaa_changes_got(c) == kaa_changes_expected([VP, VB])),
}


def truth_rows(entity: str) -> int:
    return sum(len(t["tables"].get(entity, [])) for t in (VP, VB))


def test_queries_on_the_pipeline_built_warehouse(sample_ingest):
    path, _ = sample_ingest
    c = duckdb.connect(str(path), read_only=True)
    try:
        for name in QUERIES:
            params = {**PARAMS, "doc_id": doc_id_of(VP), "old_run": "x", "new_run": "y"}
            run(c, name, **params)  # runs, whatever extraction fills today
            tables, expectation = NEEDS.get(name, ([], None))
            filled = all(c.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] == truth_rows(t) for t in tables)
            if expectation is not None and filled:
                assert expectation(c), name
    finally:
        c.close()
