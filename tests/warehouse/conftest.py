"""The warehouse built once per test session from the samples' truth (fast, full tables); the real ingest of the
samples is the session fixture `sample_ingest` in tests/conftest.py."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PDFS = ROOT / "samples" / "pdfs"


@pytest.fixture(scope="session")
def truth_warehouse(tmp_path_factory) -> Path:
    """Both samples loaded as their ground truth says (run `truth-1`). Open it read-only only."""
    path = tmp_path_factory.mktemp("truth") / "warehouse.duckdb"
    publish_run(path, truth_run())
    return path


def fingerprint(path: Path) -> dict[str, list[tuple]]:
    """Every base table's rows, sorted: two equal fingerprints are two identical warehouses."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY ALL').fetchall() for t in tables}
    finally:
        con.close()
