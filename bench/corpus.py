"""The generated corpus for the throughput benchmark: ≥ 200 documents cut from rendered layout variants.

`seeds` variants are rendered once (samples.variants, VP and VB each) into a cache folder; the corpus is then
`docs` documents, each a contiguous run of pages of one variant (a section-sized excerpt: a VP appendix, a few
sheets, a risk register), written with pypdf. Every document has its own bytes and real layout; the cache is
reused across runs and never committed.
"""
from __future__ import annotations

import io
import os
import random
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("MUNI_BENCH_CACHE", "/tmp/muni-bench-cache"))


def rendered_variants(seeds: range, cache: Path = DEFAULT_CACHE) -> list[Path]:
    """The variant PDFs of `seeds`, rendered into `cache/variants/<seed>/` the first time they are asked for."""
    from samples.variants import make_variant, render_variant

    out: list[Path] = []
    for seed in seeds:
        folder = cache / "variants" / str(seed)
        pdfs = sorted(folder.glob("*.pdf"))
        if len(pdfs) < 2:
            folder.mkdir(parents=True, exist_ok=True)
            pdfs = sorted(d.path for d in render_variant(make_variant(seed), folder))
        out.extend(pdfs)
    return out


def excerpt(source: Path, first: int, count: int) -> bytes:
    """Pages first .. first+count-1 (0-based) of `source` as a PDF of their own."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(str(source))
    writer = PdfWriter()
    for i in range(first, min(first + count, len(reader.pages))):
        writer.add_page(reader.pages[i])
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def build_corpus(docs: int = 200, seeds: int = 10, pages: tuple[int, int] = (4, 12),
                 cache: Path = DEFAULT_CACHE, seed: int = 0) -> list[Path]:
    """`docs` excerpt documents of `pages[0]`..`pages[1]` pages from `seeds` variants (cached by their parameters)."""
    from pypdf import PdfReader

    folder = cache / f"corpus-{docs}-{seeds}-{pages[0]}-{pages[1]}-{seed}"
    existing = sorted(folder.glob("*.pdf"))
    if len(existing) == docs:
        return existing
    folder.mkdir(parents=True, exist_ok=True)
    sources = rendered_variants(range(1, seeds + 1), cache)
    lengths = {s: len(PdfReader(str(s)).pages) for s in sources}
    rnd = random.Random(seed)
    out = []
    for i in range(docs):
        src = sources[i % len(sources)]
        count = rnd.randint(*pages)
        first = rnd.randrange(0, max(1, lengths[src] - count))
        path = folder / f"doc-{i:03d}.pdf"
        path.write_bytes(excerpt(src, first, count))
        out.append(path)
    return out
