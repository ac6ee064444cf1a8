"""Peak memory of the whole pipeline on one document, in this (fresh) process: `python -m bench.peak PDF WAREHOUSE`.

Extraction runs in-process (workers=0) so the process's own peak RSS covers extraction, load and checks; the
last line printed is JSON: pages, seconds, peak_rss_mb, status.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident set size so far: VmHWM of its own address space. Not getrusage's ru_maxrss,
    which Linux carries over exec from the parent's address space — a bench parent that ran camelot (700 MB)
    made a 224 MB run read 729 MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    pdf, warehouse = (Path(a) for a in (argv or sys.argv[1:])[:2])
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    from bench.run import run_pipeline

    t = time.perf_counter()
    run = run_pipeline([pdf], warehouse, 0)
    seconds = time.perf_counter() - t
    [o] = run.outcomes
    status = o.extraction.status if o.extraction else o.status
    print(json.dumps({"pages": o.page_count, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "status": status}))


if __name__ == "__main__":
    main()
