"""Plant known inconsistencies in the sample source, one of every kind in shared/domain.md, and record them.

    docs, planted = inject_errors(variant_docs, seed)

Each planted error changes printed figures in the source (so the renderer prints the error) and is
recorded as an `Injection` saying which figure changed, from what to what, and which consistency rule
it breaks. Checks are measured against these records (recall and precision per kind). The faithful
documents' own inconsistencies are left in place; injections pick figures that were consistent.
"""
from __future__ import annotations

import copy
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Callable, Iterator

from samples.blocks import real_rows
from samples.render import Section
from samples.truth import amount_value, scale_value, sv_decimal
from samples.variants import format_sv

PROB_LABELS = {1: "Osannolikt", 2: "Mindre sannolikt", 3: "Möjlig", 4: "Sannolikt", 5: "Mycket sannolikt"}


@dataclass(frozen=True)
class Injection:
    """One planted inconsistency: where (document, table, row, field), old and new print, and the rule it breaks."""

    kind: str
    doc: str  # 'vp' | 'vb'
    entity: str
    table_id: str | None
    row: int | None  # index among the table's real rows (as in the truth's `_row`)
    key: str | None  # natural key: risk number, label, account, project name ...
    field: str | None
    old: str | None
    new: str | None
    description: str

    def as_json(self) -> dict:
        return asdict(self)


Docs = dict[str, tuple[dict, list[Section]]]


def tables(docs: Docs, doc: str, entity: str | None = None, table_id: str | None = None) -> Iterator[dict]:
    """The table dicts of a document (live objects: mutate them to change the source)."""
    for s in docs[doc][1]:
        for b in s.data.get("blocks") or []:
            t = b.get("table") if isinstance(b, dict) else None
            if t and (entity is None or t.get("entity") == entity) and (table_id is None or t.get("id") == table_id):
                yield t


def blocks(docs: Docs, doc: str, kind: str) -> Iterator[tuple[Section, int, dict]]:
    for s in docs[doc][1]:
        for i, b in enumerate(s.data.get("blocks") or []):
            if isinstance(b, dict) and kind in b:
                yield s, i, b


def bump(printed: str, rnd: random.Random, lo: int = 1, hi: int = 9) -> str:
    """A different figure in the same print format: the last printed digit moved by lo..hi units."""
    value = sv_decimal(printed)
    if value is None:
        raise ValueError(f"not a figure: {printed!r}")
    decimals = len(printed.split(",")[1].rstrip(" %")) if "," in printed else 0
    step = Decimal(1).scaleb(-decimals) * rnd.randint(lo, hi) * rnd.choice([1, -1])
    if value > 0 and value + step <= 0:
        step = -step  # a positive figure stays positive: a sign flip would be another kind of error
    new = value + step
    if new == value:
        new = value + Decimal(1).scaleb(-decimals)
    out = format_sv(new, decimals, " " in printed.strip() or abs(new) >= 10000, "−" if "−" in printed else "-")
    return out + (printed[len(printed.rstrip(" %")):] if "%" in printed else "")


# ----- the kinds ---------------------------------------------------------------------------------

def inject_rv_not_s_times_k(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vp", "risks"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"]) if r.get("risk_no") and _rv_ok(r)]
    i, r = rnd.choice(rows)
    old = r["risk_value"]
    new = str(int(old) + rnd.choice([1, 2, 3, -1]) if int(old) > 2 else int(old) + 1)
    r["risk_value"] = new
    return Injection("rv_not_s_times_k", "vp", "risks", t.get("id"), i, r["risk_no"], "risk_value", old, new,
                     f"risk {r['risk_no']}: RV printed {new}, S×K = {old}")


def _rv_ok(r: dict) -> bool:
    s, _ = scale_value(r.get("probability"))
    k, _ = scale_value(r.get("consequence"))
    return bool(s and k and str(r.get("risk_value", "")).strip() == str(s * k))


def inject_rv12_not_in_control_plan(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vp", "risks"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"])
            if r.get("risk_no") and _rv_ok(r) and int(r["risk_value"]) >= 12 and r.get("in_control_plan") == ""]
    if not rows:
        return None
    i, r = rnd.choice(rows)
    r["in_control_plan"] = "Nej, endast VoR"
    return Injection("rv12_not_in_control_plan", "vp", "risks", t.get("id"), i, r["risk_no"], "in_control_plan", "",
                     "Nej, endast VoR", f"risk {r['risk_no']} has RV {r['risk_value']} ≥ 12 but is marked not in the IKP")


