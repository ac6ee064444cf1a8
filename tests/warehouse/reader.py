"""An auditor in a loop: open the published warehouse read-only, check that every run in it is complete,
print what it saw, close; until STOP_FILE exists. Any exception is printed as `error ...` (exit 1).

    python -m tests.warehouse.reader WAREHOUSE STOP_FILE
"""
from __future__ import annotations

import sys
import traceback
from pathlib import Path

import duckdb

ENTITY_TABLES_SQL = ("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND table_name LIKE 'run\\_%' "
                     "ESCAPE '\\' AND table_name NOT IN ('run_documents', 'run_problems', 'run_provenance')")


def incomplete_runs(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Runs whose stored rows do not add up to what the run says it stored (a partial run)."""
    tables = [r[0] for r in con.execute(ENTITY_TABLES_SQL).fetchall()]
    stored = " + ".join(f'(SELECT count(*) FROM "{t}" x WHERE x.run_id = r.run_id)' for t in tables)
    bad = con.execute(
        f"SELECT run_id FROM runs r WHERE records_loaded <> {stored} "
        "OR problems_recorded <> (SELECT count(*) FROM run_problems p WHERE p.run_id = r.run_id) "
        "OR documents_seen <> (SELECT count(*) FROM run_documents d WHERE d.run_id = r.run_id)").fetchall()
    return [r[0] for r in bad]


def main(warehouse: str, stop_file: str) -> int:
    n = 0
    while not Path(stop_file).exists():
        try:
            con = duckdb.connect(warehouse, read_only=True)
            try:
                runs = sorted(r[0] for r in con.execute("SELECT run_id FROM runs").fetchall())
                bad = incomplete_runs(con)
                risks = con.execute("SELECT count(*) FROM risks").fetchone()[0]
            finally:
                con.close()
        except Exception:
            print("error " + traceback.format_exc().replace("\n", " | "), flush=True)
            return 1
        if bad:
            print(f"partial {','.join(bad)}", flush=True)
            return 1
        n += 1
        print(f"ok {n} {','.join(runs)} {risks}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
