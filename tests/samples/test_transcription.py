"""The transcription is complete and faithful: counts and totals against the seeds."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from samples.render import load_document_source
from tests.conftest import SAMPLES, SEEDS

VP = json.loads((SAMPLES / "truth" / "amn-vp-2022.json").read_text(encoding="utf-8"))
VB = json.loads((SAMPLES / "truth" / "amn-vb-2022.json").read_text(encoding="utf-8"))


def test_risk_register():
    risks = VP["tables"]["risks"]
    assert len(risks) == 66
    numbered = [r["risk_no"] for r in risks if r["risk_no"] is not None]
    assert sorted(numbered) == list(range(1, 66))
    unnumbered = [r for r in risks if r["risk_no"] is None]
    assert len(unnumbered) == 1 and unnumbered[0]["probability"] is None and unnumbered[0]["event"]
    assert all(r["goal_code"] and r["process"] and r["working_method"] for r in risks)
    in_plan = sorted(r["risk_no"] for r in risks if r["in_control_plan"])
    assert in_plan == [6, 13, 19, 25, 28, 35, 40, 41, 42, 54, 56, 59, 60, 61, 62, 63, 65]


def test_risk_matrix_holds_every_numbered_risk_once_where_its_s_and_k_say():
    matrix = VP["tables"]["risk_matrix"]
    assert len(matrix) == 65 and len({m["risk_no"] for m in matrix}) == 65
    sk = {r["risk_no"]: (r["probability"], r["consequence"]) for r in VP["tables"]["risks"] if r["risk_no"]}
    assert all(sk[m["risk_no"]] == (m["probability"], m["consequence"]) for m in matrix)
    assert VP["risk_matrix_total"]["printed"] == "Totalt: 65"


def test_control_plan_and_follow_up():
    controls = VP["tables"]["controls"]
    assert len(controls) == 17 and all(c["risk_no"] for c in controls)
    in_plan = sorted(r["risk_no"] for r in VP["tables"]["risks"] if r["in_control_plan"])
    assert sorted(c["risk_no"] for c in controls) == in_plan
    followups = VB["tables"]["control_followups"]
    assert len(followups) == 16
    linked = {f["risk_no"] for f in followups if f["risk_no"]} | {n for f in followups for n in f["candidate_risk_nos"]}
    assert set(in_plan) - linked == {35}  # the VB follows up every control but the one for risk 35
    assert sum(1 for f in followups if f["performed"] is False) == 2


def test_project_lists():
    vb_items = [p["item_no"] for p in VB["tables"]["projects"] if p["list"] == "projektbilaga"]
    numbered = [i for i in vb_items if i and i.isdigit()]
    assert sorted(map(int, numbered)) == list(range(1, 30))
    assert {"23 A", "23 B"} <= set(vb_items)
    assert len([p for p in VP["tables"]["projects"] if p["list"] == "projektbilaga"]) == 21
    assert len([p for p in VP["tables"]["projects"] if p["list"] == "innovation"]) == 9
    assert len([p for p in VB["tables"]["projects"] if p["list"] == "innovation"]) == 5
    both = {p["project_key"] for p in VP["tables"]["projects"]} & {p["project_key"] for p in VB["tables"]["projects"]}
    assert len(both) >= 15


def figures(truth, entity, **where):
    return [r for r in truth["tables"][entity] if all(r.get(k) == v for k, v in where.items())]


def test_budget_sheet_totals_as_printed():
    lines = VP["tables"]["budget_lines"]
    assert len(lines) == 138
    get = {(l["label"], l["column_key"]): l for l in lines if l["sheet"] == "Nämndens budget/verksamhetsplan 2022"}
    assert get[("Kostnader", "c1")]["value_printed"] == "1\u00a0163,6" and get[("Kostnader", "c1")]["value_sek"] == "1163600000.0"
    assert get[("Netto", "c4")]["value"] == "1224.8"
    vb = {(l["label"], l["column_key"]): l for l in VB["tables"]["budget_lines"]}
    assert vb[("Summa drift", "budget")]["value_sek"] == "1017000000.00"


def test_accounts_and_control_sums():
    accounts = VB["tables"]["accounts"]
    rows = Counter((a["statement"], a["_table"], a["_row"]) for a in accounts)
    by_statement = Counter(s for s, _, _ in rows)
    assert by_statement["BR"] == 107 and by_statement["RR"] == 304
    assert all(a["level"] in (2, 3, 4) for a in accounts if a["account"])
    assert len(VB["tables"]["control_sums"]) == 86


def test_kaa_kpis_and_lists():
    kaa_tables = {k["_table"] for k in VB["tables"]["kaa_stats"] if k["source"] == "table"}
    assert kaa_tables == {"kaa_omfattade_kon", "kaa_uppsok", "kaa_inskrivna_kon", "kaa_jobbtorg_2022",
                          "kaa_jobbtorg_2021", "kaa_enkat"}
    totals = {(k["_table"], k["metric"]): k["printed"] for k in VB["tables"]["kaa_stats"]
              if k["source"] == "table" and k["group_value"] == "Totalt"}
    assert totals[("kaa_jobbtorg_2022", "inskrivna")] == "983" and totals[("kaa_jobbtorg_2021", "inskrivna")] == "933"
    assert len([k for k in VB["tables"]["kaa_stats"] if k["source"] == "text"]) >= 60
    assert sorted(k["kpi_no"] for k in VB["tables"]["kpis"]) == ["122", "123", "124", "125", "126", "127", "128", "129", "66"]
    assert len(VP["tables"]["infosec_requirements"]) == 7 and len(VB["tables"]["infosec_requirements"]) == 8
    assert len(VP["tables"]["procurements"]) == 10
    assert len(VB["tables"]["dpo_status"]) == 17


@pytest.mark.parametrize("doc", ["vp", "vb"])
def test_every_decimal_figure_of_the_seed_is_transcribed(doc):
    """Completeness: each comma-decimal figure printed in the seed occurs in that document's source."""
    meta, sections = load_document_source(doc)
    seed = (SEEDS / meta["seed"]).read_text(encoding="utf-8")
    source = " ".join(json.dumps(s.data, ensure_ascii=False) for s in sections)
    source = re.sub(r"\s+", " ", source)
    figures = set(re.findall(r"(?<![\d,])-?\d{1,3}(?: \d{3})*,\d+(?![\d,])", seed))
    missing = sorted(f for f in figures if f not in source)
    assert not missing, missing[:20]
