import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SEEDS = ROOT.parent / "shared" / "seeds"


# ----- parallel runs (`make test` runs pytest-xdist with --dist loadgroup) -----------------------------
# Session fixtures are built once per worker. Tests that share an expensive one are kept on one worker, so
# each corpus is rendered and read once per run while the other worker takes everything else.
EXPENSIVE_FIXTURE_GROUPS = {
    "variant_corpus": "variants",
    "sample_ingest": "sample-ingest",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, group in EXPENSIVE_FIXTURE_GROUPS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(name=group))
                break


@pytest.fixture(scope="session")
def sample_pdfs() -> list[Path]:
    return sorted((SAMPLES / "pdfs").glob("*.pdf"))


@pytest.fixture(scope="session")
def sample_ingest(tmp_path_factory):
    """The real pipeline (extract, load, checks) over samples/pdfs, run once per session: (warehouse, RunSummary)."""
    from pipeline.ingest import ingest

    path = tmp_path_factory.mktemp("ingested-samples") / "warehouse.duckdb"
    return path, ingest([SAMPLES / "pdfs"], path)


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


# ----- shared corpora for extraction tests: rendered and read once per test session ----------------

VARIANT_SEEDS = tuple(range(1, 11))


class Corpus:
    """Documents with their truth and their page model: `docs` is a list of (name, path, truth, pages)."""

    def __init__(self, docs):
        self.docs = docs

    def by_type(self, doc_type: str):
        return [d for d in self.docs if d[2]["document"]["doc_type"] == doc_type]


@pytest.fixture(scope="session")
def sample_corpus() -> Corpus:
    """The two faithful samples, their committed truth and their pages."""
    import json

    from extractors.pages import read_pages

    docs = []
    for stem in ("amn-vp-2022", "amn-vb-2022"):
        path = SAMPLES / "pdfs" / f"{stem}.pdf"
        truth = json.loads((SAMPLES / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
        docs.append((stem, path, truth, read_pages(path)))
    return Corpus(docs)


@pytest.fixture(scope="session")
def variant_corpus(tmp_path_factory) -> Corpus:
    """Ten layout variants (fonts, widths, breaks, grids, orientation, committee, year, scaled figures)."""
    from extractors.pages import read_pages
    from samples.truth import build_truths
    from samples.variants import make_variant, render_variant

    docs = []
    for seed in VARIANT_SEEDS:
        rendered = render_variant(make_variant(seed), tmp_path_factory.mktemp(f"corpus{seed}"))
        truths = build_truths(rendered)
        for d in rendered:
            docs.append((f"{d.key}-v{seed}", d.path, truths[d.key], read_pages(d.path)))
    return Corpus(docs)


def extract_corpus(corpus: Corpus):
    """Run the whole extraction over a corpus (cached per corpus object): [(name, extraction, truth)]."""
    from pipeline.extract import extract_pages, link_documents

    cached = getattr(corpus, "_extracted", None)
    if cached is None:
        out = []
        for name, path, truth, pages in corpus.docs:
            out.append((name, extract_pages(pages, path), truth))
        by_seed: dict[str, list] = {}
        for name, doc, _ in out:
            m = re.search(r"-v(\d+)$", name)  # variants end in -v<seed>; the samples link to each other
            by_seed.setdefault(m.group(1) if m else "samples", []).append(doc)
        for docs in by_seed.values():
            link_documents(docs)
        corpus._extracted = cached = out
    return cached
