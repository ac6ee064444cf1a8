"""Everything that talks to DuckDB."""
