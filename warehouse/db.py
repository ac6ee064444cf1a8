"""DuckDB access: connecting and migrating (writes go through warehouse.snapshot, loads through warehouse.load)."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path

import duckdb


def quote_ident(name: str) -> str:
    """A table or column name as a quoted SQL identifier (names come from the catalogue, never from values)."""
    return '"' + name.replace('"', '""') + '"'


def utc_naive(moment: datetime | None) -> datetime | None:
    """Timestamps are stored as UTC without a zone (TIMESTAMP)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every forward migration shipped in warehouse/migrations, in order."""
    out = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        m = re.match(r"(\d+)_.*\.sql$", entry.name)
        if m:
            out.append((int(m.group(1)), entry.read_text(encoding="utf-8")))
    return sorted(out)


def connect(path: Path | str, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writable connection is migrated to the newest schema first.

    A writable connection writes the file in place and locks readers out meanwhile: the pipeline and
    anything else that writes a published warehouse goes through warehouse.snapshot.writing instead.
    """
    if read_only:
        return duckdb.connect(str(path), read_only=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The newest migration applied to this database (0 for an empty one)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'").fetchall()[0][0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations newer than the database's version, each in its own transaction."""
    current = schema_version(con)
    for version, sql in migrations():
        if version <= current:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = version
    return current
