"""Benchmarks: `make bench`. Prints timings measured in this run, on the same files, and their ratios.

Baselines today (the pipeline's own figures join them as extraction lands):
  - text-layer floor: every page's characters with their boxes through pypdfium2
  - pdfplumber: `extract_tables()` on every page
  - camelot lattice: `read_pdf(pages="all", flavor="lattice")`
"""
from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "pdfs"


def timed(fn, *args) -> tuple[float, object]:
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def pdfium_floor(path: Path) -> int:
    """Characters with their boxes on every page: the least any extraction must do."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    n = 0
    for page in pdf:
        tp = page.get_textpage()
        count = tp.count_chars()
        for i in range(count):
            tp.get_charbox(i)
        n += count
    pdf.close()
    return n


def pdfplumber_tables(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(p.extract_tables()) for p in pdf.pages)


def camelot_lattice(path: Path) -> int:
    import camelot

    return len(camelot.read_pdf(str(path), pages="all", flavor="lattice"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path, default=sorted(SAMPLES.glob("*.pdf")))
    ap.add_argument("--no-camelot", action="store_true", help="skip camelot (slowest)")
    args = ap.parse_args(argv)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}")
    rows = []
    for path in args.pdfs:
        t_floor, chars = timed(pdfium_floor, path)
        t_plumber, tables = timed(pdfplumber_tables, path)
        t_camelot, ctables = (None, None) if args.no_camelot else timed(camelot_lattice, path)
        rows.append((path.name, t_floor, t_plumber, t_camelot))
        print(f"{path.name}: pdfium floor {t_floor:.2f}s ({chars} chars); pdfplumber extract_tables {t_plumber:.2f}s "
              f"({tables} tables)" + ("" if t_camelot is None else f"; camelot lattice {t_camelot:.2f}s ({ctables} tables)"))
    floor = sum(r[1] for r in rows)
    plumber = sum(r[2] for r in rows)
    print(f"total: pdfium floor {floor:.2f}s, pdfplumber {plumber:.2f}s = {plumber / floor:.1f}× the floor")
    if not args.no_camelot:
        camelot_total = sum(r[3] for r in rows)
        print(f"       camelot lattice {camelot_total:.2f}s = {camelot_total / floor:.1f}× the floor")
    print("pipeline: not measured yet (extraction lands with the extraction issues)")


if __name__ == "__main__":
    main()
