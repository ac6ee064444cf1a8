"""Extraction quality against ground truth: per table and per field, precision, recall, exact match.

Rows are matched by natural keys (risk number, sheet + label + column, account + column, project key, …);
a key printed twice is told apart by its order. Field values are compared after whitespace normalisation
(text) or as exact decimals (numbers). Truth comes from `samples/truth/*.json` (or a variant's truth),
never from reading our own output back.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterable

from pipeline.records import Record


def norm(value: Any) -> Any:
    """Comparable form: text with collapsed whitespace, numbers as Decimal, the rest as is."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, Decimal)):
        return Decimal(value).normalize()
    if isinstance(value, float):
        raise TypeError("floats are not compared: use Decimal")
    text = re.sub(r"\s+", " ", str(value).replace("\u00a0", " ").replace("\u202f", " ")).strip()
    return text or None


def norm_number(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value)).normalize()
    except InvalidOperation:
        return None


def key_text(value: Any) -> str:
    return re.sub(r"[^0-9a-zåäöéü]", "", str(value or "").lower())


NUMERIC = {"value_sek", "value", "numerator", "denominator", "prior_value", "budget_sek", "cofinancing_sek",
           "risk_no", "probability", "consequence", "risk_value", "level", "year", "page"}

# tables whose truth rows are printed rows (a label, an account, a figure per column) and whose records are one
# figure each: the truth is read figure by figure (`figure_rows`)
PER_FIGURE = ("fixed_asset_reconciliation", "working_capital", "control_sums")

# entity -> (key function, compared fields)
SPECS: dict[str, tuple[Callable[[dict], tuple], list[str]]] = {
    "risks": (lambda r: (r["risk_no"],) if r.get("risk_no") is not None else ("event", key_text(r.get("event"))),
              ["risk_no", "goal_code", "goal", "process", "working_method", "event", "probability",
               "probability_label", "consequence", "consequence_label", "risk_value", "in_control_plan", "page"]),
    "risk_matrix": (lambda r: (r["risk_no"],), ["probability", "consequence", "page"]),
    "controls": (lambda r: (key_text(r.get("event")),),
                 ["goal_code", "process", "working_method", "control", "risk_value", "event", "control_activity",
                  "risk_no", "page"]),
    "control_followups": (lambda r: (key_text(r.get("control_activity")), key_text(r.get("working_method"))),
                          ["process", "working_method", "control_activity", "result_text", "performed", "risk_no",
                           "page"]),
    "budget_lines": (lambda r: (key_text(r.get("sheet")), key_text(r.get("label")), r.get("column_key")),
                     ["label", "parent_label", "value_sek", "value_printed", "unit", "page"]),
    "accounts": (lambda r: (r.get("statement"), r.get("account") or key_text(r.get("account_name")),
                            r.get("column_key")),
                 ["account", "account_name", "level", "parent_account", "value_sek", "page"]),
    "kaa_stats": (lambda r: (r.get("source"), r.get("year"), r.get("metric"), r.get("group_by"),
                             key_text(r.get("group_value"))),
                  ["value", "unit", "printed", "comparison", "vs_year", "page"]),
    "kpis": (lambda r: (str(r.get("kpi_no")),), ["name", "numerator", "denominator", "value", "prior_value", "page"]),
    "projects": (lambda r: (r.get("list"), r.get("project_key"), str(r.get("item_no") or "")),
                 ["name", "funder", "role", "budget_sek", "currency", "cofinancing_sek", "start_month", "end_month",
                  "department", "page"]),
    "procurements": (lambda r: (key_text(r.get("description")),),
                     ["category", "category_class", "description", "planned_start", "period", "value_sek",
                      "committee", "contact", "page"]),
    "infosec_requirements": (lambda r: (str(r.get("req_no") or ""), key_text(r.get("part"))),
                             ["requirement", "status", "comment", "page"]),
    **{e: (lambda r: (key_text(r.get("label")), r.get("account") or "", r.get("column_key")),
           ["value_printed", "page"])
       for e in PER_FIGURE},
}
ROW_FIELDS = frozenset({"label", "resolved_label", "account", "row_kind", "level", "page", "bbox", "_table", "_row",
                        "_provenance"})


