"""`muni diff`, `muni review list|accept|reject|override|lift` and `muni serve`: thin shells over pipeline.review."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path


def cmd_diff(args: argparse.Namespace) -> int:
    """Print the diff between two runs as text, HTML or CSV (Tabular Diff Format)."""
    from pipeline.review.runs import diff_runs, format_tdf, format_text
    from warehouse.snapshot import open_published

    con = open_published(args.warehouse)
    try:
        try:
            diffs = diff_runs(con, args.run_a, args.run_b)
        except LookupError as exc:
            print(f"muni diff: {exc}", file=sys.stderr)
            return 2
    finally:
        con.close()
    if args.format == "csv":
        text = format_tdf(diffs, args.table)
    elif args.format == "html":
        from pipeline.web.render import render_diff_page

        text = render_diff_page(diffs, args.run_a, args.run_b)
    else:
        text = format_text(diffs, args.run_a, args.run_b)
    sys.stdout.write(text)
    return 0


def format_change(c) -> str:
    """One queued change on one line, for `muni review list`."""
    what = {"added": "new row", "removed": "row gone"}.get(c.kind) or f"{c.field}: {c.old_value} -> {c.new_value}"
    extra = f" = {c.override_value}" if c.override_value is not None else ""
    return f"{c.change_id}  {c.status:<10} {c.doc_key}  {c.entity} [{c.entity_key}] {what}{extra}  (run {c.run_id})"


def cmd_review(args: argparse.Namespace) -> int:
    """List queued changes, or decide one (accept / reject / override) or lift an override, as a steward."""
    from pipeline.review.store import ReviewError, bulk_accept, decide, lift_override, list_changes, standing_overrides
    from warehouse.snapshot import open_published, writing

    if args.action == "list":
        con = open_published(args.warehouse)
        try:
            status = None if args.status == "all" else args.status
            changes = list_changes(con, run_id=args.run, doc_id=args.doc, entity=args.table, status=status)
            for c in changes:
                print(format_change(c))
            print(f"({len(changes)} changes)")
            for o in standing_overrides(con) if args.overrides else []:
                print(f"override {o.decision_id}  {o.doc_key}  {o.entity} [{o.entity_key}] {o.field} = {o.value}  "
                      f"by {o.reviewer} {o.decided_at:%Y-%m-%d %H:%M}")
        finally:
            con.close()
        return 0
    reviewer = args.reviewer or os.environ.get("MUNI_REVIEWER") or getpass.getuser()
    if not Path(args.warehouse).exists():
        raise FileNotFoundError(f"no warehouse at {args.warehouse} (run `muni ingest` first)")
    try:
        with writing(args.warehouse) as snap:
            if args.action == "lift":
                done = [lift_override(snap.con, args.ids[0], reviewer, args.comment)]
            elif args.action == "accept" and args.table and not args.ids:
                from pipeline.review.store import table_digest

                if not args.run or not args.doc:
                    raise ReviewError("bulk accept needs --run, --doc and --table")
                pending = list_changes(snap.con, run_id=args.run, doc_id=args.doc, entity=args.table,
                                       status="pending")
                done = bulk_accept(snap.con, args.run, args.doc, args.table, reviewer, args.comment or "",
                                   table_digest(pending))
            else:
                if not args.ids:
                    raise ReviewError("name the change id(s) to decide")
                done = [decide(snap.con, i, args.action, reviewer, args.comment, args.value) for i in args.ids]
            snap.publish = True
    except ReviewError as exc:
        print(f"muni review: {exc}", file=sys.stderr)
        return 1
    for d in done:
        print(f"{d.decision_id}  {d.decision}  {d.change_id or d.lifts}  by {d.reviewer}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the stewards' review page on a local address (127.0.0.1 by default)."""
    import uvicorn

    from pipeline.web.app import ServeConfig, create_app, load_stewards

    from pipeline.web.app import ConfigError

    try:
        stewards = load_stewards(args.config, os.environ)
    except (ConfigError, OSError, ValueError) as exc:
        print(f"muni serve: {exc}", file=sys.stderr)
        return 2
    if args.read_only:
        stewards = {}
    elif not stewards:
        print("muni serve: no steward token configured (MUNI_STEWARD_TOKEN or --config FILE): refusing write mode; "
              "use --read-only to serve the page without decisions", file=sys.stderr)
        return 2
    app = create_app(ServeConfig(Path(args.warehouse), stewards))
    print(f"muni serve: http://{args.host}:{args.port}/ ({'read-only' if not stewards else 'stewards can decide'})")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def add_commands(sub: argparse._SubParsersAction, default_warehouse: Path) -> None:
    """Register `diff`, `review` and `serve` on the `muni` parser."""
    d = sub.add_parser("diff", help="differences between two runs, per document and table (text, html or csv/TDF)")
    d.add_argument("run_a", metavar="RUN_A")
    d.add_argument("run_b", metavar="RUN_B")
    d.add_argument("--format", choices=("text", "html", "csv"), default="text",
                   help="csv is the Tabular Diff Format used by daff (+++, ---, -> with old->new cells)")
    d.add_argument("--table", help="only this table (e.g. risks)")
    d.add_argument("--warehouse", type=Path, default=default_warehouse)
    d.set_defaults(func=cmd_diff)
    r = sub.add_parser("review", help="steward review from the command line: list, accept, reject, override, lift",
                       description="Every decision is appended to review_decisions with the reviewer (--reviewer, "
                                   "else $MUNI_REVIEWER, else the login name) and the comment.")
    r.add_argument("action", choices=("list", "accept", "reject", "override", "lift"))
    r.add_argument("ids", nargs="*", metavar="ID", help="change ids (lift: the override's decision id)")
    r.add_argument("--warehouse", type=Path, default=default_warehouse)
    r.add_argument("--run", help="list/bulk accept: only this run")
    r.add_argument("--doc", help="list/bulk accept: only this document (doc_id)")
    r.add_argument("--table", help="list: only this table; accept without ids: every pending change of the table")
    r.add_argument("--status", default="pending",
                   choices=("pending", "accepted", "rejected", "overridden", "superseded", "all"))
    r.add_argument("--overrides", action="store_true", help="list: also the overrides standing")
    r.add_argument("--value", help="override: the value to publish instead")
    r.add_argument("--comment", "-m", help="why (required for a bulk accept)")
    r.add_argument("--reviewer", help="who decides")
    r.set_defaults(func=cmd_review)
    s = sub.add_parser("serve", help="the stewards' review page on http://127.0.0.1:8765/",
                       description="Write actions need a steward login: MUNI_STEWARD_TOKEN, or a TOML file given "
                                   "with --config ([stewards] name = \"token\"). Without one, only --read-only.")
    s.add_argument("--warehouse", type=Path, default=default_warehouse)
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--config", type=Path, help="TOML file with [stewards] name = \"token\"")
    s.add_argument("--read-only", action="store_true", help="serve without any write action")
    s.set_defaults(func=cmd_serve)
