"""Content store for the PDFs a run read: `<warehouse_dir>/pdfs/<sha256>.pdf`, and finding a document's PDF again.

The flow keeps every PDF it reads there, so reports and the review page can show crops of pages long after the
original file moved or the URL changed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

STORE_DIR = "pdfs"


def store_dir(warehouse_path: Path | str) -> Path:
    """The store lives next to the warehouse file."""
    return Path(warehouse_path).resolve().parent / STORE_DIR


def stored_pdf_path(warehouse_path: Path | str, sha256: str) -> Path:
    """Where the PDF with this sha256 is (or would be) kept."""
    return store_dir(warehouse_path) / f"{sha256.lower()}.pdf"


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def path_from_file_uri(source_uri: str | None) -> Path | None:
    """The local path of a `file://` URI; None for other schemes."""
    if not source_uri:
        return None
    parsed = urlparse(source_uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def keep_pdf(warehouse_path: Path | str, sha256: str, source: Path | None = None, data: bytes | None = None) -> Path:
    """Put a PDF into the store (hard link when possible, else copy, or write `data`); idempotent."""
    target = stored_pdf_path(warehouse_path, sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    if data is not None:
        tmp.write_bytes(data)
    elif source is not None:
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
    else:
        raise ValueError("keep_pdf needs a source path or the bytes")
    os.replace(tmp, target)
    return target


def locate_pdf(warehouse_path: Path | str, sha256: str, source_uri: str | None) -> Path | None:
    """The PDF with this sha256: from the store first, else the `file://` source if it still has the same bytes."""
    stored = stored_pdf_path(warehouse_path, sha256)
    if stored.is_file():
        return stored
    local = path_from_file_uri(source_uri)
    if local is not None and local.is_file() and file_sha256(local) == sha256.lower():
        return local
    return None
