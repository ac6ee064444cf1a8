"""A warehouse with the samples' truth published as the baseline and a perturbed re-extraction queued for review."""
from __future__ import annotations

import copy
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run

VP = "amn-vp-2022"
SAMPLE_PDFS = Path(__file__).resolve().parents[3] / "samples" / "pdfs"


def perturb(stem: str, records: list) -> None:
    """Three changed values, one added and one removed row, and every record in reverse order (not a change)."""
    if stem != VP:
        return
    risks = [r for r in records if r.ENTITY == "risks"]
    r3 = next(r for r in risks if r.risk_no == 3)
    r3.probability = 4 if r3.probability != 4 else 3
    r5 = next(r for r in risks if r.risk_no == 5)
    r5.consequence = 5 if r5.consequence != 5 else 4
    line = next(r for r in records if r.ENTITY == "budget_lines" and r.value_sek is not None)
    line.value_sek += 1_000_000
    extra = copy.deepcopy(risks[0])
    extra.risk_no = 99
    records.append(extra)
    last = max(r.risk_no for r in risks if r.risk_no is not None)
    records[:] = [r for r in records if not (r.ENTITY == "risks" and r.risk_no == last)]
    records.reverse()


def run_at(run_id: str, day: int, mutate=None, code_version: str = "truth"):
    return truth_run(run_id, datetime(2023, 3, day, tzinfo=timezone.utc), code_version, mutate)


_BUILT: dict[str, Path] = {}


def build_queued(tmp_path_factory) -> Path:
    """Baseline run `r1` (truth), then `r2` (perturbed), built once per session; the samples' PDFs in the store."""
    if "path" not in _BUILT:
        from pipeline.pdfstore import file_sha256, keep_pdf

        path = tmp_path_factory.mktemp("review") / "warehouse.duckdb"
        publish_run(path, run_at("r1", 1))
        publish_run(path, run_at("r2", 2, perturb, "truth+perturbed"))
        for pdf in sorted(SAMPLE_PDFS.glob("*.pdf")):
            keep_pdf(path, file_sha256(pdf), pdf)
        _BUILT["path"] = path
    return _BUILT["path"]


@pytest.fixture(scope="session")
def queued_warehouse(tmp_path_factory) -> Path:
    """The queued warehouse, shared: copy it before writing (fixture `warehouse`)."""
    return build_queued(tmp_path_factory)


@pytest.fixture
def warehouse(queued_warehouse, tmp_path) -> Path:
    """A private copy of the queued warehouse, with its PDF store."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(queued_warehouse, target)
    shutil.copytree(queued_warehouse.parent / "pdfs", tmp_path / "pdfs")
    return target


def query(path: Path, sql: str, params=None) -> list[tuple]:
    """Rows of a read-only query on a warehouse file."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def changes_by_key(path: Path, **filters) -> dict[tuple[str, str | None], object]:
    """The queued changes of a warehouse file (filtered as list_changes filters), by (entity_key, field)."""
    from pipeline.review.store import list_changes

    con = duckdb.connect(str(path), read_only=True)
    try:
        return {(c.entity_key, c.field): c for c in list_changes(con, **filters)}
    finally:
        con.close()
