"""Layout variants and planted errors: rendered, their truth found in their own text layer."""
from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal

import pypdfium2 as pdfium
import pytest

from samples.blocks import cell_value, column_specs, real_rows
from samples.inject import KINDS, inject_errors
from samples.layout import is_numeric_cell
from samples.truth import build_truth, sv_decimal
from samples.variants import layout_params, make_variant, render_variant, scale_figure

SEEDS = list(range(1, 11))


def squash(text: str) -> str:
    # pdfium reports a hyphen that ends a line as U+0002 (its hyphenation marker)
    text = str(text).replace("\x02", "-").replace("\ufffe", "-")
    return re.sub(r"\s+", "", text.replace("\u00a0", " ").replace("\u202f", " "))


def text_in_box(page, height: float, bbox) -> str:
    x0, top, x1, bottom = bbox
    tp = page.get_textpage()
    return tp.get_text_bounded(left=x0 - 1, bottom=height - bottom - 1, right=x1 + 1, top=height - top + 1)


def assert_truth_in_pdf(rendered) -> int:
    checked = 0
    for d in rendered:
        truth = build_truth(d)
        pdf = pdfium.PdfDocument(str(d.path))
        try:
            for entity, rows in truth["tables"].items():
                for row in rows:
                    items = [(f, p) for f, p in (row.get("_provenance") or {}).items() if p.get("bbox")]
                    for field, prov in items:
                        page = pdf[prov["page"] - 1]
                        got = text_in_box(page, page.get_height(), prov["bbox"])
                        assert squash(prov["printed"]) in squash(got), (d.path.name, entity, field, prov, got)
                        checked += 1
        finally:
            pdf.close()
    return checked


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    out = {}
    for seed in SEEDS:
        v = make_variant(seed)
        docs, planted = inject_errors(v.docs, seed)
        v.docs = docs
        out[seed] = (v, planted, render_variant(v, tmp_path_factory.mktemp(f"v{seed}")))
    return out


def test_layout_params_differ_and_are_deterministic():
    assert layout_params(0) == layout_params(0)
    assert layout_params(4) == layout_params(4)
    assert len({(p.font, p.size, p.honour_breaks, p.table_style_override) for p in map(layout_params, SEEDS)}) >= 6


def test_scale_figure_keeps_format():
    assert scale_figure("1 163,6", 3) == "3 490,8"
    assert scale_figure("-168,3", 2) == "-336,6"
    assert scale_figure("49,9 %", 7) == "49,9 %"


def test_every_variant_truth_value_is_in_its_pdf(variants):
    total = sum(assert_truth_in_pdf(r) for _, _, r in variants.values())
    assert total > 5000


def drawn_cells(rendered) -> dict[tuple, str]:
    """Each table cell's text as drawn (its parts on every page, in order), by (table id, row, column)."""
    out: dict[tuple, str] = {}
    for p in rendered.placements:
        if p.key[0] in ("cell", "cell_cont"):
            out[p.key[1:]] = out.get(p.key[1:], "") + p.text
    return out


def source_cells(rendered) -> dict[tuple, str]:
    """Each table cell's text in the variant's source, by the key the renderer gives its placements."""
    out: dict[tuple, str] = {}
    for section in rendered.sections:
        for bi, block in enumerate(section.data.get("blocks") or []):
            if not isinstance(block, dict) or "table" not in block:
                continue
            table = block["table"]
            table_id = table.get("id", f"{section.name}:{bi}")
            for ri, row in real_rows(table.get("rows", [])):
                for col in column_specs(table):
                    v = cell_value(row, col["key"])
                    text = " ".join(x for x in v if x) if isinstance(v, list) else v
                    if text:
                        out[(table_id, ri, col["key"])] = text
    return out


