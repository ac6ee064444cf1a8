"""Never half-written, never blocking: killed loads leave the previous state; readers query during a load.

The loads here run in child processes (`python -m tests.warehouse.truth_run`), which print each step of
the load and can be told to SIGKILL themselves at a step, or to wait at a step until the test says go.
Timeouts below only stop a hung test; nothing asserts on time.
"""
from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from tests.warehouse.conftest import ROOT, fingerprint
from tests.warehouse.reader import incomplete_runs
from tests.warehouse.truth_run import truth_run
from warehouse.load import publish_run
from warehouse.snapshot import next_path, writing

HANG = 300  # seconds before a stuck child is considered hung (a safety net, not an assertion)


def child(args: list[str], env: dict | None = None, stdin=None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=stdin, text=True, env={**os.environ, **(env or {})})


def lines_of(proc: subprocess.Popen) -> "queue.Queue[str | None]":
    """A queue of the child's stdout lines (None at its end), read by a thread so the test never blocks."""
    q: "queue.Queue[str | None]" = queue.Queue()

    def pump():
        for line in proc.stdout:
            q.put(line.rstrip("\n"))
        q.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return q


def run_state(path: Path) -> tuple[list[str], list[str]]:
    """(run ids, incomplete runs) of the published warehouse."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(r[0] for r in con.execute("SELECT run_id FROM runs").fetchall()), incomplete_runs(con)
    finally:
        con.close()


@pytest.fixture()
def base(tmp_path: Path) -> Path:
    """A warehouse holding one complete run (`r1`)."""
    path = tmp_path / "w.duckdb"
    publish_run(path, truth_run("r1"))
    return path


def load_steps(tmp_path: Path) -> list[str]:
    """The steps a load goes through (from a full load into a scratch warehouse)."""
    scratch = tmp_path / "scratch.duckdb"
    publish_run(scratch, truth_run("r0"))
    steps: list[str] = []
    publish_run(scratch, truth_run("r2"), steps.append)
    assert steps[0] == "copied" and steps[-1] == "closed" and "commit" in steps
    return steps


def test_a_load_killed_at_random_points_leaves_the_previous_state(base: Path, tmp_path: Path):
    steps = load_steps(tmp_path)
    before = fingerprint(base)
    seed = random.randrange(10 ** 6)
    points = sorted(random.Random(seed).sample(range(len(steps)), 3) + [steps.index("commit"), len(steps) - 1])
    for point in points:
        proc = subprocess.run([sys.executable, "-m", "tests.warehouse.truth_run", str(base), "r2", str(point)],
                              cwd=ROOT, capture_output=True, text=True, timeout=HANG)
        assert proc.returncode == -signal.SIGKILL, f"seed {seed}, step {point}: {proc.stderr}"
        assert fingerprint(base) == before, f"seed {seed}: killed after step {point} ({steps[point]}) changed the state"
    # the next load cleans up what the killed ones left and succeeds
    publish_run(base, truth_run("r2"))
    assert run_state(base) == (["r1", "r2"], [])
    assert not next_path(base).exists()


def test_a_load_killed_at_an_arbitrary_moment_is_all_or_nothing(base: Path):
    """The parent kills the child while it runs on: it may land anywhere, even after the swap."""
    before = fingerprint(base)
    seed = random.randrange(10 ** 6)
    after_step = random.Random(seed).randrange(15)
    proc = child(["tests.warehouse.truth_run", str(base), "r2"])
    out = lines_of(proc)
    while (line := out.get(timeout=HANG)) is not None and not line.startswith(f"{after_step} "):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=HANG)
    runs, partial = run_state(base)
    assert partial == []
    assert runs in (["r1"], ["r1", "r2"]), f"seed {seed}"
    if runs == ["r1"]:
        assert fingerprint(base) == before


def test_a_failing_writer_leaves_the_published_file_alone(base: Path):
    before = fingerprint(base)
    with pytest.raises(RuntimeError):
        with writing(base) as snap:
            snap.con.execute("DELETE FROM run_risks")
            snap.publish = True
            raise RuntimeError("boom")
    assert fingerprint(base) == before
    assert not next_path(base).exists()


def test_readers_query_during_a_load_and_never_see_a_partial_run(base: Path, tmp_path: Path):
    stop = tmp_path / "stop"
    reader = child(["tests.warehouse.reader", str(base), str(stop)])
    seen = lines_of(reader)

    def next_read() -> str:
        line = seen.get(timeout=HANG)
        assert line is not None and line.startswith("ok "), f"reader failed: {line} {reader.stderr.read()}"
        return line

    next_read()  # the reader is up
    writer = child(["tests.warehouse.truth_run", str(base), "r2"], env={"TRUTH_RUN_WAIT_AT": "table:run_accounts"},
                   stdin=subprocess.PIPE)
    steps = lines_of(writer)
    while (step := steps.get(timeout=HANG)) is not None and not step.endswith("table:run_accounts"):
        pass
    assert step is not None, writer.stderr.read()
    # the writer is inside its transaction, holding the next file: readers go on, and see the old state
    during = [next_read() for _ in range(5)]
    assert all(line.split()[2] == "r1" for line in during)
    writer.stdin.write("go\n")
    writer.stdin.flush()
    assert writer.wait(timeout=HANG) == 0, writer.stderr.read()
    while (line := next_read()).split()[2] != "r1,r2":
        assert line.split()[2] == "r1"
    after = [next_read() for _ in range(3)]
    stop.touch()
    assert reader.wait(timeout=HANG) == 0, reader.stderr.read()
    while (line := seen.get(timeout=HANG)) is not None:
        assert line.startswith("ok "), line
    assert all(line.split()[2] == "r1,r2" for line in after)
    assert run_state(base) == (["r1", "r2"], [])


def test_muni_query_is_read_only_and_runs_during_a_load(base: Path, capsys):
    from pipeline.cli import main

    with writing(base) as snap:  # a writer holds the next state open
        snap.con.execute("DELETE FROM run_risks")
        assert main(["query", "SELECT count(*) AS n FROM risks", "--warehouse", str(base)]) == 0
        assert "\n66\n" in capsys.readouterr().out
    assert main(["query", "DELETE FROM run_risks", "--warehouse", str(base)]) == 1
    assert "read-only" in capsys.readouterr().err
    assert main(["query", f"COPY risks TO '{base.parent / 'x.csv'}'", "--warehouse", str(base)]) == 1
    assert not (base.parent / "x.csv").exists()


def test_a_legacy_write_ahead_log_is_replayed_before_copying(tmp_path: Path):
    """A file written in place by an older version and killed keeps its last commits in `<file>.wal`."""
    path = tmp_path / "w.duckdb"
    script = ("import os, duckdb; from warehouse.db import connect; con = connect(%r); "
              "con.execute(\"SET checkpoint_threshold = '1GB'\"); "
              "con.execute(\"INSERT INTO runs (run_id, started_at, code_version, status) "
              "VALUES ('legacy', now()::TIMESTAMP, 'old', 'succeeded')\"); os._exit(0)") % str(path)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=HANG)
    assert (tmp_path / "w.duckdb.wal").exists()
    with writing(path) as snap:
        assert snap.con.execute("SELECT run_id FROM runs").fetchall() == [("legacy",)]
        snap.publish = True
    assert run_state(path) == (["legacy"], [])
    assert not (tmp_path / "w.duckdb.wal").exists()
