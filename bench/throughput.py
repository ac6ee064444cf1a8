"""One throughput measurement in a fresh process: `python -m bench.throughput WORKERS WAREHOUSE PDF...`.

The whole pipeline (pipeline.ingest.ingest) over the PDFs with WORKERS extraction workers, as shipped. A fresh
process per measurement, so each starts its own fork server (inside the plan: its first looks are the first work
of the workers). The last line printed is JSON: documents, pages, seconds, failures, and seconds per phase (the
import of the pipeline, then the run's own: plan, extract, load).
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
    from pipeline.ingest import ingest

    imported = time.perf_counter() - t0
    run = ingest(pdfs, warehouse, workers=workers)
    seconds = time.perf_counter() - t0
    failures = sum(1 for o in run.outcomes if o.status == "failed" or (o.extraction and o.extraction.status == "failed"))
    print(json.dumps({"documents": len(run.outcomes), "pages": run.pages_total, "seconds": seconds,
                      "failures": failures, "phases": {"import": imported, **run.seconds}}))


if __name__ == "__main__":
    main()
