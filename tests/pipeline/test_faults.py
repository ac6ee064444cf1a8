"""Faults: a run killed during extraction or during its load leaves the previous state, and the re-run leaves the
warehouse a clean run would; network failures and slow servers (127.0.0.1 only) cost only their documents; a full
disk under the warehouse is a clean error with the previous state intact.

The killed runs are child processes (`python -c ... child_main`) in their own session, killed with SIGKILL
(the whole group: the run and its extraction workers). Extraction is the samples' ground truth (fast, full
tables), so loads and checks carry real rows. Timeouts below only stop a hung test; nothing asserts on time.
"""
from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest

from tests.conftest import make_text_pdf
from tests.warehouse.conftest import ROOT, fingerprint

HANG = 300  # seconds before a stuck child counts as hung (a safety net, not an assertion)
HANG_ENV = "MUNI_TEST_HANG_ON"  # file name whose extraction hangs (set only in the killed child)
KEEP_PER_ENTITY = 30  # rows of each table kept from the truth: real loads and checks, in seconds


# ----- a fast, deterministic extraction: the samples' truth ------------------------------------------------

def truth_extract(path: Path):
    """The ground truth of the VP (files named vp*) or VB sample; hangs on the file named in MUNI_TEST_HANG_ON."""
    from extractors.classify import DocumentInfo, Segmentation
    from pipeline.extract import DocumentExtraction
    from tests.warehouse.truth_run import doc_ids_of, first_of_each_entity, load_truths, truth_records

    path = Path(path)
    if os.environ.get(HANG_ENV) == path.name:
        path.with_suffix(".started").touch()
        time.sleep(HANG * 2)
    truths = load_truths()
    truth = truths["amn-vp-2022" if path.name.startswith("vp") else "amn-vb-2022"]
    d = truth["document"]
    records = first_of_each_entity(truth_records(truth, doc_ids_of(truths)), KEEP_PER_ENTITY)
    info = DocumentInfo(d["doc_type"], d["year"], d["committee"], d["title"], "ground truth")
    return DocumentExtraction(path, info, d["page_count"], Segmentation({}, []), records)


def child_main(argv: list[str]) -> None:
    """The killed run: `extract FOLDER WAREHOUSE` (hangs in a worker) or `load FOLDER WAREHOUSE N` (SIGKILLs
    itself at the N-th step of the load); prints each load step."""
    from pipeline.ingest import ingest
    from pipeline.workers import WorkerLimits
    from tests.warehouse.truth_run import printing_progress

    mode, folder, warehouse = argv[:3]
    ingest([folder], warehouse, extract=truth_extract, workers=1, limits=WorkerLimits(timeout_s=HANG * 4),
           progress=printing_progress(int(argv[3]) if mode == "load" else -1))
    print("done", flush=True)


def start_child(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen:
    code = "import sys; from tests.pipeline.test_faults import child_main; child_main(sys.argv[1:])"
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **(env or {})})


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child and everything it started (its extraction workers and their fork server)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=HANG)


# ----- what a warehouse holds, without what differs between any two runs ----------------------------------

VOLATILE = ("run_id", "finding_id", "decision_id", "change_id", "publication_id")


def content(path: Path, folder: Path) -> dict[str, list[tuple]]:
    """Every table's and view's rows, sorted, without run ids and timestamps, and with the input folder's URI
    written as `<in>`: equal for two equal histories."""
    prefix = folder.resolve().as_uri()

    def norm(row: tuple) -> tuple:
        return tuple(v.replace(prefix, "<in>") if isinstance(v, str) else v for v in row)

    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        rels = con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' UNION "
                           "SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal "
                           "ORDER BY 1").fetchall()
        for (name,) in rels:
            cols = con.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? "
                               "AND schema_name = 'main' ORDER BY column_index", [name]).fetchall()
            keep = [c for c, t in cols if not (c in VOLATILE or c.endswith("_at") or c.endswith("run") or "run_id" in c
                                               or t.startswith("TIMESTAMP") or c == "code_version")]
            if keep:
                sel = ", ".join(f'"{c}"' for c in keep)
                out[name] = sorted((norm(r) for r in con.execute(f'SELECT {sel} FROM "{name}"').fetchall()), key=repr)
        return out
    finally:
        con.close()


def assert_same(got: dict, want: dict) -> None:
    """Table by table, so a difference names its table."""
    assert sorted(got) == sorted(want)
    for name in want:
        assert got[name] == want[name], name


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    make_text_pdf(d / "vb.pdf", ["Verksamhetsberättelse 2022"], pages=2)
    return d