def figure_rows(rows: Iterable[dict]) -> list[dict]:
    """A sheet's truth rows (one per printed row; headings and captions carry no figures) as one row per figure:
    its row's label and account, its column's key, the figure as printed and the page it is printed on."""
    out = []
    for row in rows:
        if row.get("row_kind"):
            continue
        for key, value in row.items():
            if key in ROW_FIELDS or value in (None, ""):
                continue
            page = ((row.get("_provenance") or {}).get(key) or {}).get("page", row.get("page"))
            out.append({"label": row.get("label") or row.get("resolved_label"), "account": row.get("account"),
                        "column_key": key, "value_printed": value, "page": page})
    return out


def truth_rows(truth: dict, entity: str) -> list[dict]:
    """A truth file's rows of one table, in the form its records take."""
    rows = truth["tables"].get(entity, [])
    return figure_rows(rows) if entity in PER_FIGURE else rows


def keyed(rows: Iterable[dict], key_fn) -> dict[tuple, dict]:
    """Rows by key; a key seen again gets its occurrence number appended (document order)."""
    seen: Counter = Counter()
    out = {}
    for r in rows:
        k = key_fn(r)
        seen[k] += 1
        out[k + (seen[k],)] = r
    return out


def same(field_name: str, a: Any, b: Any) -> bool:
    if field_name in NUMERIC:
        return norm_number(a) == norm_number(b)
    if isinstance(a, list) or isinstance(b, list):
        return sorted(a or []) == sorted(b or [])
    return norm(a) == norm(b)


@dataclass
class FieldScore:
    truth: int = 0  # truth rows with a non-empty value
    extracted: int = 0  # extracted (matched) rows with a non-empty value
    correct: int = 0  # matched rows where the value equals the truth's (empty == empty counts)
    compared: int = 0  # truth rows (matched or not): the accuracy denominator

    @property
    def accuracy(self) -> float:
        return self.correct / self.compared if self.compared else 1.0


@dataclass
class TableScore:
    entity: str
    truth_rows: int = 0
    extracted_rows: int = 0
    matched_rows: int = 0
    fields: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    mismatches: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.matched_rows / self.extracted_rows if self.extracted_rows else (1.0 if not self.truth_rows else 0.0)

    @property
    def recall(self) -> float:
        return self.matched_rows / self.truth_rows if self.truth_rows else 1.0

    @property
    def field_accuracy(self) -> float:
        compared = sum(f.compared for f in self.fields.values())
        return sum(f.correct for f in self.fields.values()) / compared if compared else 1.0

    def as_json(self) -> dict:
        return {
            "entity": self.entity, "truth_rows": self.truth_rows, "extracted_rows": self.extracted_rows,
            "matched_rows": self.matched_rows, "precision": round(self.precision, 4), "recall": round(self.recall, 4),
            "field_accuracy": round(self.field_accuracy, 4),
            "fields": {k: {"accuracy": round(v.accuracy, 4), "correct": v.correct, "compared": v.compared}
                       for k, v in self.fields.items()},
            "mismatches": self.mismatches[:200],
        }


def score_table(entity: str, truth_rows: list[dict], extracted: list[dict], doc: str = "") -> TableScore:
    """Compare one table's extracted rows with its truth rows."""
    key_fn, compared = SPECS[entity]
    truth = keyed(truth_rows, key_fn)
    got = keyed(extracted, key_fn)
    score = TableScore(entity, len(truth), len(got))
    for k, t in truth.items():
        g = got.get(k)
        if g is not None:
            score.matched_rows += 1
        for f in compared:
            fs = score.fields[f]
            fs.compared += 1
            tv = t.get(f)
            if tv not in (None, ""):
                fs.truth += 1
            if g is None:
                continue
            gv = g.get(f)
            if gv not in (None, ""):
                fs.extracted += 1
            if same(f, gv, tv):
                fs.correct += 1
            else:
                score.mismatches.append({"doc": doc, "key": list(map(str, k)), "field": f, "truth": str(tv),
                                         "extracted": str(gv)})
        if g is None:
            score.mismatches.append({"doc": doc, "key": list(map(str, k)), "field": "(row)", "truth": "present",
                                     "extracted": "missing"})
    for k in got.keys() - truth.keys():
        score.mismatches.append({"doc": doc, "key": list(map(str, k)), "field": "(row)", "truth": "absent",
                                 "extracted": "extra"})
    return score


