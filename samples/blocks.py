"""Drawing of the source blocks (tables, matrix, records) onto a Writer, recording every value's place."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics

from samples.layout import ZONE_COLOURS, Writer, is_numeric_cell, sheet_number

PAD = 2.2
RULE_GREY = HexColor("#555555")


def real_rows(rows: list[dict]) -> list[tuple[int, dict]]:
    """(row index, row) for the rows that are table rows, not page-break markers."""
    out = []
    for r in rows:
        if not r.get("page_break"):
            out.append((len(out), r))
    return out


def column_specs(table: dict) -> list[dict]:
    """The table's columns; derived from the header width and the row keys when not given."""
    cols = table.get("columns")
    if cols:
        return [dict(c) for c in cols]
    keys: list[str] = []
    for r in table.get("rows", []):
        for k in r:
            if k not in keys and k not in NON_CELL_KEYS:
                keys.append(k)
    return [{"key": k, "width": 1} for k in keys]


NON_CELL_KEYS = {"page_break", "page_label", "goal_code", "level", "resolved_label", "notes", "note",
                 "empty_form", "row_kind", "kind", "line_no_hidden"}


def cell_value(row: dict, key: str):
    """A row's value for a column: None when the key is absent (a carried, spanning cell)."""
    if key not in row:
        return None
    v = row[key]
    if v is None:
        return ""
    if isinstance(v, list):
        return [str(x) for x in v]
    return str(v)


@dataclass
class _Span:
    """A spanning (merged) cell: its text flows down from the span's first row, across the rows it covers."""

    queue: list[str] = field(default_factory=list)  # lines not drawn yet (none fit, or a page ended)
    after_break: list[str] = field(default_factory=list)  # the part printed after an explicit page break
    started_row: int = -1
    drawn: bool = False
    y_end: float = 0.0  # where the drawn text ends, on page `page`
    page: int = 0


