"""Ground truth for the sample PDFs, generated from the source data and the renderer's own placements.

    python -m samples.truth --out samples/truth      (renders into a temp dir, writes <file>.json)

Nothing here reads a PDF: values come from `samples/source/*.yaml`, pages and boxes from what
`samples.render` drew. Rows are shaped like the warehouse contract's tables, plus `_provenance`
({field: {page, bbox, printed}}) for every field that was drawn, and `_table`/`_row` to say where
in the source the row came from.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import tempfile
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Iterable

from samples.blocks import column_specs, real_rows
from samples.layout import Placement

TRUTH_DIR = Path(__file__).parent / "truth"

UNIT_FACTORS = {"mnkr": Decimal(10) ** 6, "mkr": Decimal(10) ** 6, "tkr": Decimal(1000), "kr": Decimal(1)}


def sv_decimal(printed: str) -> Decimal | None:
    """'−2 425 249,73' -> Decimal('-2425249.73'); None for anything that is not a plain number.

    Deliberately tiny and independent of the product's parsers: truth must not share their bugs."""
    s = str(printed).replace("\u00a0", " ").replace("\u202f", " ").replace("−", "-").strip()
    s = s.rstrip("%").strip()
    if not re.fullmatch(r"-?\d{1,3}( \d{3})*(,\d+)?|-?\d+(,\d+)?", s):
        return None
    try:
        return Decimal(s.replace(" ", "").replace(",", "."))
    except InvalidOperation:
        return None


def scale_value(printed: str) -> tuple[int | None, str]:
    """'2. Mindre sannolikt' -> (2, 'Mindre sannolikt')."""
    m = re.match(r"\s*(\d)\s*\.?\s*(.*)", str(printed or ""))
    return (int(m.group(1)), m.group(2).strip()) if m else (None, str(printed or "").strip())


def norm_text(value: Any) -> str:
    """Cell text as a reader sees it: parts of a page-cut cell joined, whitespace collapsed."""
    if isinstance(value, list):
        value = " ".join(str(v) for v in value if v)
    return re.sub(r"\s+", " ", str(value or "")).strip()


class PlacementIndex:
    """Placements of one rendered document, looked up by key."""

    def __init__(self, placements: Iterable[Placement]):
        self.by_key: dict[tuple, list[Placement]] = defaultdict(list)
        for p in placements:
            self.by_key[p.key].append(p)

    def cell(self, table_id: str, row: int, key: str) -> Placement | None:
        got = self.by_key.get(("cell", table_id, row, key))
        return got[0] if got else None

    def first(self, key: tuple) -> Placement | None:
        got = self.by_key.get(key)
        return got[0] if got else None


def table_rows(section_name: str, block_index: int, table: dict, index: PlacementIndex) -> list[dict]:
    """Rows of a source table with carried (spanning) cells filled down and the provenance of each drawn cell."""
    table_id = table.get("id", f"{section_name}:{block_index}")
    cols = column_specs(table)
    carry_keys = [c["key"] for c in cols if c.get("carry")]
    carried: dict[str, Any] = {}
    carried_from: dict[str, int] = {}
    out = []
    for ri, row in real_rows(table.get("rows", [])):
        rec: dict[str, Any] = {}
        prov: dict[str, dict] = {}
        for k, v in row.items():
            if k in ("page_break", "page_label"):
                continue
            rec[k] = norm_text(v) if isinstance(v, (list, str)) else v
        for k in carry_keys:
            if k in row:
                carried[k] = norm_text(row[k])
                carried_from[k] = ri
                for extra in ("goal_code",):
                    if extra in row:
                        carried[extra] = row[extra]
            elif k in carried:
                rec[k] = carried[k]
        if "goal_code" not in rec and "goal_code" in carried and "goal" in carry_keys:
            rec["goal_code"] = carried["goal_code"]
        for c in cols:
            k = c["key"]
            src_row = ri if k in row else carried_from.get(k)
            if src_row is None:
                continue
            p = index.cell(table_id, src_row, k)
            if p is not None:
                prov[k] = p.as_json()
        pages = [v["page"] for v in prov.values()]
        own = [v for k, v in prov.items() if k in row]
        rec["page"] = min(v["page"] for v in own) if own else (min(pages) if pages else None)
        boxes = [v["bbox"] for v in own if v["page"] == rec["page"]]
        rec["bbox"] = ([min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
                        max(b[3] for b in boxes)] if boxes else None)
        rec["_table"] = table_id
        rec["_row"] = ri
        rec["_provenance"] = prov
        out.append(rec)
    return out


