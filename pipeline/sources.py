"""Where the nightly run finds its PDFs: `sources.toml` — local folders or files, and HTTP(S) URLs.

Each source may carry hints (committee, document type, year) for documents whose first pages do not say
them; extraction's own reading wins, and a disagreement is recorded as a problem. The `[fetch]` table sets
the HTTP limits.

    [fetch]
    timeout_s = 60          # per request: connect, and each wait for more bytes; also the whole download
    max_mb = 200            # larger bodies are refused (too_large)
    retries = 3             # further attempts after a transient error (timeouts, 5xx, 429, cut connections)
    backoff_s = 1.0         # first wait; doubles each attempt, with full jitter, capped by max_backoff_s
    allowed_hosts = []      # hosts a redirect may lead to besides the URL's own (e.g. a CDN)

    [[source]]
    path = "samples/pdfs"   # relative to this file
    committee = "Arbetsmarknadsnämnden"

    [[source]]
    url = "https://example.org/amn-vp-2022.pdf"
    doc_type = "VP"
    year = 2022
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

DOC_TYPES = ("VP", "VB", "T1", "T2")


@dataclass(frozen=True)
class Hints:
    """What a source says about its documents, used where extraction cannot tell."""

    committee: str | None = None
    doc_type: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Source:
    """A local file or folder (`kind` 'local', location a path) or a PDF's URL (`kind` 'http')."""

    kind: str
    location: str
    hints: Hints = Hints()


@dataclass(frozen=True)
class FetchSettings:
    """Limits for HTTP downloads."""

    timeout_s: float = 60.0
    max_bytes: int = 200 * 2**20
    retries: int = 3
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    allowed_hosts: tuple[str, ...] = ()  # hosts redirects may lead to besides each URL's own


@dataclass(frozen=True)
class SourcesConfig:
    sources: tuple[Source, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)


class SourcesError(ValueError):
    """sources.toml says something that cannot be used; the message says where."""


def plausible_year(year: object) -> bool:
    """Whether a value can be a document's year (an int in 1900-2200)."""
    return isinstance(year, int) and 1900 <= year <= 2200


def is_url(text: str) -> bool:
    return urlparse(text).scheme in ("http", "https")


def hints_from(entry: dict, where: str) -> Hints:
    """The optional hints of one [[source]] entry, checked."""
    doc_type = entry.get("doc_type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise SourcesError(f"{where}: doc_type {doc_type!r} is not one of {', '.join(DOC_TYPES)}")
    year = entry.get("year")
    if year is not None and not plausible_year(year):
        raise SourcesError(f"{where}: year {year!r} is not a year")
    committee = entry.get("committee")
    if committee is not None and not isinstance(committee, str):
        raise SourcesError(f"{where}: committee must be text")
    return Hints(committee, doc_type, year)


def source_from(entry: dict, base_dir: Path, where: str) -> Source:
    """One [[source]] entry: exactly one of `path` and `url`."""
    unknown = set(entry) - {"path", "url", "committee", "doc_type", "year"}
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    if ("path" in entry) == ("url" in entry):
        raise SourcesError(f"{where}: give exactly one of path and url")
    hints = hints_from(entry, where)
    if "url" in entry:
        if not is_url(str(entry["url"])):
            raise SourcesError(f"{where}: url {entry['url']!r} is not http(s)")
        return Source("http", str(entry["url"]), hints)
    path = Path(str(entry["path"])).expanduser()
    return Source("local", str(path if path.is_absolute() else base_dir / path), hints)


def fetch_settings_from(table: dict) -> FetchSettings:
    d = FetchSettings()
    unknown = set(table) - {"timeout_s", "max_mb", "retries", "backoff_s", "max_backoff_s", "allowed_hosts"}
    if unknown:
        raise SourcesError(f"[fetch]: unknown key(s) {', '.join(sorted(unknown))}")
    return FetchSettings(
        timeout_s=float(table.get("timeout_s", d.timeout_s)),
        max_bytes=int(float(table.get("max_mb", d.max_bytes / 2**20)) * 2**20),
        retries=int(table.get("retries", d.retries)),
        backoff_s=float(table.get("backoff_s", d.backoff_s)),
        max_backoff_s=float(table.get("max_backoff_s", d.max_backoff_s)),
        allowed_hosts=tuple(str(h) for h in table.get("allowed_hosts", ())),
    )


def parse_sources(text: str, base_dir: Path) -> SourcesConfig:
    """The sources and fetch settings of a sources.toml text; relative paths are taken from `base_dir`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"not valid TOML: {exc}") from exc
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise SourcesError("[[source]] must be an array of tables")
    sources = tuple(source_from(e, base_dir, f"source {i + 1}") for i, e in enumerate(entries))
    return SourcesConfig(sources, fetch_settings_from(data.get("fetch", {})))


def load_sources(path: Path | str) -> SourcesConfig:
    """Read a sources.toml file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no sources file at {path}")
    return parse_sources(path.read_text(encoding="utf-8"), path.resolve().parent)


def sources_from_args(items: list[str], hints: Hints = Hints()) -> tuple[Source, ...]:
    """Sources named on the command line: URLs are fetched, anything else is a local file or folder."""
    return tuple(Source("http" if is_url(i) else "local", i, hints) for i in items)
