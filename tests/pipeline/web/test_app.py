"""The review page over HTTP: reading, login, CSRF, and every write action (accept, reject, override, bulk accept,
lift, logout), each refused without a login and with a bad CSRF token."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from pipeline.review.store import table_digest
from pipeline.web.app import ConfigError, ServeConfig, create_app, load_stewards, steward_for
from pipeline.web.render import render
from tests.pipeline.review.conftest import VP, changes_by_key, query
from tests.warehouse.truth_run import doc_id_of, load_truths

VP_ID = doc_id_of(load_truths()[VP])
TOKEN = "correct horse battery staple"


def client(path: Path, stewards: dict | None = None) -> TestClient:
    return TestClient(create_app(ServeConfig(path, {"*": TOKEN} if stewards is None else stewards)),
                      follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(c: TestClient, name: str = "Anna Steward", token: str = TOKEN) -> str:
    csrf = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": name, "token": token, "csrf_token": csrf})
    assert r.status_code == 303, r.text
    return csrf_of(c.get("/").text)  # the session (and its CSRF token) is new after login


def decisions(path: Path) -> list[tuple]:
    return query(path, "SELECT decision, reviewer, entity_key, field, override_value, comment, lifts "
                       "FROM review_decisions ORDER BY decided_at")


def test_pages_read_without_login_and_offer_no_write_forms(warehouse):
    c = client(warehouse)
    home = c.get("/")
    assert home.status_code == 200 and VP_ID in home.text and "Väntande ändringar: 5" in home.text
    assert "default-src 'none'" in home.headers["content-security-policy"]
    page = c.get(f"/documents/{VP_ID}")
    assert page.status_code == 200
    assert page.text.count('class="change pending"') == 5
    assert "Godkänn" not in page.text and 'action="/changes/' not in page.text
    assert c.get("/decisions").status_code == 200
    assert c.get("/runs/r2/findings").status_code == 200
    assert c.get("/diff", params={"a": "r1", "b": "r2"}).status_code == 200
    assert c.get("/documents/0000000000000000").status_code == 404
    cookie = home.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_crops_of_both_sides_are_png_from_the_content_store(warehouse):
    c = client(warehouse)
    ch = changes_by_key(warehouse, status="pending")[("risk_no=3", "probability")]
    for side in ("old", "new"):
        r = c.get(f"/changes/{ch.change_id}/{side}.png")
        assert r.status_code == 200 and r.headers["content-type"] == "image/png" and r.content[:4] == b"\x89PNG"
    assert c.get(f"/changes/{ch.change_id}/other.png").status_code == 404
    added = changes_by_key(warehouse, status="pending")[("risk_no=99", None)]
    assert c.get(f"/changes/{added.change_id}/old.png").status_code == 404  # an added row has no old side


def test_a_page_is_rendered_once_for_every_crop_on_it(warehouse):
    from pipeline.web.queries import page_image

    c = client(warehouse)
    ch = changes_by_key(warehouse, status="pending")[("risk_no=3", "probability")]
    page_image.cache_clear()
    for side in ("old", "new", "old", "new"):
        assert c.get(f"/changes/{ch.change_id}/{side}.png").status_code == 200
    pages = {(ch.old_doc_id, ch.old_page), (ch.doc_id, ch.new_page)}
    assert page_image.cache_info().misses == len(pages)
    assert page_image.cache_info().hits == 4 - len(pages)


def test_login_refuses_a_wrong_token_a_missing_name_and_a_missing_csrf_token(warehouse):
    c = client(warehouse)
    csrf = csrf_of(c.get("/login").text)
    assert c.post("/login", data={"name": "Anna", "token": "wrong", "csrf_token": csrf}).status_code == 401
    assert c.post("/login", data={"name": "", "token": TOKEN, "csrf_token": csrf}).status_code == 401
    assert c.post("/login", data={"name": "Anna", "token": TOKEN}).status_code == 403
    assert c.post("/login", data={"name": "Anna", "token": TOKEN, "csrf_token": "forged"}).status_code == 403
    assert "Inloggad" not in c.get("/").text


def write_requests(path: Path):
    ch = changes_by_key(path, status="pending")
    risk3 = ch[("risk_no=3", "probability")]
    pending_risks = [x for x in ch.values() if x.entity == "risks"]
    return [
        (f"/changes/{risk3.change_id}", {"action": "accept", "comment": "ok"}),
        (f"/changes/{risk3.change_id}", {"action": "reject", "comment": "no"}),
        (f"/changes/{risk3.change_id}", {"action": "override", "value": "1", "comment": "x"}),
        ("/bulk-accept", {"run_id": "r2", "doc_id": VP_ID, "entity": "risks", "comment": "fixed extractor",
                          "digest": table_digest(pending_risks)}),
        ("/overrides/0123/lift", {"comment": "x"}),
        ("/logout", {}),
    ]


def test_every_write_is_refused_without_login(warehouse):
    c = client(warehouse)
    csrf = csrf_of(c.get("/login").text)  # the anonymous session's own token: still no login
    for url, data in write_requests(warehouse):
        r = c.post(url, data={**data, "csrf_token": csrf})
        assert r.status_code == 401, url
        assert "Logga in" in r.text
    assert decisions(warehouse) == []


def test_every_write_is_refused_with_a_bad_or_missing_csrf_token(warehouse):
    c = client(warehouse)
    login(c)
    for url, data in write_requests(warehouse):
        assert c.post(url, data={**data, "csrf_token": "forged"}).status_code == 403, url
        assert c.post(url, data=data).status_code == 403, url
    assert decisions(warehouse) == []
    # a token from another session does not work either
    other = client(warehouse)
    other_csrf = login(other, "Bo")
    url, data = write_requests(warehouse)[0]
    assert c.post(url, data={**data, "csrf_token": other_csrf}).status_code == 403


def test_read_only_mode_refuses_login_and_writes(warehouse):
    c = client(warehouse, stewards={})
    assert "skrivskyddad" in c.get("/").text
    assert 'name="token"' not in c.get("/login").text
    csrf = "any"
    assert c.post("/login", data={"name": "A", "token": TOKEN, "csrf_token": csrf}).status_code == 403
    for url, data in write_requests(warehouse):
        assert c.post(url, data={**data, "csrf_token": csrf}).status_code == 403, url


def test_accept_reject_and_override_with_comments_are_recorded_and_published(warehouse):
    c = client(warehouse)
    csrf = login(c)
    assert "Inloggad: Anna Steward" in c.get("/").text
    page = c.get(f"/documents/{VP_ID}").text
    assert page.count('class="accept"') == 5 and page.count('class="override"') == 3
    ch = changes_by_key(warehouse, status="pending")
    r = c.post(f"/changes/{ch[('risk_no=3', 'probability')].change_id}",
               data={"action": "accept", "comment": "rätt läst", "csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/documents/{VP_ID}")
    r = c.post(f"/changes/{ch[('risk_no=5', 'consequence')].change_id}",
               data={"action": "reject", "comment": "feltolkning", "csrf_token": csrf})
    assert r.status_code == 303
    budget = next(x for x in ch.values() if x.entity == "budget_lines")
    bad = c.post(f"/changes/{budget.change_id}", data={"action": "override", "value": "abc", "csrf_token": csrf})
    assert bad.status_code == 400 and "inte ett tal" in bad.text
    assert c.post(f"/changes/{budget.change_id}", data={"action": "delete", "csrf_token": csrf}).status_code == 400
    r = c.post(f"/changes/{budget.change_id}",
               data={"action": "override", "value": "1 163 600 000", "comment": "se originalet", "csrf_token": csrf})
    assert r.status_code == 303
    assert decisions(warehouse) == [
        ("accept", "Anna Steward", "risk_no=3", "probability", None, "rätt läst", None),
        ("reject", "Anna Steward", "risk_no=5", "consequence", None, "feltolkning", None),
        ("override", "Anna Steward", budget.entity_key, "value_sek", "1163600000", "se originalet", None)]
    new_p = query(warehouse, "SELECT probability FROM run_risks WHERE run_id = 'r2' AND risk_no = 3")
    assert query(warehouse, "SELECT probability FROM risks WHERE risk_no = 3") == new_p
    old_k = query(warehouse, "SELECT consequence FROM run_risks WHERE run_id = 'r1' AND risk_no = 5")
    assert query(warehouse, "SELECT consequence FROM risks WHERE risk_no = 5") == old_k
    # a decided change cannot be decided again
    again = c.post(f"/changes/{ch[('risk_no=3', 'probability')].change_id}",
                   data={"action": "reject", "csrf_token": csrf})
    assert again.status_code == 400
    # the override stands until lifted, from the audit page
    audit = c.get("/decisions").text
    assert "se originalet" in audit and "/lift" in audit
    (override_id,) = query(warehouse, "SELECT decision_id FROM review_decisions WHERE decision = 'override'")[0]
    r = c.post(f"/overrides/{override_id}/lift", data={"comment": "fel av mig", "csrf_token": csrf})
    assert r.status_code == 303
    assert decisions(warehouse)[-1][0::6] == ("accept", override_id)
    assert c.post(f"/overrides/{override_id}/lift", data={"csrf_token": csrf}).status_code == 400


def test_bulk_accept_of_a_table_needs_an_explanation_and_the_changes_shown(warehouse):
    c = client(warehouse)
    csrf = login(c)
    page = c.get(f"/documents/{VP_ID}").text
    assert 'id="bulk-risks"' in page
    digest = re.search(r'id="bulk-risks".*?name="digest" value="([0-9a-f]+)"', page, re.S).group(1)
    form = {"run_id": "r2", "doc_id": VP_ID, "entity": "risks", "digest": digest, "csrf_token": csrf}
    assert c.post("/bulk-accept", data={**form, "comment": ""}).status_code == 400
    assert c.post("/bulk-accept", data={**form, "digest": "0" * 16, "comment": "x"}).status_code == 400
    r = c.post("/bulk-accept", data={**form, "comment": "ny extraktor läser S och K rätt"})
    assert r.status_code == 303
    assert [d[0] for d in decisions(warehouse)] == ["accept"] * 4
    assert {x.entity for x in changes_by_key(warehouse, status="pending").values()} == {"budget_lines"}
    assert query(warehouse, "SELECT count(*) FROM risks WHERE risk_no = 99") == [(1,)]


def test_logout_ends_the_session(warehouse):
    c = client(warehouse)
    csrf = login(c)
    assert c.post("/logout", data={"csrf_token": csrf}).status_code == 303
    ch = changes_by_key(warehouse, status="pending")[("risk_no=3", "probability")]
    assert c.post(f"/changes/{ch.change_id}", data={"action": "accept", "csrf_token": csrf}).status_code == 401


def test_stewards_come_from_configuration_never_a_default(tmp_path):
    assert load_stewards(None, {}) == {}
    cfg = tmp_path / "stewards.toml"
    cfg.write_text('[stewards]\n"Anna Steward" = "anna-secret-123456"\n', encoding="utf-8")
    stewards = load_stewards(cfg, {"MUNI_STEWARD_TOKEN": TOKEN})
    assert steward_for(stewards, "Anna Steward", "anna-secret-123456") == "Anna Steward"
    assert steward_for(stewards, "Anna Steward", TOKEN) is None  # a named steward uses her own token
    assert steward_for(stewards, "Bo", TOKEN) == "Bo"
    assert steward_for(stewards, "Bo", "anna-secret-123456") is None
    with pytest.raises(ConfigError):
        load_stewards(None, {"MUNI_STEWARD_TOKEN": "short"})


def test_muni_serve_refuses_write_mode_without_a_token(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    monkeypatch.delenv("MUNI_STEWARD_TOKEN", raising=False)
    assert main(["serve", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "refusing write mode" in capsys.readouterr().err


def test_every_value_is_escaped():
    html = render("message.html", standalone=False, css="", user="<b>x</b>", csrf="c", read_only=False,
                  title="<script>alert(1)</script>", message="\"><img src=x onerror=alert(1)>")
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<img src=x" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html


def test_the_findings_of_a_run_with_their_evidence_crops(warehouse):
    from warehouse.snapshot import writing

    with writing(warehouse) as snap:
        page, bbox, printed = snap.con.execute(
            "SELECT page, bbox, printed FROM provenance WHERE entity = 'risks' AND field = 'risk_value' "
            "AND doc_id = ? LIMIT 1", [VP_ID]).fetchone()
        snap.con.execute(
            "INSERT INTO findings (finding_id, run_id, rule_id, severity, doc_id, entity, entity_key, expected, actual, "
            "message, evidence) VALUES ('f1', 'r2', 'RISK_RV_PRODUCT', 'error', ?, 'risks', 'risk 3', '8', '6', "
            "'RV <b>≠</b> S × K', [{'doc_id': ?, 'field': 'risk_value', 'page': ?, 'bbox': ?, 'printed': ?}])",
            [VP_ID, VP_ID, page, bbox, printed])
        snap.publish = True
    c = client(warehouse)
    html = c.get("/runs/r2/findings")
    assert html.status_code == 200 and "Avvikelser i körning r2: 1" in html.text
    assert "RV &lt;b&gt;≠&lt;/b&gt; S × K" in html.text
    r = c.get("/findings/r2/f1/0.png")
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    assert c.get("/findings/r2/f1/1.png").status_code == 404