def header_labels(table: dict) -> list[str]:
    """One label per column: the header rows' texts of that column joined top to bottom."""
    cols = column_specs(table)
    labels = [[] for _ in cols]
    for hr in table.get("header") or []:
        for i in range(len(cols)):
            if i < len(hr) and hr[i] not in (None, ""):
                labels[i].append(norm_text(str(hr[i]).replace("\n", " ")))
    return [" ".join(x) for x in labels]


# ----- entity shapers: source rows -> contract rows ------------------------------------------------

def shape_risk(rec: dict) -> dict:
    s, s_label = scale_value(rec.get("probability"))
    k, k_label = scale_value(rec.get("consequence"))
    ikp = norm_text(rec.get("in_control_plan"))
    rv = sv_decimal(rec.get("risk_value") or "")
    no = norm_text(rec.get("risk_no"))
    return {
        "risk_no": int(no) if no.isdigit() else None,
        "goal_code": norm_text(rec.get("goal_code")) or None,
        "goal": norm_text(rec.get("goal")) or None,
        "process": norm_text(rec.get("process")) or None,
        "working_method": norm_text(rec.get("working_method")) or None,
        "event": norm_text(rec.get("event")) or None,
        "probability": s,
        "probability_label": s_label or None,
        "consequence": k,
        "consequence_label": k_label or None,
        "risk_value": int(rv) if rv is not None else None,
        "in_control_plan": None if not (rec.get("event") or no) else (ikp == ""),
        "in_control_plan_printed": ikp,
    }


def shape_generic(rec: dict) -> dict:
    return {k: v for k, v in rec.items() if not k.startswith("_") and k not in ("page", "bbox")}


def parent_labels(recs: list[dict], label_key: str, below: bool) -> dict[int, str | None]:
    """The total line each row sits under: the nearest shallower row above it, or — on sheets whose totals
    print under their items (`totals: below`) — the nearest shallower row after it."""
    def label(r):
        return norm_text(r.get(label_key)) or norm_text(r.get("resolved_label"))
    out: dict[int, str | None] = {}
    ordered = list(recs)
    for i, rec in enumerate(ordered):
        level = int(rec.get("level", 0) or 0)
        candidates = ordered[i + 1:] if below else reversed(ordered[:i])
        parent = None
        if level > 0:
            for other in candidates:
                if int(other.get("level", 0) or 0) < level and other.get("row_kind") != "heading":
                    parent = label(other)
                    break
        out[rec["_row"]] = parent
    return out


def budget_rows(table: dict, recs: list[dict], doc_unit: str | None) -> list[dict]:
    """One row per figure of a budget/outcome sheet (label × value column)."""
    cols = column_specs(table)
    labels = header_labels(table)
    unit = str(table.get("unit") or doc_unit or "").strip()
    factor = UNIT_FACTORS.get(unit.lower())
    label_key = cols[0]["key"]
    out = []
    parent_of = parent_labels(recs, label_key, below=table.get("totals") == "below")
    for rec in recs:
        label = norm_text(rec.get(label_key)) or norm_text(rec.get("resolved_label"))
        parent = parent_of[rec["_row"]]
        for ci, c in enumerate(cols[1:], start=1):
            k = c["key"]
            printed = rec.get(k)
            if printed in (None, ""):
                continue
            value = sv_decimal(printed)
            prov = rec["_provenance"].get(k, {})
            out.append({
                "sheet": table.get("title") or table.get("id"),
                "line_no": rec["_row"] + 1,
                "label": label,
                "label_printed": norm_text(rec.get(label_key)),
                "parent_label": parent,
                "column_key": k,
                "column_label": labels[ci],
                "value_sek": str(value * factor) if (value is not None and factor is not None) else None,
                "value": str(value) if value is not None else None,
                "value_printed": prov.get("printed", printed),
                "unit": unit or None,
                "page": prov.get("page", rec["page"]),
                "bbox": prov.get("bbox"),
            })
    return out


