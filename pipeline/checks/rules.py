"""The rule catalogue: each rule says what it checks, its severity and tolerance, and finds breaches.

Severity policy: `error` — an arithmetic or stated rule of the document's own system is broken (a total
that cannot be the sum of its rows under any rounding, RV ≠ S×K); `warning` — figures that should agree do
not (prose vs table, VP vs VB, a percentage its counts cannot give, a duplicate or a unit slip); `minor` —
consistent only if a figure was truncated instead of rounded; `info` — worth knowing, not wrong.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from typing import Callable, Iterable

from parsers import format_number
from parsers.numbers import ParseError, parse_amount, unit_factor
from pipeline.checks.arith import check_percent, check_ratio, check_sum, printed_interval
from pipeline.checks import model
from pipeline.checks.model import DocData, Evidence, Finding, evidence, number

Docs = list[DocData]

_printed_number_of_text = lru_cache(maxsize=1 << 16)(model.printed_number)
_key_text_of_text = lru_cache(maxsize=1 << 16)(model.key_text)


def printed_number(printed: str | None) -> tuple[Decimal, int] | None:
    """model.printed_number, remembered for text: several rules parse the same printed figures (only str is
    remembered: equal Decimals such as 1.0 and 1.00 print differently)."""
    return _printed_number_of_text(printed) if type(printed) is str else model.printed_number(printed)


def key_text(value: object) -> str:
    """model.key_text, remembered for text (as printed_number)."""
    return _key_text_of_text(value) if type(value) is str else model.key_text(value)


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    checks: str  # what it checks, in plain words
    severity: str
    tolerance: str
    fn: Callable[[Docs], Iterable[Finding]]


def fmt(value) -> str:
    return "" if value is None else str(value)


def kronor(value) -> str:
    """An amount as a Swedish reader writes it: '38 600 000 kr', '1 163,65 kr' (messages only)."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    sign, d = ("−" if d < 0 else ""), abs(d)
    return f"{sign}{format_number(d, 0 if d == d.to_integral_value() else 2)} kr"


def percent_sv(value) -> str:
    """A computed share with two decimals and a decimal comma: '46,67 %' (messages only)."""
    return format_number(value, 2, grouped=False, percent=True)


PROJECT_FIELD_LABELS = {"budget_sek": "budgeten", "cofinancing_sek": "medfinansieringen", "end_month": "slutmånaden",
                        "start_month": "startmånaden", "department": "avdelningen"}


# ----- risk register, matrix, control plan ---------------------------------------------------------

def rv_product(docs: Docs):
    for d in docs:
        for r in d.rows("risks"):
            s, k, rv = r.get("probability"), r.get("consequence"), r.get("risk_value")
            if s is None or k is None or rv is None:
                continue
            if int(rv) != int(s) * int(k):
                yield Finding("RISK_RV_PRODUCT", "error", d.key, "risks", fmt(r.get("risk_no")), str(int(s) * int(k)),
                              str(rv), "exakt",
                              f"Risk {r.get('risk_no')}: riskvärdet är {rv} men sannolikhet {s} × konsekvens {k} = "
                              f"{int(s) * int(k)}.",
                              (evidence(d, r, "risk_value"), evidence(d, r, "probability"), evidence(d, r, "consequence")))


def rv12_in_plan(docs: Docs):
    for d in docs:
        for r in d.rows("risks"):
            rv = r.get("risk_value")
            if rv is not None and int(rv) >= 12 and r.get("in_control_plan") is False:
                yield Finding("RISK_RV12_IN_PLAN", "error", d.key, "risks", fmt(r.get("risk_no")), "i internkontrollplanen",
                              "Nej, endast VoR", "regel: RV ≥ 12",
                              f"Risk {r.get('risk_no')} har riskvärde {rv} (≥ 12) men är markerad 'Nej, endast VoR'; enligt "
                              f"systemet för intern kontroll ska den alltid tas in i internkontrollplanen.",
                              (evidence(d, r, "risk_value"), evidence(d, r, "in_control_plan")))


def matrix_placement(docs: Docs):
    for d in docs:
        risks = {r["risk_no"]: r for r in d.rows("risks") if r.get("risk_no") is not None}
        placed = defaultdict(list)
        for m in d.rows("risk_matrix"):
            placed[m["risk_no"]].append(m)
            r = risks.get(m["risk_no"])
            if r is None:
                yield Finding("MATRIX_PLACEMENT", "error", d.key, "risk_matrix", str(m["risk_no"]), "en risk i VoR",
                              "saknas i VoR", "exakt", f"Riskmatrisen visar risk {m['risk_no']} som inte finns i VoR-tabellen.",
                              (evidence(d, m, "risk_no"),))
            elif (r.get("probability"), r.get("consequence")) != (m.get("probability"), m.get("consequence")):
                yield Finding("MATRIX_PLACEMENT", "error", d.key, "risk_matrix", str(m["risk_no"]),
                              f"S{r.get('probability')}K{r.get('consequence')}",
                              f"S{m.get('probability')}K{m.get('consequence')}", "exakt",
                              f"Risk {m['risk_no']} står i riskmatrisens ruta S{m.get('probability')}/K{m.get('consequence')}"
                              f" men VoR anger S{r.get('probability')}/K{r.get('consequence')}.",
                              (evidence(d, m, "risk_no"), evidence(d, r, "probability"), evidence(d, r, "consequence")))
        if d.rows("risk_matrix"):
            for no, r in risks.items():
                if no not in placed and r.get("probability") is not None:
                    yield Finding("MATRIX_PLACEMENT", "error", d.key, "risk_matrix", str(no), "i riskmatrisen", "saknas",
                                  "exakt", f"Risk {no} finns i VoR men inte i riskmatrisen.", (evidence(d, r, "risk_no"),))


