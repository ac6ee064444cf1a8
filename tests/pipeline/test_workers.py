"""The worker pool: a hung, crashed or memory-hungry document fails alone, with the reason; order is kept."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from extractors.classify import DocumentInfo, Segmentation
from pipeline.extract import DocumentExtraction
from pipeline.records import Problem
from pipeline.workers import (WorkerLimits, call_isolated, exit_error, extract_in_workers, inspect_all_isolated,
                              inspect_isolated)

LIMITS = WorkerLimits(timeout_s=120, memory_mb=1024)  # generous: only `hang` may reach a time limit
_kept: list[bytearray] = []  # what `keep` and `grow` leave behind in a worker child
_tainted: list[bool] = []  # set by `taint`: the child is spoilt for `fragile`


def behave(path: Path) -> DocumentExtraction:
    """A picklable stand-in extractor whose behaviour is the file's name: ok, hang, crash, hog, raise; keep (leaves
    400 MB behind), grow (leaves 600 MB behind), use (needs 800 MB for a moment); taint (spoils its child), fragile
    (crashes in a spoilt child)."""
    kind = path.stem
    if kind.startswith("keep"):
        _kept.append(bytearray(400 * 2**20))
    elif kind.startswith("grow"):
        _kept.append(bytearray(600 * 2**20))
    elif kind.startswith("use"):
        del bytearray(800 * 2**20)[:]
    elif kind.startswith("taint"):
        _tainted.append(True)
    elif kind.startswith("fragile") and _tainted:
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind.startswith("hang"):
        time.sleep(3600)
    elif kind.startswith("crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind.startswith("hog"):
        blocks = [bytearray(256 * 2**20)]  # over the cap at the next request, before touching much memory
        blocks.append(bytearray(4 * 2**30))
    elif kind.startswith("raise"):
        raise ValueError("bad table")
    info = DocumentInfo("VP", 2022, "Arbetsmarknadsnämnden", kind, "test")
    return DocumentExtraction(path, info, 1, Segmentation({}, []), problems=[Problem(1, "vor", f"pid {os.getpid()}")])


def files(tmp_path: Path, *names: str) -> list[Path]:
    out = []
    for n in names:
        p = tmp_path / f"{n}.pdf"
        p.write_bytes(b"%PDF-1.4\n")
        out.append(p)
    return out


def test_each_failure_is_its_own_and_says_why(tmp_path: Path):
    paths = files(tmp_path, "ok1", "crash", "hog", "raise", "ok2")
    done: list[str] = []
    out = extract_in_workers(paths, 2, LIMITS, extract=behave, on_done=lambda p, r: done.append(p.stem))
    assert [p for p, _, _ in out] == paths
    by = {p.stem: (d, r) for p, d, r in out}
    assert by["ok1"][1].status == by["ok2"][1].status == "succeeded"
    assert by["ok1"][0].info.title == "ok1" and by["ok1"][0].problems[0].message != f"pid {os.getpid()}"
    assert by["crash"][1].error.startswith("worker died (signal 11")
    assert by["hog"][1].error == "memory limit 1024 MB exceeded"
    assert by["raise"][1].error.startswith("ValueError: bad table (")
    assert all(by[k][0] is None for k in ("crash", "hog", "raise"))
    assert sorted(done) == sorted(p.stem for p in paths)


def pids(out: list) -> list[str]:
    """The worker process each stand-in extraction ran in."""
    return [d.problems[0].message if d is not None else None for _, d, _ in out]


def test_a_worker_serves_document_after_document():
    paths = [Path(f"/nowhere/ok{i}.pdf") for i in range(5)]
    out = extract_in_workers(paths, 1, LIMITS, extract=behave)
    assert [r.status for _, _, r in out] == ["succeeded"] * 5
    assert len(set(pids(out))) == 1 and pids(out)[0] != f"pid {os.getpid()}"


def test_a_crash_after_other_documents_is_tried_again_in_a_fresh_worker():
    paths = [Path(f"/nowhere/{n}.pdf") for n in ("taint", "fragile", "ok1", "crash", "ok2")]
    done: list[str] = []
    out = extract_in_workers(paths, 1, LIMITS, extract=behave, on_done=lambda p, r: done.append(p.stem))
    by = dict(zip([p.stem for p in paths], out))
    # `fragile` only crashed because `taint` ran before it in the same child: alone in a fresh one, it succeeds
    assert by["fragile"][2].status == "succeeded" and pids(out)[1] != pids(out)[0]
    # `crash` crashes alone too: that failure is its own; the documents after it are unaffected
    assert by["crash"][2].error.startswith("worker died (signal 11") and by["ok2"][2].status == "succeeded"
    assert sorted(done) == sorted(p.stem for p in paths)  # each reported once, a second try included


def test_each_document_gets_the_whole_memory_allowance_and_a_grown_worker_retires():
    out = extract_in_workers([Path(f"/nowhere/{n}.pdf") for n in ("keep", "use", "grow", "ok")], 1, LIMITS,
                             extract=behave)
    assert [r.status for _, _, r in out] == ["succeeded"] * 4
    # `use` needed 800 MB on top of the 400 MB `keep` left behind: more than 1024 MB over the child's start
    assert pids(out)[0] == pids(out)[1] == pids(out)[2]
    # after `grow` the child held 1000 MB more than at its start (over half the allowance): it retired
    assert pids(out)[3] != pids(out)[2]


def test_a_hung_document_is_killed_at_the_time_limit_and_the_others_finish(tmp_path: Path):
    paths = files(tmp_path, "hang", "ok")
    out = extract_in_workers(paths, 2, WorkerLimits(timeout_s=2, memory_mb=1024), extract=behave)
    assert out[0][2].error == "timeout after 2 s" and out[0][1] is None
    assert out[1][2].status == "succeeded"


def test_in_process_mode_for_unpicklable_extractors(tmp_path: Path):
    paths = files(tmp_path, "ok")
    out = extract_in_workers(paths, 0, LIMITS, extract=lambda p: behave(p))
    assert out[0][2].status == "succeeded" and out[0][1].problems[0].message == f"pid {os.getpid()}"


def test_exit_reasons_in_words():
    assert exit_error(-9) == "worker died (signal 9, SIGKILL)"
    assert exit_error(3) == "worker died (exit code 3) before sending a result"


def test_limits_from_env():
    assert WorkerLimits.from_env({"MUNI_EXTRACT_TIMEOUT_S": "12", "MUNI_EXTRACT_MEMORY_MB": "300"}) == \
        WorkerLimits(12.0, 300)
    assert WorkerLimits.from_env({}) == WorkerLimits()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_real_pdf_extracts_in_a_worker(workers: int, tmp_path: Path):
    from tests.conftest import make_text_pdf

    pdf = make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"])
    [(path, doc, result)] = extract_in_workers([pdf], workers, WorkerLimits(120, 2048))
    assert path == pdf and result.status == "succeeded" and doc.page_count == 1


def test_one_call_in_a_child_under_the_limits(tmp_path: Path):
    ok, doc = call_isolated(behave, tmp_path / "ok.pdf", LIMITS)
    assert ok and doc.info.title == "ok"
    assert call_isolated(behave, tmp_path / "hang.pdf", WorkerLimits(2, 1024)) == (False, "timeout after 2 s")
    ok, why = call_isolated(behave, tmp_path / "crash.pdf", LIMITS)
    assert not ok and why.startswith("worker died (signal 11")
    assert call_isolated(behave, tmp_path / "hog.pdf", LIMITS) == (False, "memory limit 1024 MB exceeded")
    assert call_isolated(behave, tmp_path / "raise.pdf", LIMITS) == (False, "ValueError: bad table")


def test_the_first_look_runs_isolated(tmp_path: Path):
    from tests.conftest import make_text_pdf

    pdf = make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"], pages=2)
    info = inspect_isolated(pdf, LIMITS)
    assert info.ok and info.page_count == 2 and info.first_text == "Verksamhetsplan 2022"
    (tmp_path / "b.pdf").write_text("<html><title>Not found</title></html>")
    assert inspect_isolated(tmp_path / "b.pdf", LIMITS).reason == "not_pdf"
    gone = inspect_isolated(tmp_path / "missing.pdf", LIMITS)
    assert (gone.ok, gone.reason) == (False, "unreadable") and "first look failed: FileNotFoundError" in gone.detail


def test_first_looks_run_side_by_side_and_a_bad_file_spoils_none(tmp_path: Path):
    from tests.conftest import make_text_pdf

    a = make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"])
    b = make_text_pdf(tmp_path / "b.pdf", ["Verksamhetsberättelse 2022"], pages=3)
    (tmp_path / "c.pdf").write_text("<html><title>Not found</title></html>")
    infos = inspect_all_isolated([a, tmp_path / "c.pdf", tmp_path / "missing.pdf", b], LIMITS, 2)
    assert [(i.ok, i.reason, i.page_count) for i in infos] == [
        (True, None, 1), (False, "not_pdf", 0), (False, "unreadable", 0), (True, None, 3)]
    assert infos[3].first_text == "Verksamhetsberättelse 2022"


def test_first_look_limits_come_from_this_process_not_from_the_fork_server(tmp_path: Path, monkeypatch):
    from tests.conftest import make_text_pdf

    pdf = make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"], pages=3)
    assert inspect_isolated(pdf, LIMITS).ok  # the fork server is up, started without the setting below
    monkeypatch.setenv("MUNI_MAX_PAGES", "2")
    [info] = inspect_all_isolated([pdf], LIMITS, 2)
    assert (info.ok, info.reason) == (False, "too_large") and "over the limit of 2 pages" in info.detail


def test_a_library_that_cannot_be_mapped_under_the_cap_is_a_memory_failure():
    from pipeline.workers import out_of_memory

    assert out_of_memory("MemoryError: ")
    assert out_of_memory("ImportError: /x/_rust.abi3.so: failed to map segment from shared object (base.py:10)")
    assert not out_of_memory("ValueError: no pages")


def test_the_memory_cap_counts_from_the_workers_starting_size():
    from pipeline.workers import address_space_bytes

    assert address_space_bytes() > 10 * 2**20  # a Python process with this test suite loaded
