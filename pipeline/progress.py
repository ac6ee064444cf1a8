"""Progress of a run for people watching: one self-updating line on a terminal, plain log lines otherwise.

The pipeline reports events (planned, started, finished, a step); a reporter keeps the counts — documents
and pages done of those to extract — and shows them. `make_reporter` picks the form from the stream.
"""
from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class ProgressState:
    """Counts of the extraction under way and the documents being extracted now."""

    docs_total: int = 0
    pages_total: int = 0
    docs_done: int = 0
    pages_done: int = 0
    failed: int = 0
    current: list[str] = field(default_factory=list)


def progress_line(state: ProgressState, width: int = 100) -> str:
    """`[2/5 documents, 120/410 pages] extracting a.pdf, b.pdf` cut to `width` characters."""
    head = (f"[{state.docs_done}/{state.docs_total} documents, {state.pages_done}/{state.pages_total} pages"
            + (f", {state.failed} failed" if state.failed else "") + "]")
    tail = f" extracting {', '.join(state.current)}" if state.current else ""
    line = head + tail
    return line if len(line) <= width else line[: width - 1] + "…"


class Reporter:
    """Receives the run's events and keeps the counts; subclasses show them."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.state = ProgressState()
        self.lock = threading.Lock()
        self.pages: dict[str, int] = {}

    def planned(self, documents: list[tuple[str, int]]) -> None:
        """The documents to extract, as (name, pages)."""
        with self.lock:
            self.pages = dict(documents)
            self.state = ProgressState(len(documents), sum(p for _, p in documents))
        self.show(f"{len(documents)} documents to extract ({self.state.pages_total} pages)")

    def started(self, name: str) -> None:
        with self.lock:
            self.state.current.append(name)
        self.show(f"extracting {name} ({self.pages.get(name, '?')} pages)")

    def finished(self, name: str, status: str, error: str | None = None) -> None:
        with self.lock:
            if name in self.state.current:
                self.state.current.remove(name)
            self.state.docs_done += 1
            self.state.pages_done += self.pages.get(name, 0)
            self.state.failed += status != "succeeded"
        self.show(f"{status} {name}" + (f": {error}" if error else ""))

    def step(self, message: str) -> None:
        self.show(message)

    def show(self, event: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        """End the display (a terminal line gets its newline)."""


class LogReporter(Reporter):
    """One plain, timestamped line per event: for logs and pipes."""

    def show(self, event: str) -> None:
        with self.lock:
            s = self.state
            counts = f"{s.docs_done}/{s.docs_total} documents, {s.pages_done}/{s.pages_total} pages"
            self.stream.write(f"{time.strftime('%H:%M:%S')} {event} [{counts}]\n")
            self.stream.flush()


class TerminalReporter(Reporter):
    """One line rewritten in place: counts and the documents being extracted now."""

    def __init__(self, stream: TextIO | None = None, width: int | None = None):
        super().__init__(stream)
        import shutil

        self.width = width or max(40, shutil.get_terminal_size((100, 20)).columns - 1)
        self.dirty = False

    def show(self, event: str) -> None:
        with self.lock:
            line = progress_line(self.state, self.width) if self.state.docs_total else event[: self.width]
            self.stream.write("\r\x1b[2K" + line)
            self.stream.flush()
            self.dirty = True

    def close(self) -> None:
        with self.lock:
            if self.dirty:
                self.stream.write("\n")
                self.stream.flush()
                self.dirty = False


class SilentReporter(Reporter):
    def show(self, event: str) -> None:
        pass


def make_reporter(stream: TextIO | None = None) -> Reporter:
    """A terminal line when `stream` (default stderr) is a terminal, log lines otherwise."""
    stream = stream or sys.stderr
    return TerminalReporter(stream) if stream.isatty() else LogReporter(stream)
