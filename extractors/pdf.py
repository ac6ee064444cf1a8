"""Opening a PDF and deciding whether it can be extracted at all."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PdfInspection:
    """What a first look at a file says: readable or not, and why."""

    ok: bool
    reason: str | None  # None when ok; else a short machine code (not_pdf, encrypted, corrupt, no_text_layer, no_pages)
    detail: str | None
    page_count: int
    text_chars: int
    first_text: str


def head_is_pdf(data: bytes) -> bool:
    """PDF files start with %PDF- (some producers put a few bytes of junk before it)."""
    return PDF_MAGIC in data[:1024]


def inspect_pdf(path: Path, sample_pages: int = 3) -> PdfInspection:
    """Open `path` with pdfium and report whether it has pages and a text layer."""
    data = Path(path).read_bytes()
    if not head_is_pdf(data):
        snippet = data[:40].decode("latin-1", "replace")
        return PdfInspection(False, "not_pdf", f"file does not start with %PDF- ({snippet!r})", 0, 0, "")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        reason = "encrypted" if "password" in msg.lower() else "corrupt"
        return PdfInspection(False, reason, msg, 0, 0, "")
    try:
        n = len(pdf)
        if n == 0:
            return PdfInspection(False, "no_pages", "the PDF has no pages", 0, 0, "")
        chars = 0
        first = ""
        for i in range(min(n, sample_pages)):
            page = pdf[i]
            text = page.get_textpage().get_text_range()
            chars += len(text.strip())
            if not first and text.strip():
                first = text.strip().splitlines()[0][:200]
        if chars == 0:
            return PdfInspection(False, "no_text_layer", "no text layer on the first pages (scanned? needs OCR)",
                                 n, 0, "")
        return PdfInspection(True, None, None, n, chars, first)
    finally:
        pdf.close()
