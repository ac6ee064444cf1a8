"""One real ingest of samples/pdfs shared by the checks-store and report tests (the ingest also writes findings)."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_PDFS = ROOT / "samples" / "pdfs"
_CACHE: dict[str, tuple] = {}


def ingested_samples(tmp_path_factory) -> tuple[Path, object]:
    """(warehouse path, RunSummary) of the pipeline over the two samples, built once per test session."""
    if "samples" not in _CACHE:
        from pipeline.ingest import ingest

        path = tmp_path_factory.mktemp("ingested-samples") / "warehouse.duckdb"
        _CACHE["samples"] = (path, ingest([SAMPLE_PDFS], path))
    return _CACHE["samples"]
