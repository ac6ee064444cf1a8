"""Charts as inline SVG written by hand: no plotting library, no script, no external asset (works offline).

Every function takes plain figures and returns an `<svg>` string; text is XML-escaped here.
"""
from __future__ import annotations

from decimal import Decimal
from xml.sax.saxutils import escape

from parsers import format_number

RED, YELLOW, GREEN = "#e5574b", "#f4c040", "#7dbf6a"
HIGHLIGHT = "#e6007e"  # the evidence highlight colour of the crops (extractors.render.HIGHLIGHT_RGB)
BUDGET, OUTCOME = "#8aa6c8", "#1f4e79"
WORK, STUDIES = "#1f4e79", "#e08a1e"
FONT = "font-family=\"DejaVu Sans, Arial, sans-serif\""


def risk_colour(probability: int, consequence: int) -> str:
    """The colour of a matrix cell as the city's matrix draws it: RV ≥ 12 critical, 5-11 medium, ≤ 4 low."""
    rv = probability * consequence
    return RED if rv >= 12 else YELLOW if rv >= 5 else GREEN


def text(x: float, y: float, s: str, size: int = 11, anchor: str = "start", weight: str = "normal",
         fill: str = "#222", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
            f'fill="{fill}" {FONT} {extra}>{escape(s)}</text>')


def svg_start(width: int, height: int, title: str) -> list[str]:
    """The opening `<svg>` tag (labelled `title` for screen readers) and a white background."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}">', f'<rect width="{width}" height="{height}" fill="#fff"/>']


def legend(x: float, step: float, entries: tuple[tuple[str, str], ...]) -> list[str]:
    """A row of colour swatches with their labels under a bar chart's title, `step` pixels apart."""
    out = []
    for i, (colour, label) in enumerate(entries):
        out.append(f'<rect x="{x + i * step}" y="28" width="14" height="12" fill="{colour}"/>')
        out.append(text(x + i * step + 20, 39, label, 11))
    return out


def number_width(no: int) -> float:
    """Horizontal room of a bold 11 px risk number and the space after it."""
    return 7.5 * len(str(no)) + 6


def wrap_numbers(numbers: list[int], width: float) -> list[list[int]]:
    """Numbers in lines that fit `width` pixels."""
    lines: list[list[int]] = [[]]
    used = 0.0
    for no in numbers:
        if lines[-1] and used + number_width(no) > width:
            lines.append([])
            used = 0.0
        lines[-1].append(no)
        used += number_width(no)
    return [line for line in lines if line]


def risk_matrix_svg(placements: list[tuple[int, int, int]], flagged: set[int] | frozenset[int] = frozenset(),
                    title: str = "Riskmatris ur VoR-tabellen") -> str:
    """A 5×5 matrix (consequence across, probability up) with each risk number in its S/K cell.

    `placements` are (risk_no, probability, consequence); numbers in `flagged` (a finding points at them) are drawn
    in the highlight colour and underlined, so a misplaced risk stands out.
    """
    cell, left, top = 96, 56, 40
    cells: dict[tuple[int, int], list[int]] = {}
    for no, s, k in placements:
        if s in range(1, 6) and k in range(1, 6) and no is not None:
            cells.setdefault((s, k), []).append(no)
    width, height = left + 5 * cell + 10, top + 5 * cell + 74
    out = svg_start(width, height, title) + [text(left + 2.5 * cell, 18, title, 13, "middle", "bold"),
                                              text(left + 2.5 * cell, 33, "Konsekvens →", 11, "middle")]
    for s in range(1, 6):
        y = top + (5 - s) * cell
        out.append(text(left - 10, y + cell / 2 + 4, str(s), 11, "end"))
        for k in range(1, 6):
            x = left + (k - 1) * cell
            out.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{risk_colour(s, k)}" '
                       f'stroke="#fff" stroke-width="2"/>')
            for i, line in enumerate(wrap_numbers(sorted(cells.get((s, k), [])), cell - 10)):
                tx = x + 6
                for no in line:
                    bad = no in flagged
                    out.append(text(tx, y + 16 + i * 14, str(no), 11, weight="bold", fill=HIGHLIGHT if bad else "#111",
                                    extra='text-decoration="underline"' if bad else ""))
                    tx += number_width(no)
    for k in range(1, 6):
        out.append(text(left + (k - 0.5) * cell, top + 5 * cell + 16, str(k), 11, "middle"))
    out.append(text(16, top + 2.5 * cell, "Sannolikhet →", 11, "middle",
                    extra=f'transform="rotate(-90 16 {top + 2.5 * cell})"'))
    total = sum(len(v) for v in cells.values())
    counts = {c: sum(len(v) for (s, k), v in cells.items() if risk_colour(s, k) == c) for c in (RED, YELLOW, GREEN)}
    ly = top + 5 * cell + 40
    for i, (colour, label) in enumerate(((RED, "Kritisk"), (YELLOW, "Medium"), (GREEN, "Låg"))):
        lx = left + i * 120
        out.append(f'<rect x="{lx}" y="{ly - 10}" width="14" height="14" fill="{colour}"/>')
        out.append(text(lx + 20, ly + 2, f"{label} {counts[colour]}", 11))
    out.append(text(left + 5 * cell, ly + 2, f"Totalt: {total}", 12, "end", "bold"))
    if flagged:
        out.append(text(left, ly + 24, "Rosa, understrukna nummer: ett fynd gäller risken.", 10, fill=HIGHLIGHT))
    out.append("</svg>")
    return "\n".join(out)


