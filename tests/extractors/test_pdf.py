from pathlib import Path

from extractors.pdf import head_is_pdf, inspect_pdf
from tests.conftest import make_text_pdf


def test_text_pdf_is_ok(tmp_path: Path):
    info = inspect_pdf(make_text_pdf(tmp_path / "a.pdf", ["Verksamhetsplan 2022"], pages=2))
    assert info.ok and info.page_count == 2 and info.first_text == "Verksamhetsplan 2022"


def test_not_a_pdf(tmp_path: Path):
    p = tmp_path / "error.pdf"
    p.write_text("<html><body>404 Not Found</body></html>")
    info = inspect_pdf(p)
    assert not info.ok and info.reason == "not_pdf"


def test_truncated_pdf_is_corrupt_or_unreadable(tmp_path: Path):
    good = make_text_pdf(tmp_path / "good.pdf", ["x"]).read_bytes()
    p = tmp_path / "truncated.pdf"
    p.write_bytes(good[: len(good) // 3])
    info = inspect_pdf(p)
    # pdfium may recover a truncated file's pages; it must never claim text it cannot read
    assert info.reason in (None, "corrupt", "no_text_layer", "no_pages")


def test_image_only_pdf_needs_ocr(tmp_path: Path):
    from reportlab.pdfgen.canvas import Canvas

    p = tmp_path / "scan.pdf"
    c = Canvas(str(p))
    c.rect(50, 50, 300, 300, fill=1)
    c.showPage()
    c.save()
    info = inspect_pdf(p)
    assert not info.ok and info.reason == "no_text_layer" and info.page_count == 1


def test_head_is_pdf():
    assert head_is_pdf(b"%PDF-1.7\n...") and not head_is_pdf(b"<html>")