def matrix_total(docs: Docs):
    for d in docs:
        numbered = [r for r in d.rows("risks") if r.get("risk_no") is not None]
        for t in d.rows("risk_matrix_totals"):
            if t.get("total") is not None and numbered and int(t["total"]) != len(numbered):
                yield Finding("MATRIX_TOTAL", "warning", d.key, "risk_matrix", "Totalt", str(len(numbered)), str(t["total"]),
                              "exakt", f"Riskmatrisen anger {t.get('printed')!r} men VoR har {len(numbered)} numrerade risker.",
                              (evidence(d, t, "total"),))


def control_rv(docs: Docs):
    for d in docs:
        risks = {r["risk_no"]: r for r in d.rows("risks") if r.get("risk_no") is not None}
        for c in d.rows("controls"):
            r = risks.get(c.get("risk_no"))
            if r is None or c.get("risk_value") is None or r.get("risk_value") is None:
                continue
            if int(c["risk_value"]) != int(r["risk_value"]):
                yield Finding("CONTROL_RV", "error", d.key, "controls", str(c.get("risk_no")), str(r["risk_value"]),
                              str(c["risk_value"]), "exakt",
                              f"Kontrollen för risk {c.get('risk_no')} ('{c.get('event')}') har riskvärde {c['risk_value']} i "
                              f"internkontrollplanen men {r['risk_value']} i VoR.",
                              (evidence(d, c, "risk_value"), evidence(d, r, "risk_value")))


def control_followed_up(docs: Docs):
    for vb in (d for d in docs if d.doc_type == "VB"):
        vp = next((d for d in docs if d.doc_type == "VP" and d.year == vb.year and d.committee == vb.committee), None)
        if vp is None or not vb.rows("control_followups"):
            continue
        covered = set()
        for f in vb.rows("control_followups"):
            if f.get("risk_no") is not None:
                covered.add(f["risk_no"])
            covered.update(f.get("candidate_risk_nos") or [])
        for c in vp.rows("controls"):
            if c.get("risk_no") is not None and c["risk_no"] not in covered:
                yield Finding("CONTROL_FOLLOWED_UP", "warning", vb.key, "controls", str(c["risk_no"]), "en uppföljning i VB",
                              "saknas", "exakt",
                              f"Kontrollen '{c.get('control_activity')}' för risk {c['risk_no']} i VP {vp.year} följs inte upp i VB "
                              f"{vb.year}.", (evidence(vp, c, "control_activity"),), other_doc=vp.key)


def followup_not_performed(docs: Docs):
    for d in docs:
        for f in d.rows("control_followups"):
            if f.get("performed") is False:
                yield Finding("FOLLOWUP_NOT_PERFORMED", "info", d.key, "control_followups",
                              key_text(f.get("control_activity"))[:40] + "-" + key_text(f.get("result_text"))[-40:],
                              "genomförd", "ej genomförd", "—",
                              f"Kontrollaktiviteten '{f.get('control_activity')}' genomfördes inte enligt uppföljningen.",
                              (evidence(d, f, "result_text"),))


# ----- sheets ----------------------------------------------------------------------------------------

def sheet_lines(d: DocData) -> dict[tuple[str, str], list[dict]]:
    """Budget lines by (sheet, column), in print order."""
    out = defaultdict(list)
    for r in d.rows("budget_lines"):
        out[(r.get("sheet"), r.get("column_key"))].append(r)
    return out


def pv(r: dict, field_name: str = "value_printed") -> tuple[Decimal, int] | None:
    return printed_number(((r.get("_prov") or {}).get("value") or {}).get("printed") or r.get(field_name))


def sum_finding(rule_id: str, d: DocData, entity: str, key: str, total_row: dict, parts: list[dict], label: str,
                total_field: str = "value", part_field: str = "value", signs: list[int] | None = None) -> Finding | None:
    """A finding when the printed total cannot be the (signed) sum of the printed parts under any rounding."""
    t = pv(total_row) if total_field == "value" else printed_number(evidence(d, total_row, total_field).printed)
    ps = [pv(p) if part_field == "value" else printed_number(evidence(d, p, part_field).printed) for p in parts]
    if t is None or any(p is None for p in ps):
        return None
    signs = signs or [1] * len(ps)
    res = check_sum([p[0] * sign for p, sign in zip(ps, signs)], t[0], [p[1] for p in ps], t[1])
    if res.consistent:
        return None
    return Finding(rule_id, "error", d.key, entity, key, f"{res.exact_sum} (intervall {res.expected})", f"{t[0]}",
                   "avrundning: ±½ enhet i sista tryckta siffran per belopp",
                   f"{label}: {t[0]} skiljer sig från summan {res.exact_sum} av raderna (differens {res.difference}).",
                   tuple([evidence(d, total_row, total_field)] + [evidence(d, p, part_field) for p in parts]))


def sheet_parent_sum(docs: Docs):
    for d in docs:
        for (sheet, col), rows in sheet_lines(d).items():
            by_parent = defaultdict(list)
            for r in rows:
                if r.get("parent_label"):
                    by_parent[r["parent_label"]].append(r)
            for r in rows:
                children = by_parent.get(r.get("label"))
                if children and r.get("label"):
                    f = sum_finding("SHEET_SUM", d, "budget_lines", f"{sheet}/{r['label']}/{col}", r, children,
                                    f"{sheet}, '{r['label']}', kolumn {col}")
                    if f:
                        yield f


