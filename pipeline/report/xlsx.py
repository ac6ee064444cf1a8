"""The report as a workbook (openpyxl): a summary sheet, one row per finding with its crops, and the rules."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.drawing.image import Image as XlImage
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from PIL import Image

from pipeline.report.data import SEVERITIES, SEVERITY_LABEL, ReportData

FILL = {"error": "F4CCCA", "warning": "FBE0C3", "minor": "F3EDB8", "info": "D5E3F3"}
HEADERS = ("Dokument", "Avsnitt", "Allvarlighet", "Regel", "Meddelande", "Förväntat", "Tryckt / funnet", "Tolerans",
           "Var (sida: tryckt)", "Status", "Fynd-id", "Bilder")
WIDTHS = (26, 30, 14, 26, 70, 18, 18, 16, 40, 12, 18, 60)
IMAGE_MAX_PX = (420, 150)


def header(ws, names, widths) -> None:
    ws.append(list(names))
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
        ws.cell(1, i).font = Font(bold=True)
        ws.cell(1, i).fill = PatternFill("solid", fgColor="DCE6F1")
    ws.freeze_panes = "A2"


def fitted(path: Path) -> tuple[int, int]:
    """Display size of an image in the sheet: within IMAGE_MAX_PX, aspect kept."""
    with Image.open(path) as im:
        w, h = im.size
    k = min(IMAGE_MAX_PX[0] / w, IMAGE_MAX_PX[1] / h, 1.0)
    return max(1, int(w * k)), max(1, int(h * k))


def write_xlsx(path: Path, data: ReportData, groups: list[dict], out_dir: Path) -> Path:
    """findings.xlsx: Sammanfattning, Fynd (same grouping and order as the page, crops embedded), Regler."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Sammanfattning"
    counts = Counter(f.severity for f in data.findings)
    ws.append(["Fynd", data.run.run_id if data.run else "inga kontroller körda"])
    ws.append(["Kontrollerad", data.run.checked_at if data.run else None])
    ws.append([])
    ws.append(["Allvarlighet", "Antal"])
    for s in SEVERITIES:
        ws.append([SEVERITY_LABEL[s], counts[s]])
    ws.append(["Totalt", len(data.findings)])
    ws.append([])
    ws.append(["Dokument"] + [SEVERITY_LABEL[s] for s in SEVERITIES])
    for g in groups:
        c = Counter(f["severity"] for s in g["sections"] for sev in s["severities"] for f in sev["findings"])
        ws.append([g["doc"].label] + [c[s] for s in SEVERITIES])
    ws.column_dimensions["A"].width = 60
    for row in (1, 4, 12):
        ws.cell(row, 1).font = Font(bold=True)

    fs = wb.create_sheet("Fynd")
    header(fs, HEADERS, WIDTHS)
    by_id = {f.finding_id: f for f in data.findings}
    widest: dict[int, int] = {}
    r = 1
    for g in groups:
        for s in g["sections"]:
            for sev in s["severities"]:
                for view in sev["findings"]:
                    f = by_id[view["finding_id"]]
                    r += 1
                    where = "\n".join(e["where"] + (f": {e['printed']}" if e["printed"] else "") for e in view["evidence"])
                    fs.append([g["doc"].label, s["name"], SEVERITY_LABEL[f.severity], f"{f.rule_id} – {f.rule_title}",
                               f.message, f.expected, f.actual, f.tolerance, where, view["status_label"], f.finding_id,
                               None])
                    for col in range(1, len(HEADERS) + 1):
                        fs.cell(r, col).alignment = Alignment(wrap_text=True, vertical="top")
                    fs.cell(r, 3).fill = PatternFill("solid", fgColor=FILL.get(f.severity, "FFFFFF"))
                    height = 40
                    for n, im in enumerate(f.images):  # each crop in its own column from "Bilder" on
                        w, h = fitted(out_dir / im.file)
                        pic = XlImage(str(out_dir / im.file))
                        pic.width, pic.height = w, h
                        pic.anchor = f"{get_column_letter(len(HEADERS) + n)}{r}"
                        fs.add_image(pic)
                        height = max(height, h * 0.75 + 6)
                        widest[n] = max(widest.get(n, 0), w)
                    fs.row_dimensions[r].height = height
    for n, w in widest.items():
        fs.column_dimensions[get_column_letter(len(HEADERS) + n)].width = max(WIDTHS[-1], w / 7 + 2)
    fs.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{max(r, 1)}"

    rs = wb.create_sheet("Regler")
    header(rs, ("Regel", "Titel", "Vad den kontrollerar", "Allvarlighet", "Fynd"), (24, 36, 70, 14, 8))
    by_rule = Counter(f.rule_id for f in data.findings)
    for rule_id, (title, description, severity) in data.rules.items():
        rs.append([rule_id, title, description, SEVERITY_LABEL.get(severity, severity), by_rule[rule_id]])
    wb.save(path)
    return path