def sek_short(value: Decimal) -> str:
    """An amount in kronor, short: '1 483,5 mnkr', '950 tkr', '12 kr' (Swedish decimal comma)."""
    v = abs(value)
    sign = "−" if value < 0 else ""
    if v >= 1_000_000:
        return f"{sign}{format_number(v / 1_000_000, 1)} mnkr"
    if v >= 1_000:
        return f"{sign}{format_number(v / 1_000, 0)} tkr"
    return f"{sign}{format_number(v, 0)} kr"


def budget_outcome_svg(rows: list[tuple[str, Decimal, Decimal]], title: str) -> str:
    """Horizontal bars, budget against outcome per line of a sheet (absolute amounts; the sign is in the label)."""
    label_w, bar_w, row_h = 300, 420, 34
    width, height = label_w + bar_w + 130, 56 + row_h * len(rows) + 10
    peak = max([abs(b) for _, b, _ in rows] + [abs(o) for _, _, o in rows] + [Decimal(1)])
    out = svg_start(width, height, title) + [text(8, 18, title, 13, weight="bold")]
    out += legend(label_w, 90, ((BUDGET, "Budget"), (OUTCOME, "Utfall")))
    for i, (label, budget, outcome) in enumerate(rows):
        y = 52 + i * row_h
        short = label if len(label) <= 44 else label[:43] + "…"
        out.append(text(label_w - 8, y + 17, short, 11, "end"))
        for j, (value, colour) in enumerate(((budget, BUDGET), (outcome, OUTCOME))):
            w = float(abs(value) / peak) * bar_w
            by = y + 3 + j * 14
            out.append(f'<rect x="{label_w}" y="{by}" width="{max(w, 1):.1f}" height="12" fill="{colour}"><title>'
                       f'{escape(label)}: {"budget" if j == 0 else "utfall"} {escape(sek_short(value))}</title></rect>')
            out.append(text(label_w + w + 5, by + 10, sek_short(value), 10))
    out.append(f'<line x1="{label_w}" y1="48" x2="{label_w}" y2="{height - 6}" stroke="#666"/>')
    out.append("</svg>")
    return "\n".join(out)


def percent_text(value: Decimal | None) -> str:
    if value is None:
        return "–"
    return format_number(value, 0 if value == value.to_integral_value() else 1, grouped=False, percent=True)


def kaa_jobbtorg_svg(rows: list[tuple[str, Decimal | None, Decimal | None, Decimal | None]], title: str) -> str:
    """Grouped bars per Jobbtorg: the share that went on to work and to studies (percent, 0-100)."""
    label_w, bar_w, row_h = 210, 400, 38
    width, height = label_w + bar_w + 80, 56 + row_h * len(rows) + 22
    out = svg_start(width, height, title) + [text(8, 18, title, 13, weight="bold")]
    out += legend(label_w, 120, ((WORK, "Till arbete"), (STUDIES, "Till studier")))
    for pct in (0, 25, 50, 75, 100):
        x = label_w + bar_w * pct / 100
        out.append(f'<line x1="{x:.1f}" y1="48" x2="{x:.1f}" y2="{height - 18}" stroke="#ddd"/>')
        out.append(text(x, height - 5, f"{pct} %", 9, "middle", fill="#666"))
    for i, (place, work, studies, enrolled) in enumerate(rows):
        y = 52 + i * row_h
        name = place + (f" ({enrolled:.0f} inskrivna)" if enrolled is not None else "")
        out.append(text(label_w - 8, y + 19, name, 11, "end", "bold" if place == "Totalt" else "normal"))
        for j, (value, colour) in enumerate(((work, WORK), (studies, STUDIES))):
            if value is None:
                continue
            w = float(min(max(value, Decimal(0)), Decimal(100))) / 100 * bar_w
            by = y + 4 + j * 15
            out.append(f'<rect x="{label_w}" y="{by}" width="{max(w, 1):.1f}" height="13" fill="{colour}"/>')
            out.append(text(label_w + w + 5, by + 11, percent_text(value), 10))
    out.append("</svg>")
    return "\n".join(out)