def column_formula(docs: Docs):
    """A column whose header states a formula of other columns, e.g. '(1+2+3)'."""
    for d in docs:
        lines = sheet_lines(d)
        sheets = defaultdict(dict)
        for (sheet, col), rows in lines.items():
            sheets[sheet][col] = rows
        for sheet, cols in sheets.items():
            numbers = {}
            formulas = {}
            for col, rows in cols.items():
                label = rows[0].get("column_label") or ""
                m = re.search(r"(\d+)\s*$", label)
                if m:
                    numbers[m.group(1)] = col
                f = re.search(r"\((\d+(?:\s*[+-]\s*\d+)+)\)", label)
                if f:
                    formulas[col] = f.group(1)
            for col, formula in formulas.items():
                terms = re.findall(r"([+-]?)\s*(\d+)", formula)
                if not all(n in numbers for _, n in terms):
                    continue
                for total in cols[col]:
                    parts = []
                    for _, n in terms:
                        part_rows = [r for r in cols[numbers[n]] if r.get("line_no") == total.get("line_no")]
                        if not part_rows:
                            break
                        parts.append(part_rows[0])
                    else:
                        f = sum_finding("SHEET_COLUMN_FORMULA", d, "budget_lines",
                                        f"{sheet}/{total.get('label')}/{col}", total, parts,
                                        f"{sheet}, '{total.get('label')}', kolumn {col} = ({formula})",
                                        signs=[-1 if sign == "-" else 1 for sign, _ in terms])
                        if f:
                            yield f


NETTO_LABELS = ("netto", "summa drift")


def netto(docs: Docs):
    for d in docs:
        for (sheet, col), rows in sheet_lines(d).items():
            costs = [r for r in rows if key_text(r.get("label")) == "kostnader"]
            revenues = [r for r in rows if key_text(r.get("label")).startswith("intäkter")]
            for r in rows:
                if key_text(r.get("label")) in {key_text(x) for x in NETTO_LABELS} and costs and revenues:
                    f = sum_finding("SHEET_NETTO", d, "budget_lines", f"{sheet}/{r['label']}/{col}", r,
                                    [costs[0], revenues[0]], f"{sheet}, '{r['label']}' = kostnader + intäkter, kolumn {col}")
                    if f:
                        yield f


def deviation(docs: Docs):
    """Avvikelse = budget − utfall, per line."""
    for d in docs:
        lines = sheet_lines(d)
        sheets = defaultdict(dict)
        for (sheet, col), rows in lines.items():
            sheets[sheet][col] = {r.get("line_no"): r for r in rows}
        for sheet, cols in sheets.items():
            if "deviation" not in cols or "budget" not in cols:
                continue
            outcome_col = "outcome" if "outcome" in cols else next((c for c in cols if c.startswith("outcome_") and
                                                                    c.endswith(str(d.year or ""))), None)
            if outcome_col is None:
                continue
            for line, dev in cols["deviation"].items():
                b, o = cols["budget"].get(line), cols[outcome_col].get(line)
                if not b or not o:
                    continue
                pb, po, pd = pv(b), pv(o), pv(dev)
                if None in (pb, po, pd):
                    continue
                expected = printed_interval(pb[0], pb[1]) - printed_interval(po[0], po[1])
                if not expected.overlaps(printed_interval(pd[0], pd[1])):
                    yield Finding("SHEET_DEVIATION", "error", d.key, "budget_lines", f"{sheet}/{dev.get('label')}",
                                  f"{pb[0] - po[0]}", f"{pd[0]}", "avrundning",
                                  f"{sheet}, '{dev.get('label')}': avvikelsen {pd[0]} är inte budget {pb[0]} − utfall {po[0]} "
                                  f"= {pb[0] - po[0]}.", (evidence(d, dev, "value"), evidence(d, b, "value"), evidence(d, o, "value")))


def vp_vs_vb_budget(docs: Docs):
    """The VB's 'VP <year>' budget column against the VP's own column of that name."""
    for vb in (d for d in docs if d.doc_type == "VB"):
        vp = next((d for d in docs if d.doc_type == "VP" and d.year == vb.year and d.committee == vb.committee), None)
        if vp is None:
            continue
        vp_cols = defaultdict(dict)
        for r in vp.rows("budget_lines"):
            if re.search(rf"\bVP {vb.year}\b", r.get("column_label") or ""):
                vp_cols[key_text(r.get("label"))] = r
        for r in vb.rows("budget_lines"):
            if not re.search(rf"\bVP {vb.year}\b", r.get("column_label") or ""):
                continue
            other = vp_cols.get(key_text(r.get("label")))
            if other is None:
                continue
            a, b = pv(r), pv(other)
            if a and b and not printed_interval(*a).overlaps(printed_interval(*b)):
                yield Finding("VP_VB_BUDGET", "warning", vb.key, "budget_lines", f"{r.get('label')}/{r.get('column_key')}",
                              str(b[0]), str(a[0]), "avrundning",
                              f"'{r.get('label')}': VB anger VP {vb.year} = {a[0]} men verksamhetsplanen anger {b[0]}.",
                              (evidence(vb, r, "value"), evidence(vp, other, "value")), other_doc=vp.key)


# ----- accounts --------------------------------------------------------------------------------------