def account_rows(table: dict, recs: list[dict], statement: str) -> list[dict]:
    """One row per account figure (account × column) of an income statement or balance sheet."""
    cols = column_specs(table)
    out = []
    value_keys = [c["key"] for c in cols if c["key"] not in ("account", "account_name", "label")]
    for rec in recs:
        account = norm_text(rec.get("account")) or None
        name = norm_text(rec.get("account_name")) or norm_text(rec.get("label")) or norm_text(rec.get("resolved_label"))
        for k in value_keys:
            printed = rec.get(k)
            if printed in (None, ""):
                continue
            value = sv_decimal(printed)
            prov = rec["_provenance"].get(k, {})
            out.append({
                "statement": statement,
                "account": account,
                "account_name": name,
                "label_printed": norm_text(rec.get("label")) if account is None else name,
                "level": len(account) if account and account.isdigit() else None,
                "parent_account": account[:-1] if account and account.isdigit() and len(account) > 2 else None,
                "column_key": k,
                "value_sek": str(value) if value is not None else None,
                "value_printed": prov.get("printed", printed),
                "page": prov.get("page", rec["page"]),
                "bbox": prov.get("bbox"),
                "_row": rec["_row"],
                "_table": rec["_table"],
            })
    return out


def build_truth(rendered, linked: dict | None = None) -> dict:
    """The truth of one rendered document (a samples.render.RenderedDocument); `linked` is the truth of
    the same year's VP when `rendered` is its VB (follow-ups link to the VP's controls)."""
    index = PlacementIndex(rendered.placements)
    meta = rendered.meta
    truth: dict[str, Any] = {
        "document": {
            "file_name": meta["file_name"],
            "doc_type": meta["doc_type"],
            "year": int(meta["year"]),
            "committee": meta["committee"],
            "title": meta["title"],
            "page_count": rendered.page_count,
        },
        "sections": [],
        "tables": defaultdict(list),
    }
    for section in rendered.sections:
        data = section.data
        first, last = rendered.section_pages[section.name]
        truth["sections"].append({
            "name": section.name, "kind": data.get("section"), "title": data.get("title"),
            "first_page": first, "last_page": last,
        })
        for bi, block in enumerate(data.get("blocks") or []):
            if not isinstance(block, dict):
                continue
            if "table" in block:
                table = block["table"]
                entity = table.get("entity")
                recs = table_rows(section.name, bi, table, index)
                for rec in recs:  # values printed above the table (goal, process, department) apply to each row
                    for k, v in (table.get("context") or {}).items():
                        rec.setdefault(k, v)
                for fact in table.get("facts") or []:  # figures printed inside a table cell
                    tid = table.get("id", f"{section.name}:{bi}")
                    p = index.cell(tid, int(fact.get("row", -1)), str(fact.get("column")))
                    truth["tables"]["facts"].append({
                        **fact, "section": section.name, "block": bi, "table": tid,
                        "page": p.page if p else None, "bbox": p.as_json()["bbox"] if p else None,
                    })
                if table.get("empty_form") or not entity:
                    continue
                if entity == "risks":
                    for r in recs:
                        truth["tables"]["risks"].append({**shape_risk(r), "page": r["page"], "bbox": r["bbox"],
                                                         "_table": r["_table"], "_row": r["_row"],
                                                         "_provenance": r["_provenance"]})
                elif entity == "budget_lines":
                    truth["tables"]["budget_lines"].extend(budget_rows(table, recs, data.get("unit")))
                elif entity == "accounts":
                    statement = "BR" if "balans" in (data.get("section", "") + section.name).lower() else "RR"
                    truth["tables"]["accounts"].extend(account_rows(table, recs, statement))
                elif entity == "kaa_stats":
                    truth["tables"]["kaa_stats"].extend(kaa_rows(table, recs))
                else:
                    risks_by_event = {key_of(x["event"]): x["risk_no"] for x in truth["tables"].get("risks", [])
                                      if x.get("risk_no")}
                    for r in recs:
                        if entity == "controls":
                            shaped = shape_control(r, risks_by_event)
                        elif entity == "control_followups":
                            shaped = shape_followup(r, (linked or {}).get("tables", {}).get("controls", []))
                            shaped["control_doc"] = (linked or {}).get("document", {}).get("file_name")
                        elif entity == "kpis":
                            shaped = shape_kpi(r)
                        elif entity == "procurements":
                            shaped = shape_procurement(r)
                        elif entity == "projects":
                            shaped = shape_project({**r, "fields": {"budget": r.get("budget"),
                                                                    "period": r.get("timeline")}},
                                                   table.get("list") or "innovation")
                        else:
                            shaped = shape_generic(r)
                        truth["tables"][entity].append({**shaped, "page": r["page"], "bbox": r["bbox"],
                                                        "_table": r["_table"], "_row": r["_row"],
                                                        "_provenance": r["_provenance"]})
            elif "matrix" in block:
                for cell in block["matrix"].get("cells", []):
                    for no in cell.get("risk_nos", []):
                        p = index.first(("matrix_cell", f"{section.name}:{bi}", str(cell["probability"]),
                                         str(cell["consequence"]), str(no)))
                        truth["tables"]["risk_matrix"].append({
                            "risk_no": int(no), "probability": int(cell["probability"]),
                            "consequence": int(cell["consequence"]),
                            "page": p.page if p else None, "bbox": p.as_json()["bbox"] if p else None,
                            "_provenance": {"risk_no": p.as_json()} if p else {},
                        })
                total = block["matrix"].get("total_printed")
                if total:
                    p = index.first(("matrix_total", f"{section.name}:{bi}"))
                    truth["risk_matrix_total"] = {"printed": total, **(p.as_json() if p else {})}
            elif "record" in block:
                rec = block["record"]
                row = ({**shape_project(rec, rec.get("list") or "projektbilaga"), "title": rec.get("title")}
                       if rec.get("entity") == "projects" else {k: v for k, v in rec.items() if k not in ("lines",)})
                prov = {}
                for li, line in enumerate(rec.get("lines") or []):
                    if isinstance(line, (list, tuple)) and line and line[0]:
                        p = index.first(("record_value", section.name, bi, li))
                        if p:
                            prov[str(line[0])] = p.as_json()
                title = index.first(("record_title", section.name, bi, 0))
                row["page"] = title.page if title else None
                row["bbox"] = title.as_json()["bbox"] if title else None
                row["_provenance"] = prov
                truth["tables"][rec.get("entity") or "records"].append(row)
            if isinstance(block, dict) and block.get("facts"):
                drawn = [p for k, ps in index.by_key.items()
                         if k[0] in ("paragraph", "bullet") and k[1:3] == (section.name, bi) for p in ps]
                drawn.sort(key=lambda p: (p.page, p.bbox[1], p.bbox[0]))
                for fact in block["facts"]:
                    printed = str(fact.get("printed") or fact.get("value") or "")
                    where = locate_figure(printed, drawn)
                    row = {
                        **fact, "section": section.name, "block": bi,
                        "sentence": norm_text(block.get("paragraph") or " ".join(block.get("bullets") or [])),
                        "page": where[0] if where else (drawn[0].page if drawn else None),
                        "bbox": where[1] if where else None,
                    }
                    truth["tables"]["facts"].append(row)
                    if str(data.get("section", "")).startswith("kaa") and fact.get("unit") in ("count", "percent"):
                        value = sv_decimal(str(fact.get("value")))
                        truth["tables"]["kaa_stats"].append({
                            "year": int(fact["year"]) if fact.get("year") else None, "metric": fact.get("metric"),
                            "unit": fact.get("unit"), "group_by": fact.get("group_by"),
                            "group_value": fact.get("group_value"), "value": str(value) if value is not None else None,
                            "printed": fact.get("printed"), "source": "text",
                            "comparison": fact.get("comparison") or "level", "vs_year": fact_vs_year(fact),
                            "sentence": row["sentence"], "page": row["page"], "bbox": row["bbox"],
                        })
    truth["tables"] = dict(truth["tables"])
    return truth