def inject_matrix_misplaced(docs: Docs, rnd: random.Random) -> Injection | None:
    found = next(blocks(docs, "vp", "matrix"), None)
    if not found:
        return None
    _, _, b = found
    cells = [c for c in b["matrix"]["cells"] if c.get("risk_nos")]
    src = rnd.choice(cells)
    no = rnd.choice(src["risk_nos"])
    targets = [c for c in b["matrix"]["cells"] if c is not src]
    dst = rnd.choice(targets)
    src["risk_nos"] = [x for x in src["risk_nos"] if x != no]
    dst["risk_nos"] = sorted(dst["risk_nos"] + [no], key=int)
    old = f"S{src['probability']}K{src['consequence']}"
    new = f"S{dst['probability']}K{dst['consequence']}"
    return Injection("matrix_misplaced", "vp", "risk_matrix", b["matrix"].get("id"), None, no, "cell", old, new,
                     f"risk {no} drawn in matrix cell {new}; its S/K say {old}")


def inject_matrix_total(docs: Docs, rnd: random.Random) -> Injection | None:
    found = next(blocks(docs, "vp", "matrix"), None)
    if not found:
        return None
    m = found[2]["matrix"]
    old = m.get("total_printed", "")
    n = int(re.search(r"\d+", old).group(0))
    new = old.replace(str(n), str(n + rnd.choice([1, 2, -1, -2])))
    m["total_printed"] = new
    return Injection("matrix_total", "vp", "risk_matrix", m.get("id"), None, None, "total_printed", old, new,
                     f"matrix total printed {new!r}; it holds {n} risks")


def _sheet_rows(t: dict, level: int | None = None) -> list[tuple[int, dict]]:
    return [(i, r) for i, r in real_rows(t["rows"])
            if (level is None or int(r.get("level", 0) or 0) == level) and any(
                k.startswith("c") and sv_decimal(str(v) if not isinstance(v, list) else "") not in (None, Decimal(0))
                for k, v in r.items())]


def inject_sheet_row_sum(docs: Docs, rnd: random.Random) -> Injection | None:
    """A sub-row figure changed, its total line not: the total ≠ the sum of its rows."""
    t = next(tables(docs, "vp", "budget_lines"), None)
    if not t:
        return None
    i, r = rnd.choice(_sheet_rows(t, level=1))
    col = rnd.choice([k for k in ("c5", "c6") if sv_decimal(str(r.get(k, ""))) not in (None, Decimal(0))] or ["c5"])
    old = r[col]
    new = bump(old, rnd, 11, 60)  # beyond what the rounding of ~10 printed items can hide
    r[col] = new
    return Injection("sheet_row_sum", "vp", "budget_lines", t.get("id"), i, r.get("label"), col, old, new,
                     f"{r.get('label')!r} column {col} changed; its total line no longer adds up")


def inject_sheet_column_formula(docs: Docs, rnd: random.Random) -> Injection | None:
    """Column (4) = (1)+(2)+(3) broken on a total line (also breaks netto, by design of the sheet)."""
    t = next(tables(docs, "vp", "budget_lines"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"]) if r.get("c4") and r.get("label") in ("Kostnader",)]
    i, r = rows[0]
    old = r["c4"]
    new = bump(old, rnd, 5, 40)
    r["c4"] = new
    return Injection("sheet_column_formula", "vp", "budget_lines", t.get("id"), i, r.get("label"), "c4", old, new,
                     f"{r.get('label')!r}: column 4 ≠ 1+2+3")


def inject_netto(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vp", "budget_lines"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"]) if str(r.get("label", "")).startswith("Netto")]
    if not rows:
        return None
    i, r = rows[0]
    col = rnd.choice(["c5", "c6"])
    old = r[col]
    new = bump(old, rnd, 5, 40)
    r[col] = new
    return Injection("netto_not_costs_plus_revenues", "vp", "budget_lines", t.get("id"), i, r.get("label"), col,
                     old, new, f"Netto column {col} ≠ Kostnader + Intäkter")


