"""Charts as inline SVG and the section a finding belongs to: pure functions, no warehouse."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from decimal import Decimal

from pipeline.report.charts import (GREEN, HIGHLIGHT, RED, YELLOW, budget_outcome_svg, kaa_jobbtorg_svg, risk_colour,
                                    risk_matrix_svg, sek_short, wrap_numbers)
from pipeline.report.data import EvidenceItem, ReportFinding, finding_section, section_name
from pipeline.report.images import evidence_regions

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def test_matrix_colours_follow_the_risk_value():
    assert risk_colour(3, 4) == RED and risk_colour(4, 3) == RED and risk_colour(5, 5) == RED
    assert risk_colour(3, 3) == YELLOW and risk_colour(5, 1) == YELLOW and risk_colour(2, 5) == YELLOW
    assert risk_colour(4, 1) == GREEN and risk_colour(2, 2) == GREEN


def test_risk_matrix_puts_each_number_in_its_cell_and_marks_flagged_ones():
    svg = risk_matrix_svg([(7, 3, 4), (12, 3, 4), (1, 1, 1), (99, 6, 1)], flagged={12})
    root = ET.fromstring(svg)  # well-formed
    shown = {t.text: t for t in root.iter(f"{SVG}text")}
    assert {"7", "12", "1"} <= set(shown) and "99" not in shown  # S=6 does not exist: not drawn
    assert shown["12"].get("fill") == HIGHLIGHT and shown["7"].get("fill") != HIGHLIGHT
    assert "Totalt: 3" in texts(svg)
    x7, y7 = float(shown["7"].get("x")), float(shown["7"].get("y"))
    x1, y1 = float(shown["1"].get("x")), float(shown["1"].get("y"))
    assert x7 > x1 and y7 < y1  # higher consequence to the right, higher probability up


def test_numbers_wrap_to_the_cell_width():
    lines = wrap_numbers(list(range(1, 30)), 86)
    assert sum(len(l) for l in lines) == 29 and len(lines) > 3 and all(l for l in lines)


def test_budget_and_kaa_charts_escape_labels_and_show_values():
    svg = budget_outcome_svg([("Kostnader <drift> & underhåll", Decimal("1483500000"), Decimal("1434590129.01"))],
                             "Budget & utfall")
    assert "Kostnader <drift> & underhåll" in texts(svg) and "1 483,5 mnkr" in texts(svg)
    kaa = kaa_jobbtorg_svg([("Jobbtorg Kista", Decimal("19"), Decimal("53"), Decimal("201")),
                            ("Totalt", Decimal("21.5"), None, None)], "KAA 2022")
    assert {"19 %", "53 %", "21,5 %", "Jobbtorg Kista (201 inskrivna)"} <= set(texts(kaa))
    assert sek_short(Decimal("-27869.91")) == "−28 tkr" and sek_short(Decimal("12")) == "12 kr"


def finding(entity: str, evidence: list[EvidenceItem], doc: str = "d1") -> ReportFinding:
    return ReportFinding("f", "R", "R", "warning", doc, None, entity, "k", None, None, None, "m", "open", evidence)


def test_section_of_a_finding_is_where_its_first_own_evidence_is_printed():
    pages = {("d1", 21): Counter({("budget_lines", "Budgetavräkning"): 30, ("kaa_stats", section_name("kaa_stats")): 40}),
             ("d2", 5): Counter({("controls", "Internkontrollplan"): 3})}
    ev = [EvidenceItem("d2", "x", 5, (0, 0, 1, 1), "1"), EvidenceItem("d1", "x", 21, (0, 0, 1, 1), "2")]
    assert finding_section(finding("budget_lines", ev), pages) == "Budgetavräkning"  # own table on the page first
    assert finding_section(finding("kpis", ev), pages) == section_name("kaa_stats")  # else the page's main table
    assert finding_section(finding("kpis", []), pages) == "Nyckeltal"  # no evidence: the entity's section


def test_evidence_close_on_one_page_is_one_picture():
    a = EvidenceItem("d", "x", 3, (100, 100, 120, 110), "1")
    b = EvidenceItem("d", "y", 3, (300, 120, 320, 130), "2")  # same line area: merged
    c = EvidenceItem("d", "z", 3, (100, 600, 120, 610), "3")  # far below: its own picture
    d = EvidenceItem("d", "z", 4, (100, 100, 120, 110), "4")  # other page
    regions = evidence_regions([a, b, c, d, EvidenceItem("d", "w", None, None, "no box")])
    assert [(r[1], r[2], len(r[3])) for r in regions] == [(3, (100, 100, 320, 130), 2), (3, c.bbox, 1), (4, d.bbox, 1)]