def add_second_batch(folder: Path) -> None:
    make_text_pdf(folder / "vp.pdf", ["Verksamhetsplan 2022"], pages=3)
    (folder / "broken.pdf").write_text("<html><title>502 Bad Gateway</title></html>")


def truth_ingest(folder: Path, wh: Path):
    """A run over `folder` into `wh`, in this process, extraction being the truth: the RunSummary."""
    from pipeline.ingest import ingest

    return ingest([folder], wh, extract=truth_extract, workers=0)


def first_run_then_second_batch(folder: Path, wh: Path) -> dict[str, list[tuple]]:
    """The first run over `folder` (vb.pdf), then the second batch added to it: the warehouse's fingerprint
    before the second run."""
    truth_ingest(folder, wh)
    before = fingerprint(wh)
    add_second_batch(folder)
    return before


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict:
    """The reference: a first run over vb.pdf, then a run that adds vp.pdf and a broken file, nothing killed."""
    tmp = tmp_path_factory.mktemp("reference")
    ref_folder = tmp / "in"
    ref_folder.mkdir()
    make_text_pdf(ref_folder / "vb.pdf", ["Verksamhetsberättelse 2022"], pages=2)
    wh = tmp / "ref" / "warehouse.duckdb"
    first_run_then_second_batch(ref_folder, wh)
    truth_ingest(ref_folder, wh)
    return content(wh, ref_folder)


@pytest.mark.xdist_group("faults")
def test_the_reference_holds_real_rows(clean):
    assert len(clean["risks"]) == KEEP_PER_ENTITY and len(clean["budget_lines"]) == 2 * KEEP_PER_ENTITY
    assert len(clean["documents"]) == 2


@pytest.mark.slow
@pytest.mark.xdist_group("faults")
def test_a_run_killed_during_extraction_then_rerun_equals_a_clean_run(folder: Path, tmp_path: Path, clean):
    wh = tmp_path / "wh" / "warehouse.duckdb"
    before = first_run_then_second_batch(folder, wh)
    proc = start_child(["extract", folder, wh], env={HANG_ENV: "vp.pdf"})
    marker = folder / "vp.started"
    deadline = time.monotonic() + HANG
    while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), proc.communicate(timeout=HANG)
    kill_group(proc)
    assert fingerprint(wh) == before  # the killed run changed nothing
    marker.unlink()
    run = truth_ingest(folder, wh)
    assert run.recorded and run.count("new") == 1 and run.count("failed") == 1
    assert_same(content(wh, folder), clean)


@pytest.mark.slow
@pytest.mark.xdist_group("faults")
def test_a_run_killed_during_its_load_then_rerun_equals_a_clean_run(folder: Path, tmp_path: Path, clean):
    wh = tmp_path / "wh" / "warehouse.duckdb"
    before = first_run_then_second_batch(folder, wh)
    # the steps of a load, from a scratch copy of the same run
    scratch = tmp_path / "scratch" / "warehouse.duckdb"
    scratch.parent.mkdir()
    shutil.copyfile(wh, scratch)
    from pipeline.ingest import ingest

    steps: list[str] = []
    ingest([folder], scratch, extract=truth_extract, workers=0, progress=steps.append)
    assert "commit" in steps
    # kill just before and just after the commit, and once early (a fresh child each)
    for point in sorted({1, steps.index("commit") - 1, steps.index("commit")}):
        proc = start_child(["load", folder, wh, point])
        out, err = proc.communicate(timeout=HANG)
        kill_group(proc)
        assert proc.returncode == -signal.SIGKILL, f"step {point} ({steps[point]}): {err[-2000:]}"
        assert fingerprint(wh) == before, f"killed after step {point} ({steps[point]}) changed the state"
    run = truth_ingest(folder, wh)
    assert run.recorded and run.count("new") == 1
    assert_same(content(wh, folder), clean)


# ----- a full disk ----------------------------------------------------------------------------------------

@contextmanager
def small_disk(where: Path, size_mb: int):
    """A tmpfs of `size_mb` MB mounted at `where` (needs root); skips the test where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(where)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({res.stderr.strip() or res.returncode}); "
                    "test_disk_full_simulated covers the same path with an injected ENOSPC")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path, leave_bytes: int) -> Path:
    """Fill the disk at `disk` until only about `leave_bytes` are free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler.bin"
    with open(filler, "wb") as fh:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * 2**20
        while remaining > 0:
            n = fh.write(chunk[:remaining])
            remaining -= n
    return filler


