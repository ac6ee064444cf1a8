"""Extraction (and the first look at a file) in child processes, each document under a time limit and a memory limit.

A PDF that makes the extractor hang, crash the interpreter (a segfault in pdfium) or eat all memory must cost
only that document: documents are extracted in child processes (multiprocessing "forkserver": the children fork
from a clean server that preloaded the extractors, never from this process, which may run Prefect's threads).
A child takes one document at a time and serves many in its life; before each it caps its address space
(RLIMIT_AS) at its size plus the allowance, and it sends each result back through a pipe. The parent kills a child
whose document runs past the time limit and starts another; a document whose child died after serving others is
extracted again in a fresh child, so a crash is only ever pinned on the document that causes it alone. Up to
`workers` children run at once.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
from collections import deque
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
MAX_CALLS_PER_CHILD = 64  # a child retires after this many calls (whatever a library leaks stays bounded)


def run_call(fn: Callable, arg: object, limits: WorkerLimits) -> Call:
    """`fn(arg)` under a memory cap counted from this process's size now: (True, value) or (False, why not)."""
    try:
        limit_memory(limits.memory_mb)
        return True, fn(arg)
    except MemoryError:
        return False, memory_error(limits)
    except Exception as exc:  # the parent gets the reason, not a traceback
        return False, f"{type(exc).__name__}: {exc}"


def serve_calls(conn: multiprocessing.connection.Connection, fn: Callable, limits: WorkerLimits) -> None:
    """A worker child's body: `fn(arg)` for each argument the parent sends, one at a time, until it sends None.

    Each call gets the whole memory allowance on top of what the child holds when the call starts. After each call
    the child sends (outcome, retiring): it retires after MAX_CALLS_PER_CHILD calls, or once it has grown by more
    than half its allowance since it started (memory a call left behind must not shrink the next call's room)."""
    start = address_space_bytes()
    try:
        for served in range(1, MAX_CALLS_PER_CHILD + 1):
            try:
                arg = conn.recv()
            except EOFError:
                return
            if arg is None:
                return
            outcome = run_call(fn, arg, limits)
            retiring = served == MAX_CALLS_PER_CHILD or \
                address_space_bytes() - start > limits.memory_mb * 2**20 // 2
            try:
                conn.send((outcome, retiring))
            except Exception as exc:  # a value that cannot be sent back (unpicklable): said so
                conn.send(((False, f"{type(exc).__name__}: {exc}"), retiring))
            if retiring:
                return
    finally:
        conn.close()


@dataclass
class Worker:
    """A child serving calls: the argument it is at work on (None: idle), since when its deadline runs, and how many
    calls it has answered."""

    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    index: int | None = None
    deadline: float = float("inf")
    served: int = 0


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


def start_worker(ctx: multiprocessing.context.BaseContext, fn: Callable, limits: WorkerLimits) -> Worker:
    """A new child from the fork server, waiting for calls of `fn`."""
    ours, theirs = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=serve_calls, args=(theirs, fn, limits), name="muni-worker", daemon=True)
    proc.start()
    theirs.close()  # the child holds the only other end: EOF on the pipe means it is gone
    return Worker(proc, ours)


def assign(worker: Worker, index: int, arg: object, limits: WorkerLimits) -> None:
    """Send a child its next call; the call's time limit runs from now."""
    worker.conn.send(arg)
    worker.index, worker.deadline = index, time.monotonic() + limits.timeout_s


def stop_worker(worker: Worker, kill: bool = False) -> None:
    """Let an idle child go (or kill one that ran past its time limit) and reap it."""
    if kill:
        worker.process.kill()
    else:
        try:
            worker.conn.send(None)
        except OSError:
            pass
    worker.process.join()
    worker.conn.close()


