"""The findings report built from the real sample ingest: every finding with highlighted crops, the xlsx with the
same findings, offline HTML that headless Chromium renders; and the report when the PDFs are gone."""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pytest
from openpyxl import load_workbook
from PIL import Image

from extractors.render import HIGHLIGHT_RGB
from pipeline.checks.store import run_checks
from pipeline.cli import main
from pipeline.report.build import write_report
from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run
from warehouse.snapshot import writing

CHROMIUM = Path("/usr/bin/chromium")


class Findings(HTMLParser):
    """finding id -> the crop image sources inside its block, from the report page."""

    def __init__(self):
        super().__init__()
        self.crops: dict[str, list[str]] = {}
        self.current: str | None = None
        self.depth = 0
        self.srcs: list[str] = []
        self.external: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key) and re.match(r"[a-z]+://", a[key]):
                self.external.append(a[key])
        self.scripts += tag == "script"
        if tag == "img":
            self.srcs.append(a["src"])
        if tag == "div" and "data-finding" in a:
            self.current, self.depth = a["data-finding"], 0
            self.crops[self.current] = []
        elif tag == "div" and self.current:
            self.depth += 1
        if tag == "img" and self.current and "crop" in (a.get("class") or ""):
            self.crops[self.current].append(a["src"])

    def handle_endtag(self, tag):
        if tag == "div" and self.current:
            if self.depth == 0:
                self.current = None
            else:
                self.depth -= 1


def highlight_pixels(png: bytes) -> int:
    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return int((img == np.array(HIGHLIGHT_RGB, dtype=np.uint8)).all(axis=2).sum())


@pytest.fixture(scope="module")
def report(sample_ingest, tmp_path_factory):
    path, run = sample_ingest
    out = tmp_path_factory.mktemp("report")
    return path, run, write_report(path, out)


def test_every_finding_has_its_highlighted_crops(report):
    path, run, paths = report
    con = duckdb.connect(str(path), read_only=True)
    expected = con.execute("SELECT finding_id, len(evidence) FROM current_findings").fetchall()
    con.close()
    parsed = Findings()
    parsed.feed(paths.html.read_text(encoding="utf-8"))
    assert paths.findings == len(expected) > 20
    assert set(parsed.crops) == {fid for fid, _ in expected}
    for fid, n_evidence in expected:
        crops = parsed.crops[fid]
        assert 1 <= len(crops) <= n_evidence, fid
        for src in crops:
            png = (paths.out_dir / src).read_bytes()
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and highlight_pixels(png) > 20, src


def test_the_page_is_offline_and_has_the_charts(report):
    _, _, paths = report
    html = paths.html.read_text(encoding="utf-8")
    parsed = Findings()
    parsed.feed(html)
    assert parsed.external == [] and parsed.scripts == 0  # no CDN, no script: works offline
    assert all((paths.out_dir / src).is_file() for src in parsed.srcs)
    assert html.count("<svg") >= 4  # the risk matrix, budget vs outcome, KAA per Jobbtorg (two years)
    assert "Riskmatris ur VoR-tabellen" in html and "Jobbtorg Kista" in html and "Budget och utfall" in html
    assert "img/matrix-" in html  # the document's own matrix beside the redrawn one


def test_xlsx_has_the_same_findings_and_their_crops(report):
    _, _, paths = report
    wb = load_workbook(paths.xlsx)
    sheet = wb["Fynd"]
    ids = [row[10] for row in sheet.iter_rows(min_row=2, values_only=True)]
    parsed = Findings()
    parsed.feed(paths.html.read_text(encoding="utf-8"))
    assert ids == list(parsed.crops)  # same findings, same order as the page
    assert len(sheet._images) == sum(len(v) for v in parsed.crops.values())
    assert {r[0].value for r in wb["Regler"].iter_rows(min_row=2)} >= {"KAA_PERCENT", "RISK_RV_PRODUCT"}


@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"),
                    reason="headless Chromium (/usr/bin/chromium) is not installed; CI installs it")
def test_headless_chromium_renders_the_report(report, tmp_path):
    _, _, paths = report
    shot = tmp_path / "report.png"
    profile = tmp_path / "profile"
    profile.mkdir()
    subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--hide-scrollbars", f"--screenshot={shot}",
                    "--window-size=1400,3000", paths.html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=180)
    img = np.asarray(Image.open(shot).convert("RGB"))
    assert img.shape[:2] == (3000, 1400)
    not_white = (img < 235).any(axis=2).mean()
    colours = len(np.unique(img.reshape(-1, 3)[::7], axis=0))
    assert not_white > 0.05 and colours > 100  # text, badges, charts and the matrix crop, not a blank page


def test_report_without_the_pdfs_says_so(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    publish_run(wh, truth_run())  # its source_uri points at files that do not exist, and nothing is stored
    with writing(wh) as snap:
        run_checks(snap.con, "truth-1")
        snap.publish = True
    assert main(["report", "--out", str(tmp_path / "out"), "--warehouse", str(wh)]) == 0
    html = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "PDF-filen finns inte kvar" in html and 'class="crop"' not in html
    assert (tmp_path / "out" / "findings.xlsx").is_file()


def test_report_of_a_run_that_was_not_checked_is_an_error(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    publish_run(wh, truth_run())
    with pytest.raises(ValueError, match="has not run the checks"):
        write_report(wh, tmp_path / "out", run_id="truth-1")
