"""Extraction (and the first look at a file) in child processes: one process per document, stopped at a time
limit and a memory limit.

A PDF that makes the extractor hang, crash the interpreter (a segfault in pdfium) or eat all memory must cost
only that document: each document is extracted in its own child process (multiprocessing "forkserver": the
children fork from a clean server that preloaded the extractors, never from this process, which may run
Prefect's threads). The child caps its address space (RLIMIT_AS) and sends its result back through a pipe;
the parent kills it when the time limit passes. Up to `workers` children run at once.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from pipeline.ingest import ExtractionResult, run_extraction

if TYPE_CHECKING:
    from pipeline.extract import DocumentExtraction

Extract = Callable[[Path], "DocumentExtraction"]
Outcome = tuple[Path, "DocumentExtraction | None", ExtractionResult]
PRELOAD = ["pipeline.extract", "pipeline.workers", "parsers.preload"]  # children fork with models loaded


@dataclass(frozen=True)
class WorkerLimits:
    """How long one document may take, and how much memory (address space) it may add to its worker's starting
    size (the preloaded code and language data are shared and not counted)."""

    timeout_s: float = 300.0
    memory_mb: int = 2048

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "WorkerLimits":
        """Limits from MUNI_EXTRACT_TIMEOUT_S and MUNI_EXTRACT_MEMORY_MB (defaults otherwise)."""
        env = os.environ if env is None else env
        d = cls()
        return cls(float(env.get("MUNI_EXTRACT_TIMEOUT_S", d.timeout_s)),
                   int(env.get("MUNI_EXTRACT_MEMORY_MB", d.memory_mb)))


def failure(error: str) -> ExtractionResult:
    return ExtractionResult("failed", error=error)


def timeout_error(limits: WorkerLimits) -> str:
    return f"timeout after {limits.timeout_s:g} s"


def memory_error(limits: WorkerLimits) -> str:
    return f"memory limit {limits.memory_mb} MB exceeded"


def exit_error(exitcode: int | None) -> str:
    """Why a worker that sent nothing is gone, in words."""
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown"
        return f"worker died (signal {-exitcode}, {name})"
    return f"worker died (exit code {exitcode}) before sending a result"


def address_space_bytes() -> int:
    """This process's current virtual size (Linux /proc; 0 where that is not available)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(memory_mb: int) -> None:
    """Cap this process's address space at its current size plus `memory_mb`, so a runaway allocation fails
    here instead of starving the machine, whatever the fork server had preloaded."""
    cap = address_space_bytes() + memory_mb * 2**20
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (cap if hard == resource.RLIM_INFINITY else min(cap, hard), hard))


def out_of_memory(error: str) -> bool:
    """Does an extraction error say the memory cap was hit (a MemoryError, or a library that could not be
    mapped into the capped address space)?"""
    return error.startswith("MemoryError") or "failed to map segment" in error or "Cannot allocate memory" in error


Call = tuple[bool, object]  # (True, fn(arg)) or (False, why not)


def call_child(conn: multiprocessing.connection.Connection, fn: Callable, arg: object, limits: WorkerLimits) -> None:
    """The child's body: `fn(arg)` under the memory cap, sent to the parent as (True, value) or (False, why)."""
    try:
        limit_memory(limits.memory_mb)
        conn.send((True, fn(arg)))
    except MemoryError:
        conn.send((False, memory_error(limits)))
    except Exception as exc:  # the parent gets the reason, not a traceback
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


@dataclass
class Running:
    """A child at work on the argument at `index`."""

    index: int
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    deadline: float


def noop() -> None:
    """A child that does nothing: starting it waits until the fork server has preloaded the extractors."""


_warm: set[int] = set()  # processes whose fork server is known to be up


def start_worker_server() -> None:
    """Start the fork server without waiting for it to be up (it preloads the extractors and the language data, ~2 s
    of one core): the caller can do other work meanwhile; `worker_context` waits for it."""
    import multiprocessing.forkserver

    if os.getpid() not in _warm:
        multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
        multiprocessing.forkserver.ensure_running()


