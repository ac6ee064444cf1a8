"""Fetching over HTTP from a local server: conditional GET, retries on transient errors only, limits, not-PDFs."""
from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

import pytest

from pipeline.fetch import (FetchState, backoff_delay, conditional_headers, fetch, read_fetch_states,
                            save_fetch_states)
from pipeline.pdfstore import stored_pdf_path
from pipeline.sources import FetchSettings
from tests.conftest import make_text_pdf
from tests.pipeline.httpserver import ETAG, LAST_MODIFIED, Server, Site

FAST = FetchSettings(timeout_s=1.0, max_bytes=2**20, retries=2, backoff_s=0.5, max_backoff_s=4.0)


@pytest.fixture()
def pdf_bytes(tmp_path: Path) -> bytes:
    return make_text_pdf(tmp_path / "src.pdf", ["Verksamhetsplan 2022"]).read_bytes()


@pytest.fixture()
def server(pdf_bytes: bytes):
    s = Server(Site(pdf_bytes))
    yield s
    s.close()


@pytest.fixture()
def wh(tmp_path: Path) -> Path:
    return tmp_path / "data" / "warehouse.duckdb"


def get(server: Server, path: str, wh: Path, state=None, settings=FAST):
    waits: list[float] = []
    result = fetch(server.url(path), wh, state, settings, sleep=waits.append, rng=random.Random(1))
    return result, waits


def test_200_stores_the_pdf_by_sha256_then_304_reuses_it(server: Server, wh: Path, pdf_bytes: bytes):
    first, _ = get(server, "/etag.pdf", wh)
    sha = hashlib.sha256(pdf_bytes).hexdigest()
    assert (first.status, first.sha256, first.etag, first.http_status) == ("fetched", sha, ETAG, 200)
    assert first.path == stored_pdf_path(wh, sha) and first.path.read_bytes() == pdf_bytes
    second, _ = get(server, "/etag.pdf", wh, first.state())
    assert (second.status, second.sha256, second.path, second.http_status) == ("not_modified", sha, first.path, 304)
    assert server.site.conditional["/etag.pdf"] == 1


def test_last_modified_is_sent_back(server: Server, wh: Path):
    first, _ = get(server, "/modified.pdf", wh)
    assert first.last_modified == LAST_MODIFIED and first.etag is None
    assert get(server, "/modified.pdf", wh, first.state())[0].status == "not_modified"


def test_304_without_the_stored_bytes_is_not_trusted(server: Server, wh: Path, pdf_bytes: bytes):
    first, _ = get(server, "/etag.pdf", wh)
    first.path.unlink()
    again, _ = get(server, "/etag.pdf", wh, first.state())
    assert again.status == "fetched" and again.path.read_bytes() == pdf_bytes
    assert server.site.conditional["/etag.pdf"] == 0  # asked unconditionally


def test_new_bytes_under_the_same_url(server: Server, wh: Path, tmp_path: Path):
    first, _ = get(server, "/etag.pdf", wh)
    server.site.pdf = make_text_pdf(tmp_path / "v2.pdf", ["Verksamhetsplan 2022", "reviderad"]).read_bytes()
    server.site.etag = '"v2"'
    again, _ = get(server, "/etag.pdf", wh, first.state())
    assert again.status == "fetched" and again.sha256 != first.sha256 and again.etag == '"v2"'


def test_404_fails_at_once(server: Server, wh: Path):
    result, waits = get(server, "/missing.pdf", wh)
    assert (result.status, result.reason, result.http_status, result.attempts) == ("failed", "fetch_failed", 404, 1)
    assert "404" in result.detail and waits == [] and server.site.hits["/missing.pdf"] == 1


def test_500_then_success_is_retried_with_backoff(server: Server, wh: Path):
    result, waits = get(server, "/flaky.pdf", wh)
    assert result.status == "fetched" and result.attempts == 2 and len(waits) == 1
    assert 0 <= waits[0] <= FAST.backoff_s