def account_rows(d: DocData) -> dict[tuple, dict[str, dict]]:
    """Account figures by (statement, row identity) -> {column: row}."""
    out: dict[tuple, dict[str, dict]] = defaultdict(dict)
    for r in d.rows("accounts"):
        ident = (r.get("statement"), r.get("account") or key_text(r.get("account_name")), r.get("page"))
        out[ident][r.get("column_key")] = r
    return out


def ib_change_ub(docs: Docs):
    for d in docs:
        for ident, cols in account_rows(d).items():
            if ident[0] != "BR" or not {"ib", "change", "total"} <= set(cols):
                continue
            f = sum_finding("BR_IB_CHANGE_UB", d, "accounts", f"{ident[1]}/UB", cols["total"], [cols["ib"], cols["change"]],
                            f"Balansräkning {ident[1]}: IB + förändring = UB")
            if f:
                yield f


def counterparty_split(docs: Docs):
    for d in docs:
        for ident, cols in account_rows(d).items():
            parts = [cols.get(k) for k in ("external", "city_companies", "internal")]
            if None in parts or "total" not in cols:
                continue
            f = sum_finding("ACCOUNT_COUNTERPARTY", d, "accounts", f"{ident[0]}/{ident[1]}/total", cols["total"], parts,
                            f"{ident[0]} {ident[1]}: Externt + Stadens bolag + Internt = Totalt")
            if f:
                yield f


def account_parent(docs: Docs):
    for d in docs:
        by_account = defaultdict(dict)
        for r in d.rows("accounts"):
            if r.get("account"):
                by_account[(r.get("statement"), r["account"], r.get("column_key"))] = r
        children = defaultdict(list)
        for (st, acc, col), r in by_account.items():
            if len(acc) > 2:
                children[(st, acc[:-1], col)].append(r)
        for key, kids in children.items():
            parent = by_account.get(key)
            if parent is None:
                continue
            f = sum_finding("ACCOUNT_PARENT_SUM", d, "accounts", f"{key[0]}/{key[1]}/{key[2]}", parent, kids,
                            f"{key[0]} konto {key[1]} ({key[2]}) = summan av underkontona")
            if f:
                yield f


# ----- KAA, key figures ------------------------------------------------------------------------------

# a printed share and the counts it is computed from (in the KAA results tables)
SHARES = {"andel_avslutade": ("avslutade", "inskrivna"), "andel_till_studier": ("till_studier", "avslutade"),
          "andel_till_arbete": ("till_arbete", "avslutade"), "andel_till_studier_arbete": ("till_studier_arbete", "avslutade")}


def kaa_tables(d: DocData) -> dict[tuple, dict]:
    out = {}
    for r in d.rows("kaa_stats"):
        if r.get("source") == "table":
            out[(r.get("year"), r.get("metric"), r.get("group_by"), r.get("group_value"))] = r
    return out


def kaa_percent(docs: Docs):
    for d in docs:
        t = kaa_tables(d)
        for (year, metric, gb, gv), r in t.items():
            if metric not in SHARES:
                continue
            num, den = t.get((year, SHARES[metric][0], gb, gv)), t.get((year, SHARES[metric][1], gb, gv))
            p = printed_number(str(r.get("printed") or "").replace("%", "").strip())
            n, nn = number((num or {}).get("value")), number((den or {}).get("value"))
            if p is None or n is None or not nn:
                continue
            res = check_percent(p[0], p[1], n, nn)
            if res.status == "consistent":
                continue
            severity = "minor" if res.status == "truncated" else "warning"
            yield Finding("KAA_PERCENT", severity, d.key, "kaa_stats", f"{year}/{metric}/{gv}",
                          f"{res.exact:.2f} % (tryckt {r.get('printed')} kräver {res.rounded_interval})", str(r.get("printed")),
                          "avrundning till tryckt precision",
                          f"{gv} {year}: {r.get('printed')} stämmer inte med {n}/{nn} = {percent_sv(res.exact)}"
                          + (" (stämmer bara om talet trunkerats)." if res.status == "truncated" else "."),
                          (evidence(d, r, "value"), evidence(d, num, "value"), evidence(d, den, "value")))


# the Swedish words behind the ASCII metric keys (samples/source/vb/120_kaa.yaml), for messages a steward reads
METRIC_WORDS = {"sokta": "sökta", "nadda": "nådda", "kontaktforsok": "kontaktförsök", "sysselsattning": "sysselsättning",
                "enkat": "enkät", "vardigt": "värdigt", "nojda": "nöjda", "medelvarde": "medelvärde", "mal": "mål",
                "okand": "okänd", "bosattningskontroll": "bosättningskontroll", "aim": "AIM", "ungvux": "UngVux"}


def metric_label(metric: str | None) -> str:
    """A KAA metric key as words ('andel_nadda_med_sysselsattning' → 'andel nådda med sysselsättning')."""
    return " ".join(METRIC_WORDS.get(w, w) for w in str(metric or "").split("_"))


def kaa_gender_total(docs: Docs):
    for d in docs:
        t = kaa_tables(d)
        for (year, metric, gb, gv), total in t.items():
            if gb != "gender" or key_text(gv) not in ("totalt", "totalsumma", "total"):
                continue
            k, m = t.get((year, metric, gb, "Kvinna")), t.get((year, metric, gb, "Man"))
            if not k or not m:
                continue
            if number(k.get("value")) + number(m.get("value")) != number(total.get("value")):
                yield Finding("KAA_GENDER_TOTAL", "error", d.key, "kaa_stats", f"{year}/{metric}",
                              str(number(k['value']) + number(m['value'])), str(total.get("value")), "exakt",
                              f"{metric_label(metric)} {year}: kvinnor {k['value']} + män {m['value']} ≠ totalt {total['value']}.",
                              (evidence(d, total, "value"), evidence(d, k, "value"), evidence(d, m, "value")))


