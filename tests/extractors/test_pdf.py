from pathlib import Path

import pytest

from extractors.pdf import (REASONS, InspectLimits, head_is_pdf, inflated_size, inspect_pdf, largest_inflation,
                            not_pdf_detail)
from samples import hostile
from tests.conftest import make_text_pdf


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_text_pdf_is_ok(tmp_path: Path):
    info = inspect_pdf(make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"], pages=2))
    assert info.ok and info.page_count == 2 and info.first_text == "Verksamhetsplan 2022"
    assert info.reason is None and info.text_chars > 0


def test_not_a_pdf(tmp_path: Path):
    p = tmp_path / "error.pdf"
    p.write_text("<html><body>404 Not Found</body></html>")
    info = inspect_pdf(p)
    assert not info.ok and info.reason == "not_pdf" and "HTML page" in info.detail


def test_html_error_page_names_its_title():
    assert not_pdf_detail(hostile.html_error_page()) == (
        "an HTML page, not a PDF (a web server's error page?): '404 - Sidan kunde inte hittas'")
    assert not_pdf_detail(b"") == "the file is empty"
    assert not_pdf_detail(b"PK\x03\x04zip").startswith("file does not start with %PDF- ('PK")


def test_truncated_pdf_is_corrupt(tmp_path: Path):
    info = inspect_pdf(write(tmp_path / "t.pdf", hostile.truncated_pdf()))
    assert (info.ok, info.reason) == (False, "corrupt")


def test_image_only_pdf_needs_ocr(tmp_path: Path):
    info = inspect_pdf(write(tmp_path / "scan.pdf", hostile.image_only_pdf(pages=4)), sample_pages=2)
    assert not info.ok and info.reason == "no_text_layer" and info.page_count == 4
    assert "none of the 4 pages" in info.detail and "OCR" in info.detail


def test_text_after_scanned_pages_is_found(tmp_path: Path):
    """Only a document without any text layer is no_text_layer: later pages are read when the first have none."""
    from pypdf import PdfReader, PdfWriter
    import io

    w = PdfWriter()
    for data in (hostile.image_only_pdf(pages=3), hostile.text_pdf(["Bilaga 3"])):
        for page in PdfReader(io.BytesIO(data)).pages:
            w.add_page(page)
    buf = io.BytesIO()
    w.write(buf)
    info = inspect_pdf(write(tmp_path / "mixed.pdf", buf.getvalue()), sample_pages=2)
    assert info.ok and info.page_count == 4 and info.first_text == "Bilaga 3"


def test_zero_pages_is_no_pages_not_encrypted(tmp_path: Path):
    info = inspect_pdf(write(tmp_path / "z.pdf", hostile.zero_pages_pdf()))
    assert (info.ok, info.reason, info.page_count) == (False, "no_pages", 0)


def test_encrypted(tmp_path: Path):
    info = inspect_pdf(write(tmp_path / "e.pdf", hostile.encrypted_pdf()))
    assert (info.ok, info.reason) == (False, "encrypted") and "password" in info.detail


def test_page_limit(tmp_path: Path):
    p = write(tmp_path / "long.pdf", hostile.large_pdf(pages=30))
    assert inspect_pdf(p, limits=InspectLimits(max_pages=30)).ok
    info = inspect_pdf(p, limits=InspectLimits(max_pages=29))
    assert (info.reason, info.page_count) == ("too_large", 30) and "30 pages is over the limit of 29" in info.detail


def test_size_limit(tmp_path: Path):
    p = write(tmp_path / "big.pdf", hostile.text_pdf() + b"%" + b"x" * 2**20)
    info = inspect_pdf(p, limits=InspectLimits(max_bytes=2**20))
    assert info.reason == "too_large" and "MB is over the limit of 1 MB" in info.detail


@pytest.mark.parametrize("ascii85", [False, True])
def test_decompression_bomb_is_refused_before_opening(tmp_path: Path, ascii85: bool):
    p = write(tmp_path / "bomb.pdf", hostile.decompression_bomb_pdf(megabytes=24, ascii85=ascii85))
    info = inspect_pdf(p, limits=InspectLimits(max_inflated_bytes=16 * 2**20))
    assert info.reason == "too_large" and "decompression bomb" in info.detail
    assert inspect_pdf(p, limits=InspectLimits(max_inflated_bytes=32 * 2**20)).ok


def test_inflated_size_counts_only_zlib_streams():
    import zlib

    data = b"xx" + zlib.compress(b"a" * 100_000) + b"tail"
    assert inflated_size(data, 2, cap=10**6) == 100_000
    assert inflated_size(data, 2, cap=1000) == 1001  # stops just over the cap
    assert inflated_size(b"not zlib at all", 0, cap=10) == 0
    assert largest_inflation(hostile.text_pdf(), cap=10**6) > 0


def test_limits_from_env():
    lim = InspectLimits.from_env({"MUNI_MAX_PAGES": "10", "MUNI_MAX_PDF_MB": "3", "MUNI_MAX_INFLATED_MB": "5"})
    assert lim == InspectLimits(max_bytes=3 * 2**20, max_pages=10, max_inflated_bytes=5 * 2**20)
    assert InspectLimits.from_env({}) == InspectLimits()


def test_head_is_pdf():
    assert head_is_pdf(b"%PDF-1.7\n...") and not head_is_pdf(b"<html>")
    assert head_is_pdf(b"\x00junk%PDF-1.4")


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_every_reason_is_explained(reason: str):
    assert REASONS[reason]