def worker_context() -> multiprocessing.context.BaseContext:
    """The forkserver context, its server up and preloaded (children then start in milliseconds, so a time limit
    measures the work, not the server's start)."""
    ctx = multiprocessing.get_context("forkserver")
    if os.getpid() not in _warm:
        start_worker_server()
        warm = ctx.Process(target=noop, daemon=True)
        warm.start()
        warm.join()
        _warm.add(os.getpid())
    return ctx


def start_child(ctx: multiprocessing.context.BaseContext, index: int, fn: Callable, arg: object,
                limits: WorkerLimits) -> Running:
    receiver, sender = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=call_child, args=(sender, fn, arg, limits), name=f"isolated-{index}", daemon=True)
    proc.start()
    sender.close()  # the child holds the only writing end: EOF on the pipe means it is gone
    return Running(index, proc, receiver, time.monotonic() + limits.timeout_s)


def finish_child(run: Running) -> Call:
    """Collect a child whose pipe or process became ready: what it sent, or why it sent nothing."""
    try:
        outcome = run.conn.recv()
    except (EOFError, OSError):
        run.process.join()
        outcome = (False, exit_error(run.process.exitcode))
    run.conn.close()
    run.process.join()
    return outcome


def stop_child(run: Running) -> None:
    """Kill a child that ran past its time limit and reap it."""
    run.process.kill()
    run.process.join()
    run.conn.close()


def call_in_workers(fn: Callable, args: list, workers: int, limits: WorkerLimits,
                    on_start: Callable[[int], None] | None = None,
                    on_done: Callable[[int, Call], None] | None = None) -> list[Call]:
    """`fn(arg)` for every arg, each in its own child process, at most `workers` at once; results in input order.

    A child that runs past `limits.timeout_s`, dies, raises or exceeds `limits.memory_mb` gives (False, why);
    the others are unaffected. `fn` must be picklable (a module-level function or a partial of one).
    """
    if not args:
        return []  # nothing to do: no fork server started for it
    results: list[Call | None] = [None] * len(args)

    def done(i: int, outcome: Call) -> None:
        results[i] = outcome
        if on_done is not None:
            on_done(i, outcome)

    ctx = worker_context()
    todo = list(range(len(args)))[::-1]
    running: list[Running] = []
    try:
        while todo or running:
            while todo and len(running) < max(1, workers):
                i = todo.pop()
                if on_start is not None:
                    on_start(i)
                running.append(start_child(ctx, i, fn, args[i], limits))
            wait = max(0.0, min(r.deadline for r in running) - time.monotonic())
            ready = set(multiprocessing.connection.wait([r.conn for r in running], timeout=wait))
            now = time.monotonic()
            for r in list(running):
                if r.conn in ready:
                    running.remove(r)
                    done(r.index, finish_child(r))
                elif now >= r.deadline:
                    running.remove(r)
                    stop_child(r)
                    done(r.index, (False, timeout_error(limits)))
    finally:
        for r in running:  # interrupted (Ctrl-C, a crash in a callback): leave no orphans
            stop_child(r)
    return results  # type: ignore[return-value]


def call_isolated(fn: Callable, arg: object, limits: WorkerLimits) -> Call:
    """`fn(arg)` in a child process under the time and memory limits: (True, value) or (False, why not)."""
    [outcome] = call_in_workers(fn, [arg], 1, limits)
    return outcome


# ----- extraction: one document per child -----------------------------------------------------------------

def extract_checked(extract: Extract | None, limits: WorkerLimits, path: Path
                    ) -> tuple["DocumentExtraction | None", ExtractionResult]:
    """Extract one document (in a child); an error that says the memory cap was hit is said as such."""
    if extract is None:
        from pipeline.extract import extract_document as extract
    doc, result = run_extraction(extract, path)
    if result.error and out_of_memory(result.error):
        return None, failure(memory_error(limits))
    return doc, result


def extraction_of(outcome: Call) -> tuple["DocumentExtraction | None", ExtractionResult]:
    """A child's (doc, result), or a failed result saying why the child gave none."""
    ok, value = outcome
    return value if ok else (None, failure(str(value)))  # type: ignore[return-value]


