"""A warehouse with the samples' truth published as the baseline and a perturbed re-extraction queued for review."""
from __future__ import annotations

import copy
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run

VP = "amn-vp-2022"


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


@pytest.fixture(scope="session")
def queued_warehouse(tmp_path_factory) -> Path:
    """Baseline run `r1` (truth), then `r2` (perturbed): its changes wait for review. Copy it before writing."""
    path = tmp_path_factory.mktemp("review") / "warehouse.duckdb"
    publish_run(path, run_at("r1", 1))
    publish_run(path, run_at("r2", 2, perturb, "truth+perturbed"))
    return path


@pytest.fixture
def warehouse(queued_warehouse, tmp_path) -> Path:
    """A private copy of the queued warehouse."""
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(queued_warehouse, target)
    return target