def merge(a: TableScore, b: TableScore) -> TableScore:
    out = TableScore(a.entity, a.truth_rows + b.truth_rows, a.extracted_rows + b.extracted_rows,
                     a.matched_rows + b.matched_rows)
    for src in (a, b):
        for k, v in src.fields.items():
            f = out.fields[k]
            f.truth += v.truth
            f.extracted += v.extracted
            f.correct += v.correct
            f.compared += v.compared
        out.mismatches.extend(src.mismatches)
    return out


def records_as_rows(records: Iterable[Record]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        out[r.ENTITY].append({**r.values(), "page": r.page})
    return out


def evaluate_document(records: Iterable[Record], truth: dict, doc: str = "",
                      entities: Iterable[str] | None = None) -> dict[str, TableScore]:
    """Scores of one document's extraction against its truth file, per contract table."""
    got = records_as_rows(records)
    wanted = list(entities) if entities else [e for e in SPECS if e in truth["tables"] or e in got]
    return {e: score_table(e, truth_rows(truth, e), got.get(e, []), doc) for e in wanted}


def seeds_from_text(text: str) -> list[int]:
    """Layout-variant seeds as written on the command line: '11-20', '1,3,5' or both ('1-3,7'), in order, once each."""
    out: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ValueError(f"not a seed or a range of seeds: {part!r}")
        out.extend(range(int(first), int(last or first) + 1))
    return list(dict.fromkeys(out))


def evaluate_variants(seeds: Iterable[int], entities: Iterable[str] | None = None) -> dict[str, TableScore]:
    """Render the layout variants of `seeds` (samples.variants) with their truth into a temporary folder, extract
    each document, link each seed's VP and VB, and score the extraction against the truth. A seed nothing was
    mended for is a held-out measure (docs/samples.md says which seeds have been measured and mended)."""
    import tempfile
    from pathlib import Path

    from pipeline.extract import extract_document, link_documents
    from samples.truth import build_truths
    from samples.variants import make_variant, render_variant

    scores = []
    wanted = list(entities) if entities else None
    with tempfile.TemporaryDirectory(prefix="muni-variants-") as tmp:
        for seed in seeds:
            rendered = render_variant(make_variant(seed), Path(tmp) / f"v{seed}")
            truths = build_truths(rendered)
            docs = [(extract_document(d.path), truths[d.key]) for d in rendered]
            link_documents([doc for doc, _ in docs])
            scores.extend(evaluate_document(doc.records, truth, doc.path.name, wanted) for doc, truth in docs)
    return combine(scores)


def combine(scores: Iterable[dict[str, TableScore]]) -> dict[str, TableScore]:
    out: dict[str, TableScore] = {}
    for per_doc in scores:
        for e, s in per_doc.items():
            out[e] = merge(out[e], s) if e in out else s
    return out


def format_report(scores: dict[str, TableScore], mismatches: int = 10) -> str:
    lines = [f"{'table':<26} {'rows truth/got/match':>22} {'precision':>9} {'recall':>7} {'fields exact':>12}"]
    for e, s in scores.items():
        lines.append(f"{e:<26} {f'{s.truth_rows}/{s.extracted_rows}/{s.matched_rows}':>22} {s.precision:>9.1%} "
                     f"{s.recall:>7.1%} {s.field_accuracy:>12.1%}")
        weak = {k: v for k, v in s.fields.items() if v.accuracy < 1}
        if weak:
            lines.append("    " + ", ".join(f"{k} {v.accuracy:.1%}" for k, v in weak.items()))
        for m in s.mismatches[:mismatches]:
            lines.append(f"    ✗ {m['doc']} {'/'.join(m['key'])} {m['field']}: truth {m['truth']!r} got {m['extracted']!r}")
    return "\n".join(lines)


def report_json(scores: dict[str, TableScore]) -> str:
    return json.dumps({e: s.as_json() for e, s in scores.items()}, ensure_ascii=False, indent=1)