def fact_vs_year(fact: dict) -> int | None:
    """The year a stated change is counted from: the source's `vs_year`, or the year in `diff_vs_<year>`."""
    if fact.get("vs_year"):
        return int(fact["vs_year"])
    m = re.fullmatch(r"diff_vs_(\d{4})", str(fact.get("comparison") or ""))
    return int(m.group(1)) if m else None


def printed_figure(target: str) -> re.Pattern:
    """`target` as a whole printed figure: not a part of a longer number ('56' is not in '56,5' nor in '1 056')."""
    head = r"(?<![\d,])(?<!\d )" if target[:1].isdigit() else ""
    tail = r"(?!\d|,\d| \d)" if target[-1:].isdigit() else ""
    return re.compile(head + re.escape(target) + tail)


def locate_figure(printed: str, drawn: list[Placement]) -> tuple[int, list[float]] | None:
    """Page and box of the drawn line (or pair of lines, when the figure wrapped) carrying `printed`, as a whole
    figure (held-out seeds 300 and 314: '56' of '… från 112 till 56 individer' was found in '56,5 procent' a page
    earlier). A figure wrapped over a page turn is on the page where it starts, in its first line's box (held-out
    seed 1209: '… jämfört med 54' / 'procent av de sökta kvinnorna.' on the next page had been located in a later
    sentence's '54 procent 2022')."""
    target = re.sub(r"\s+", " ", printed).strip()
    if not target:
        return None
    figure = printed_figure(target)
    texts = [re.sub(r"\s+", " ", p.text) for p in drawn]
    for i, p in enumerate(drawn):
        if figure.search(texts[i]):
            return p.page, p.as_json()["bbox"]
        if i + 1 < len(drawn):
            q = drawn[i + 1]
            if figure.search(texts[i + 1]) or not figure.search(texts[i] + " " + texts[i + 1]):
                continue  # the pair only for a figure the break cuts; one wholly on the next line is that line's
            if q.page != p.page:
                return p.page, p.as_json()["bbox"]
            return p.page, [round(min(p.bbox[0], q.bbox[0]), 2), round(p.bbox[1], 2),
                            round(max(p.bbox[2], q.bbox[2]), 2), round(q.bbox[3], 2)]
    return None


