"""Writing the warehouse without ever blocking or confusing its readers.

DuckDB lets one process write a database file and forbids every other process to open it meanwhile, even
read-only. Auditors must be able to query while the nightly job loads, so the job never writes the
published file: it copies it to `<file>.next`, migrates and loads the copy, checkpoints and closes it, and
atomically renames it over the published file (`os.replace`). A reader opens the published file read-only
and sees either the state before the run or the state after it, never a part of it; a reader that is
already connected keeps its snapshot until it reconnects. A crash or kill at any point before the rename
leaves the published file untouched; the abandoned `.next` is removed by the next writer.

Writers are serialised by an advisory lock on `<file>.lock` (the nightly job, a steward's review, the
checks: every writer goes through `writing`).
"""
from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from warehouse.db import migrate, schema_version

Progress = Callable[[str], None]


def _quiet(step: str) -> None:
    """The default progress callback: says nothing."""


def next_path(path: Path) -> Path:
    """Where the next state is built before it is swapped in."""
    return path.with_name(path.name + ".next")


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


@contextmanager
def writer_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of the warehouse at `path` (blocks until the other writer is done)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path(path), "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _remove(*paths: Path) -> None:
    for p in paths:
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Snapshot:
    """The next state of the warehouse, open for writing. Set `publish` to swap it in when the block ends."""

    con: duckdb.DuckDBPyConnection
    path: Path  # the published file this snapshot will replace
    publish: bool
    schema_before: int
    schema_after: int


@contextmanager
def writing(path: Path | str, progress: Progress = _quiet) -> Iterator[Snapshot]:
    """Open the next state of the warehouse at `path` for writing; swap it in atomically if `publish` is set.

    The next state starts as a copy of the published file (or an empty database), migrated to the newest
    schema. If the block raises, or leaves `publish` false, the published file is not touched. A new
    warehouse, or one whose schema was migrated, is published even when nothing else changed.
    """
    path = Path(path)
    nxt = next_path(path)
    with writer_lock(path):
        _remove(nxt, wal_path(nxt))  # what a killed writer left behind
        try:
            if path.exists():
                if wal_path(path).exists():  # written by a pre-snapshot version: replay its log first
                    duckdb.connect(str(path)).close()
                shutil.copyfile(path, nxt)
            progress("copied")
            con = duckdb.connect(str(nxt))
        except BaseException:  # e.g. the disk filled up while copying: leave no partial next state behind
            _remove(nxt, wal_path(nxt))
            raise
        try:
            before = schema_version(con)
            after = migrate(con)
            progress("migrated")
            snap = Snapshot(con, path, publish=not path.exists() or after != before, schema_before=before,
                            schema_after=after)
            yield snap
            if snap.publish:
                con.execute("CHECKPOINT")
                progress("checkpointed")
        except BaseException:
            con.close()
            _remove(nxt, wal_path(nxt))
            raise
        con.close()
        if not snap.publish:
            _remove(nxt, wal_path(nxt))
            return
        _fsync(nxt)
        progress("closed")
        os.replace(nxt, path)
        _fsync(path.parent)


def open_published(path: Path | str, **config) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published warehouse (what auditors and exports use)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path} (run `muni ingest` first)")
    return duckdb.connect(str(path), read_only=True, config=config or {})
