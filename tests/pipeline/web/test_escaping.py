"""The review page renders hostile text inert: a test PDF whose lines hold `<script>`, HTML and SQL quotes is
ingested (its lines become the committee, the title and risk texts), re-extracted with changed text so a change
waits for review, and every page shows those strings escaped; the SQL in them is stored as data, never run."""
from __future__ import annotations

import re
import warnings
from pathlib import Path
from urllib.parse import quote

import duckdb
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from samples.hostile import script_text_pdf

TOKEN = "correct horse battery staple"
# the document's markup as markup (the page's own <img src="/changes/..."> crops are fine)
RAW = re.compile(r"<script>alert|<b>bold|<img src=x", re.IGNORECASE)
KEEP = 12  # rows per table from the VP's truth: enough for every page to have content
HOSTILE: dict[str, str] = {}  # the PDF's lines, read by the fixture; the fake extraction puts them in records
ROUND = {"n": 1}


def hostile_extract(path: Path):
    """The VP's truth, with the test PDF's lines as committee, title and risk texts (changed in round 2)."""
    from extractors.classify import DocumentInfo, Segmentation
    from pipeline.extract import DocumentExtraction
    from tests.warehouse.truth_run import doc_id_of, load_truths, truth_records

    truths = load_truths()
    truth = truths["amn-vp-2022"]
    records, seen = [], {}
    for r in truth_records(truth, {t["document"]["file_name"]: doc_id_of(t) for t in truths.values()}):
        seen[r.ENTITY] = seen.get(r.ENTITY, 0) + 1
        if seen[r.ENTITY] <= KEEP:
            records.append(r)
    suffix = "" if ROUND["n"] == 1 else " <img src=x onerror=alert(2)>"
    for r in records:
        if r.ENTITY == "risks" and r.risk_no in (1, 2):
            r.event = HOSTILE["sql"] + suffix
            r.process = HOSTILE["script"] + suffix
    d = truth["document"]
    info = DocumentInfo("VP", d["year"], HOSTILE["script"], HOSTILE["sql"], "test")
    return DocumentExtraction(Path(path), info, d["page_count"], Segmentation({}, []), records)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(client, warehouse, doc_id, first run id, second run id) after two runs over the hostile PDF."""
    from extractors.pages import read_pages
    from pipeline.ingest import ingest
    from pipeline.web.app import ServeConfig, create_app

    folder = tmp_path_factory.mktemp("hostile")
    pdf = folder / "hostile.pdf"
    pdf.write_bytes(script_text_pdf())
    lines = [line.text for page in read_pages(pdf) for line in page.lines()]
    HOSTILE["script"] = next(t for t in lines if "<script>" in t)
    HOSTILE["sql"] = next(t for t in lines if "DROP TABLE" in t)
    wh = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    ROUND["n"] = 1
    r1 = ingest([folder], wh, extract=hostile_extract, workers=0, code_version="escaping-1")
    ROUND["n"] = 2
    r2 = ingest([folder], wh, extract=hostile_extract, workers=0, code_version="escaping-2")
    [o] = r1.outcomes
    client = TestClient(create_app(ServeConfig(wh, {"*": TOKEN})), follow_redirects=False)
    return client, wh, o.doc_id, r1.run_id, r2.run_id


def assert_inert(html: str) -> None:
    """No markup from the document survives as markup."""
    found = RAW.findall(html)
    assert not found, f"unescaped {found[:3]} in {html[:200]!r}"


def test_the_pdf_text_reached_the_warehouse_verbatim(site):
    _, wh, doc_id, _, _ = site
    assert "<script>alert('x')</script>" in HOSTILE["script"] and "'); DROP TABLE risks; --" in HOSTILE["sql"]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        events = {r[0] for r in con.execute("SELECT event FROM risks WHERE doc_id = ?", [doc_id]).fetchall()}
        committees = {r[0] for r in con.execute("SELECT committee FROM documents").fetchall()}
    finally:
        con.close()
    assert HOSTILE["sql"] in events  # stored as data: the quotes did not end a statement
    assert committees == {HOSTILE["script"]}


def test_every_page_escapes_the_document_text(site):
    client, _, doc_id, r1, r2 = site
    pages = {
        "/": client.get("/"),
        "document": client.get(f"/documents/{doc_id}"),
        "document all": client.get(f"/documents/{doc_id}", params={"status": "all"}),
        "diff": client.get("/diff", params={"a": r1, "b": r2}),
        "findings": client.get(f"/runs/{r2}/findings"),
        "decisions": client.get("/decisions"),
    }
    for name, r in pages.items():
        assert r.status_code == 200, (name, r.status_code, r.text[:300])
        assert_inert(r.text)
    shown = pages["document"].text + pages["diff"].text + pages["/"].text
    assert "&lt;script&gt;alert(" in shown  # the text is shown, as text
    assert "&lt;img src=x onerror=alert(2)&gt;" in pages["document"].text + pages["diff"].text
    assert "&#39;); DROP TABLE risks; --" in shown
    for r in pages.values():
        assert "default-src 'none'" in r.headers.get("content-security-policy", "")


@pytest.mark.parametrize("path", [
    "/documents/" + quote("<script>alert(1)</script>"),
    "/documents/" + quote("x' OR '1'='1"),
    "/runs/" + quote("r1'; DROP TABLE runs; --") + "/findings",
    "/diff?a=" + quote("<script>alert(1)</script>") + "&b=" + quote("' OR 1=1 --"),
])
def test_hostile_urls_are_refused_or_shown_as_text(site, path: str):
    client, wh, _, _, _ = site
    r = client.get(path)
    assert r.status_code in (200, 400, 404), r.status_code
    assert_inert(r.text)
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2  # nothing was dropped
    finally:
        con.close()


def test_writes_need_a_login(site):
    client, _, _, _, _ = site
    for path in ("/bulk-accept", "/changes/x", "/overrides/x/lift"):
        r = client.post(path, data={"csrf_token": "x"})
        assert r.status_code in (303, 401, 403), (path, r.status_code)
        assert r.status_code != 303 or "/login" in r.headers.get("location", "")
