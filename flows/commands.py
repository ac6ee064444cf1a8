"""`muni ingest` and `muni schedule`: the nightly flow from the command line (Prefect is imported only when run)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/Stockholm"


def quiet_prefect(verbose: bool) -> None:
    """Prefect's own INFO lines would break the progress line: keep them to warnings unless asked."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")  # slow on a busy machine
    if not verbose:
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def dask_runner(address: str | None, n_workers: int):
    """A DaskTaskRunner: the cluster at `address`, or a LocalCluster of `n_workers` processes (one thread each)."""
    import dask
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    dask.config.set({"distributed.worker.daemon": False})  # workers may start a child per document (isolation)
    return DaskTaskRunner(cluster_class="distributed.LocalCluster",
                          cluster_kwargs={"n_workers": n_workers, "processes": True, "threads_per_worker": 1,
                                          "dashboard_address": None})


def flow_params(args: argparse.Namespace) -> dict:
    """The flow's parameters from `muni ingest` / `muni schedule` arguments (JSON-able: they are recorded)."""
    params = {"sources_file": str(args.sources), "warehouse": str(args.warehouse), "report": not args.no_report}
    for name in ("workers", "timeout_s", "memory_mb"):
        if getattr(args, name, None) is not None:
            params[name] = getattr(args, name)
    if getattr(args, "paths", None):
        params["paths"] = [str(p) for p in args.paths]
    return params


def cmd_ingest(args: argparse.Namespace) -> int:
    """Run the nightly flow now, in this process (ephemeral Prefect unless PREFECT_API_URL names a server)."""
    quiet_prefect(args.verbose)
    from flows.nightly import format_summary, nightly_ingest

    fl = nightly_ingest
    params = flow_params(args)
    if args.dask is not None:
        fl = nightly_ingest.with_options(task_runner=dask_runner(args.dask or None, args.dask_workers))
        params["on_cluster"] = True
    run = fl(**params)
    print(format_summary(run))
    return 0


def cmd_schedule(args: argparse.Namespace) -> int:
    """Serve the flow with a cron schedule against a Prefect server (blocks; Ctrl-C stops serving)."""
    quiet_prefect(True)
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        print("muni schedule: no Prefect server configured. Start one with `prefect server start` and set\n"
              "  export PREFECT_API_URL=http://127.0.0.1:4200/api\n"
              "(or use the cron/systemd alternative in docs/flows.md)", file=sys.stderr)
        return 2
    from flows.nightly import nightly_ingest

    nightly_ingest.serve(name=args.name, schedules=[schedule_for(args.cron, args.timezone)],
                         parameters=flow_params(args) | {"show_progress": False})
    return 0


def schedule_for(cron: str, timezone: str):
    """The cron schedule in a time zone (Prefect's Cron: daylight saving handled by the zone)."""
    from prefect.schedules import Cron

    return Cron(cron, timezone=timezone)


def add_commands(sub: argparse._SubParsersAction, default_warehouse: Path) -> None:
    """Register `ingest` and `schedule` on the muni command line."""
    p = sub.add_parser("ingest", help="run the nightly flow now: fetch, extract, load, check, report",
                       description="Ingest the PDFs of the sources file (or of PATH/URL arguments) through the "
                                   "Prefect flow, with progress; prints the run summary.")
    p.add_argument("paths", nargs="*", metavar="PATH_OR_URL", help="local files/folders or URLs (instead of --sources)")
    p.add_argument("--sources", type=Path, default=Path("sources.toml"), help="sources file (default sources.toml)")
    p.add_argument("--warehouse", type=Path, default=default_warehouse)
    p.add_argument("--workers", type=int, help="extraction processes (default: cores, at most 4; 0: in-process)")
    p.add_argument("--timeout-s", type=float, dest="timeout_s", help="time limit per document (default 300)")
    p.add_argument("--memory-mb", type=int, dest="memory_mb", help="memory limit per document (default 2048)")
    p.add_argument("--no-report", action="store_true", help="do not write the findings report")
    p.add_argument("--dask", nargs="?", const="", metavar="ADDRESS",
                   help="extract on a Dask cluster: a scheduler address, or a LocalCluster when none is given")
    p.add_argument("--dask-workers", type=int, default=2, help="LocalCluster worker processes (default 2)")
    p.add_argument("--verbose", action="store_true", help="show Prefect's own log lines")
    p.set_defaults(func=cmd_ingest)
    s = sub.add_parser("schedule", help="serve the nightly flow on a cron schedule (needs `prefect server start`)")
    s.add_argument("--cron", default=DEFAULT_CRON, help=f"cron expression (default {DEFAULT_CRON!r})")
    s.add_argument("--timezone", default=DEFAULT_TIMEZONE, help=f"time zone of the cron (default {DEFAULT_TIMEZONE})")
    s.add_argument("--name", default="nightly", help="deployment name")
    s.add_argument("--sources", type=Path, default=Path("sources.toml").resolve())
    s.add_argument("--warehouse", type=Path, default=default_warehouse.resolve())
    s.add_argument("--workers", type=int)
    s.add_argument("--timeout-s", type=float, dest="timeout_s")
    s.add_argument("--memory-mb", type=int, dest="memory_mb")
    s.add_argument("--no-report", action="store_true")
    s.set_defaults(func=cmd_schedule)
