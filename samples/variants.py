"""Layout variants, consistent figure perturbations and an error injector for the samples.

Extraction and checks are measured on these, so nothing is tuned to the two faithful files:

- `layout_params(seed)`: other fonts, sizes, margins, column widths, natural page breaks (rows break
  where pages fill up, not where the seed broke), ruled tables drawn as full grids, every page in
  one orientation, another committee name and year.
- `perturb_figures(sections, seed)`: scales every additive figure by one integer factor (sums, IB +
  change = UB, K + M = total, differences stated in prose all stay exact; percentages and ratios are
  unchanged) and swaps S and K of some risks (RV = S×K unchanged; the matrix moves with them).
- `inject_errors(sections, seed)` (samples.inject): plants known inconsistencies and records them.

Variants are rendered by tests into temporary folders; they are not committed.
"""
from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from samples.layout import LayoutParams
from samples.render import RenderedDocument, Section, load_document_source, render_document

FONTS = ("DejaVuSansCondensed", "DejaVuSerif", "Vera")
COMMITTEES = ("Arbetsmarknadsnämnden", "Socialnämnden", "Kulturnämnden", "Utbildningsnämnden",
              "Idrottsnämnden", "Trafiknämnden", "Stadsbyggnadsnämnden")

# the fixed parts of the documents that are not figures (years, dates, codes, numbers of things)
NUMBER = re.compile(r"(?<![\d,])([-−]?)(\d{1,3}(?: \d{3})+|\d+)(,\d+)?(?![\d,])")


def layout_params(seed: int) -> LayoutParams:
    """A deterministic layout variant for `seed` (seed 0 is the faithful layout)."""
    if seed == 0:
        return LayoutParams()
    rnd = random.Random(seed)
    size = rnd.choice([7.0, 7.5, 8.0, 8.5, 9.0])
    return LayoutParams(
        font=rnd.choice(FONTS),
        size=size,
        leading_factor=rnd.choice([1.12, 1.18, 1.25, 1.35]),
        margin_left=rnd.uniform(36, 80),
        margin_right=rnd.uniform(30, 60),
        margin_top=rnd.uniform(56, 90),
        margin_bottom=rnd.uniform(40, 70),
        table_size=size - rnd.choice([0.0, 0.4, 0.8]),
        sheet_size=rnd.choice([6.6, 7.0, 7.4, 8.0]),
        width_jitter=tuple(rnd.uniform(0.75, 1.3) for _ in range(rnd.randint(2, 5))),
        table_style_override=rnd.choice([None, "grid"]),
        honour_breaks=rnd.random() < 0.3,
        orientation_override=rnd.choice([None, None, "portrait", "landscape"]),
        committee=rnd.choice(COMMITTEES),
        year_shift=rnd.choice([0, 0, 1, -1, 2]),
    )


def format_sv(value: Decimal, decimals: int, grouped: bool, minus: str = "-") -> str:
    """Format a Decimal the Swedish way with `decimals` decimals, space-grouped if `grouped`."""
    q = Decimal(1).scaleb(-decimals)
    v = value.quantize(q)
    sign = minus if v < 0 else ""
    whole, _, frac = f"{abs(v):f}".partition(".")
    if grouped:
        whole = f"{int(whole):,}".replace(",", " ")
    return sign + whole + ("," + frac if decimals else "")


def scale_figure(printed: str, factor: int, group_large: bool = False) -> str:
    """Multiply every number in a printed figure by `factor`, keeping its decimals and sign.

    Digit grouping follows the print: a grouped figure stays grouped, an ungrouped 4+ digit figure
    ('5101') stays ungrouped, and a small one grows grouped only where the sheet groups (`group_large`)."""
    def repl(m: re.Match) -> str:
        sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
        decimals = len(frac) - 1 if frac else 0
        value = Decimal(whole.replace(" ", "") + ("." + frac[1:] if frac else ""))
        if sign:
            value = -value
        if " " in whole:
            grouped = True
        elif len(whole) >= 4:
            grouped = False
        else:
            grouped = group_large
        return format_sv(value * factor, decimals, grouped, sign or "-")
    if "%" in printed:
        return printed
    return NUMBER.sub(repl, printed)


@dataclass
class Variant:
    seed: int
    params: LayoutParams
    docs: dict[str, tuple[dict, list[Section]]]
    factor: int = 1


def shift_year_text(text: str, shift: int) -> str:
    """Move every year 2015–2030 by `shift` (dates keep their month/day)."""
    if not shift:
        return text
    return re.sub(r"(?<!\d)(20[12]\d|2030)(?!\d)", lambda m: str(int(m.group(1)) + shift), text)


IDENTIFIER_KEYS = {"id", "table", "other_table", "entity", "key", "metric", "row_kind", "comparison", "list",
                   "section", "unit", "kind"}