def inject_kaa_percent(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vb", table_id="kaa_jobbtorg_2022"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"]) if r.get("andel_till_studier")]
    i, r = rnd.choice(rows)
    old = r["andel_till_studier"]
    value = sv_decimal(old)
    new_value = value + rnd.choice([4, 5, 6, -4, -5])
    new = old.replace(old.rstrip(" %"), format_sv(new_value, len(old.split(",")[1].rstrip(" %")) if "," in old else 0, False))
    r["andel_till_studier"] = new
    return Injection("percent_vs_counts", "vb", "kaa_stats", t.get("id"), i, r.get("jobbtorg"), "andel_till_studier",
                     old, new, f"{r.get('jobbtorg')}: share to studies printed {new}, counts give {old}")


def inject_kaa_k_plus_m(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vb", table_id="kaa_uppsok"), None)
    if not t:
        return None
    cols = [c["key"] for c in t.get("columns", [])]
    i, r = rnd.choice(list(real_rows(t["rows"])))
    col = next((k for k in cols if sv_decimal(str(r.get(k, ""))) not in (None,)), None)
    old = r[col]
    new = bump(old, rnd, 3, 40)
    r[col] = new
    return Injection("k_plus_m_not_total", "vb", "kaa_stats", t.get("id"), i, r.get("resolved_label"), col, old, new,
                     f"outreach row {i}: Kvinna + Man ≠ total after {col} {old} -> {new}")


# figures the KAA tables print, which a prose figure can be held against
TABLE_METRICS = {"omfattade", "sokta", "nadda", "ej_nadda", "inskrivna", "avslutade", "till_studier", "till_arbete",
                 "till_studier_arbete"}


def figure_in_text(printed: str) -> re.Pattern:
    """The printed figure as a whole number in running text: not part of a longer figure ('1 708', '2224,5',
    '22 240'), but after a space or a parenthesis like any word."""
    return re.compile(r"(?<![\d,])(?<!\d )" + re.escape(printed) + r"(?![\d]|,\d| \d{3}(?!\d))")


def inject_text_vs_table(docs: Docs, rnd: random.Random) -> Injection | None:
    """A prose figure that describes a table, changed in the prose only (and only where the prose prints it)."""
    candidates = []
    for s, bi, b in blocks(docs, "vb", "paragraph"):
        for f in b.get("facts") or []:
            if (f.get("table") and f.get("unit") == "count" and not f.get("comparison") and f.get("printed") == f.get("value")
                    and f.get("metric") in TABLE_METRICS and figure_in_text(f["printed"]).search(b["paragraph"])):
                candidates.append((s, bi, b, f))
    if not candidates:
        return None
    s, bi, b, f = rnd.choice(candidates)
    old = f["printed"]
    new = str(int(old.replace(" ", "")) + rnd.choice([7, 11, 13, -9]))
    b["paragraph"] = figure_in_text(old).sub(new, b["paragraph"], count=1)
    f["printed"] = f["value"] = new
    return Injection("text_vs_table", "vb", "facts", f.get("table"), None, f.get("metric"), "value", old, new,
                     f"prose states {new} for {f.get('metric')}; the table says {old}")


def _rows_with(t: dict, *keys: str) -> list[tuple[int, dict]]:
    return [(i, r) for i, r in real_rows(t["rows"]) if all(sv_decimal(str(r.get(k, ""))) not in (None,) for k in keys)]


def _nonzero(r: dict, key: str) -> bool:
    v = sv_decimal(str(r.get(key, "")))
    return v is not None and v != 0


def inject_deviation(docs: Docs, rnd: random.Random) -> Injection | None:
    """Avvikelse ≠ budget − utfall on a line of the Budgetavräkning."""
    t = next(tables(docs, "vb", table_id="vb_budgetavrakning"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in _rows_with(t, "budget", "outcome", "deviation") if _nonzero(r, "deviation")]
    i, r = rnd.choice(rows)
    old = r["deviation"]
    r["deviation"] = new = bump(old, rnd, 100, 90000)
    return Injection("deviation_not_budget_minus_outcome", "vb", "budget_lines", t["id"], i, r.get("label"),
                     "deviation", old, new, f"{r.get('label')!r}: avvikelse ≠ budget − utfall")


def _account_rows(docs: Docs, table_id: str, digits: int, *keys: str) -> tuple[dict | None, list]:
    t = next(tables(docs, "vb", table_id=table_id), None)
    if not t:
        return None, []
    return t, [(i, r) for i, r in _rows_with(t, *keys)
               if len(str(r.get("account", ""))) == digits and any(_nonzero(r, k) for k in keys)]


def inject_ib_change_ub(docs: Docs, rnd: random.Random) -> Injection | None:
    t, rows = _account_rows(docs, "vb_balansrakning", 4, "ib", "change", "total")
    if not rows:
        return None
    i, r = rnd.choice(rows)
    old = r["change"]
    r["change"] = new = bump(old, rnd, 100, 9000)
    return Injection("ib_change_ub", "vb", "accounts", t["id"], i, r["account"], "change", old, new,
                     f"account {r['account']}: IB + förändring ≠ UB")


def inject_counterparty_split(docs: Docs, rnd: random.Random) -> Injection | None:
    t, rows = _account_rows(docs, "vb_resultatrakning", 4, "external", "total")
    if not rows:
        return None
    i, r = rnd.choice(rows)
    old = r["external"]
    r["external"] = new = bump(old, rnd, 100, 9000)
    return Injection("counterparty_split", "vb", "accounts", t["id"], i, r["account"], "external", old, new,
                     f"account {r['account']}: Externt + Stadens bolag + Internt ≠ Totalt")


def inject_parent_account_sum(docs: Docs, rnd: random.Random) -> Injection | None:
    """A 4-digit account consistent in itself (Externt and Totalt moved together) but ≠ its parent's share."""
    t, rows = _account_rows(docs, "vb_resultatrakning", 4, "external", "total")
    if not rows:
        return None
    i, r = rnd.choice(rows)
    delta = Decimal(rnd.randint(100, 9000))
    old = r["total"]
    for k in ("external", "total"):
        value = sv_decimal(r[k]) + delta
        r[k] = format_sv(value, 2, True)
    return Injection("parent_account_sum", "vb", "accounts", t["id"], i, r["account"], "total", old, r["total"],
                     f"account {r['account']} changed by {delta} in Externt and Totalt: its parent ≠ sum of children")


def inject_control_sum(docs: Docs, rnd: random.Random) -> Injection | None:
    t = next(tables(docs, "vb", table_id="vb_kontokontroller"), None)
    if not t:
        return None
    rows = [(i, r) for i, r in real_rows(t["rows"])
            if "SUMMA" in str(r.get("label", "")) and r.get("amount") == "0,00"]  # the upper-case control lines
    i, r = rnd.choice(rows)
    old = r["amount"]
    r["amount"] = new = format_sv(Decimal(rnd.randint(1, 99999)) / 100, 2, True)
    return Injection("control_sum_nonzero", "vb", "control_sums", t["id"], i, r.get("label"), "amount", old, new,
                     f"{r.get('label')!r}: control sum {new}, should be 0,00")


def inject_control_rv(docs: Docs, rnd: random.Random) -> Injection | None:
    cands = [(t, i, r) for t in tables(docs, "vp", "controls") for i, r in real_rows(t["rows"]) if r.get("risk_value")]
    if not cands:
        return None
    t, i, r = rnd.choice(cands)
    old = r["risk_value"]
    r["risk_value"] = new = str(int(old) + rnd.choice([1, 2, 3, -1]))
    return Injection("control_rv_mismatch", "vp", "controls", t["id"], i, r.get("event"), "risk_value", old, new,
                     f"control for {r.get('event')!r}: RV {new}, its VoR risk says {old}")


def inject_missing_followup(docs: Docs, rnd: random.Random) -> Injection | None:
    """A control of the VP plan with no follow-up in the VB: one follow-up row removed."""
    cands = [t for t in tables(docs, "vb", "control_followups") if len(list(real_rows(t["rows"]))) >= 2]
    if not cands:
        return None
    # only a follow-up whose activity text is its own: two printed alike cannot be told apart by anyone
    activity_count: dict[str, int] = {}
    for t in tables(docs, "vb", "control_followups"):
        for _, r in real_rows(t["rows"]):
            key = _name_key(r.get("control_activity"))
            activity_count[key] = activity_count.get(key, 0) + 1
    cands = [t for t in cands if any(activity_count[_name_key(r.get("control_activity"))] == 1
                                     for _, r in real_rows(t["rows"]))]
    t = rnd.choice(cands)
    rows = t["rows"]
    idx = [k for k, r in enumerate(rows) if not r.get("page_break")
           and activity_count[_name_key(r.get("control_activity"))] == 1]
    pos = rnd.choice(idx)
    removed = rows.pop(pos)
    # carried (spanning) cells printed on the removed row move to the next row that carries them
    nxt = next((r for r in rows[pos:] if not r.get("page_break")), None)
    for c in t.get("columns", []):
        if c.get("carry") and c["key"] in removed and nxt is not None and c["key"] not in nxt:
            nxt[c["key"]] = removed[c["key"]]
    ri = idx.index(pos)
    return Injection("control_without_followup", "vb", "control_followups", t["id"], ri,
                     removed.get("control_activity"), None, removed.get("control_activity"), None,
                     f"follow-up of {removed.get('control_activity')!r} removed: its control has no follow-up")


def _records(docs: Docs, doc: str, list_name: str = "projektbilaga") -> list[tuple[Section, int, dict]]:
    return [(s, i, b["record"]) for s, i, b in blocks(docs, doc, "record") if b["record"].get("list") == list_name]


def _name_key(name: str) -> str:
    return re.sub(r"[^0-9a-zåäö]", "", str(name).lower())


def _set_record_field(rec: dict, field: str, label_words: tuple[str, ...], new: str) -> str | None:
    old = (rec.get("fields") or {}).get(field)
    if not old:
        return None
    for line in rec.get("lines") or []:
        if isinstance(line, list) and any(w in str(line[0]).lower() for w in label_words) and line[1] == old:
            line[1] = new
    rec["fields"][field] = new
    return old


def inject_cross_doc_project(docs: Docs, rnd: random.Random) -> Injection | None:
    vp = {_name_key(r.get("name")): r for _, _, r in _records(docs, "vp")}
    # a project whose budget the two documents agree on (the faithful ones already differ for some)
    cands = [r for _, _, r in _records(docs, "vb")
             if _name_key(r.get("name")) in vp and (r.get("fields") or {}).get("budget")
             and re.match(r"^\d+(,\d+)? (mkr|mnkr|miljoner kr)$", r["fields"]["budget"])
             and amount_value(r["fields"]["budget"])[0] == amount_value((vp[_name_key(r.get("name"))].get("fields") or {})
                                                                      .get("budget"))[0]]
    if not cands:
        return None
    r = rnd.choice(cands)
    old = r["fields"]["budget"]
    num, unit = old.split(" ", 1)
    new = bump(num, rnd, 3, 40) + " " + unit
    _set_record_field(r, "budget", ("budget",), new)
    return Injection("cross_doc_project", "vb", "projects", None, None, r.get("name"), "budget", old, new,
                     f"{r.get('name')!r}: budget {new} in the VB, the VP says otherwise")


def inject_duplicate_in_list(docs: Docs, rnd: random.Random) -> Injection | None:
    recs = [(s, i, r) for s, i, r in _records(docs, "vp")
            if (r.get("fields") or {}).get("budget") and re.match(r"^\d+(,\d+)? ", r["fields"]["budget"])]
    if not recs:
        return None
    s, i, r = rnd.choice(recs)
    dup = copy.deepcopy(r)
    old = r["fields"]["budget"]
    num, unit = old.split(" ", 1)
    new = bump(num, rnd, 3, 40) + " " + unit
    _set_record_field(dup, "budget", ("budget",), new)
    numbers = [int(x["item_no"]) for _, _, x in _records(docs, "vp") if str(x.get("item_no", "")).isdigit()]
    dup["item_no"] = str(max(numbers) + 1)
    dup.pop("title", None)
    blocks_list = s.data["blocks"]
    last = max(k for k, b in enumerate(blocks_list) if isinstance(b, dict) and "record" in b)
    blocks_list.insert(last + 1, {"record": dup})
    return Injection("duplicate_in_list", "vp", "projects", None, None, r.get("name"), "budget", old, new,
                     f"{r.get('name')!r} listed twice, budgets {old} and {new}")


def inject_unit_slip(docs: Docs, rnd: random.Random) -> Injection | None:
    # a project listed once: a slip on a listed-twice one (duplicate_in_list's) would plant two errors on one
    # figure, and each planted error must be findable on its own (held-out seed 12 did that)
    names = Counter(_name_key(r.get("name")) for _, _, r in _records(docs, "vp"))
    recs = [r for _, _, r in _records(docs, "vp") if names[_name_key(r.get("name"))] == 1
            and re.match(r"^\d+,\d (mkr|mnkr|miljoner kr)$", (r.get("fields") or {}).get("budget") or "")]
    if not recs:
        return None
    r = rnd.choice(recs)
    old = r["fields"]["budget"]
    new = old.split(" ", 1)[0] + " tkr"
    _set_record_field(r, "budget", ("budget",), new)
    return Injection("unit_slip", "vp", "projects", None, None, r.get("name"), "budget", old, new,
                     f"{r.get('name')!r}: budget printed {new} (10³ off its peers)")


def inject_vp_vs_vb_budget(docs: Docs, rnd: random.Random) -> Injection | None:
    """The VB's 'VP' column (with its deviation, so the VB sheet stays consistent) ≠ the VP's own figure."""
    t = next(tables(docs, "vb", table_id="vb_investeringar"), None)
    if not t:
        return None
    i, r = next(iter(real_rows(t["rows"])))
    old = r["budget"]
    delta = Decimal(rnd.choice([3, 5, 7])) / 10
    r["budget"] = format_sv(sv_decimal(old) + delta, 1, False)
    r["deviation"] = format_sv(sv_decimal(r["deviation"]) + delta, 1, False)
    return Injection("vp_vs_vb_budget", "vb", "budget_lines", t["id"], i, r.get("label"), "budget", old, r["budget"],
                     f"{r.get('label')!r}: the VB's budget column {r['budget']} ≠ the VP's {old}")


def inject_kpi_ratio(docs: Docs, rnd: random.Random) -> Injection | None:
    cands = [(t, i, r) for t in tables(docs, "vb", "kpis") for i, r in real_rows(t["rows"])
             if str(r.get("value", "")).endswith("%") and sv_decimal(str(r.get("numerator", ""))) is not None]
    if not cands:
        return None
    t, i, r = rnd.choice(cands)
    old = r["value"]
    value = sv_decimal(old)
    decimals = len(old.rstrip(" %").split(",")[1]) if "," in old else 0
    r["value"] = new = format_sv(value + rnd.choice([2, 3, -2, -3]), decimals, False) + old[len(old.rstrip(" %")):]
    return Injection("kpi_ratio", "vb", "kpis", t["id"], i, r.get("kpi_no"), "value", old, new,
                     f"KPI {r.get('kpi_no')}: value {new} ≠ numerator / denominator")


# every kind of inconsistency of shared/domain.md, by name
KINDS: dict[str, Callable[[Docs, random.Random], Injection | None]] = {
    "rv_not_s_times_k": inject_rv_not_s_times_k,
    "rv12_not_in_control_plan": inject_rv12_not_in_control_plan,
    "matrix_misplaced": inject_matrix_misplaced,
    "matrix_total": inject_matrix_total,
    "sheet_row_sum": inject_sheet_row_sum,
    "sheet_column_formula": inject_sheet_column_formula,
    "netto_not_costs_plus_revenues": inject_netto,
    "percent_vs_counts": inject_kaa_percent,
    "k_plus_m_not_total": inject_kaa_k_plus_m,
    "text_vs_table": inject_text_vs_table,
    "deviation_not_budget_minus_outcome": inject_deviation,
    "ib_change_ub": inject_ib_change_ub,
    "counterparty_split": inject_counterparty_split,
    "parent_account_sum": inject_parent_account_sum,
    "control_sum_nonzero": inject_control_sum,
    "control_rv_mismatch": inject_control_rv,
    "control_without_followup": inject_missing_followup,
    "cross_doc_project": inject_cross_doc_project,
    "duplicate_in_list": inject_duplicate_in_list,
    "unit_slip": inject_unit_slip,
    "vp_vs_vb_budget": inject_vp_vs_vb_budget,
    "kpi_ratio": inject_kpi_ratio,
}


def inject_errors(docs: Docs, seed: int, kinds: list[str] | None = None) -> tuple[Docs, list[Injection]]:
    """A copy of `docs` with one error of each kind planted (deterministic for `seed`), and the records."""
    docs = copy.deepcopy(docs)
    rnd = random.Random(seed * 7919 + 17)
    planted = []
    for kind in kinds or list(KINDS):
        inj = KINDS[kind](docs, rnd)
        if inj is not None:
            planted.append(inj)
    return docs, planted