def extract_in_workers(paths: list[Path], workers: int, limits: WorkerLimits, extract: Extract | None = None,
                       on_done: Callable[[Path, ExtractionResult], None] | None = None,
                       on_start: Callable[[Path], None] | None = None) -> list[Outcome]:
    """Extract every document in its own child process, at most `workers` at once; results in input order.

    A document whose worker hangs past `limits.timeout_s`, dies, or exceeds `limits.memory_mb` gets a failed
    ExtractionResult saying why; the others are unaffected. `extract` must be picklable (a module-level
    function); None means pipeline.extract.extract_document. `workers=0` extracts in this process, without
    isolation (for debugging and for tests with unpicklable fakes).
    """
    paths = [Path(p) for p in paths]
    if workers <= 0:
        if extract is None:
            from pipeline.extract import extract_document as extract
        out = []
        for p in paths:
            if on_start is not None:
                on_start(p)
            doc, result = run_extraction(extract, p)
            if on_done is not None:
                on_done(p, result)
            out.append((p, doc, result))
        return out
    outcomes = call_in_workers(
        partial(extract_checked, extract, limits), paths, workers, limits,
        on_start=(lambda i: on_start(paths[i])) if on_start is not None else None,
        on_done=(lambda i, o: on_done(paths[i], extraction_of(o)[1])) if on_done is not None else None)
    return [(p, *extraction_of(o)) for p, o in zip(paths, outcomes)]


def extract_isolated(path: Path, limits: WorkerLimits, extract: Extract | None = None
                     ) -> tuple["DocumentExtraction | None", ExtractionResult]:
    """One document in its own child process — or in this one when it may not have children (a daemonic worker,
    e.g. a Dask worker started with `distributed.worker.daemon: true`)."""
    workers = 0 if multiprocessing.current_process().daemon else 1
    [(_, doc, result)] = extract_in_workers([path], workers, limits, extract)
    return doc, result


# ----- the first look at an untrusted file ----------------------------------------------------------------

def inspect_isolated(path: Path, limits: WorkerLimits):
    """The first look at a file (extractors.pdf.inspect_pdf) in a child: a PDF that hangs or crashes pdfium while
    being opened is recorded as unreadable, with the reason, instead of taking the run down."""
    [info] = inspect_all_isolated([path], limits, 1)
    return info


FIRST_LOOKS_PER_CHILD = 16  # a child costs ~25 ms to start from the preloaded fork server; a first look ~10 ms


def inspect_batch(limits: "InspectLimits", paths: list[Path]) -> list:
    """First looks at a few files, one after another, in one child."""
    from extractors.pdf import inspect_pdf

    return [inspect_pdf(p, limits=limits) for p in paths]


def inspect_all_isolated(paths: list[Path], limits: WorkerLimits, workers: int) -> list:
    """First looks at many files in children, `workers` at once, up to FIRST_LOOKS_PER_CHILD files per child. A
    batch whose child fails (a file that hangs, crashes pdfium, eats memory or cannot be read) is looked at again
    one file per child, as `inspect_isolated` would, so the failure is pinned on its own file and the others
    are unaffected."""
    from extractors.pdf import InspectLimits, failed

    # the limits are read here, from this process's environment: the children fork from a server started earlier
    look = InspectLimits.from_env()
    paths = [Path(p) for p in paths]
    workers = max(1, workers)
    size = max(1, min(FIRST_LOOKS_PER_CHILD, -(-len(paths) // workers)))
    starts = range(0, len(paths), size)
    out: list = [None] * len(paths)
    again: list[int] = []
    for start, (ok, value) in zip(starts, call_in_workers(partial(inspect_batch, look),
                                                          [paths[i:i + size] for i in starts], workers, limits)):
        if ok:
            out[start:start + len(value)] = value
        else:
            again.extend(range(start, min(start + size, len(paths))))
    for i, (ok, value) in zip(again, call_in_workers(partial(inspect_batch, look), [[paths[i]] for i in again],
                                                     workers, limits)):
        out[i] = value[0] if ok else failed("unreadable", f"first look failed: {value}")
    return out
