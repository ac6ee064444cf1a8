"""pipeline.collector: cyclic garbage collection is held off while a run collects and loads its results, and
comes back as it was afterwards, also when the step fails."""
from __future__ import annotations

import gc
from pathlib import Path

import pytest

from pipeline.collector import collections_paused
from pipeline.ingest import ingest
from tests.conftest import make_text_pdf


def test_collections_are_paused_inside_and_restored_after_also_on_an_error():
    assert gc.isenabled()
    with collections_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collections_paused():
            raise RuntimeError("a load that fails")
    assert gc.isenabled()


def test_a_caller_that_paused_collections_itself_keeps_them_paused():
    gc.disable()
    try:
        with collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_run_extracts_and_loads_with_collections_paused(tmp_path: Path):
    (tmp_path / "in").mkdir()
    make_text_pdf(tmp_path / "in" / "a.pdf", ["Verksamhetsplan 2022"])
    seen: dict[str, bool] = {}

    def extract(path: Path):  # a closure: extracted in this process, where the results are collected
        from pipeline.extract import extract_document

        seen["extract"] = gc.isenabled()
        return extract_document(path)

    run = ingest([tmp_path / "in"], tmp_path / "w.duckdb", extract=extract,
                 progress=lambda step: seen.setdefault(step, gc.isenabled()))
    assert run.recorded and seen == {**seen, "extract": False, "begin": False, "checked": False}
    assert gc.isenabled()
