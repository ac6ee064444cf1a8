import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEEDS = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def sample_pdfs() -> list[Path]:
    return sorted((SAMPLES / "pdfs").glob("*.pdf"))


def make_text_pdf(path: Path, lines: list[str], pages: int = 1) -> Path:
    """A small real PDF with a text layer, for pipeline tests."""
    from reportlab.pdfgen.canvas import Canvas

    c = Canvas(str(path), invariant=1)
    for p in range(pages):
        y = 800
        for line in lines:
            c.drawString(72, y, f"{line}")
            y -= 14
        c.showPage()
    c.save()
    return path