def stated_comparison(row: dict) -> tuple[str | None, int | None]:
    """How a prose figure relates to its year ('268 fler än under 2021' is a difference, not a level; None: a level):
    the row's own `comparison` and `vs_year` as extraction read them, or — for a row extracted before the warehouse
    kept them (schema version 5) — read again from its sentence by the prose parser extraction uses."""
    if row.get("comparison") is not None:
        comparison = row["comparison"]
        return (None if comparison == "level" else comparison), row.get("vs_year")
    sentence = row.get("sentence") or ((row.get("_prov") or {}).get("sentence") or {}).get("printed")
    return sentence_comparison(str(sentence or ""), str(row.get("printed") or ""), row.get("year"))


@lru_cache(maxsize=4096)
def sentence_comparison(sentence: str, printed: str, year: int | None) -> tuple[str | None, int | None]:
    """The comparison and compared year of the figure printed as `printed` in `sentence` (None: a level)."""
    if not sentence.strip() or not printed.strip():
        return None, None
    from parsers.facts import extract_facts  # spaCy: loaded only when a prose figure needs it

    for fact in extract_facts(sentence, default_year=year).facts:
        if key_text(fact.printed) == key_text(printed):
            return fact.comparison, fact.vs_year
    return None, None


OTHER_GENDER = {"Kvinna": "Man", "Man": "Kvinna"}


def gender_by_difference(d: DocData, t: dict[tuple, dict], f: dict, year, metric, value: Decimal):
    """A prose figure for one gender whose table prints only the other gender and the total (held-out seed 52):
    the table still states it, as total − other; a finding when that is not the prose figure."""
    gender = f["group_value"]
    total = next((r for (y, m, gb, gv), r in t.items()
                  if (y, m, gb) == (year, metric, "gender") and key_text(gv) in ("totalt", "totalsumma", "total")), None)
    other = t.get((year, metric, "gender", OTHER_GENDER[gender]))
    if total is None or other is None or None in (number(total.get("value")), number(other.get("value"))):
        return
    derived = number(total["value"]) - number(other["value"])
    if derived != value:
        yield Finding("KAA_TEXT_TABLE", "warning", d.key, "kaa_stats", f"{year}/{metric}/{key_text(f.get('sentence'))[:30]}",
                      str(derived), str(value), "exakt",
                      f"Texten anger {f.get('printed')} för {metric_label(metric)} {year} ({gender.lower()}) men tabellen ger "
                      f"totalt {total['value']} − {OTHER_GENDER[gender].lower()} {other['value']} = {derived}: "
                      f"\"{f.get('sentence')}\"", (evidence(d, f, "value"), evidence(d, total, "value"), evidence(d, other, "value")))


def kaa_text_vs_table(docs: Docs):
    for d in docs:
        t = kaa_tables(d)
        totals = {}
        for (year, metric, gb, gv), r in t.items():
            if key_text(gv) in ("totalt", "totalsumma", "total", "totaltsokta"):
                totals[(year, metric)] = r
        for f in d.rows("kaa_stats"):
            if f.get("source") != "text" or f.get("unit") != "count":
                continue
            year, metric, value = f.get("year"), f.get("metric"), number(f.get("value"))
            comparison, vs_year = stated_comparison(f)
            if comparison in (None, "prior", "from", "to"):
                ref = totals.get((year, metric)) if not f.get("group_value") else t.get(
                    (year, metric, f.get("group_by"), f.get("group_value")))
                if ref is not None and number(ref.get("value")) is not None and number(ref["value"]) != value:
                    yield Finding("KAA_TEXT_TABLE", "warning", d.key, "kaa_stats", f"{year}/{metric}/{key_text(f.get('sentence'))[:30]}",
                                  str(ref["value"]), str(value), "exakt",
                                  f"Texten anger {f.get('printed')} för {metric_label(metric)} {year} men tabellen {ref['value']}: "
                                  f"\"{f.get('sentence')}\"", (evidence(d, f, "value"), evidence(d, ref, "value")))
                elif ref is None and f.get("group_by") == "gender" and f.get("group_value") in OTHER_GENDER:
                    yield from gender_by_difference(d, t, f, year, metric, value)
            elif comparison in ("increase", "decrease") or str(comparison or "").startswith("diff_vs_"):
                prev_year = int(str(comparison).rsplit("_", 1)[-1]) if str(comparison).startswith("diff_vs_") else (
                    int(vs_year) if vs_year else (year - 1 if year else None))
                a, b = totals.get((year, metric)), totals.get((prev_year, metric))
                if a is None or b is None:
                    continue
                diff = number(a["value"]) - number(b["value"])
                stated = -abs(value) if comparison == "decrease" else value
                if diff != stated:
                    yield Finding("KAA_TEXT_TABLE", "warning", d.key, "kaa_stats", f"{year}/{metric}/diff/{key_text(f.get('sentence'))[:30]}",
                                  str(diff), str(stated), "exakt",
                                  f"Texten anger en förändring på {f.get('printed')} för {metric_label(metric)} {prev_year}→{year}, men "
                                  f"tabellerna ger {a['value']} − {b['value']} = {diff}: \"{f.get('sentence')}\"",
                                  (evidence(d, f, "value"), evidence(d, a, "value"), evidence(d, b, "value")))


