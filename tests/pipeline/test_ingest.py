from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.ingest import discover_pdfs, format_summary, ingest
from tests.conftest import make_text_pdf


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    make_text_pdf(d / "a.pdf", ["Verksamhetsplan 2022"])
    make_text_pdf(d / "b.PDF", ["Verksamhetsberättelse 2022"], pages=3)
    (d / "broken.pdf").write_text("<html>Service unavailable</html>")
    (d / "notes.txt").write_text("not a pdf, ignored")
    return d


def test_discover_only_pdfs(folder: Path):
    assert [p.name for p in discover_pdfs([folder])] == ["a.pdf", "b.PDF", "broken.pdf"]


def test_discover_missing_path_is_an_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError):
        discover_pdfs([tmp_path / "nope"])


def test_ingest_records_every_file_and_is_idempotent(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    run1 = ingest([folder], wh)
    assert (run1.count("new"), run1.count("failed"), run1.count("unchanged")) == (2, 1, 0)
    failed = [o for o in run1.outcomes if o.status == "failed"][0]
    assert failed.reason == "not_pdf" and failed.source_uri.endswith("broken.pdf")
    run2 = ingest([folder], wh)
    assert (run2.count("new"), run2.count("unchanged"), run2.count("failed")) == (0, 2, 1)
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    assert con.execute("SELECT sum(page_count) FROM documents").fetchone()[0] == 4
    con.close()
    assert "FAILED broken.pdf: not_pdf" in format_summary(run1)


def test_same_bytes_twice_in_one_run_is_one_document(tmp_path: Path):
    d = tmp_path / "dup"
    d.mkdir()
    make_text_pdf(d / "x.pdf", ["same"])
    (d / "y.pdf").write_bytes((d / "x.pdf").read_bytes())
    run = ingest([d], tmp_path / "w.duckdb")
    assert run.count("new") == 1 and run.count("unchanged") == 1


def test_cli_ingest_and_query(folder: Path, tmp_path: Path, capsys):
    wh = tmp_path / "w.duckdb"
    assert main(["ingest", str(folder), "--warehouse", str(wh)]) == 0
    out = capsys.readouterr().out
    assert "3 seen, 2 new" in out
    assert main(["query", "SELECT count(*) AS n FROM documents", "--warehouse", str(wh)]) == 0
    assert "(1 rows)" in capsys.readouterr().out


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    assert "ingest" in capsys.readouterr().out