def test_429_waits_as_the_server_asks(server: Server, wh: Path):
    result, waits = get(server, "/busy.pdf", wh)
    assert result.status == "fetched" and waits == [4.0]  # Retry-After: 7, capped by max_backoff_s


def test_a_server_that_stays_down_gives_up_after_the_retries(server: Server, wh: Path):
    result, waits = get(server, "/down.pdf", wh)
    assert result.status == "failed" and result.attempts == 3 and len(waits) == 2
    assert "503" in result.detail and "gave up after 3 attempts" in result.detail


def test_a_stall_past_the_timeout_is_a_transient_failure(server: Server, wh: Path):
    result, waits = get(server, "/stall.pdf", wh, settings=FetchSettings(timeout_s=0.3, retries=1))
    assert result.status == "failed" and result.reason == "fetch_failed" and "timeout after 0.3 s" in result.detail
    assert server.site.hits["/stall.pdf"] == 2 and len(waits) == 1
    assert not list((wh.parent / "pdfs").glob("*.pdf")) and not list((wh.parent / "pdfs").glob(".*part"))


def test_a_truncated_body_is_retried_and_never_stored(server: Server, wh: Path):
    result, _ = get(server, "/truncated.pdf", wh)
    assert result.status == "failed" and result.attempts == 3
    assert "gave up" in result.detail
    assert not list((wh.parent / "pdfs").glob("*"))


def test_an_html_page_is_not_a_pdf(server: Server, wh: Path):
    result, waits = get(server, "/page.html.pdf", wh)
    assert (result.status, result.reason, result.attempts) == ("failed", "not_pdf", 1)
    assert "text/html" in result.detail and "Sidan kunde inte hittas" in result.detail and result.sha256
    assert not list((wh.parent / "pdfs").glob("*.pdf"))


def test_a_body_over_the_limit_is_refused(server: Server, wh: Path, pdf_bytes: bytes):
    small = FetchSettings(timeout_s=1.0, max_bytes=len(pdf_bytes) + 10, retries=2)
    result, waits = get(server, "/big.pdf", wh, settings=small)
    assert (result.status, result.reason, waits) == ("failed", "too_large", [])


def test_redirects_only_to_the_sources_host(server: Server, wh: Path):
    moved, _ = get(server, "/moved.pdf", wh)
    assert moved.status == "fetched" and server.site.hits["/etag.pdf"] == 1
    away, waits = get(server, "/away.pdf", wh)
    assert (away.status, away.reason, waits) == ("failed", "fetch_failed", [])
    assert "redirect to host '127.0.0.2'" in away.detail
    loop, _ = get(server, "/loop.pdf", wh)
    assert loop.status == "failed" and "more than 5 redirects" in loop.detail


def test_allowed_hosts_extend_where_redirects_may_lead(server: Server):
    from pipeline.fetch import allowed_hosts

    assert allowed_hosts("https://Start.Stockholm/x.pdf", FetchSettings(allowed_hosts=("cdn.example.org",))) == \
        {"start.stockholm", "cdn.example.org"}


