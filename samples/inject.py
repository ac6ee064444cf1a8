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
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Callable, Iterator

from samples.blocks import real_rows
from samples.render import Section
from samples.truth import scale_value, sv_decimal
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
    new = bump(old, rnd)
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
    new = bump(old, rnd)
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
    new = bump(old, rnd)
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


def inject_text_vs_table(docs: Docs, rnd: random.Random) -> Injection | None:
    """A prose figure that describes a table, changed in the prose only."""
    candidates = []
    for s, bi, b in blocks(docs, "vb", "paragraph"):
        for f in b.get("facts") or []:
            if f.get("table") and f.get("unit") == "count" and not f.get("comparison") and f.get("printed") == f.get("value"):
                candidates.append((s, bi, b, f))
    if not candidates:
        return None
    s, bi, b, f = rnd.choice(candidates)
    old = f["printed"]
    new = str(int(old.replace(" ", "")) + rnd.choice([7, 11, 13, -9]))
    b["paragraph"] = re.sub(r"(?<![\d ])" + re.escape(old) + r"(?![\d])", new, b["paragraph"], count=1)
    f["printed"] = f["value"] = new
    return Injection("text_vs_table", "vb", "facts", f.get("table"), None, f.get("metric"), "value", old, new,
                     f"prose states {new} for {f.get('metric')}; the table says {old}")


# kinds whose source files are transcribed by other sections register here as they land
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
