"""One throughput measurement in a fresh process: `python -m bench.throughput WORKERS WAREHOUSE PDF...`.

The whole pipeline over the PDFs with WORKERS extraction workers, as shipped: pipeline.ingest.ingest's three
phases (plan_run, extract_plan, load_plan) called in its order, each timed. A fresh process per measurement, so
each starts its own fork server (inside the plan: its first looks are the first work of the workers).
The last line printed is JSON: documents, pages, seconds, failures, and seconds per phase.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    args = argv or sys.argv[1:]
    workers, warehouse, pdfs = int(args[0]), Path(args[1]), [Path(p) for p in args[2:]]
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    from pipeline.ingest import extract_plan, load_plan, local_inputs, plan_run

    t1 = time.perf_counter()
    plan = plan_run(local_inputs(pdfs), warehouse, workers=workers)
    t2 = time.perf_counter()
    extract_plan(plan, workers=workers)
    t3 = time.perf_counter()
    run = load_plan(plan, warehouse, workers=workers)
    t4 = time.perf_counter()
    failures = sum(1 for o in run.outcomes if o.status == "failed" or (o.extraction and o.extraction.status == "failed"))
    print(json.dumps({"documents": len(run.outcomes), "pages": run.pages_total, "seconds": t4 - t0,
                      "failures": failures, "phases": {"import": t1 - t0, "plan": t2 - t1, "extract": t3 - t2,
                                                       "load": t4 - t3}}))


if __name__ == "__main__":
    main()
