"""The PDF content store next to the warehouse, and finding a document's PDF again."""
from __future__ import annotations

import hashlib

from pipeline.pdfstore import keep_pdf, locate_pdf, stored_pdf_path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_store_is_found_before_the_source(tmp_path):
    data = b"%PDF-1.4 stored"
    wh = tmp_path / "wh" / "warehouse.duckdb"
    src = tmp_path / "a.pdf"
    src.write_bytes(data)
    kept = keep_pdf(wh, sha(data), source=src)
    assert kept == stored_pdf_path(wh, sha(data)) == tmp_path / "wh" / "pdfs" / f"{sha(data)}.pdf"
    assert kept.read_bytes() == data
    src.unlink()
    assert locate_pdf(wh, sha(data), src.as_uri()) == kept
    assert keep_pdf(wh, sha(data), data=b"ignored") == kept  # idempotent


def test_file_uri_is_used_only_while_it_has_the_same_bytes(tmp_path):
    data = b"%PDF-1.4 local"
    wh = tmp_path / "warehouse.duckdb"
    src = tmp_path / "dir with space" / "b.pdf"
    src.parent.mkdir()
    src.write_bytes(data)
    assert locate_pdf(wh, sha(data), src.as_uri()) == src
    src.write_bytes(b"%PDF-1.4 changed")
    assert locate_pdf(wh, sha(data), src.as_uri()) is None


def test_missing_and_remote_sources_give_none(tmp_path):
    wh = tmp_path / "warehouse.duckdb"
    assert locate_pdf(wh, "0" * 64, "https://example.org/x.pdf") is None
    assert locate_pdf(wh, "0" * 64, None) is None
    assert locate_pdf(wh, "0" * 64, (tmp_path / "nope.pdf").as_uri()) is None


def test_bytes_can_be_stored_directly(tmp_path):
    data = b"%PDF-1.4 fetched"
    wh = tmp_path / "warehouse.duckdb"
    path = keep_pdf(wh, sha(data), data=data)
    assert path.read_bytes() == data and locate_pdf(wh, sha(data), None) == path