def test_every_word_of_every_table_cell_is_drawn(variants):
    # a merged cell cut by the page foot in its last row once lost the rest of its text (variant 9's risk 20-21)
    checked = 0
    for _, _, rendered in variants.values():
        for d in rendered:
            drawn = drawn_cells(d)
            for key, text in source_cells(d).items():
                if re.search(r"[A-Za-zÅÄÖåäö]{3}", text) and not is_numeric_cell(text):
                    assert squash(drawn.get(key, "")) == squash(text), (d.path.name, key, text, drawn.get(key))
                    checked += 1
    assert checked > 5000


def contains(a, b) -> bool:
    return a[0] <= b[0] + 0.1 and b[2] <= a[2] + 0.1


def overprinted(rendered) -> list[tuple]:
    """Pairs of placements printed over each other: on one page and line (same top), the second starting before
    the first ends (a placement inside another is the same print recorded twice: a record's line and its value)."""
    lines: dict[tuple, list] = {}
    for p in rendered.placements:
        lines.setdefault((p.page, round(p.bbox[1], 1)), []).append(p)
    out = []
    for placed in lines.values():
        placed.sort(key=lambda p: p.bbox[0])
        out += [(a.key, a.text, b.key, b.text) for a, b in zip(placed, placed[1:])
                if b.bbox[0] < a.bbox[2] - 0.1 and not contains(a.bbox, b.bbox) and not contains(b.bbox, a.bbox)]
    return out


def test_no_text_is_drawn_over_other_text(variants, tmp_path):
    # seed 20 once indented a narrow account column's digits into the names ('1' printed over 'P' of 'Pågående')
    seed20 = [d for d in render_variant(make_variant(20), tmp_path) if d.meta["doc_type"] == "VB"]
    for d in [d for _, _, r in variants.values() for d in r] + seed20:
        assert overprinted(d) == [], (d.path.name, overprinted(d)[:5])


def test_variants_change_layout(variants):
    pages = {seed: tuple(d.page_count for d in r) for seed, (_, _, r) in variants.items()}
    assert len(set(pages.values())) >= 5


def test_every_kind_is_planted_in_every_variant(variants):
    for seed, (_, planted, _) in variants.items():
        kinds = Counter(p.kind for p in planted)
        assert set(kinds) == set(KINDS), (seed, set(KINDS) - set(kinds))


def test_planted_values_are_what_the_truth_says(variants):
    """A planted figure is printed: the variant's truth carries the new value where the injection says."""
    for seed, (v, planted, rendered) in variants.items():
        truths = {d.key: build_truth(d) for d in rendered}
        for p in planted:
            if p.row is None or p.entity not in ("risks", "kaa_stats"):
                continue
            rows = [r for r in truths[p.doc]["tables"][p.entity] if r.get("_table", p.table_id) == p.table_id]
            if p.entity == "risks":
                row = next(r for r in rows if str(r["risk_no"]) == str(p.key))
                assert row["_provenance"][p.field]["printed"] == p.new or (p.field == "in_control_plan")
            else:
                row = next(r for r in rows if r.get("_row") == p.row and r.get("_table") == p.table_id
                           and p.field in r.get("_provenance", {}))
                assert row["_provenance"][p.field]["printed"] == p.new
                continue
                assert row[p.field] == p.new


def test_scaled_sheets_still_add_up(variants):
    """Perturbation keeps the VP budget sheet's own sums exact (only planted errors break them)."""
    for seed, (v, planted, rendered) in variants.items():
        vp = next(d for d in rendered if d.key == "vp")
        lines = build_truth(vp)["tables"]["budget_lines"]
        touched = {(p.key, p.field) for p in planted if p.entity == "budget_lines"}
        sheet = [l for l in lines if l["sheet"] == lines[0]["sheet"]]
        for col in ("c1", "c2", "c3"):
            if any(col == f for _, f in touched):
                continue
            costs = next(l for l in sheet if l["label"] == "Kostnader" and l["column_key"] == col)
            parts = [l for l in sheet if l["parent_label"] == "Kostnader" and l["column_key"] == col]
            assert sum(Decimal(l["value"]) for l in parts) == Decimal(costs["value"]), (seed, col)