def transform_strings(node, fn):
    """Apply `fn` to every printed string in a nested source structure (keys and identifiers untouched)."""
    if isinstance(node, dict):
        return {k: (v if (k in IDENTIFIER_KEYS and isinstance(v, str)) else transform_strings(v, fn))
                for k, v in node.items()}
    if isinstance(node, list):
        return [transform_strings(v, fn) for v in node]
    return fn(node) if isinstance(node, str) else node


YEAR_KEY = re.compile(r"^[a-z]+(?:_[a-z]+)*_(20[12]\d|2030)$")  # 'outcome_2021', 'year_2022', 'diff_vs_2021'
YEAR_KEYED_IDENTIFIERS = ("key", "comparison")  # a column's key, a prose figure's comparison


def shift_year_keys(node, shift: int):
    """Year-suffixed keys moved by `shift`, as the page prints them: dict keys and the column-key and
    comparison identifiers ('outcome_2021' → 'outcome_2022'); table ids and other identifiers untouched."""
    def moved(name: str) -> str:
        return YEAR_KEY.sub(lambda m: m.group(0)[:-4] + str(int(m.group(1)) + shift), name)

    if not shift:
        return node
    if isinstance(node, dict):
        return {(moved(k) if isinstance(k, str) else k):
                (moved(v) if k in YEAR_KEYED_IDENTIFIERS and isinstance(v, str) else shift_year_keys(v, shift))
                for k, v in node.items()}
    if isinstance(node, list):
        return [shift_year_keys(v, shift) for v in node]
    return node


def make_variant(seed: int, perturb: bool = True) -> Variant:
    """Source of both documents for variant `seed`: another layout, committee and year, and (unless
    `perturb` is False) figures scaled by one integer factor and some risks' S and K swapped."""
    params = layout_params(seed)
    rnd = random.Random(seed * 104729 + 1)
    factor = rnd.choice([2, 3, 4, 7]) if (seed and perturb) else 1
    docs = {}
    for doc in ("vp", "vb"):
        meta, sections = load_document_source(doc)
        meta = copy.deepcopy(meta)
        sections = copy.deepcopy(sections)
        if params.committee != "Arbetsmarknadsnämnden" or params.year_shift:
            meta["committee"] = params.committee
            meta["title"] = shift_year_text(meta["title"].replace("Arbetsmarknadsnämnden", params.committee),
                                            params.year_shift)
            meta["year"] = str(int(meta["year"]) + params.year_shift)

            def rename(text: str) -> str:
                return shift_year_text(text.replace("Arbetsmarknadsnämnden", params.committee), params.year_shift)

            sections = [Section(s.name, shift_year_keys(transform_strings(s.data, rename), params.year_shift))
                        for s in sections]
        if factor != 1:
            sections = swap_risk_scales(perturb_figures(sections, factor), rnd)
        docs[doc] = (meta, sections)
    return Variant(seed, params, docs, factor)


def render_variant(variant: Variant, out_dir: Path) -> list[RenderedDocument]:
    out = []
    for doc, (meta, sections) in variant.docs.items():
        path = out_dir / f"{Path(meta['file_name']).stem}-v{variant.seed}.pdf"
        out.append(render_document(doc, path, variant.params, meta, sections))
    return out


# ----- consistent figure perturbation -------------------------------------------------------------

SCALED_ENTITIES = {"budget_lines", "accounts", "kaa_stats"}
ID_KEYS = {"label", "resolved_label", "account", "account_name", "jobbtorg", "kpi_no", "line_no", "level",
           "year", "resolved_year", "group", "name", "area", "row_kind", "goal_code", "risk_no"}
FIGURE_CELL = re.compile(r"^[-−]?\d{1,3}( \d{3})*(,\d+)?$|^[-−]?\d+(,\d+)?$")
AMOUNT_IN_TEXT = re.compile(r"(?<![\d,])(\d(?:[\d ]*\d)?(?:, ?\d+)?)(\s?(?:mnkr|mkr|miljoner kr|miljoner|tkr|kr|kronor|EUR))\b",
                            re.IGNORECASE)


def scale_cell(value, factor: int, group_large: bool = False):
    """Scale a table cell when it is a plain figure (not a percent, not text)."""
    if isinstance(value, list):
        return [scale_cell(v, factor, group_large) for v in value]
    if isinstance(value, str) and FIGURE_CELL.match(value.strip()):
        return scale_figure(value, factor, group_large)
    return value


def scale_amounts_in_text(text: str, factor: int) -> str:
    """'24,2 mkr' -> '48,4 mkr' for factor 2; text without an amount is unchanged."""
    def repl(m: re.Match) -> str:
        return scale_figure(re.sub(r",\s+", ",", m.group(1)).strip(), factor, True) + m.group(2)
    return AMOUNT_IN_TEXT.sub(repl, text)