def build_truths(rendered_docs) -> dict[str, dict]:
    """Truth of each document, VP first so the VB's follow-ups link to the VP's controls."""
    out: dict[str, dict] = {}
    for d in sorted(rendered_docs, key=lambda d: d.meta["doc_type"] != "VP"):
        vp = next((t for t in out.values() if t["document"]["doc_type"] == "VP"), None)
        out[d.key] = build_truth(d, vp if d.meta["doc_type"] == "VB" else None)
    return out


def write_truth(rendered, out_dir: Path, linked: dict | None = None) -> Path:
    """Write `<pdf stem>.json` with the document's sha256 so a stale truth file is detectable."""
    truth = build_truth(rendered, linked)
    truth["document"]["sha256"] = hashlib.sha256(Path(rendered.path).read_bytes()).hexdigest()
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / (Path(rendered.path).stem + ".json")
    out.write_text(json.dumps(truth, ensure_ascii=False, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> None:
    from samples.render import render_all

    ap = argparse.ArgumentParser(description="Write ground truth for the samples")
    ap.add_argument("--out", type=Path, default=TRUTH_DIR)
    ap.add_argument("--pdfs", type=Path, default=None, help="render into this folder (default: a temp dir)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        write_all(render_all(args.pdfs or Path(tmp)), args.out)


def write_all(rendered_docs, out_dir: Path) -> None:
    truths = build_truths(rendered_docs)
    for d in rendered_docs:
        vp = next((t for k, t in truths.items() if t["document"]["doc_type"] == "VP"), None)
        print(write_truth(d, out_dir, vp if d.meta["doc_type"] == "VB" else None))



# ----- contract shapes of the remaining entities ---------------------------------------------------
# Deliberately small converters of printed strings, independent of the product's parsers.

AMOUNT_UNITS = {"mnkr": (10 ** 6, "SEK"), "mkr": (10 ** 6, "SEK"), "miljoner kr": (10 ** 6, "SEK"),
                "miljoner": (10 ** 6, "SEK"), "miljon kr": (10 ** 6, "SEK"), "miljon": (10 ** 6, "SEK"),
                "tkr": (10 ** 3, "SEK"), "kr": (1, "SEK"), "kronor": (1, "SEK"),
                "eur": (1, "EUR"), "": (1, "SEK")}
MONTHS_SV = {m: i for i, m in enumerate(["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                                         "september", "oktober", "november", "december"], start=1)}


def amount_value(printed: str | None) -> tuple[str | None, str | None]:
    """'24,2 mkr' -> ('24200000', 'SEK'); '38 750 EUR' -> ('38750', 'EUR'); a bare '761 742' is kronor."""
    if not printed:
        return None, None
    s = re.sub(r"\s+", " ", str(printed).replace("\u00a0", " ")).strip()
    m = re.fullmatch(r"(\d[\d ]*(?:, ?\d+)?) ?([A-Za-zåäö ]*)", s)
    if not m or m.group(2).strip().lower() not in AMOUNT_UNITS:
        return None, None
    number = sv_decimal(re.sub(r", +", ",", m.group(1)).strip())
    factor, currency = AMOUNT_UNITS[m.group(2).strip().lower()]
    return (str(number * factor) if number is not None else None), currency


def period_months(printed: str | None) -> tuple[str | None, str | None]:
    """'februari 2021 – april 2023' -> ('2021-02', '2023-04'); ISO dates and 'YYYY - YYYY' too."""
    if not printed:
        return None, None
    s = str(printed).lower().replace("–", "-").strip()
    iso = re.findall(r"(\d{4})-(\d{2})-\d{2}", s)
    if iso:
        start = f"{iso[0][0]}-{iso[0][1]}"
        return start, (f"{iso[1][0]}-{iso[1][1]}" if len(iso) > 1 else None)
    named = re.findall(r"([a-zåäö]+) (\d{4})", s)
    named = [(MONTHS_SV[m], y) for m, y in named if m in MONTHS_SV]
    if named:
        (m1, y1), (m2, y2) = named[0], named[-1]
        return f"{y1}-{m1:02d}", (f"{y2}-{m2:02d}" if len(named) > 1 else None)
    years = re.findall(r"(?<!\d)(\d{4})(?!\d)", s)
    if len(years) == 2:
        return f"{years[0]}-01", f"{years[1]}-12"
    return None, None


def key_of(name: str | None) -> str:
    """Letters and digits only, lower case: the same project under different dashes, case and wraps."""
    return re.sub(r"[^0-9a-zåäöéü]", "", str(name or "").lower())


def shape_project(rec: dict, list_name: str) -> dict:
    f = rec.get("fields") or {}
    budget_sek, currency = amount_value(f.get("budget"))
    cof_sek, _ = amount_value(f.get("cofinancing"))
    start, end = period_months(f.get("period") or rec.get("timeline"))
    return {
        "list": list_name, "item_no": rec.get("item_no") or None, "name": norm_text(rec.get("name")),
        "project_key": key_of(rec.get("name")), "funder": rec.get("funder"), "role": rec.get("role"),
        "budget_sek": budget_sek, "budget_printed": f.get("budget"), "currency": currency,
        "cofinancing_sek": cof_sek, "cofinancing_printed": f.get("cofinancing"),
        "period_printed": f.get("period"), "start_month": start, "end_month": end,
        "department": f.get("department"),
    }


def shape_control(rec: dict, risks_by_event: dict[str, int]) -> dict:
    rv = sv_decimal(rec.get("risk_value") or "")
    return {
        "goal_code": norm_text(rec.get("goal_code")) or None, "goal": norm_text(rec.get("goal")) or None,
        "process": norm_text(rec.get("process")) or None, "working_method": norm_text(rec.get("working_method")) or None,
        "control": norm_text(rec.get("control")) or None, "risk_value": int(rv) if rv is not None else None,
        "event": norm_text(rec.get("event")) or None, "control_activity": norm_text(rec.get("control_activity")) or None,
        "risk_no": risks_by_event.get(key_of(rec.get("event"))),
    }


def shape_followup(rec: dict, controls: list[dict]) -> dict:
    activity = key_of(rec.get("control_activity"))
    method = key_of(rec.get("working_method"))
    match = [c for c in controls if key_of(c.get("control_activity")) == activity]
    for field, value in (("working_method", method), ("control", key_of(rec.get("control")))):
        if len(match) > 1:  # the same activity text under several controls: narrow by the other printed cells
            match = [c for c in match if key_of(c.get(field)) == value] or match
    performed = {"Ja": True, "Nej": False}.get(str(rec.get("performed_reading", "")).strip())
    return {
        "goal_code": norm_text(rec.get("goal_code")) or None, "process": norm_text(rec.get("process")) or None,
        "working_method": norm_text(rec.get("working_method")) or None,
        "control_activity": norm_text(rec.get("control_activity")) or None,
        "result_text": norm_text(rec.get("result_text")) or None, "performed": performed,
        "risk_no": match[0]["risk_no"] if len(match) == 1 else None,
        # two follow-ups printed alike for two controls alike: the document does not say which is which
        "link_ambiguous": len(match) > 1,
        "candidate_risk_nos": sorted(c["risk_no"] for c in match if c.get("risk_no")),
    }


def shape_kpi(rec: dict) -> dict:
    def num(key):
        v = sv_decimal(str(rec.get(key) or ""))
        return str(v) if v is not None else None
    value_printed = str(rec.get("value") or "")
    return {
        "kpi_no": norm_text(rec.get("kpi_no")) or None, "name": norm_text(rec.get("name") or rec.get("label")),
        "numerator": num("numerator"), "denominator": num("denominator"), "value": num("value"),
        "prior_value": num("prior_value"),
        "unit": rec.get("unit") or ("percent" if value_printed.endswith("%") else None),
        "value_printed": value_printed or None, "comment": norm_text(rec.get("comment")) or None,
    }


def shape_procurement(rec: dict) -> dict:
    value = sv_decimal(str(rec.get("value") or ""))
    return {
        "category": norm_text(rec.get("category")) or None, "category_class": norm_text(rec.get("category_class")) or None,
        "description": norm_text(rec.get("description")) or None, "planned_start": norm_text(rec.get("planned_start")) or None,
        "period": norm_text(rec.get("period")) or None,
        # the sheet's header says "Värde mnkr" but prints kronor ("28 000 000"): the figures are kronor
        "value_sek": str(value) if value is not None else None, "value_printed": rec.get("value"),
        "committee": norm_text(rec.get("committee")) or None, "contact": norm_text(rec.get("contact")) or None,
        "department": norm_text(rec.get("department")) or None,
    }


# How each KAA table reads as (metric, group) figures: rows are groups or metrics, columns the other.
KAA_TABLES = {
    "kaa_omfattade_kon": {"group_by": "gender", "row_is": "group"},
    "kaa_uppsok": {"group_by": "gender", "row_is": "metric",
                   "row_metric": {"Ej nådd": "ej_nadda", "Nådd": "nadda", "Totalt (sökta)": "sokta"},
                   "col_group": {"kvinna": "Kvinna", "man": "Man", "total": "Totalt"}},
    "kaa_inskrivna_kon": {"group_by": "gender", "row_is": "group", "metric": "inskrivna"},
    "kaa_jobbtorg_2022": {"group_by": "jobbtorg", "row_is": "group"},
    "kaa_jobbtorg_2021": {"group_by": "jobbtorg", "row_is": "group"},
    "kaa_enkat": {"group_by": "svar", "row_is": "group", "col_metric": {"antal": "enkat_antal", "andel": "enkat_andel"}},
}


def kaa_rows(table: dict, recs: list[dict]) -> list[dict]:
    """One kaa_stats row per figure of a KAA table (metric × group × year), with its printed form."""
    spec = KAA_TABLES.get(table.get("id"), {"group_by": column_specs(table)[0]["key"], "row_is": "group"})
    cols = column_specs(table)
    label_key = cols[0]["key"]
    out = []
    for rec in recs:
        label = norm_text(rec.get(label_key)) or norm_text(rec.get("resolved_label"))
        for c in cols[1:]:
            k = c["key"]
            printed = rec.get(k)
            if printed in (None, ""):
                continue
            year = table.get("year") or rec.get("resolved_year")
            m = re.fullmatch(r"year_(\d{4})", k)
            if m:
                year = m.group(1)
            if spec["row_is"] == "metric":
                metric = spec["row_metric"].get(label, key_of(label))
                group_value = spec["col_group"].get(k, k)
            else:
                metric = spec.get("metric") or spec.get("col_metric", {}).get(k, k)
                group_value = label
            value = sv_decimal(str(printed))
            prov = rec["_provenance"].get(k, {})
            out.append({
                "year": int(year) if year else None, "metric": metric,
                "unit": "percent" if ("%" in str(printed) or k.startswith("andel")) else "count",
                "group_by": spec["group_by"], "group_value": group_value,
                "value": str(value) if value is not None else None, "printed": str(printed), "source": "table",
                "page": prov.get("page", rec["page"]), "bbox": prov.get("bbox"),
                "_table": rec["_table"], "_row": rec["_row"], "_provenance": {k: prov} if prov else {},
            })
    return out


if __name__ == "__main__":
    main()
