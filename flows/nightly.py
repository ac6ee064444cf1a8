"""The nightly ingest as a Prefect flow: a thin shell over pipeline/ (each step a task, the logic in plain functions).

    fetch sources -> plan (sha256, skip what this code version already extracted) -> extract (worker processes,
    or a Dask cluster) -> load (single writer: review queue, checks) -> report -> markdown artifact

Run it with `muni ingest` (ephemeral Prefect: no server needed), or serve it on a schedule with `muni schedule`
against a `prefect server start`. See docs/flows.md.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, task  # noqa: E402
from prefect.artifacts import create_markdown_artifact  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402

from pipeline.fetch import FetchResult, inputs_from_sources  # noqa: E402
from pipeline.ingest import (InputDoc, Plan, RunSummary, extract_plan, format_summary, load_plan,  # noqa: E402
                             outcome_name, plan_run, summary_markdown)
from pipeline.progress import Reporter, SilentReporter, make_reporter  # noqa: E402
from pipeline.sources import FetchSettings, SourcesConfig, load_sources, sources_from_args  # noqa: E402
from pipeline.workers import WorkerLimits  # noqa: E402

DEFAULT_SOURCES = "sources.toml"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
ARTIFACT_KEY = "nightly-ingest-summary"


# ----- tasks: each calls one pipeline function ------------------------------------------------------------
# The warehouse is the cache (sha256 + code version), so Prefect's own task caching is off (NO_CACHE): its
# default key would hash Python objects, not the documents' bytes.

@task(name="fetch", cache_policy=NO_CACHE)
def fetch_task(config: SourcesConfig, warehouse: str) -> tuple[list[InputDoc], list[FetchResult]]:
    """Local PDFs found, URLs fetched (conditional GET) into the content store."""
    return inputs_from_sources(config.sources, config.fetch, warehouse)


@task(name="plan", cache_policy=NO_CACHE)
def plan_task(inputs: list[InputDoc], warehouse: str, code_version: str | None = None,
              limits: WorkerLimits | None = None, workers: int | None = None) -> Plan:
    """Content-address every input, take a first look at new ones (each in a child, `workers` at once), decide
    what to extract."""
    return plan_run(inputs, warehouse, code_version, limits, workers)


@task(name="extract", cache_policy=NO_CACHE)
def extract_task(plan: Plan, workers: int | None, limits: WorkerLimits, reporter: Reporter) -> Plan:
    """Extract the planned documents in worker processes on this machine."""
    return extract_plan(plan, workers=workers, limits=limits, reporter=reporter)


@task(name="extract-document", cache_policy=NO_CACHE)
def extract_document_task(path: str, limits: WorkerLimits) -> tuple[Any, Any]:
    """Extract one document where the task runs (a Dask worker), isolated in a child process when allowed."""
    from pipeline.workers import extract_isolated

    return extract_isolated(Path(path), limits)


@task(name="load", cache_policy=NO_CACHE)
def load_task(plan: Plan, warehouse: str, workers: int | None, limits: WorkerLimits, reporter: Reporter) -> RunSummary:
    """The single writer: re-check under the lock, link, load, queue changes for review, run the checks, publish."""
    return load_plan(plan, warehouse, workers=workers, limits=limits, reporter=reporter)


@task(name="report", cache_policy=NO_CACHE)
def report_task(warehouse: str, run_id: str) -> Path:
    """The findings report of the run (HTML, xlsx, evidence images) in <warehouse dir>/reports/<run_id>/."""
    from pipeline.report.build import write_report

    return write_report(warehouse, report_dir(warehouse, run_id), run_id).html


def report_dir(warehouse: str | Path, run_id: str) -> Path:
    return Path(warehouse).resolve().parent / "reports" / run_id


# ----- extraction on a Dask cluster -----------------------------------------------------------------------

def extract_on_cluster(plan: Plan, limits: WorkerLimits, reporter: Reporter) -> Plan:
    """Submit one task per document to the flow's task runner (DaskTaskRunner) and fold the results into the plan.

    Only extraction leaves this process; the plan and the load stay here, so the warehouse has one writer.
    """
    from pipeline.ingest import fold_extractions

    todo = plan.pending()
    reporter.planned([(outcome_name(plan.run.outcomes[i]), plan.run.outcomes[i].page_count) for i in todo])
    futures = []
    for i in todo:
        reporter.started(outcome_name(plan.run.outcomes[i]))
        futures.append(extract_document_task.submit(str(plan.inputs[i].path), limits))
    results = []
    for i, fut in zip(todo, futures):
        doc, result = cluster_result(fut)
        reporter.finished(outcome_name(plan.run.outcomes[i]), result.status, result.error)
        results.append((doc, result))
    reporter.close()
    return fold_extractions(plan, todo, results)


def cluster_result(future) -> tuple[Any, Any]:
    """A document's (doc, result) from its future; a task that failed on the cluster fails its document only."""
    from pipeline.workers import failure

    try:
        return future.result()
    except Exception as exc:  # a worker lost, a result that could not travel: this document only
        return None, failure(f"cluster task failed: {type(exc).__name__}: {exc}")


# ----- the flow -------------------------------------------------------------------------------------------

def resolve_config(sources_file: str | None, paths: list[str] | None, fetch: dict | None = None) -> SourcesConfig:
    """The run's sources: those named on the command line, else the sources file."""
    if paths:
        settings = FetchSettings(**fetch) if fetch else FetchSettings()
        return SourcesConfig(sources_from_args(paths), settings)
    return load_sources(sources_file or DEFAULT_SOURCES)


@flow(name="nightly-ingest", log_prints=False)
def nightly_ingest(sources_file: str | None = DEFAULT_SOURCES, paths: list[str] | None = None,
                   warehouse: str = DEFAULT_WAREHOUSE, workers: int | None = None, timeout_s: float | None = None,
                   memory_mb: int | None = None, on_cluster: bool = False, report: bool = True,
                   show_progress: bool = True, code_version: str | None = None) -> RunSummary:
    """Fetch, plan, extract, load (with review queue and checks), report; summarised as a markdown artifact.

    `paths` (local files/folders or URLs) replace the sources file. `on_cluster` sends each document's extraction
    to the flow's task runner (run with `nightly_ingest.with_options(task_runner=DaskTaskRunner(...))`).
    """
    reporter = make_reporter() if show_progress else SilentReporter()
    env = WorkerLimits.from_env()
    limits = WorkerLimits(timeout_s if timeout_s is not None else env.timeout_s,
                          memory_mb if memory_mb is not None else env.memory_mb)
    config = resolve_config(sources_file, paths)
    inputs, fetches = fetch_task(config, warehouse)
    plan = plan_task(inputs, warehouse, code_version, limits, workers)
    plan.run.fetched = dict(sorted(Counter(f.status for f in fetches).items()))
    if on_cluster:
        plan = extract_on_cluster(plan, limits, reporter)
    else:
        plan = extract_task(plan, workers, limits, reporter)
    run = load_task(plan, warehouse, workers, limits, reporter)
    index = None
    if report and run.recorded:  # the warehouse is loaded: a report that fails is said, not fatal
        state = report_task(warehouse, run.run_id, return_state=True)
        if state.is_completed():
            index = run.report = state.result()
        else:
            run.report_error = str(state.message or state.type)
    create_markdown_artifact(markdown=summary_markdown(run, index), key=ARTIFACT_KEY,
                             description=f"nightly ingest {run.run_id}")
    return run


__all__ = ["nightly_ingest", "format_summary"]