def receive(worker: Worker) -> tuple[Call | None, bool]:
    """What a child whose pipe became ready sent for its call, and whether the child is gone (it retired or died).
    The call is None when the child died after serving other calls: it must run again, in a fresh child."""
    died = False
    try:
        outcome, gone = worker.conn.recv()
        worker.served += 1
    except (EOFError, OSError):
        outcome, gone, died = None, True, True
    if gone:
        worker.process.join()
        worker.conn.close()
    if died and not worker.served:  # its first call killed it: that is the call's own outcome
        outcome = (False, exit_error(worker.process.exitcode))
    return outcome, gone


def call_in_workers(fn: Callable, args: list, workers: int, limits: WorkerLimits,
                    on_start: Callable[[int], None] | None = None,
                    on_done: Callable[[int, Call], None] | None = None) -> list[Call]:
    """`fn(arg)` for every arg in child processes, at most `workers` at once; results in input order.

    Each child serves one call at a time, many in its life (starting a child from the fork server, with its caches
    cold, cost ~30 ms per document). A call that runs past `limits.timeout_s`, raises or exceeds `limits.memory_mb`
    gives (False, why) and its child is replaced; the others are unaffected. A child that dies (a segfault in
    pdfium) after answering other calls may have been spoilt by them: its call runs again, first in a fresh child,
    and only a death there is the call's own. `fn` must be picklable (a module-level function or a partial of one).
    """
    if not args:
        return []  # nothing to do: no fork server started for it
    results: list[Call | None] = [None] * len(args)
    ctx = worker_context()
    todo = deque(range(len(args)))
    again: deque[int] = deque()  # calls to run again in a fresh child
    started: set[int] = set()
    pool: list[Worker] = []

    def give(w: Worker, i: int) -> None:
        if on_start is not None and i not in started:  # a call run again is not started again
            on_start(i)
        started.add(i)
        assign(w, i, args[i], limits)

    def done(w: Worker, outcome: Call) -> None:
        i, w.index, w.deadline = w.index, None, float("inf")
        results[i] = outcome
        if on_done is not None:
            on_done(i, outcome)

    try:
        while todo or again or any(w.index is not None for w in pool):
            for w in [w for w in pool if w.index is None]:
                if todo and not again:
                    give(w, todo.popleft())
                else:  # nothing left for it, or a call waits for a fresh child's place
                    pool.remove(w)
                    stop_worker(w)
            while (todo or again) and len(pool) < max(1, workers):
                w = start_worker(ctx, fn, limits)
                pool.append(w)
                give(w, again.popleft() if again else todo.popleft())
            busy = [w for w in pool if w.index is not None]
            wait = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            ready = set(multiprocessing.connection.wait([w.conn for w in busy], timeout=wait))
            now = time.monotonic()
            for w in busy:
                if w.conn in ready:
                    outcome, gone = receive(w)
                    if gone:
                        pool.remove(w)
                    if outcome is None:
                        again.append(w.index)
                    else:
                        done(w, outcome)
                elif now >= w.deadline:
                    pool.remove(w)
                    stop_worker(w, kill=True)
                    done(w, (False, timeout_error(limits)))
    finally:
        for w in pool:  # finished, or interrupted (Ctrl-C, a crash in a callback): leave no orphans
            stop_worker(w, kill=w.index is not None)
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
    """Extract every document in child processes (pipeline.workers.call_in_workers), at most `workers` at once;
    results in input order.

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


def inspect_all_isolated(paths: list[Path], limits: WorkerLimits, workers: int) -> list:
    """First looks at many files in children, `workers` at once; a file whose look fails in its child (it hangs,
    crashes pdfium, eats memory or cannot be read) is recorded as unreadable, with the reason, and the others are
    unaffected."""
    from extractors.pdf import InspectLimits, failed, inspect_pdf

    # the limits are read here, from this process's environment: the children fork from a server started earlier
    look = partial(inspect_pdf, limits=InspectLimits.from_env())
    return [value if ok else failed("unreadable", f"first look failed: {value}")
            for ok, value in call_in_workers(look, [Path(p) for p in paths], workers, limits)]