def draw_table(w: Writer, table: dict, doc_table_key: str) -> None:
    """Draw a table across as many pages as it needs: repeated header, spanning cells, split cells."""
    p = w.params
    style = table.get("style", "rules")
    if p.table_style_override and style == "rules":
        style = p.table_style_override
    sheet = style == "sheet"
    size = p.sheet_size if sheet else p.table_size
    leading = round(size * (1.12 if sheet else 1.2), 2)
    pad = 1.0 if sheet else PAD  # spreadsheet prints are dense: ~44 rows on a landscape page
    font, bold = w.font, w.bold
    all_cols = column_specs(table)
    # a `below` column prints as a full-width line under its row's other cells
    below_keys = [c["key"] for c in all_cols if c.get("below")]
    main_idx = [i for i, c in enumerate(all_cols) if not c.get("below")]
    cols = [all_cols[i] for i in main_idx]
    header_rows = [[hr[i] if i < len(hr) else "" for i in main_idx] for hr in (table.get("header") or [])]
    n = len(cols)
    rel = [float(c.get("width", 1) or 1) for c in cols]
    if p.width_jitter:
        rel = [r * p.width_jitter[i % len(p.width_jitter)] for i, r in enumerate(rel)]
    w.ensure_page()
    avail = (w.width - w.params.margin_right) - w.left  # tables use the full width, also in a narrow-column report
    total = sum(rel)
    widths = [avail * r / total for r in rel]
    xs = [w.left]
    for wd in widths:
        xs.append(xs[-1] + wd)
    carry = [bool(c.get("carry")) for c in cols]
    keys = [c["key"] for c in cols]
    rows = table.get("rows", [])
    entries = list(rows)
    real = [r for r in entries if not r.get("page_break")]
    # last row of each carry span
    last_in_span = [[False] * n for _ in real]
    for ci in range(n):
        if not carry[ci]:
            continue
        for ri in range(len(real)):
            nxt = ri + 1
            last_in_span[ri][ci] = nxt >= len(real) or keys[ci] in real[nxt]
    # the last row before a page break the source asks for: spanning text must end on that page
    before_break = [False] * len(real)
    idx = -1
    for e in entries:
        if e.get("page_break"):
            if idx >= 0 and p.honour_breaks:
                before_break[idx] = True
        else:
            idx += 1
    spans = [_Span() for _ in range(n)]
    repeat = table.get("repeat_header", True)
    table_id = table.get("id", doc_table_key)

    def align_for(ci: int, text: str) -> str:
        a = cols[ci].get("align")
        if a:
            return a
        if sheet and ci > 0 and is_numeric_cell(text):
            return "right"
        return "left"

    def fmt(text: str) -> str:
        return sheet_number(text) if sheet and is_numeric_cell(text) else text

    def draw_header() -> None:
        if not header_rows:
            return
        for hr_i, hr in enumerate(header_rows):
            wrapped, sizes = [], []
            for ci in range(n):
                txt = str(hr[ci]) if ci < len(hr) and hr[ci] is not None else ""
                hs = header_size(txt, bold, size, widths[ci] - 2 * pad)
                sizes.append(hs)
                wrapped.append(w.wrap(txt, bold, hs, widths[ci] - 2 * pad) if txt else [])
            h = max([len(x) for x in wrapped] + [1]) * leading + 2 * pad
            top = w.y
            for ci in range(n):
                for li, line in enumerate(wrapped[ci]):
                    x = xs[ci] + pad
                    al = "left"
                    if sheet and ci > 0:
                        al = "right"
                        x = xs[ci + 1] - pad
                    w._text(x, top + pad + li * leading, line, bold, sizes[ci],
                            key=("header", table_id, hr_i, ci, li), align=al)
            w.y += h
        if style in ("rules", "grid"):
            w.rule(xs[0], xs[-1], w.y, 0.8)
        elif sheet:
            w.rule(xs[0], xs[-1], w.y, 0.4, RULE_GREY)
        w.y += 1.5

    def new_page(label: str | None = None, title: str | None = None) -> None:
        w.end_page()
        w.begin_page(label)
        if title:  # a sheet that prints its title again at the top of each page
            w.heading(title, 2, key=("page_title", table_id, w.page_no))
        if repeat:
            draw_header()

    def indent_of(ci: int, level: int) -> float:
        """A sheet's first column indents its sub-rows 7 pt a level, but never so far that a character no longer
        fits in the cell (a narrow column would otherwise print its text over the next column's)."""
        if not (sheet and ci == 0):
            return 0.0
        return min(level * 7.0, max(0.0, widths[ci] - 2 * pad - w.canvas.stringWidth("0", font, size)))

    def draw_cell_lines(ci: int, lines: list[str], top: float, key: tuple, level: int = 0) -> None:
        bbox = None
        for li, line in enumerate(lines):
            if not line:
                continue
            al = align_for(ci, line)
            indent = indent_of(ci, level)
            x = xs[ci + 1] - pad if al == "right" else xs[ci] + pad + indent
            b = w._text(x, top + li * leading, fmt(line), font,
                        size, align=al)
            bbox = b if bbox is None else (min(bbox[0], b[0]), bbox[1], max(bbox[2], b[2]), b[3])
        if bbox is not None:
            text = " ".join(fmt(x) for x in lines if x)
            from samples.layout import Placement

            w.placements.append(Placement(key, w.page_no, bbox, text))

    # page breaks before the first row belong to the page, not to the table
    while entries and entries[0].get("page_break"):
        w.page_break(entries.pop(0).get("page_label"))
    # keep the first row with the header
    w.need(leading * 4 + 2 * pad)
    draw_header()
    pending_split: dict[int, list[str]] = {}
    ri = -1
    for entry in entries:
        if entry.get("page_break"):
            if w.params.honour_breaks:
                # flush nothing: spans continue; split parts print first on the new page
                new_page(entry.get("page_label"), entry.get("page_title"))
                if pending_split:
                    h = max(len(v) for v in pending_split.values()) * leading + 2 * pad
                    top = w.y
                    for ci, lines in pending_split.items():
                        draw_cell_lines(ci, lines, top + pad, ("cell_cont", table_id, ri, keys[ci]))
                    w.y += h
                    _row_rules(w, style, xs, top, w.y, [True] * n)
                    pending_split = {}
            continue
        ri += 1
        row = entry
        level = int(row.get("level", 0) or 0)
        own_lines: dict[int, list[str]] = {}
        splits: dict[int, list[str]] = {}
        for ci in range(n):
            v = cell_value(row, keys[ci])
            if v is None:
                continue
            if isinstance(v, list):
                first, rest = (v + ["", ""])[:2] if len(v) >= 1 else ("", "")
                if w.params.honour_breaks:
                    parts_first = w.wrap(first, font, size, widths[ci] - 2 * pad) if first else []
                    parts_rest = w.wrap(rest, font, size, widths[ci] - 2 * pad) if rest else []
                else:
                    parts_first = w.wrap(" ".join(x for x in v if x), font, size, widths[ci] - 2 * pad)
                    parts_rest = []
            else:
                parts_first = w.wrap(v, font, size, widths[ci] - 2 * pad - indent_of(ci, level)) if v else []
                parts_rest = []
            if carry[ci]:
                spans[ci] = _Span(queue=list(parts_first), after_break=parts_rest, started_row=ri)
            else:
                own_lines[ci] = parts_first
                if parts_rest:
                    splits[ci] = parts_rest
        below_lines = []
        for bk in below_keys:
            bv = cell_value(row, bk)
            if bv:
                below_lines += w.wrap(" ".join(bv) if isinstance(bv, list) else bv, font, size, avail - 2 * pad)
        # full-width `below` lines cut through a merged cell: its text must then fit in its first row
        ends_here = [carry[ci] and (last_in_span[ri][ci] or before_break[ri] or bool(below_keys)) for ci in range(n)]

        def main_height() -> float:
            """Own cells' height, grown so that spanning text ending at this row fits in it."""
            hh = max([len(x) for x in own_lines.values()] + [1]) * leading + 2 * pad
            for ci in range(n):
                if not ends_here[ci]:
                    continue
                sp = spans[ci]
                # text cut by the page foot continues on the next page, never again on this one
                if sp.queue and (not sp.drawn or sp.page != w.page_no):
                    hh = max(hh, len(sp.queue) * leading + 2 * pad)
                elif sp.drawn and sp.page == w.page_no:
                    hh = max(hh, sp.y_end - w.y)
            return hh

        h_main = main_height()
        h = h_main + len(below_lines) * leading + (pad if below_lines else 0)
        if h > w.room():
            new_page()
            h_main = main_height()
            h = min(h_main + len(below_lines) * leading + (pad if below_lines else 0), w.room())
        top = w.y
        for ci in range(n):
            if carry[ci]:
                sp = spans[ci]
                # text cut by the page foot continues on the next page, never again on this one
                if sp.queue and (not sp.drawn or sp.page != w.page_no):
                    fit = max(1, int((w.bottom_limit - top - pad) // leading))
                    chunk, sp.queue = sp.queue[:fit], sp.queue[fit:]
                    kind = "cell" if not sp.drawn else "cell_cont"
                    draw_cell_lines(ci, chunk, top + pad, (kind, table_id, sp.started_row, keys[ci]), level)
                    sp.drawn, sp.page, sp.y_end = True, w.page_no, top + pad + len(chunk) * leading + pad
                if not sp.queue and sp.after_break:
                    pending_split[ci] = sp.after_break
                    sp.after_break = []
            elif ci in own_lines:
                draw_cell_lines(ci, own_lines[ci], top + pad, ("cell", table_id, ri, keys[ci]), level)
        if below_lines:
            for bk in below_keys:
                if cell_value(row, bk):
                    draw_cell_lines(0, below_lines, top + h_main, ("cell", table_id, ri, bk))
        pending_split.update(splits)
        w.y += h
        closes = [(not carry[ci]) or last_in_span[ri][ci] for ci in range(n)]
        _row_rules(w, style, xs, top, w.y, closes)
        cut = {ci: spans[ci] for ci in range(n) if carry[ci] and last_in_span[ri][ci] and spans[ci].queue}
        if cut:  # a merged cell cut by the page foot in its last row: the rest opens the next page, nothing is lost
            new_page()
            top = w.y
            for ci, sp in cut.items():
                draw_cell_lines(ci, sp.queue, top + pad, ("cell_cont", table_id, sp.started_row, keys[ci]), level)
            w.y += max(len(sp.queue) for sp in cut.values()) * leading + 2 * pad
            _row_rules(w, style, xs, top, w.y, [True] * n)
            for sp in cut.values():
                sp.queue = []
    if pending_split:  # a split with no break after it (breaks not honoured): print it in place
        top = w.y
        for ci, lines in pending_split.items():
            draw_cell_lines(ci, lines, top + pad, ("cell_cont", table_id, ri, keys[ci]))
        w.y += max(len(v) for v in pending_split.values()) * leading + 2 * pad
    w.y += leading


def header_size(text: str, font: str, size: float, width: float) -> float:
    """A header word is never cut: the header cell's type shrinks (down to 5 pt) until its longest word fits."""
    words = text.replace("\n", " ").split()
    s = size
    while words and s > 5 and max(pdfmetrics.stringWidth(x, font, s) for x in words) > width:
        s -= 0.25
    return s


def _row_rules(w: Writer, style: str, xs: list[float], top: float, bottom: float, closes: list[bool]) -> None:
    """Rules under a row: 'rules' and 'grid' draw them only under cells whose span ends here."""
    if style not in ("rules", "grid"):
        return
    for ci, closing in enumerate(closes):
        if closing:
            w.rule(xs[ci], xs[ci + 1], bottom, 0.4, RULE_GREY)
    if style == "grid":
        for x in xs:
            w.vrule(x, top, bottom, 0.4)


def draw_matrix(w: Writer, matrix: dict, key: str) -> None:
    """The risk matrix: a coloured 5×5 grid, probability 5..1 top-down, consequence 1..5 left-right."""
    p = w.params
    cell_w = 64.0
    size = p.table_size
    # every cell as tall as the fullest one needs (never less than the original's 46 pt)
    cell_h = max([46.0] + [_numbers_height(w, [str(x) for x in c.get("risk_nos", [])], cell_w - 6, size) + 8
                           for c in matrix.get("cells", [])])
    w.need(cell_h * 5 + 90)
    prob_labels = {str(k): v for k, v in (matrix.get("probability_labels") or {}).items()}
    cons_labels = {str(k): v for k, v in (matrix.get("consequence_labels") or {}).items()}
    axis = matrix.get("axis_labels") or {}
    x0 = w.left + 110
    top0 = w.y + 16
    w._text(x0 + cell_w * 2.5, w.y, str(axis.get("consequence", "Konsekvens")), w.bold, size + 1,
            key=("matrix_axis", key, "consequence"), align="center")
    w._text(w.left, top0 + cell_h * 2.3, str(axis.get("probability", "Sannolikhet")), w.bold, size + 1,
            key=("matrix_axis", key, "probability"))
    cells = {(str(c.get("probability")), str(c.get("consequence"))): c for c in matrix.get("cells", [])}
    for pi, prob in enumerate(["5", "4", "3", "2", "1"]):
        top = top0 + pi * cell_h
        lab = prob_labels.get(prob, "")
        w._text(x0 - 4, top + cell_h / 2 - size / 2, f"{prob} {lab}".strip(), w.font, size - 0.6,
                key=("matrix_plabel", key, prob), align="right")
        for ki, cons in enumerate(["1", "2", "3", "4", "5"]):
            left = x0 + ki * cell_w
            c = cells.get((prob, cons), {})
            zone = str(c.get("zone") or _zone_for(int(prob) * int(cons))).lower()
            w.fill_rect(left, top, left + cell_w, top + cell_h, ZONE_COLOURS.get(zone, ZONE_COLOURS["låg"]))
            w.canvas.setStrokeColorRGB(1, 1, 1)
            w.canvas.setLineWidth(1.2)
            w.canvas.rect(left, w.height - top - cell_h, cell_w, cell_h, stroke=1, fill=0)
            nos = [str(x) for x in c.get("risk_nos", [])]
            _draw_numbers_in_cell(w, nos, left + 3, top + 3, cell_w - 6, size, (key, prob, cons))
    grid_bottom = top0 + 5 * cell_h
    for ki, cons in enumerate(["1", "2", "3", "4", "5"]):
        lab = cons_labels.get(cons, "")
        w._text(x0 + ki * cell_w + cell_w / 2, grid_bottom + 3, f"{cons} {lab}".strip(), w.font, size - 1.2,
                key=("matrix_klabel", key, cons), align="center")
    # legend: a colour key beside the grid, then one line of zone names with their counts and the total
    lx = x0 + 5 * cell_w + 22
    legend = matrix.get("legend") or [{"label": x} for x in ("Kritisk", "Medium", "Låg")]
    for i, item in enumerate(matrix.get("key_labels") or [x.get("label") if isinstance(x, dict) else x for x in legend]):
        w.fill_rect(lx, top0 + i * 14, lx + 10, top0 + i * 14 + 10, ZONE_COLOURS.get(str(item).lower(), ZONE_COLOURS["låg"]))
        w._text(lx + 14, top0 + i * 14 + 1, str(item), w.font, size, key=("matrix_key", key, i))
    bottom = top0 + 5 * cell_h + size * 1.6
    x = x0
    for i, item in enumerate(legend):
        name = item.get("label") if isinstance(item, dict) else str(item)
        count = item.get("count") if isinstance(item, dict) else None
        w.fill_rect(x, bottom + 4, x + 9, bottom + 13, ZONE_COLOURS.get(str(name).lower(), ZONE_COLOURS["låg"]))
        w._text(x + 12, bottom + 4, str(name), w.font, size, key=("matrix_legend", key, i))
        if count:
            w._text(x + 12, bottom + 4 + size * 1.3, str(count), w.font, size, key=("matrix_legend_count", key, i))
        x += 70
    total = matrix.get("total_printed")
    if total:
        w._text(x + 10, bottom + 4, str(total), w.bold, size + 1, key=("matrix_total", key))
    w.y = bottom + 4 + size * 3
    for i, stray in enumerate(matrix.get("stray_numbers") or []):
        txt = stray.get("printed") if isinstance(stray, dict) else str(stray)
        if txt:
            w._text(x0, w.y, str(txt), w.font, size, key=("matrix_stray", key, i))
            w.y += size * 1.3


def _zone_for(rv: int) -> str:
    return "kritisk" if rv >= 12 else "medium" if rv >= 6 else "låg"


def _numbers_height(w: Writer, nos: list[str], width: float, size: float) -> float:
    """Height the numbers take when laid out as _draw_numbers_in_cell lays them out."""
    x, lines = 0.0, 1 if nos else 0
    space = pdfmetrics.stringWidth(" ", w.font, size) * 1.6
    for no in nos:
        tw = pdfmetrics.stringWidth(no, w.bold, size)
        if x + tw > width and x > 0:
            x, lines = 0.0, lines + 1
        x += tw + space
    return lines * size * 1.25


def _draw_numbers_in_cell(w: Writer, nos: list[str], left: float, top: float, width: float, size: float,
                          key: tuple) -> None:
    x, y = left, top
    space = pdfmetrics.stringWidth(" ", w.font, size) * 1.6
    for no in nos:
        tw = pdfmetrics.stringWidth(no, w.bold, size)
        if x + tw > left + width and x > left:
            x, y = left, y + size * 1.25
        w._text(x, y, no, w.bold, size, key=("matrix_cell", *key, no))
        x += tw + space


def draw_record(w: Writer, record: dict, key: tuple) -> None:
    """A labelled block (one project): a bold title line, then 'Label: value' lines and running text."""
    p = w.params
    title = record.get("title")
    if not title:
        no = str(record.get("item_no") or "").strip()
        name = str(record.get("name") or "").strip()
        title = f"{no}. {name}" if no and not no.endswith((")", ".")) else f"{no} {name}".strip()
    w.need(p.leading * 4)
    lines = w.wrap(title, w.bold, p.size + 0.6, w.right - w.left)
    for i, line in enumerate(lines):
        w._text(w.left, w.y, line, w.bold, p.size + 0.6, key=("record_title", *key, i))
        w.y += p.leading * 1.1
    pending_rest: str | None = None
    for li, item in enumerate(record.get("lines") or []):
        if isinstance(item, dict):
            if item.get("page_break"):
                w.page_break(item.get("page_label"))
                if pending_rest:
                    w.paragraph(pending_rest, key=("record_text_cont", *key, li))
                    pending_rest = None
            elif "bullets" in item:
                for bi, text in enumerate(item["bullets"] or []):
                    w.paragraph(str(text), key=("record_bullet", *key, li, bi), bullet=True)
            continue
        if isinstance(item, (list, tuple)):
            label, value = (list(item) + ["", ""])[:2]
        else:
            label, value = "", item
        if isinstance(value, list):  # a line cut by a page break: the rest prints after the break
            if w.params.honour_breaks:
                value, pending_rest = str(value[0] or ""), str(value[1] or "") if len(value) > 1 else None
            else:
                value = " ".join(str(v) for v in value if v)
        label, value = str(label or ""), str(value or "")
        if label:
            prefix = label if label.endswith(":") else label + ":"
            prefix += " "
            pw = pdfmetrics.stringWidth(prefix, w.bold, p.size)
            vlines = w.wrap(value, w.font, p.size, w.right - w.left - pw)
            w.need(p.leading)
            w._text(w.left, w.y, prefix.rstrip(), w.bold, p.size, key=("record_label", *key, li))
            first_page, box, drawn = None, None, []
            for vi, vl in enumerate(vlines):
                if vi:
                    w.need(p.leading)
                b = w._text(w.left + pw, w.y, vl, w.font, p.size, key=("record_value_line", *key, li, vi))
                if first_page is None:
                    first_page, box = w.page_no, b
                if w.page_no == first_page:
                    box = (min(box[0], b[0]), box[1], max(box[2], b[2]), b[3])
                    drawn.append(vl)
                w.y += p.leading
            if not vlines:
                w.y += p.leading
            if box:
                from samples.layout import Placement

                # the box and text of the value on the page where it starts
                w.placements.append(Placement(("record_value", *key, li), first_page, box, " ".join(drawn)))
        else:
            w.paragraph(value, key=("record_text", *key, li))
    w.y += p.leading * 0.6