def is_disk_full(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left on device" in str(exc)


def test_disk_full_under_the_warehouse_is_a_clean_error_and_keeps_the_previous_state(folder: Path, tmp_path: Path):
    with small_disk(tmp_path / "disk", 48) as disk:
        wh = disk / "warehouse.duckdb"
        before = first_run_then_second_batch(folder, wh)
        filler = fill(disk, leave_bytes=64 * 1024)
        with pytest.raises(Exception) as caught:
            truth_ingest(folder, wh)
        assert is_disk_full(caught.value), repr(caught.value)
        assert fingerprint(wh) == before
        # the half-built `.next` copy stays until the next writer removes it (warehouse.snapshot.writing
        # copies outside its cleanup block); freeing the filler is enough for the next run
        filler.unlink()
        run = truth_ingest(folder, wh)
        assert run.recorded and run.count("new") == 1


def test_disk_full_simulated(folder: Path, tmp_path: Path, monkeypatch):
    """Where no tmpfs can be mounted: the copy of the warehouse fails with ENOSPC; the published state stays."""
    import warehouse.snapshot as snapshot

    wh = tmp_path / "wh" / "warehouse.duckdb"
    before = first_run_then_second_batch(folder, wh)

    def no_space(src, dst, *a, **kw):
        Path(dst).write_bytes(b"\0" * 10)  # a partial copy, as a full disk leaves it
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(snapshot.shutil, "copyfile", no_space)
    with pytest.raises(OSError) as caught:
        truth_ingest(folder, wh)
    assert caught.value.errno == errno.ENOSPC
    assert fingerprint(wh) == before
    monkeypatch.undo()
    assert truth_ingest(folder, wh).recorded


# ----- network failures and slow servers (127.0.0.1 only) -----------------------------------------------

class Site(ThreadingHTTPServer):
    daemon_threads = True


@contextmanager
def serve(pdf: bytes, host: str = "127.0.0.1"):
    """A server on 127.0.0.1: /ok.pdf, /slow.pdf (stalls mid-body), /reset.pdf (drops the connection),
    /html.pdf (an error page with status 200), /named.pdf (a hostile Content-Disposition file name)."""
    release = threading.Event()
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            path = self.path.split("?")[0]
            hits.append(path)
            if path in ("/ok.pdf", "/named.pdf") or "evil" in path:
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(len(pdf)))
                self.send_header("Content-Disposition", 'attachment; filename="../../../evil.pdf"')
                self.end_headers()
                self.wfile.write(pdf)
            elif path == "/slow.pdf":
                self.send_response(200)
                self.send_header("Content-Length", str(len(pdf)))
                self.end_headers()
                self.wfile.write(pdf[:100])
                self.wfile.flush()
                release.wait(30)
            elif path == "/reset.pdf":
                self.connection.shutdown(2)
            elif path == "/html.pdf":
                body = b"<!DOCTYPE html><html><head><title>Underhall</title></head><body>Sidan finns inte</body></html>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            elif path.startswith("/to/"):  # /to/<host:port>/<path>: a redirect to another host
                self.send_response(302)
                self.send_header("Location", "http://" + path[len("/to/"):])
                self.end_headers()
            elif path == "/to-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
            else:
                self.send_error(404)

    server = Site((host, 0), Handler)
    server.hits = hits
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}", hits
    finally:
        release.set()
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_network_failures_and_slow_servers_cost_only_their_documents(tmp_path: Path):
    from pipeline.fetch import inputs_from_sources
    from pipeline.ingest import ingest
    from pipeline.sources import FetchSettings, Source

    pdf = make_text_pdf(tmp_path / "vp.pdf", ["Verksamhetsplan 2022"]).read_bytes()
    wh = tmp_path / "wh" / "warehouse.duckdb"
    settings = FetchSettings(timeout_s=1.0, retries=1, backoff_s=0.01, max_backoff_s=0.01)
    with serve(pdf) as (base, _):
        urls = [f"{base}/ok.pdf", f"{base}/slow.pdf", f"{base}/reset.pdf", f"{base}/html.pdf", f"{base}/gone.pdf",
                f"http://127.0.0.1:{closed_port()}/refused.pdf"]
        inputs, results = inputs_from_sources([Source("http", u) for u in urls], settings, wh)
    run = ingest([], wh, inputs=inputs, extract=truth_extract, workers=0)
    by_url = {o.source_uri.rsplit("/", 1)[-1]: o for o in run.outcomes}
    assert by_url["ok.pdf"].status == "new"
    failed = {k: (o.reason, o.detail) for k, o in by_url.items() if o.status == "failed"}
    assert set(failed) == {"slow.pdf", "reset.pdf", "html.pdf", "gone.pdf", "refused.pdf"}
    assert failed["html.pdf"][0] == "not_pdf" and "HTML page" in failed["html.pdf"][1]
    assert failed["gone.pdf"][0] == "fetch_failed" and "404" in failed["gone.pdf"][1]
    for name in ("slow.pdf", "reset.pdf", "refused.pdf"):
        assert failed[name][0] == "fetch_failed" and "gave up after 2 attempts" in failed[name][1], failed[name]
    con = duckdb.connect(str(wh), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM document_extractions WHERE status = 'succeeded'").fetchone()[0] == 1
    finally:
        con.close()


# ----- security of fetching: names never become paths, only http(s) ----------------------------------------

def test_downloaded_names_never_become_paths(tmp_path: Path):
    from pipeline.fetch import fetch

    pdf = make_text_pdf(tmp_path / "x.pdf", ["Verksamhetsplan 2022"]).read_bytes()
    wh = tmp_path / "deep" / "wh" / "warehouse.duckdb"
    with serve(pdf) as (base, _):
        results = [fetch(f"{base}/named.pdf", wh), fetch(f"{base}/..%2F..%2F..%2Fevil.pdf", wh),
                   fetch(f"{base}/../../evil.pdf", wh)]
    assert all(r.status == "fetched" for r in results), results
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    stored = [f for f in files if f.startswith("deep/wh/pdfs/") and f.endswith(".pdf")]
    assert [Path(f).stem for f in stored] == [results[0].sha256]  # one file, named by its content only
    assert not any("evil" in f for f in files)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.pdf", "gopher://127.0.0.1/x",
                                 "javascript:alert(1)", "/etc/passwd"])
