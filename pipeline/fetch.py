"""Fetching PDFs over HTTP(S): conditional GET, size and time limits, retries on transient errors only.

A URL fetched before is asked for again with `If-None-Match` / `If-Modified-Since`; a `304 Not Modified`
reuses the bytes kept in the content store (`<warehouse_dir>/pdfs/<sha256>.pdf`, pipeline.pdfstore). A body
is streamed to a temporary file under the store, hashed on the way, refused past the size limit, checked to
be a PDF, and then kept under its sha256. Redirects are followed only to the URL's own host or to a host in
`[fetch] allowed_hosts`. Timeouts, connection errors, cut bodies, 5xx, 408 and 429 are
retried with exponential backoff and full jitter; anything else (404, an HTML page, too large) fails at once.
The validators (ETag, Last-Modified, sha256) of each URL are kept in `<store>/fetch-state.json`: an HTTP
cache beside the bodies it describes, so a run that finds nothing new leaves the warehouse untouched.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import random
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import httpx

from pipeline.pdfstore import keep_pdf, store_dir, stored_pdf_path
from pipeline.sources import FetchSettings

MAX_REDIRECTS = 5
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
STATE_FILE = "fetch-state.json"
USER_AGENT = "muni-extract/0.1 (nightly ingest of municipal PDFs)"


@dataclass(frozen=True)
class FetchState:
    """What the last successful fetch of a URL returned: its validators and the sha256 of its bytes."""

    url: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """One URL's fetch: `fetched` (new bytes), `not_modified` (304: stored bytes), or `failed` (with reason)."""

    url: str
    status: str
    path: Path | None = None  # the stored PDF
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    http_status: int | None = None
    reason: str | None = None  # failed: fetch_failed | not_pdf | too_large
    detail: str | None = None
    attempts: int = 0

    def state(self) -> FetchState | None:
        """The validators to keep for the next run (None when the fetch gave no stored PDF)."""
        if self.status == "failed" or self.sha256 is None:
            return None
        return FetchState(self.url, self.sha256, self.etag, self.last_modified)


