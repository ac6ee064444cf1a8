"""`muni check` and `muni report`: thin command-line shells over pipeline.checks.store and pipeline.report."""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def cmd_check(args: argparse.Namespace) -> int:
    """Re-run the checks over the published state; the findings replace those of the latest run."""
    from pipeline.checks.model import SEVERITIES
    from pipeline.checks.store import latest_run_id, run_checks
    from warehouse.snapshot import writing

    if not Path(args.warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {args.warehouse} (run `muni ingest` first)")
    with writing(args.warehouse) as snap:
        run_id = latest_run_id(snap.con)
        if run_id is None:
            print("muni check: the warehouse has no succeeded run to attach findings to", file=sys.stderr)
            return 2
        findings = run_checks(snap.con, run_id)
        snap.publish = True
    counts = Counter(f.severity for f in findings)
    print(f"run {run_id}: {len(findings)} findings (" + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES) + ")")
    for rule, n in sorted(Counter(f.rule_id for f in findings).items()):
        print(f"  {n:>4}  {rule}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the findings report (HTML, xlsx, crops, charts) for a run into a folder."""
    from pipeline.report.build import write_report

    paths = write_report(args.warehouse, args.out, run_id=args.run)
    print(f"{paths.findings} findings, {paths.images} images")
    print(f"  {paths.html}")
    print(f"  {paths.xlsx}")
    return 0


def add_commands(sub: argparse._SubParsersAction, default_warehouse: Path) -> None:
    """Register `check` and `report` on the `muni` parser."""
    c = sub.add_parser("check", help="re-run the checks over the published state (findings for the latest run)")
    c.add_argument("--warehouse", type=Path, default=default_warehouse)
    c.set_defaults(func=cmd_check)
    r = sub.add_parser("report", help="findings report: HTML page and xlsx with cropped evidence images and charts")
    r.add_argument("--out", type=Path, required=True, metavar="DIR")
    r.add_argument("--warehouse", type=Path, default=default_warehouse)
    r.add_argument("--run", metavar="RUN_ID", help="findings of this run (default: the run that ran the checks last)")
    r.set_defaults(func=cmd_report)