def kpi_ratio(docs: Docs):
    for d in docs:
        for k in d.rows("kpis"):
            num_p = printed_number(evidence(d, k, "numerator").printed)
            den_p = printed_number(evidence(d, k, "denominator").printed)
            val_p = printed_number(str(evidence(d, k, "value").printed or "").replace("%", "").strip())
            if None in (num_p, den_p, val_p):
                continue
            is_percent = "%" in str(evidence(d, k, "value").printed or "")
            scales = [Decimal(100)] if is_percent else [Decimal(1), Decimal(1000)]
            ok = any(check_ratio(val_p[0], val_p[1], printed_interval(*num_p), printed_interval(*den_p), s) for s in scales)
            if not ok:
                yield Finding("KPI_RATIO", "warning", d.key, "kpis", str(k.get("kpi_no")),
                              f"{(scales[0] * num_p[0] / den_p[0]):.2f}", str(val_p[0]), "avrundning",
                              f"Nyckeltal {k.get('kpi_no')} ({k.get('name')}): värdet {evidence(d, k, 'value').printed} följer inte "
                              f"av täljare {num_p[0]} / nämnare {den_p[0]}.",
                              (evidence(d, k, "value"), evidence(d, k, "numerator"), evidence(d, k, "denominator")))


# ----- projects --------------------------------------------------------------------------------------

def projects_by_key(docs: Docs):
    out = defaultdict(list)
    for d in docs:
        for p in d.rows("projects"):
            if p.get("project_key"):
                out[p["project_key"]].append((d, p))
    return out


def project_cross_doc(docs: Docs):
    for key, mentions in projects_by_key(docs).items():
        vp = [(d, p) for d, p in mentions if d.doc_type == "VP" and p.get("list") == "projektbilaga"]
        vb = [(d, p) for d, p in mentions if d.doc_type == "VB" and p.get("list") == "projektbilaga"]
        for (dv, pv_), (db, pb) in ((a, b) for a in vp for b in vb if a[0].year == b[0].year and a[0].committee == b[0].committee):
            for field_name, severity in (("budget_sek", "warning"), ("cofinancing_sek", "warning"), ("end_month", "info"),
                                         ("start_month", "info"), ("department", "info")):
                a, b = pv_.get(field_name), pb.get(field_name)
                if a in (None, "") or b in (None, ""):
                    continue
                same = number(a) == number(b) if field_name.endswith("_sek") else key_text(a) == key_text(b)
                if not same:
                    yield Finding("PROJECT_CROSS_DOC", severity, db.key, "projects", f"{key}/{field_name}", str(a), str(b),
                                  "exakt", f"Projektet '{pb.get('name')}': {PROJECT_FIELD_LABELS[field_name]} är "
                                  f"{kronor(a) if field_name.endswith('_sek') else a} i VP men "
                                  f"{kronor(b) if field_name.endswith('_sek') else b} i VB.",
                                  (evidence(dv, pv_, field_name.replace("_sek", "_printed") if field_name.endswith("_sek") else field_name),
                                   evidence(db, pb, field_name.replace("_sek", "_printed") if field_name.endswith("_sek") else field_name)),
                                  other_doc=dv.key)


def project_duplicate(docs: Docs):
    for d in docs:
        seen = defaultdict(list)
        for p in d.rows("projects"):
            if p.get("project_key"):
                seen[(p.get("list"), p["project_key"])].append(p)
        for (lst, key), ps in seen.items():
            if len(ps) < 2:
                continue
            budgets = {number(p.get("budget_sek")) for p in ps}
            severity = "warning" if len(budgets) > 1 else "info"
            yield Finding("PROJECT_DUPLICATE", severity, d.key, "projects", f"{lst}/{key}", "en gång", f"{len(ps)} gånger",
                          "—", f"Projektet '{ps[0].get('name')}' står {len(ps)} gånger i listan ({lst})"
                          + (f" med olika budget: {', '.join(str(p.get('budget_printed')) for p in ps)}." if len(budgets) > 1 else "."),
                          tuple(evidence(d, p, "budget_printed") for p in ps))


SLIP = (Decimal(500), Decimal(2000))  # a factor of ~1000 between two figures of one thing: kr for tkr, tkr for mnkr
MIN_PEERS = 4  # other budgets in the list before one budget can be called out of line with them


def about_a_thousand(a: Decimal, b: Decimal) -> bool:
    return bool(a and b) and SLIP[0] <= a / b <= SLIP[1]


def out_of_line(v: Decimal, others: list[Decimal], lone_unit: bool = False) -> Decimal | None:
    """The budget of the list that shows `v` a unit slip, or None: `v` is under a tenth of the list's smallest (or
    over ten times its largest) while `v` × 1000 (or / 1000) falls among the others' budgets — the others' range
    without their one largest (smallest), which may be another slip: it must not make its neighbours look like
    slips. A budget printed in a unit a thousand times off the one most of the list uses, and no other uses
    (`lone_unit`: '135,1 tkr' among 'miljoner kr'), needs less: under (over) all the others, × 1000 (/ 1000) among
    them without their two most extreme."""
    ranked = sorted(others)
    if v * 10 < ranked[0] and ranked[0] <= v * 1000 <= ranked[-2]:
        return ranked[0]
    if v > ranked[-1] * 10 and ranked[1] <= v / 1000 <= ranked[-1]:
        return ranked[-1]
    if lone_unit and len(ranked) >= 5:
        if v < ranked[0] and ranked[1] <= v * 1000 <= ranked[-2]:
            return ranked[0]
        if v > ranked[-1] and ranked[1] <= v / 1000 <= ranked[-2]:
            return ranked[-1]
    return None