def replace_once(text: str, old: str, new: str) -> str:
    """Replace the first occurrence of `old` that is not part of a longer number."""
    m = re.search(r"(?<![\d,])" + re.escape(old) + r"(?![\d])", text)
    return text if not m else text[:m.start()] + new + text[m.end():]


def scale_block(block: dict, factor: int) -> dict:
    """One source block with its additive figures multiplied by `factor` (in place on a copy)."""
    block = copy.deepcopy(block)
    table = block.get("table")
    if table and table.get("entity") in SCALED_ENTITIES and not table.get("empty_form"):
        sheet = table.get("entity") in ("budget_lines", "accounts")  # spreadsheets group every figure ≥ 1000
        for row in table.get("rows", []):
            for k in list(row):
                if k not in ID_KEYS:
                    row[k] = scale_cell(row[k], factor, sheet)
    record = block.get("record")
    if record:
        record["lines"] = [[lab, scale_amounts_in_text(str(val), factor)] if isinstance(line, list) else line
                           for line in record.get("lines") or [] for lab, val in [(line[0], line[1]) if isinstance(line, list) else (None, line)]]
        for k, v in list((record.get("fields") or {}).items()):
            if isinstance(v, str):
                record["fields"][k] = scale_amounts_in_text(v, factor)
    if block.get("facts"):
        text_key = "paragraph" if "paragraph" in block else None
        for fact in block["facts"]:
            if fact.get("unit") != "count":
                continue
            old_printed = str(fact.get("printed") or "")
            num = re.search(r"\d[\d ]*", old_printed)
            if not num:
                continue
            new_printed = old_printed.replace(num.group(0).strip(), scale_figure(num.group(0).strip(), factor), 1)
            fact["value"] = scale_figure(str(fact.get("value")), factor)
            fact["printed"] = new_printed
            if text_key:
                block[text_key] = replace_once(block[text_key], old_printed, new_printed)
            elif "bullets" in block:
                block["bullets"] = [replace_once(b, old_printed, new_printed) if old_printed in b else b
                                    for b in block["bullets"]]
    return block


def perturb_figures(sections: list[Section], factor: int) -> list[Section]:
    """Every additive figure × factor: all sums and differences stay exact, ratios unchanged."""
    out = []
    for s in sections:
        data = copy.deepcopy(s.data)
        data["blocks"] = [scale_block(b, factor) if isinstance(b, dict) else b for b in data.get("blocks") or []]
        out.append(Section(s.name, data))
    return out


PROBABILITY_LABELS = {1: "Osannolikt", 2: "Mindre sannolikt", 3: "Möjlig", 4: "Sannolikt", 5: "Mycket sannolikt"}
CONSEQUENCE_LABELS = {1: "Försumbar", 2: "Lindrig", 3: "Kännbar", 4: "Allvarlig", 5: "Mycket allvarlig"}


def swap_risk_scales(sections: list[Section], rnd: random.Random, share: float = 0.3) -> list[Section]:
    """Swap S and K of some risks (RV = S×K unchanged) and move their numbers in the risk matrix."""
    from samples.truth import scale_value

    sections = copy.deepcopy(sections)
    moved: dict[str, tuple[str, str]] = {}
    for s in sections:
        for b in s.data.get("blocks") or []:
            t = b.get("table") if isinstance(b, dict) else None
            if not t or t.get("entity") != "risks":
                continue
            for r in t["rows"]:
                if r.get("page_break") or not r.get("risk_no"):
                    continue
                sv, sl = scale_value(r.get("probability"))
                kv, kl = scale_value(r.get("consequence"))
                if not sv or not kv or sv == kv or rnd.random() > share:
                    continue
                if sl != PROBABILITY_LABELS[sv] or kl != CONSEQUENCE_LABELS[kv]:
                    continue  # keep the document's own label slips where they are
                r["probability"] = f"{kv}. {PROBABILITY_LABELS[kv]}"
                r["consequence"] = f"{sv}. {CONSEQUENCE_LABELS[sv]}"
                moved[str(r["risk_no"])] = (str(kv), str(sv))
    for s in sections:
        for b in s.data.get("blocks") or []:
            m = b.get("matrix") if isinstance(b, dict) else None
            if not m:
                continue
            cells = {(str(c["probability"]), str(c["consequence"])): c for c in m["cells"]}
            for c in m["cells"]:
                keep = [n for n in c.get("risk_nos", []) if str(n) not in moved]
                c["risk_nos"] = keep
            for no, cell in moved.items():
                if cell in cells:
                    cells[cell]["risk_nos"] = sorted(cells[cell]["risk_nos"] + [no], key=int)
    return sections
