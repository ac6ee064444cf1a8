"""`muni diff` (text, csv in the Tabular Diff Format, html) and `muni review` for scripting."""
from __future__ import annotations

import csv
import io

import duckdb

from pipeline.cli import main
from pipeline.review.store import list_changes


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_diff_as_text_lists_every_difference_with_printed_forms(queued_warehouse, capsys):
    code, out, _ = run(capsys, "diff", "r1", "r2", "--warehouse", queued_warehouse)
    assert code == 0
    assert "risks: 2 changed, 1 added, 1 removed, 63 unchanged" in out
    assert "~ risks [risk_no=3] probability:" in out and 'printed "' in out
    assert "+ risks [risk_no=99] new row" in out and "- risks [risk_no=65] row gone" in out
    assert "VB-2022-Arbetsmarknadsnämnden" in out and "no differences" in out


def test_diff_as_csv_is_a_tabular_diff(queued_warehouse, capsys):
    code, out, _ = run(capsys, "diff", "r1", "r2", "--format", "csv", "--table", "risks", "--warehouse",
                       queued_warehouse)
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header = rows[0]
    assert header[:4] == ["@@", "table", "document", "key"] and "probability" in header
    actions = [r[0] for r in rows[1:]]
    assert actions.count("->") == 2 and actions.count("+++") == 1 and actions.count("---") == 1
    assert "..." in actions  # unchanged rows are omitted and marked
    changed = next(r for r in rows if r[0] == "->" and r[3] == "risk_no=3")
    cell = changed[header.index("probability")]
    old, new = cell.split("->")
    assert old != new and old.isdigit() and new.isdigit()
    assert changed[header.index("event")] and "->" not in changed[header.index("event")]
    assert all(len(r) == len(header) for r in rows)


def test_diff_as_html_escapes_and_needs_no_network(queued_warehouse, capsys):
    code, out, _ = run(capsys, "diff", "r1", "r2", "--format", "html", "--warehouse", queued_warehouse)
    assert code == 0 and out.startswith("<!doctype html>") and "<style>" in out
    assert "http://" not in out and "https://" not in out
    assert "risk_no=3" in out


def test_diff_of_an_unknown_run_says_so(queued_warehouse, capsys):
    code, _, err = run(capsys, "diff", "r1", "nope", "--warehouse", queued_warehouse)
    assert code == 2 and "no run 'nope'" in err


def test_review_from_the_command_line(warehouse, capsys):
    code, out, _ = run(capsys, "review", "list", "--warehouse", warehouse)
    assert code == 0 and "(5 changes)" in out
    con = duckdb.connect(str(warehouse), read_only=True)
    ch = {(c.entity_key, c.field): c for c in list_changes(con, status="pending")}
    con.close()
    p3, k5 = ch[("risk_no=3", "probability")], ch[("risk_no=5", "consequence")]
    assert run(capsys, "review", "accept", p3.change_id, "-m", "ok", "--reviewer", "Cli", "--warehouse",
               warehouse)[0] == 0
    code, _, err = run(capsys, "review", "override", k5.change_id, "--value", "9", "--reviewer", "Cli",
                       "--warehouse", warehouse)
    assert code == 1 and "1-5" in err
    assert run(capsys, "review", "override", k5.change_id, "--value", "2", "--reviewer", "Cli", "--warehouse",
               warehouse)[0] == 0
    code, out, _ = run(capsys, "review", "list", "--status", "all", "--overrides", "--warehouse", warehouse)
    assert "accepted" in out and "overridden" in out and "override " in out
    override_id = next(line.split()[1] for line in out.splitlines() if line.startswith("override "))
    assert run(capsys, "review", "lift", override_id, "--reviewer", "Cli", "--warehouse", warehouse)[0] == 0
    code, _, err = run(capsys, "review", "accept", "--table", "risks", "--warehouse", warehouse)
    assert code == 1 and "--run, --doc" in err
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT decision, reviewer FROM review_decisions ORDER BY decided_at").fetchall() == [
        ("accept", "Cli"), ("override", "Cli"), ("accept", "Cli")]
    con.close()