def printed_unit_factor(printed: object) -> Decimal | None:
    """Kronor per unit a budget is printed in ('135,1 tkr' -> 1000); None when it cannot be read or has no unit
    printed (a bare number's unit is a default, no evidence)."""
    try:
        amount = parse_amount(str(printed))
    except ParseError:
        return None
    return None if amount.unit_defaulted else unit_factor(amount.unit)


def slipped_unit(mine: Decimal | None, theirs: list[Decimal | None]) -> bool:
    """Is a budget printed in a unit (`mine`, by its factor: 'mkr' and 'miljoner kr' are one) that no other budget
    of its list is printed in (`theirs`), a thousand times off the unit most of them are printed in ('135,1 tkr'
    among 'miljoner kr')?"""
    known = [f for f in theirs if f is not None]
    if mine is None or mine in known or not known:
        return False
    common = max(set(known), key=known.count)
    return 2 * known.count(common) > len(theirs) and (mine * 1000 == common or mine == common * 1000)


def unit_slip(docs: Docs):
    """A project budget ~1000 times another mention of the same project; for a project mentioned once, a budget
    far out of line with the others in its list that 1000 times (or a thousandth) would put among them (domain:
    'within a list: a magnitude far out of line')."""
    by_key = projects_by_key(docs)
    for key, mentions in by_key.items():
        values = [(d, p, number(p.get("budget_sek"))) for d, p in mentions if number(p.get("budget_sek"))]
        for d, p, v in values:
            for d2, p2, v2 in values:
                if about_a_thousand(v, v2):
                    yield Finding("UNIT_SLIP", "warning", d.key, "projects", f"{key}/{p.get('budget_printed')}", str(v2), str(v),
                                  "faktor ~1000", f"Projektet '{p.get('name')}': budgeten {p.get('budget_printed')} är ungefär 1000 "
                                  f"gånger {p2.get('budget_printed')} på annat ställe — troligen fel enhet.",
                                  (evidence(d, p, "budget_printed"), evidence(d2, p2, "budget_printed")),
                                  other_doc=d2.key if d2.key != d.key else None)
    for d in docs:
        lists = defaultdict(list)
        for p in d.rows("projects"):
            if number(p.get("budget_sek")):
                lists[p.get("list")].append(p)
        for peers in lists.values():
            factors = [printed_unit_factor(q.get("budget_printed")) for q in peers]
            for i, p in enumerate(peers):
                key = p.get("project_key")
                if not key or sum(1 for _, q in by_key[key] if number(q.get("budget_sek"))) > 1:
                    continue  # mentioned elsewhere with a budget: compared with that mention above
                others = peers[:i] + peers[i + 1:]
                if len(others) < MIN_PEERS:
                    continue
                v = number(p.get("budget_sek"))
                edge = out_of_line(v, [number(q.get("budget_sek")) for q in others],
                                   slipped_unit(factors[i], factors[:i] + factors[i + 1:]))
                if edge is None:
                    continue
                near = next(q for q in others if number(q.get("budget_sek")) == edge)
                below, seen = v < edge, near.get("budget_printed")
                if v * 10 < edge or v > edge * 10:
                    rule = "under 1/10 av listans minsta (över 10 × dess största), ×1000 (/1000) bland dem"
                    where = f"{'under en tiondel av listans minsta' if below else 'över tio gånger listans största'} ({seen})"
                else:
                    rule = "ensam i sin enhet, under listans minsta (över dess största), ×1000 (/1000) bland dem"
                    where = f"{'lägre' if below else 'högre'} än listans alla andra ({seen}), den enda budgeten i sin enhet"
                yield Finding("UNIT_SLIP", "warning", d.key, "projects", f"{key}/{p.get('budget_printed')}", str(edge),
                              str(v), rule,
                              f"Projektet '{p.get('name')}': budgeten {p.get('budget_printed')} är {where}, men "
                              f"{'gånger 1000' if below else 'delat med 1000'} ligger den bland de andra — troligen "
                              f"fel enhet.",
                              (evidence(d, p, "budget_printed"), evidence(d, near, "budget_printed")))


def control_sum_amount(d: DocData, r: dict) -> Evidence | None:
    """The printed amount of a Kontokontroller row: a truth row carries `amount`, an extracted figure is
    `value_printed` of column 'amount' (the sheet's other columns, IB and UB, are not control lines)."""
    if "amount" in r:
        return evidence(d, r, "amount")
    if r.get("column_key") == "amount":
        return evidence(d, r, "value_printed")
    return None


def control_sums(docs: Docs):
    """The finance system's control sums: an upper-case SUMMA line is 0,00 unless it is the subtotal of the
    account lines printed right above it (mixed-case 'Summa …' lines are the amounts being compared)."""
    for d in docs:
        block: list[Evidence] = []
        for r in d.rows("control_sums"):
            if r.get("row_kind") == "heading":
                block = []
                continue
            ev = control_sum_amount(d, r)
            if ev is None:
                continue
            label = str(r.get("label") or "")
            amount = printed_number(ev.printed)
            if "SUMMA" not in label or amount is None:  # control lines are the upper-case SUMMA ones
                if r.get("account"):
                    block.append(ev)
                continue
            accounts = [printed_number(a.printed) for a in block]
            subtotal = sum((a[0] for a in accounts if a), Decimal(0))
            if amount[0] != 0 and not (block and subtotal == amount[0]):
                yield Finding("CONTROL_SUM_ZERO", "error", d.key, "control_sums", key_text(label), "0,00",
                              ev.printed or "", "exakt",
                              f"Kontokontrollen '{label}' visar {ev.printed}; den ska vara 0,00.", (ev,))
            block = []


