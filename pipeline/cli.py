"""`muni`: the command line of the extraction pipeline."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")


def cmd_ingest(args: argparse.Namespace) -> int:
    from pipeline.ingest import format_summary, ingest

    run = ingest(args.paths, args.warehouse)
    print(format_summary(run))
    return 0


def cmd_query(args: argparse.Namespace) -> int:
    from warehouse.db import connect

    con = connect(args.warehouse, read_only=True)
    try:
        rel = con.sql(args.sql)
        if rel is None:
            return 0
        cols = rel.columns
        rows = rel.fetchall()
    finally:
        con.close()
    print(format_table(cols, rows))
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import hashlib
    import json

    from pipeline.evaluate import combine, evaluate_document, format_report, report_json
    from pipeline.extract import extract_document, link_documents
    from pipeline.ingest import discover_pdfs

    truths = {}
    for path in sorted(Path(args.truth).glob("*.json")):
        t = json.loads(path.read_text(encoding="utf-8"))
        truths[t["document"].get("sha256")] = t
    docs, pairs = [], []
    for pdf in discover_pdfs(args.paths):
        truth = truths.get(hashlib.sha256(pdf.read_bytes()).hexdigest())
        if truth is None:
            print(f"muni eval: no truth for {pdf} (by sha256) in {args.truth}", file=sys.stderr)
            continue
        doc = extract_document(pdf)
        docs.append(doc)
        pairs.append((doc, truth))
    link_documents(docs)
    entities = args.tables.split(",") if args.tables else None
    scores = combine(evaluate_document(d.records, t, d.path.name, entities) for d, t in pairs)
    print(report_json(scores) if args.json else format_report(scores, args.mismatches))
    return 0


def format_table(cols: list[str], rows: list[tuple]) -> str:
    """A plain aligned text table for terminal output."""
    cells = [[("" if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]
    line = "  ".join(c.ljust(widths[i]) for i, c in enumerate(cols))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(r[i].ljust(widths[i]) for i in range(len(cols))) for r in cells]
    out.append(f"({len(rows)} rows)")
    return "\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="muni", description="Extract, check and publish figures from municipal VP/VB PDFs.")
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="ingest every PDF under PATH into the warehouse")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    p.set_defaults(func=cmd_ingest)
    q = sub.add_parser("query", help="run a read-only SQL query against the warehouse")
    q.add_argument("sql")
    q.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    q.set_defaults(func=cmd_query)
    e = sub.add_parser("eval", help="compare extraction with ground truth: precision, recall, exact fields")
    e.add_argument("paths", nargs="*", type=Path, default=[Path("samples/pdfs")], metavar="PDF")
    e.add_argument("--truth", type=Path, default=Path("samples/truth"), help="folder of truth JSON files")
    e.add_argument("--tables", help="comma-separated contract tables (default: all)")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("--mismatches", type=int, default=10, help="mismatches shown per table")
    e.set_defaults(func=cmd_eval)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"muni: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
