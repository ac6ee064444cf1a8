"""`muni`: the command line of the extraction pipeline."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")


def parse_params(items: list[str] | None) -> dict[str, object] | None:
    """`--param name=value` pairs for `$name` in the SQL; whole numbers become integers."""
    if not items:
        return None
    out: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValueError(f"--param wants name=value, got {item!r}")
        out[name] = int(value) if value.lstrip("-").isdigit() else value
    return out


def cmd_query(args: argparse.Namespace) -> int:
    """Run SQL against the published warehouse, read-only and without file access, and print a table."""
    import duckdb

    from warehouse.snapshot import open_published

    con = open_published(args.warehouse, enable_external_access=False)
    try:
        cur = con.execute(args.sql, parse_params(args.param))
        if cur.description is None:
            return 0
        cols = [d[0] for d in cur.description]
        rows = cur.fetchall()
    except (duckdb.Error, ValueError) as exc:
        print(f"muni query: {exc}", file=sys.stderr)
        return 1
    finally:
        con.close()
    print(format_table(cols, rows, args.max_width))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the published tables to files for auditors (parquet, csv or xlsx), with a manifest."""
    from warehouse.export import choose_tables, export
    from warehouse.snapshot import open_published

    con = open_published(args.warehouse)
    try:
        try:
            tables = choose_tables(con, args.tables.split(",") if args.tables else None, args.all)
        except ValueError as exc:
            print(f"muni export: {exc}", file=sys.stderr)
            return 2
        done = export(con, args.out, args.format, tables)
    finally:
        con.close()
    for e in done:
        print(f"{e.rows:>8} rows  {e.path}")
    print(f"{len(done)} tables exported as {args.format} to {args.out} (see manifest.json)")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import hashlib
    import json

    if args.checks:
        from pipeline.checks.engine import evaluate_checks, format_check_score

        print(format_check_score(evaluate_checks(range(1, args.checks + 1))))
        return 0

    from pipeline.evaluate import (combine, evaluate_document, evaluate_variants, format_report, report_json,
                                   seeds_from_text)
    from pipeline.extract import extract_document, link_documents
    from pipeline.ingest import discover_pdfs

    entities = args.tables.split(",") if args.tables else None
    if args.variants:
        try:
            seeds = seeds_from_text(args.variants)
        except ValueError as exc:
            print(f"muni eval: --variants: {exc}", file=sys.stderr)
            return 2
        scores = evaluate_variants(seeds, entities)
        print(report_json(scores) if args.json else format_report(scores, args.mismatches))
        return 0

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
    scores = combine(evaluate_document(d.records, t, d.path.name, entities) for d, t in pairs)
    print(report_json(scores) if args.json else format_report(scores, args.mismatches))
    return 0


def format_cell(value: object) -> str:
    """A value as shown in a terminal table: bboxes and lists compact, NULL as empty."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_cell(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("\n", " ")


def format_table(cols: list[str], rows: list[tuple], max_width: int = 0) -> str:
    """A plain aligned text table for terminal output; numbers right-aligned, cells cut at `max_width` (0: never)."""
    import numbers
    from decimal import Decimal

    def cut(text: str) -> str:
        return text if not max_width or len(text) <= max_width else text[:max_width - 1] + "…"

    cells = [[cut(format_cell(v)) for v in r] for r in rows]
    numeric = [bool(rows) and all(r[i] is None or (isinstance(r[i], (numbers.Number, Decimal))
                                                   and not isinstance(r[i], bool)) for r in rows)
               for i in range(len(cols))]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(cols)]

    def just(text: str, i: int) -> str:
        return text.rjust(widths[i]) if numeric[i] else text.ljust(widths[i])

    out = ["  ".join(just(c, i) for i, c in enumerate(cols)).rstrip(), "  ".join("-" * w for w in widths)]
    out += ["  ".join(just(r[i], i) for i in range(len(cols))).rstrip() for r in cells]
    out.append(f"({len(rows)} rows)")
    return "\n".join(out)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="muni", description="Extract, check and publish figures from municipal VP/VB PDFs.")
    sub = ap.add_subparsers(dest="command", required=True)
    from flows.commands import add_commands as add_flow_commands
    add_flow_commands(sub, DEFAULT_WAREHOUSE)  # ingest, schedule
    q = sub.add_parser("query", help="run a read-only SQL query against the warehouse",
                       description="Read-only SQL against the published warehouse (see docs/queries.md). "
                                   "Named parameters: $name in the SQL, --param name=value on the command line.")
    q.add_argument("sql")
    q.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    q.add_argument("--param", action="append", metavar="NAME=VALUE", help="value of $NAME in the SQL (repeatable)")
    q.add_argument("--max-width", type=int, default=60, help="cut longer cells (0: never)")
    q.set_defaults(func=cmd_query)
    x = sub.add_parser("export", help="export the published tables as parquet, csv or xlsx files")
    x.add_argument("--format", choices=("parquet", "csv", "xlsx"), required=True)
    x.add_argument("--out", type=Path, required=True, metavar="DIR")
    x.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE)
    x.add_argument("--tables", help="comma-separated tables or views (default: the published ones)")
    x.add_argument("--all", action="store_true", help="every table, including the run-scoped ones")
    x.set_defaults(func=cmd_export)
    e = sub.add_parser("eval", help="compare extraction with ground truth: precision, recall, exact fields")
    e.add_argument("paths", nargs="*", type=Path, default=[Path("samples/pdfs")], metavar="PDF")
    e.add_argument("--truth", type=Path, default=Path("samples/truth"), help="folder of truth JSON files")
    e.add_argument("--tables", help="comma-separated contract tables (default: all)")
    e.add_argument("--json", action="store_true", help="machine-readable output")
    e.add_argument("--mismatches", type=int, default=10, help="mismatches shown per table")
    e.add_argument("--checks", type=int, default=0, metavar="N",
                   help="instead: measure the checks on N layout variants with planted errors (recall, precision)")
    e.add_argument("--variants", metavar="SEEDS",
                   help="instead: render these layout variants with their truth and measure extraction on them "
                        "('1-10': the tests' seeds; 4801 and up: never measured)")
    e.set_defaults(func=cmd_eval)
    from pipeline.report.commands import add_commands as add_report_commands
    add_report_commands(sub, DEFAULT_WAREHOUSE)  # check, report
    from pipeline.review.commands import add_commands as add_review_commands
    add_review_commands(sub, DEFAULT_WAREHOUSE)  # diff, review, serve
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