def test_only_http_urls_are_sources(url: str, tmp_path: Path):
    from pipeline.sources import SourcesError, parse_sources

    with pytest.raises(SourcesError):
        parse_sources(f'[[source]]\nurl = "{url}"\n', tmp_path)


def test_a_redirect_to_another_scheme_is_not_followed(tmp_path: Path):
    from pipeline.fetch import fetch

    with serve(b"%PDF-1.4") as (base, _):
        result = fetch(f"{base}/to-file", tmp_path / "warehouse.duckdb")
    assert result.status == "failed" and result.reason == "fetch_failed"
    assert not (tmp_path / "pdfs").exists() or not list((tmp_path / "pdfs").glob("*.pdf"))


def test_a_redirect_to_a_host_that_is_not_configured_is_not_followed(tmp_path: Path):
    """The source names 127.0.0.1; a redirect to 127.0.0.2 (another host, also loopback) is not requested unless
    `[fetch] allowed_hosts` names it."""
    from pipeline.fetch import inputs_from_sources
    from pipeline.sources import FetchSettings, Source

    pdf = make_text_pdf(tmp_path / "x.pdf", ["Verksamhetsplan 2022"]).read_bytes()
    with serve(pdf, host="127.0.0.2") as (other, other_hits), serve(pdf) as (base, _):
        url = f"{base}/to/{other.removeprefix('http://')}/ok.pdf"
        _, refused = inputs_from_sources([Source("http", url)], FetchSettings(retries=0), tmp_path / "a.duckdb")
        assert other_hits == []
        _, allowed = inputs_from_sources([Source("http", url)], FetchSettings(retries=0, allowed_hosts=("127.0.0.2",)),
                                         tmp_path / "b.duckdb")
    assert refused[0].status == "failed" and "127.0.0.2" in refused[0].detail
    assert allowed[0].status == "fetched" and other_hits == ["/ok.pdf"]


# ----- dependencies are pinned ------------------------------------------------------------------------------

def test_every_dependency_is_pinned_and_installed_as_pinned():
    """requirements.lock pins every package to one version, and the environment runs exactly those versions."""
    import re as _re
    from importlib.metadata import PackageNotFoundError, version

    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = _re.fullmatch(r"([A-Za-z0-9_.\-\[\]]+)==([A-Za-z0-9_.+!\-]+)", line)
        assert m, f"not pinned to one version: {line!r}"
        pins[m.group(1).split("[")[0]] = m.group(2)
    assert len(pins) > 50
    wrong = {}
    for name, pinned in pins.items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # optional on this platform (e.g. a Windows-only wheel)
        if installed != pinned:
            wrong[name] = (pinned, installed)
    assert not wrong, f"installed versions differ from requirements.lock: {wrong}"
