"""One throughput measurement in a fresh process: `python -m bench.throughput WORKERS WAREHOUSE PDF...`.

The whole pipeline (pipeline.ingest.ingest) over the PDFs with WORKERS extraction workers, as shipped. A fresh
process per measurement, so each starts its own fork server.
The last line printed is JSON: documents, pages, seconds, failures.
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
    from bench.run import run_pipeline

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    run = run_pipeline(pdfs, warehouse, workers)
    seconds = time.perf_counter() - t
    failures = sum(1 for o in run.outcomes if o.status == "failed" or (o.extraction and o.extraction.status == "failed"))
    print(json.dumps({"documents": len(run.outcomes), "pages": run.pages_total, "seconds": seconds,
                      "failures": failures}))


if __name__ == "__main__":
    main()