CATALOGUE: list[Rule] = [
    Rule("RISK_RV_PRODUCT", "RV = S × K", "riskvärdet är sannolikhet gånger konsekvens", "error", "exakt", rv_product),
    Rule("RISK_RV12_IN_PLAN", "RV ≥ 12 i internkontrollplanen", "en risk med RV ≥ 12 är inte markerad 'Nej, endast VoR'",
         "error", "regel", rv12_in_plan),
    Rule("MATRIX_PLACEMENT", "Riskmatrisens placering", "varje risk står i matrisens ruta för sitt S och K, och bara där",
         "error", "exakt", matrix_placement),
    Rule("MATRIX_TOTAL", "Riskmatrisens totalsumma", "'Totalt: N' = antalet numrerade risker", "warning", "exakt", matrix_total),
    Rule("CONTROL_RV", "Kontrollens RV = riskens RV", "internkontrollplanens RV = VoR-radens RV", "error", "exakt", control_rv),
    Rule("CONTROL_FOLLOWED_UP", "Varje kontroll följs upp", "varje kontroll i VP:s plan har en uppföljning i VB", "warning",
         "exakt", control_followed_up),
    Rule("FOLLOWUP_NOT_PERFORMED", "Ej genomförd kontroll", "uppföljningen säger att aktiviteten inte genomfördes", "info", "—",
         followup_not_performed),
    Rule("SHEET_SUM", "Summarad = summan av raderna", "en totalrad = summan av raderna under den", "error",
         "½ enhet i sista tryckta siffran per belopp", sheet_parent_sum),
    Rule("SHEET_COLUMN_FORMULA", "Kolumnformel", "en kolumn vars rubrik anger (1+2+3) = summan av de kolumnerna", "error",
         "½ enhet per belopp", column_formula),
    Rule("SHEET_NETTO", "Netto = kostnader + intäkter", "netto/summa drift = kostnader + intäkter (-)", "error",
         "½ enhet per belopp", netto),
    Rule("SHEET_DEVIATION", "Avvikelse = budget − utfall", "avvikelsen = budget − utfall", "error", "½ enhet per belopp",
         deviation),
    Rule("VP_VB_BUDGET", "VP-budget i VB = VP", "VB:s kolumn 'VP <år>' = verksamhetsplanens belopp", "warning",
         "½ enhet per belopp", vp_vs_vb_budget),
    Rule("BR_IB_CHANGE_UB", "IB + förändring = UB", "balansräkningens konton", "error", "½ öre per belopp", ib_change_ub),
    Rule("ACCOUNT_COUNTERPARTY", "Motpartsfördelning", "Externt + Stadens bolag + Internt = Totalt", "error", "½ öre",
         counterparty_split),
    Rule("ACCOUNT_PARENT_SUM", "Kontohierarki", "ett 2- eller 3-siffrigt konto = summan av sina underkonton", "error", "½ öre",
         account_parent),
    Rule("CONTROL_SUM_ZERO", "Kontokontroller = 0", "ekonomisystemets kontrollsummor är noll", "error", "exakt",
         control_sums),
    Rule("KAA_PERCENT", "Andel = antal / antal", "KAA-tabellernas andelar mot antalen", "warning",
         "tryckt precision; trunkering = minor", kaa_percent),
    Rule("KAA_GENDER_TOTAL", "Kvinnor + män = totalt", "KAA-tabellernas könsfördelning", "error", "exakt", kaa_gender_total),
    Rule("KAA_TEXT_TABLE", "Text mot tabell", "siffror och förändringar i texten mot tabellerna de beskriver "
         "(nivå eller förändring: `kaa_stats.comparison`, som extraktionen läste den)", "warning", "exakt",
         kaa_text_vs_table),
    Rule("KPI_RATIO", "Nyckeltal = täljare / nämnare", "nyckeltalets värde mot underlaget", "warning", "avrundning",
         kpi_ratio),
    Rule("PROJECT_CROSS_DOC", "Samma projekt i VP och VB", "budget, medfinansiering, period och avdelning", "warning",
         "exakt (period och avdelning: info)", project_cross_doc),
    Rule("PROJECT_DUPLICATE", "Dubblett i lista", "samma projekt två gånger i en lista", "warning", "—", project_duplicate),
    Rule("UNIT_SLIP", "Enhetsfel", "ett belopp ~1000 gånger dess andra förekomster; nämnt en gång: under en tiondel av "
         "listans minsta (över tio gånger dess största) men bland de andra × 1000 (/ 1000), eller, tryckt i en enhet "
         "som ingen annan i listan har och som är 1000 gånger från listans vanliga (tkr bland mnkr), under alla de "
         "andra (över) men bland dem × 1000 (/ 1000)", "warning",
         "faktor 500–2000; minst 4 andra budgetar i listan (5 för enheten)", unit_slip),
]


def run_rules(docs: Docs, rules: Iterable[Rule] = CATALOGUE) -> list[Finding]:
    """Every finding of every rule over the documents, de-duplicated by finding id."""
    out: dict[str, Finding] = {}
    for rule in rules:
        for f in rule.fn(docs):
            out.setdefault(f.finding_id, f)
    return list(out.values())
