"""The nightly flow: local and HTTP sources end to end, idempotent re-runs, the artifact, Dask, the schedule.

Logic is tested through the plain task functions (`.fn()`) too; the flow runs against one session-wide
prefect_test_harness. HTTP sources are served by a local server on 127.0.0.1.
"""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from flows.nightly import (ARTIFACT_KEY, extract_task, fetch_task, load_task, nightly_ingest, plan_task,
                           resolve_config)
from pipeline.progress import SilentReporter
from pipeline.sources import FetchSettings, Hints, Source, SourcesConfig
from pipeline.workers import WorkerLimits
from tests.conftest import make_text_pdf
from tests.pipeline.httpserver import Server, Site

pytestmark = pytest.mark.xdist_group(name="prefect")  # one worker starts the test server once

LIMITS = WorkerLimits(timeout_s=120, memory_mb=2048)
HTTP_PATHS = ("/etag.pdf", "/missing.pdf", "/flaky.pdf", "/stall.pdf", "/truncated.pdf", "/page.html.pdf")


@pytest.fixture()
def local(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    make_text_pdf(d / "a.pdf", ["Verksamhetsplan 2022", "Arbetsmarknadsnämnden"])
    make_text_pdf(d / "b.pdf", ["Verksamhetsberättelse 2022", "Arbetsmarknadsnämnden"], pages=2)
    (d / "broken.pdf").write_text("<html>Service unavailable</html>")
    return d


@pytest.fixture()
def server(tmp_path: Path):
    s = Server(Site(make_text_pdf(tmp_path / "web.pdf", ["Verksamhetsplan 2023", "Utbildningsnämnden"]).read_bytes()))
    yield s
    s.close()


def sources_file(tmp_path: Path, local: Path, server: Server) -> Path:
    """A sources.toml with the local folder and every HTTP behaviour; short timeouts, quick retries."""
    lines = ["[fetch]", "timeout_s = 0.5", "retries = 1", "backoff_s = 0.01", "",
             "[[source]]", f'path = "{local}"', 'committee = "Arbetsmarknadsnämnden"', ""]
    for p in HTTP_PATHS:
        lines += ["[[source]]", f'url = "{server.url(p)}"', 'doc_type = "VP"', ""]
    f = tmp_path / "sources.toml"
    f.write_text("\n".join(lines), encoding="utf-8")
    return f


def by_name(run) -> dict[str, object]:
    return {o.source_uri.rsplit("/", 1)[-1]: o for o in run.outcomes}


def test_the_flow_over_local_and_http_sources_then_an_idempotent_rerun(prefect_server, tmp_path, local, server):
    from prefect.artifacts import Artifact

    wh = tmp_path / "data" / "warehouse.duckdb"
    src = sources_file(tmp_path, local, server)
    run = nightly_ingest(sources_file=str(src), warehouse=str(wh), workers=2, show_progress=False)
    o = by_name(run)
    assert run.recorded and run.extracted_here == 3
    assert {k: o[k].status for k in ("a.pdf", "b.pdf", "etag.pdf")} == dict.fromkeys(("a.pdf", "b.pdf", "etag.pdf"),
                                                                                       "new")
    assert o["flaky.pdf"].status == "unchanged"  # 500, then the same bytes as etag.pdf: one document
    assert (o["broken.pdf"].status, o["broken.pdf"].reason) == ("failed", "not_pdf")
    assert (o["missing.pdf"].reason, o["page.html.pdf"].reason) == ("fetch_failed", "not_pdf")
    assert "404" in o["missing.pdf"].detail and "text/html" in o["page.html.pdf"].detail
    assert "timeout after 0.5 s" in o["stall.pdf"].detail and "gave up after 2 attempts" in o["truncated.pdf"].detail
    assert o["etag.pdf"].source_uri == server.url("/etag.pdf")
    assert run.fetched == {"failed": 4, "fetched": 2}
    assert run.report is not None and run.report.is_file()
    assert all(x.extraction.status == "succeeded" for x in run.outcomes if x.extraction)
    stored = {p.name for p in (wh.parent / "pdfs").glob("*.pdf")}
    assert {f"{x.sha256}.pdf" for x in run.outcomes if x.status != "failed"} <= stored
    artifact = Artifact.get(ARTIFACT_KEY)
    assert artifact is not None and f"# Nightly ingest {run.run_id}" in artifact.data
    assert "| failed | 5 |" in artifact.data

    with duckdb.connect(str(wh), read_only=True) as con:
        before = con.execute("SELECT count(*) FROM runs").fetchone()[0]
        assert con.execute("SELECT count(*) FROM run_documents WHERE source_uri = ?",
                           [server.url("/missing.pdf")]).fetchone()[0] == 1
    again = nightly_ingest(sources_file=str(src), warehouse=str(wh), workers=2, show_progress=False)
    assert not again.recorded and again.extracted_here == 0
    assert {x.status for x in again.outcomes if x.status != "failed"} == {"unchanged"}
    assert again.count("unchanged") == 4 and again.fetched == {"failed": 4, "not_modified": 1, "fetched": 1}
    assert server.site.conditional["/etag.pdf"] == 1  # asked with If-None-Match, answered 304
    artifact = Artifact.get(ARTIFACT_KEY)
    assert "**nothing new**" in artifact.data and "No extraction work" in artifact.data
    assert "| unchanged | 4 |" in artifact.data
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == before


def test_the_steps_as_plain_functions(tmp_path, local):
    """The tasks' own functions, without Prefect: fetch -> plan -> extract -> load."""
    wh = tmp_path / "w.duckdb"
    config = SourcesConfig((Source("local", str(local), Hints(committee="Arbetsmarknadsnämnden")),), FetchSettings())
    inputs, fetches = fetch_task.fn(config, str(wh))
    assert [i.path.name for i in inputs] == ["a.pdf", "b.pdf", "broken.pdf"] and fetches == []
    plan = plan_task.fn(inputs, str(wh))
    assert plan.pending() == [0, 1]
    plan = extract_task.fn(plan, 1, LIMITS, SilentReporter())
    assert plan.pending() == [] and plan.run.extracted_here == 2
    run = load_task.fn(plan, str(wh), 1, LIMITS, SilentReporter())
    assert run.recorded and run.count("new") == 2 and run.review.pending_changes == 0
    with duckdb.connect(str(wh), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM documents WHERE committee = 'Arbetsmarknadsnämnden'"
                           ).fetchone()[0] == 2
    replan = plan_task.fn(inputs, str(wh))
    assert replan.pending() == [] and replan.run.count("unchanged") == 2


def test_command_line_paths_replace_the_sources_file(tmp_path):
    config = resolve_config("does-not-exist.toml", [str(tmp_path), "https://example.org/x.pdf"])
    assert [(s.kind, s.location) for s in config.sources] == [("local", str(tmp_path)),
                                                              ("http", "https://example.org/x.pdf")]
    with pytest.raises(FileNotFoundError):
        resolve_config(str(tmp_path / "nope.toml"), None)


def test_muni_ingest_runs_the_flow_with_log_lines_off_a_terminal(prefect_server, tmp_path, local, capsys):
    from pipeline.cli import main

    wh = tmp_path / "w.duckdb"
    assert main(["ingest", str(local), "--warehouse", str(wh), "--workers", "1", "--no-report"]) == 0
    out, err = capsys.readouterr()
    assert "3 seen, 2 new" in out and "FAILED broken.pdf: not_pdf" in out
    assert "extracting a.pdf (1 pages)" in err and "[2/2 documents, 3/3 pages]" in err
    assert main(["query", "SELECT count(*) AS n FROM documents", "--warehouse", str(wh)]) == 0
    assert "(1 rows)" in capsys.readouterr().out
    assert main(["ingest", str(local), "--warehouse", str(wh), "--workers", "1"]) == 0
    assert "nothing new" in capsys.readouterr().out


def test_extraction_on_a_dask_local_cluster(prefect_server, tmp_path, local):
    """Each document's extraction is a task on a 2-worker LocalCluster; the flow process alone writes."""
    from flows.commands import dask_runner

    wh = tmp_path / "w.duckdb"
    fl = nightly_ingest.with_options(task_runner=dask_runner(None, 2))
    run = fl(paths=[str(local)], warehouse=str(wh), on_cluster=True, report=False, show_progress=False)
    assert run.recorded and run.count("new") == 2 and run.extracted_here == 2
    assert all(o.extraction.status == "succeeded" for o in run.outcomes if o.extraction)
    from pipeline.extract import extract_document

    for o in (o for o in run.outcomes if o.extraction):  # the same as extracting here
        here = extract_document(Path(o.source_uri.removeprefix("file://")))
        assert len(o.extraction.records) == len(here.records) and o.extraction.doc_type == here.info.doc_type


def test_the_schedule_is_02_00_stockholm_time(monkeypatch, capsys):
    from flows.commands import schedule_for
    from pipeline.cli import main

    deployment = nightly_ingest.to_deployment(name="nightly", schedules=[schedule_for("0 2 * * *", "Europe/Stockholm")])
    [sched] = deployment.schedules
    assert (sched.schedule.cron, sched.schedule.timezone, sched.active) == ("0 2 * * *", "Europe/Stockholm", True)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: None}):
        assert main(["schedule"]) == 2
    assert "prefect server start" in capsys.readouterr().err
