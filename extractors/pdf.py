"""Opening a PDF and deciding whether it can be extracted at all, with a reason when it cannot.

The first look is cheap and bounded: the file's size and page count are capped, compressed streams are
inflated in small chunks only to measure them (a few hundred kB can inflate to gigabytes), and pdfium,
not a Python parser, opens the file. Reasons are short machine codes stored in `run_documents.reason`.
"""
from __future__ import annotations

import logging
import os
import re
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from extractors.pdfium_lock import PDFIUM

PDF_MAGIC = b"%PDF-"

# reason codes, with what they mean for a steward
REASONS = {
    "not_pdf": "not a PDF (an HTML page, an image, ... under a .pdf name)",
    "encrypted": "needs a password to open",
    "corrupt": "damaged or truncated: pdfium cannot open it or one of its pages",
    "no_pages": "a PDF without pages",
    "no_text_layer": "no page has a text layer (scanned? needs OCR; nothing is guessed)",
    "too_large": "over a configured limit (file size, page count, or a stream that inflates too far)",
}


@dataclass(frozen=True)
class InspectLimits:
    """What a first look accepts; anything over a limit is recorded as `too_large`, not opened further."""

    max_bytes: int = 512 * 2**20
    max_pages: int = 2000
    max_inflated_bytes: int = 256 * 2**20  # per compressed stream

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "InspectLimits":
        """Limits from MUNI_MAX_PDF_MB, MUNI_MAX_PAGES and MUNI_MAX_INFLATED_MB (defaults otherwise)."""
        env = os.environ if env is None else env
        d = cls()
        return cls(
            max_bytes=int(env.get("MUNI_MAX_PDF_MB", d.max_bytes // 2**20)) * 2**20,
            max_pages=int(env.get("MUNI_MAX_PAGES", d.max_pages)),
            max_inflated_bytes=int(env.get("MUNI_MAX_INFLATED_MB", d.max_inflated_bytes // 2**20)) * 2**20,
        )


@dataclass(frozen=True)
class PdfInspection:
    """What a first look says: readable or not, and why."""

    ok: bool
    reason: str | None  # None when ok; else one of REASONS
    detail: str | None
    page_count: int
    text_chars: int
    first_text: str


def head_is_pdf(data: bytes) -> bool:
    """PDF files start with %PDF- (some producers put a few bytes of junk before it)."""
    return PDF_MAGIC in data[:1024]


HTML_HEAD = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*<html)", re.IGNORECASE)
HTML_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def not_pdf_detail(data: bytes) -> str:
    """Say what a non-PDF file looks like: an HTML page (with its title) or the first bytes."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if HTML_HEAD.match(head):
        m = HTML_TITLE.search(head)
        title = " ".join(m.group(1).decode("utf-8", "replace").split())[:120] if m else ""
        return "an HTML page, not a PDF (a web server's error page?)" + (f": {title!r}" if title else "")
    if not data:
        return "the file is empty"
    return f"file does not start with %PDF- ({data[:40].decode('latin-1', 'replace')!r})"


STREAM_START = re.compile(rb"(?<!end)stream\r?\n")


def inflated_size(data: bytes, start: int, cap: int, chunk: int = 1 << 16) -> int:
    """How many bytes the zlib stream at `start` inflates to, counting at most `cap` + 1 (0 if not zlib)."""
    d = zlib.decompressobj()
    total, pos = 0, start
    try:
        while pos < len(data) and not d.eof and total <= cap:
            piece = data[pos:pos + chunk]
            pos += len(piece)
            out = d.decompress(piece, chunk)
            total += len(out)
            while d.unconsumed_tail and not d.eof and total <= cap:
                out = d.decompress(d.unconsumed_tail, chunk)
                total += len(out)
    except zlib.error:
        pass  # not Flate (images, plain streams) or damaged: pdfium decides about those
    return min(total, cap + 1)


FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9]+)")


def stream_filters(data: bytes, start: int) -> list[str]:
    """The filter names in the dictionary just before the stream at `start` (read back to its `obj`)."""
    head = data[max(0, start - 2048):start]
    obj = head.rfind(b" obj")
    m = None
    for m in FILTER.finditer(head[obj + 1 if obj >= 0 else 0:]):
        pass
    return [n.decode("latin-1") for n in re.findall(rb"/([A-Za-z0-9]+)", m.group(1))] if m else []


def ascii_decoded(data: bytes, start: int, name: str) -> bytes | None:
    """The bytes an ASCII85 or ASCIIHex stream at `start` decodes to (at most the stream's size), or None."""
    import base64
    import binascii

    end = data.find(b"endstream", start)
    raw = data[start:end if end >= 0 else len(data)]
    try:
        if name in ("ASCII85Decode", "A85"):
            raw = raw.strip()
            return base64.a85decode(raw[:-2] if raw.endswith(b"~>") else raw, ignorechars=b" \t\n\r\x0b\x0c")
        hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", raw.split(b">", 1)[0])
        return binascii.unhexlify(hexdigits + b"0" * (len(hexdigits) % 2))
    except (ValueError, binascii.Error):
        return None


def stream_inflation(data: bytes, start: int, cap: int) -> int:
    """How far the stream at `start` inflates: through an ASCII85/ASCIIHex layer first when it has one."""
    filters = stream_filters(data, start)
    if filters and filters[0] in ("ASCII85Decode", "A85", "ASCIIHexDecode", "AHx"):
        decoded = ascii_decoded(data, start, filters[0])
        return inflated_size(decoded, 0, cap) if decoded else 0
    return inflated_size(data, start, cap)


def largest_inflation(data: bytes, cap: int) -> int:
    """The largest inflated size of any Flate stream in the file, stopping as soon as one exceeds `cap`."""
    largest = 0
    for m in STREAM_START.finditer(data):
        largest = max(largest, stream_inflation(data, m.end(), cap))
        if largest > cap:
            break
    return largest


def failed(reason: str, detail: str, page_count: int = 0) -> PdfInspection:
    return PdfInspection(False, reason, detail, page_count, 0, "")


@contextmanager
def quiet_logger(name: str, level: int = logging.CRITICAL):
    """Silence a library's warnings for a moment (pypdf logs every repair it tries on a damaged file)."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def unopenable_reason(data: bytes, error: str) -> PdfInspection:
    """Why pdfium could not open the file: encrypted, without pages, or corrupt.

    pdfium's own error code is unreliable here (an empty page tree reports a password error), so the
    trailer's /Encrypt entry and pypdf's page count decide.
    """
    import io

    from pypdf import PdfReader

    try:
        with quiet_logger("pypdf"):
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                return failed("encrypted", f"the PDF is encrypted and needs a password ({error})")
            if len(reader.pages) == 0:
                return failed("no_pages", "the PDF has no pages")
    except Exception as exc:  # noqa: BLE001 - any failure of the second opinion means: damaged
        return failed("corrupt", f"{error}; pypdf: {type(exc).__name__}: {str(exc)[:200]}")
    return failed("corrupt", error)


def page_text(pdf: pdfium.PdfDocument, index: int) -> str:
    page = pdf[index]
    try:
        textpage = page.get_textpage()
        try:
            return textpage.get_text_range()
        finally:
            textpage.close()
    finally:
        page.close()


def inspect_pdf(path: Path, sample_pages: int = 3, limits: InspectLimits | None = None) -> PdfInspection:
    """Open `path` with pdfium and report whether it has pages and a text layer, or why it cannot be read.

    The first `sample_pages` pages are read for text; when they have none, the rest are too, so only a
    document without any text layer is `no_text_layer`.
    """
    limits = limits or InspectLimits.from_env()
    size = Path(path).stat().st_size
    if size > limits.max_bytes:
        return failed("too_large", f"{size / 2**20:.0f} MB is over the limit of {limits.max_bytes / 2**20:.0f} MB")
    data = Path(path).read_bytes()
    if not head_is_pdf(data):
        return failed("not_pdf", not_pdf_detail(data))
    inflated = largest_inflation(data, limits.max_inflated_bytes)
    if inflated > limits.max_inflated_bytes:
        return failed("too_large", f"a compressed stream inflates beyond {limits.max_inflated_bytes / 2**20:.0f} MB "
                                   "(a decompression bomb?)")
    with PDFIUM:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            return unopenable_reason(data, str(exc))
        return inspect_open_pdf(pdf, sample_pages, limits)


def inspect_open_pdf(pdf: pdfium.PdfDocument, sample_pages: int, limits: InspectLimits) -> PdfInspection:
    """inspect_pdf's reading of an opened document (closed here, whatever happens)."""
    try:
        n = len(pdf)
        if n == 0:
            return failed("no_pages", "the PDF has no pages")
        if n > limits.max_pages:
            return failed("too_large", f"{n} pages is over the limit of {limits.max_pages} pages", n)
        chars, first = 0, ""
        for i in range(n):
            if i >= sample_pages and chars:
                break
            try:
                text = page_text(pdf, i).strip()
            except pdfium.PdfiumError as exc:
                return failed("corrupt", f"page {i + 1} cannot be read: {exc}", n)
            chars += len(text)
            if not first and text:
                first = text.splitlines()[0][:200]
        if chars == 0:
            return failed("no_text_layer", f"none of the {n} pages has a text layer (scanned? needs OCR)", n)
        return PdfInspection(True, None, None, n, chars, first)
    finally:
        pdf.close()