def test_connection_refused_is_transient(wh: Path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    waits: list[float] = []
    result = fetch(f"http://127.0.0.1:{port}/x.pdf", wh, None, FAST, sleep=waits.append)
    assert result.status == "failed" and result.attempts == 3 and "ConnectError" in result.detail


def test_validators_are_kept_between_runs(server: Server, wh: Path):
    first, _ = get(server, "/etag.pdf", wh)
    failed, _ = get(server, "/missing.pdf", wh)
    save_fetch_states(wh, [first, failed])
    assert read_fetch_states(wh) == {first.url: FetchState(first.url, first.sha256, ETAG, None)}


def test_backoff_is_exponential_with_full_jitter_and_capped():
    s = FetchSettings(backoff_s=1.0, max_backoff_s=5.0)
    rng = random.Random(3)
    delays = [backoff_delay(n, s, rng) for n in range(6) for _ in range(50)]
    assert all(0 <= d <= 5.0 for d in delays)
    assert max(delays[:50]) <= 1.0 and max(delays[100:150]) > 2.0  # attempt 2 may wait up to 4 s
    assert backoff_delay(0, s, rng, retry_after=2.5) == 2.5


def test_conditional_headers():
    assert conditional_headers(None) == {}
    assert conditional_headers(FetchState("u", "s", '"e"', "d")) == {"If-None-Match": '"e"', "If-Modified-Since": "d"}


# ----- sources.toml ---------------------------------------------------------------------------------------

def test_sources_file_local_and_http_with_hints(tmp_path: Path):
    from pipeline.sources import Hints, load_sources

    f = tmp_path / "conf" / "sources.toml"
    f.parent.mkdir()
    f.write_text("""
[fetch]
timeout_s = 5
max_mb = 1.5
retries = 0

[[source]]
path = "../pdfs"
committee = "Arbetsmarknadsnämnden"

[[source]]
url = "https://example.org/vp.pdf"
doc_type = "VP"
year = 2022
""", encoding="utf-8")
    config = load_sources(f)
    assert [(s.kind, s.hints) for s in config.sources] == [
        ("local", Hints(committee="Arbetsmarknadsnämnden")), ("http", Hints(doc_type="VP", year=2022))]
    assert Path(config.sources[0].location) == f.parent / ".." / "pdfs"
    assert config.fetch == FetchSettings(timeout_s=5.0, max_bytes=int(1.5 * 2**20), retries=0)


@pytest.mark.parametrize("text, says", [
    ('[[source]]\npath = "a"\nurl = "https://x/y.pdf"', "exactly one of path and url"),
    ('[[source]]\nurl = "ftp://x/y.pdf"', "is not http(s)"),
    ('[[source]]\npath = "a"\ndoc_type = "XX"', "doc_type 'XX'"),
    ('[[source]]\npath = "a"\nyear = 22', "year 22 is not a year"),
    ('[[source]]\npath = "a"\ncomitee = "x"', "unknown key(s) comitee"),
    ('[fetch]\ntimeout = 3', "[fetch]: unknown key(s) timeout"),
    ('[[source]\n', "not valid TOML"),
])
def test_sources_file_mistakes_are_said(text: str, says: str, tmp_path: Path):
    from pipeline.sources import SourcesError, parse_sources

    with pytest.raises(SourcesError, match=re.escape(says)):
        parse_sources(text, tmp_path)


def test_the_shipped_sources_file_reads():
    from pipeline.sources import load_sources

    config = load_sources(Path(__file__).resolve().parents[2] / "sources.toml")
    assert [s.kind for s in config.sources] == ["local"] and Path(config.sources[0].location).name == "pdfs"


def test_inputs_from_sources_fetches_urls_and_keeps_validators(server: Server, wh: Path, tmp_path: Path):
    from pipeline.fetch import inputs_from_sources
    from pipeline.sources import Hints, Source

    local = tmp_path / "local"
    local.mkdir()
    make_text_pdf(local / "a.pdf", ["x"])
    sources = [Source("local", str(local)), Source("http", server.url("/etag.pdf"), Hints(doc_type="VP")),
               Source("http", server.url("/missing.pdf"))]
    inputs, results = inputs_from_sources(sources, FAST, wh)
    assert [i.path.name if i.path else None for i in inputs] == ["a.pdf", f"{results[0].sha256}.pdf", None]
    assert inputs[1].hints == Hints(doc_type="VP") and inputs[2].failure[0] == "fetch_failed"
    assert set(read_fetch_states(wh)) == {server.url("/etag.pdf")}
    again, results = inputs_from_sources(sources, FAST, wh)
    assert [r.status for r in results] == ["not_modified", "failed"] and again[1].path == inputs[1].path