class Transient(Exception):
    """Worth another attempt: the same request may succeed later."""

    def __init__(self, detail: str, retry_after: float | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


class Permanent(Exception):
    """Not worth another attempt."""

    def __init__(self, reason: str, detail: str, http_status: int | None = None, sha256: str | None = None):
        super().__init__(detail)
        self.reason, self.detail, self.http_status, self.sha256 = reason, detail, http_status, sha256


# ----- pure parts -----------------------------------------------------------------------------------------

def conditional_headers(state: FetchState | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what the last fetch returned."""
    headers = {}
    if state is not None and state.etag:
        headers["If-None-Match"] = state.etag
    if state is not None and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    return headers


def backoff_delay(attempt: int, settings: FetchSettings, rng: random.Random, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt `attempt + 1`: full jitter over base × 2^attempt, capped; Retry-After wins."""
    if retry_after is not None:
        return min(settings.max_backoff_s, max(0.0, retry_after))
    return rng.uniform(0, min(settings.max_backoff_s, settings.backoff_s * 2 ** attempt))


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header given in seconds (an HTTP date is ignored: the normal backoff applies)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def status_text(response: httpx.Response) -> str:
    return f"HTTP {response.status_code} {response.reason_phrase}".rstrip()


def allowed_hosts(url: str, settings: FetchSettings) -> frozenset[str]:
    """Hosts a fetch of `url` may be redirected to: the URL's own host and `[fetch] allowed_hosts`."""
    return frozenset({(httpx.URL(url).host or "").lower(), *(h.lower() for h in settings.allowed_hosts)})


def redirect_target(url: str, response: httpx.Response, settings: FetchSettings) -> str:
    """Where a redirect leads, if its host is allowed (a source must not lead the fetcher to any host)."""
    target = response.next_request.url if response.next_request is not None else None
    if target is None or target.scheme not in ("http", "https"):
        raise Permanent("fetch_failed", f"{status_text(response)}: redirect without an http(s) Location",
                        response.status_code)
    if (target.host or "").lower() not in allowed_hosts(url, settings):
        raise Permanent("fetch_failed", f"{status_text(response)}: redirect to host {target.host!r}, which is not "
                                        "the source's host nor in [fetch] allowed_hosts: not followed",
                        response.status_code)
    return str(target)


@contextmanager
def final_response(client: httpx.Client, url: str, headers: dict[str, str], settings: FetchSettings
                   ) -> Iterator[httpx.Response]:
    """The streamed response at the end of at most MAX_REDIRECTS allowed redirects."""
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        with client.stream("GET", current, headers=headers) as response:
            if not response.has_redirect_location:
                yield response
                return
            current = redirect_target(url, response, settings)
    raise Permanent("fetch_failed", f"more than {MAX_REDIRECTS} redirects")


# ----- one attempt ----------------------------------------------------------------------------------------

def stream_body(response: httpx.Response, target: Path, settings: FetchSettings, deadline: float) -> str:
    """Write the body to `target` within the size and time limits; its sha256. Raises on a cut or an overrun."""
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.isdigit() and int(declared) > settings.max_bytes:
        raise Permanent("too_large", f"{int(declared)} bytes declared, over the limit of {settings.max_bytes} bytes",
                        response.status_code)
    h, size = hashlib.sha256(), 0
    with open(target, "wb") as fh:
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > settings.max_bytes:
                raise Permanent("too_large", f"body over the limit of {settings.max_bytes} bytes", response.status_code)
            if time.monotonic() > deadline:
                raise Transient(f"download took longer than {settings.timeout_s:g} s")
            h.update(chunk)
            fh.write(chunk)
    if declared is not None and declared.isdigit() and size != int(declared):
        raise Transient(f"truncated body: {size} of {declared} bytes")
    return h.hexdigest()


def attempt(client: httpx.Client, url: str, state: FetchState | None, warehouse_path: Path,
            settings: FetchSettings) -> FetchResult:
    """One GET. Returns a fetched / not-modified result; raises Transient or Permanent otherwise."""
    from extractors.pdf import head_is_pdf, not_pdf_detail

    stored = stored_pdf_path(warehouse_path, state.sha256) if state is not None else None
    headers = conditional_headers(state) if stored is not None and stored.is_file() else {}
    deadline = time.monotonic() + settings.timeout_s
    tmp = store_dir(warehouse_path) / f".incoming-{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    try:
        with final_response(client, url, headers, settings) as response:
            code = response.status_code
            if code == 304 and state is not None and headers:
                return FetchResult(url, "not_modified", stored, state.sha256, response.headers.get("ETag", state.etag),
                                   response.headers.get("Last-Modified", state.last_modified), code)
            if code in TRANSIENT_STATUS:
                raise Transient(status_text(response), retry_after_seconds(response.headers.get("Retry-After")))
            if code != 200:
                raise Permanent("fetch_failed", status_text(response), code)
            digest = stream_body(response, tmp, settings, deadline)
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            ctype = response.headers.get("Content-Type", "?")
        with open(tmp, "rb") as fh:
            head = fh.read(4096)
        if not head_is_pdf(head):
            raise Permanent("not_pdf", f"HTTP 200 {ctype}: {not_pdf_detail(head)}", 200, digest)
        path = keep_pdf(warehouse_path, digest, source=tmp)
        return FetchResult(url, "fetched", path, digest, etag, modified, 200)
    except httpx.TimeoutException as exc:
        raise Transient(f"timeout after {settings.timeout_s:g} s ({type(exc).__name__})") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise Transient(f"{type(exc).__name__}: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


# ----- the fetch ------------------------------------------------------------------------------------------

def fetch(url: str, warehouse_path: Path | str, state: FetchState | None = None,
          settings: FetchSettings = FetchSettings(), client: httpx.Client | None = None,
          sleep: Callable[[float], None] = time.sleep, rng: random.Random | None = None) -> FetchResult:
    """Fetch one URL into the content store, retrying transient errors; never raises for a bad response."""
    rng = rng or random.Random()
    own = client is None
    client = client or make_client(settings)
    try:
        last = ""
        for n in range(settings.retries + 1):
            try:
                return replace_attempts(attempt(client, url, state, Path(warehouse_path), settings), n + 1)
            except Permanent as exc:
                return FetchResult(url, "failed", None, exc.sha256, http_status=exc.http_status, reason=exc.reason,
                                   detail=exc.detail, attempts=n + 1)
            except Transient as exc:
                last = str(exc)
                if n < settings.retries:
                    sleep(backoff_delay(n, settings, rng, exc.retry_after))
            except httpx.HTTPError as exc:  # an invalid URL, a protocol we do not speak
                return FetchResult(url, "failed", reason="fetch_failed", detail=f"{type(exc).__name__}: {exc}",
                                   attempts=n + 1)
        return FetchResult(url, "failed", reason="fetch_failed",
                           detail=f"{last} (gave up after {settings.retries + 1} attempts)",
                           attempts=settings.retries + 1)
    finally:
        if own:
            client.close()


def replace_attempts(result: FetchResult, attempts: int) -> FetchResult:
    from dataclasses import replace

    return replace(result, attempts=attempts)


def make_client(settings: FetchSettings) -> httpx.Client:
    """An HTTP client with the run's timeout on connect and on every wait for bytes; redirects are followed by
    `final_response`, to allowed hosts only."""
    return httpx.Client(timeout=httpx.Timeout(settings.timeout_s), follow_redirects=False,
                        headers={"User-Agent": USER_AGENT}, trust_env=False)


# ----- the validators kept between runs -------------------------------------------------------------------

def state_path(warehouse_path: Path | str) -> Path:
    return store_dir(warehouse_path) / STATE_FILE


def read_fetch_states(warehouse_path: Path | str) -> dict[str, FetchState]:
    """The validators of every URL fetched before (empty when there is no state yet or it is unreadable)."""
    try:
        data = json.loads(state_path(warehouse_path).read_text(encoding="utf-8"))
        return {k: FetchState(**v) for k, v in data.items()}
    except (FileNotFoundError, ValueError, TypeError):
        return {}


def save_fetch_states(warehouse_path: Path | str, results: list[FetchResult]) -> None:
    """Merge the validators of this run's successful fetches into the state file (locked, atomic replace)."""
    new = {r.url: s for r in results if (s := r.state()) is not None}
    if not new:
        return
    path = state_path(warehouse_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(STATE_FILE + ".lock"), "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        states = read_fetch_states(warehouse_path)
        if all(states.get(k) == v for k, v in new.items()):
            return
        states.update(new)
        tmp = path.with_name(f".{STATE_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({k: asdict(v) for k, v in sorted(states.items())}, indent=1), encoding="utf-8")
        os.replace(tmp, path)


# ----- sources to inputs ----------------------------------------------------------------------------------

def fetch_input(result: FetchResult, hints) -> "InputDoc":
    """A run's input from a fetch: the stored PDF, or the failure with its reason."""
    from pipeline.ingest import InputDoc

    if result.status == "failed":
        return InputDoc(result.url, None, hints, (result.reason or "fetch_failed", result.detail or ""), result.sha256)
    return InputDoc(result.url, result.path, hints, sha256=result.sha256)


def inputs_from_sources(sources, settings: FetchSettings, warehouse_path: Path | str,
                        fetcher: Callable[..., FetchResult] = fetch) -> tuple[list["InputDoc"], list[FetchResult]]:
    """Every input of a run: local PDFs found under the local sources, and each URL fetched (validators saved)."""
    from pipeline.ingest import InputDoc, local_inputs

    inputs: list[InputDoc] = []
    results: list[FetchResult] = []
    states = read_fetch_states(warehouse_path)
    client = make_client(settings)
    try:
        for src in sources:
            if src.kind == "local":
                inputs.extend(local_inputs([src.location], src.hints))
                continue
            result = fetcher(src.location, warehouse_path, states.get(src.location), settings, client=client)
            results.append(result)
            inputs.append(fetch_input(result, src.hints))
    finally:
        client.close()
    save_fetch_states(warehouse_path, results)
    return inputs, results
