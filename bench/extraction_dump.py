"""A deterministic text dump of extraction from pickled page models, to prove a speed-up changed nothing.

`python -m bench.extraction_dump PKL... [--pdf PDF...] --out OUT.txt [--repeat N]`: each PKL is a pickled
`list[Page]` (e.g. `X.pages.pkl`); its metadata title is read from the `--pdf` whose stem is `X` (None when
none is given). The dump holds every record, provenance entry and problem of `extract_pages`, in order, one
line each (dataclasses through `dataclasses.asdict` + repr); compare two dumps byte for byte. With `--repeat N`
each file is extracted N times and the minimum CPU seconds (`time.process_time()`) is printed to stderr.
"""
from __future__ import annotations

import argparse
import dataclasses
import pickle
import sys
import time
from pathlib import Path


def pickle_stem(path: Path) -> str:
    """`amn-vp-2022.pages.pkl` → `amn-vp-2022`: the PDF the page model was read from."""
    return path.name.split(".")[0]


def pdf_title(pdf: Path) -> str | None:
    """The PDF's metadata title, as `pipeline.extract.extract_document` reads it."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return (doc.get_metadata_dict() or {}).get("Title") or None
    finally:
        doc.close()


def extraction_lines(doc) -> list[str]:
    """One line per part of a `DocumentExtraction`: header, segmentation, each record (with its class), each
    problem — in the order extraction produced them."""
    lines = [f"path {doc.path.name!r}", f"info {dataclasses.asdict(doc.info)!r}", f"page_count {doc.page_count}",
             f"segmentation {dataclasses.asdict(doc.segmentation)!r}"]
    lines += [f"record {type(r).__name__} {dataclasses.asdict(r)!r}" for r in doc.records]
    lines += [f"problem {dataclasses.asdict(p)!r}" for p in doc.problems]
    return lines


def timed_extraction(pages, path: Path, title: str | None, repeat: int):
    """extract_pages `repeat` times on fresh copies of the pages; the last result and the minimum CPU seconds."""
    from pipeline.extract import extract_pages

    best, doc = float("inf"), None
    blob = pickle.dumps(pages)
    for _ in range(repeat):
        fresh = pickle.loads(blob)
        t = time.process_time()
        doc = extract_pages(fresh, path, title)
        best = min(best, time.process_time() - t)
    return doc, best


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pickles", nargs="+", type=Path)
    ap.add_argument("--pdf", nargs="*", type=Path, default=[], help="PDFs whose metadata titles to use, by stem")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    import parsers.preload  # noqa: F401  (language data loaded once, outside the timings)

    titles = {p.stem: pdf_title(p) for p in args.pdf}
    out: list[str] = []
    for pkl in args.pickles:
        pages = pickle.loads(pkl.read_bytes())
        stem = pickle_stem(pkl)
        doc, seconds = timed_extraction(pages, Path(f"{stem}.pdf"), titles.get(stem), args.repeat)
        print(f"{pkl.name}: {seconds:.3f} s CPU (min of {args.repeat})", file=sys.stderr)
        out += [f"== {pkl.name}", *extraction_lines(doc)]
    args.out.write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
