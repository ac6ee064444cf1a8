from pathlib import Path

import duckdb
import pytest

from extractors.classify import DocumentInfo, Segmentation
from pipeline.cli import main
from pipeline.extract import DocumentExtraction
from pipeline.ingest import (DocumentOutcome, context_documents, current_code_version, discover_pdfs, format_summary,
                             ingest, link_run, source_digest)
from pipeline.records import ControlRow, FollowupRow, Problem, RiskRow
from tests.conftest import make_text_pdf
from tests.warehouse.conftest import fingerprint


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
    before = fingerprint(wh)
    run2 = ingest([folder], wh)
    assert (run2.count("new"), run2.count("unchanged"), run2.count("failed")) == (0, 2, 1)
    assert run1.recorded and not run2.recorded
    assert fingerprint(wh) == before  # same bytes, same code: nothing added, not even a run
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 2
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert con.execute("SELECT sum(page_count) FROM documents").fetchone()[0] == 4
    assert con.execute("SELECT count(*) FROM document_extractions WHERE status = 'succeeded'").fetchone()[0] == 2
    con.close()
    assert "FAILED broken.pdf: not_pdf" in format_summary(run1)
    assert "nothing new" in format_summary(run2)


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


def fake_extract(records_for=lambda path: [], doc_type="VP", committee=None):
    """An extractor stand-in: classification from the file name (each file its own committee unless one is
    given, so each is its own logical document), the given records, one problem."""
    def extract(path: Path) -> DocumentExtraction:
        info = DocumentInfo(doc_type, 2022, committee or f"Nämnd {path.stem}", path.stem, "test")
        return DocumentExtraction(path, info, 1, Segmentation({}, []), records=records_for(path),
                                  problems=[Problem(1, "vor", "no extractor yet")])
    return extract


def risk(no: int, p: int = 2) -> RiskRow:
    return RiskRow(risk_no=no, goal_code="1.1", goal=None, process="P", working_method="W", event="E", probability=p,
                   probability_label=None, consequence=3, consequence_label=None, risk_value=p * 3,
                   in_control_plan=True, page=14, bbox=(1.0, 2.0, 3.0, 4.0))


def count(wh: Path, sql: str) -> int:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_new_code_reextracts_known_bytes_into_a_new_run(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, code_version="v1", extract=fake_extract(lambda p: [risk(1)]))
    run = ingest([folder], wh, code_version="v2", extract=fake_extract(lambda p: [risk(1, p=4), risk(2)]))
    assert (run.count("new"), run.count("reextracted"), run.count("unchanged"), run.count("failed")) == (0, 2, 0, 1)
    assert run.recorded
    assert count(wh, "SELECT count(*) FROM document_files") == 2
    # the new extraction's changes wait for a steward; the published rows stay as accepted
    assert run.review.pending_changes > 0 and count(wh, "SELECT count(*) FROM risks") == 2
    assert count(wh, "SELECT count(*) FROM risks WHERE probability = 4") == 0
    assert count(wh, "SELECT count(*) FROM run_risks") == 6  # both runs' extractions stay queryable
    assert count(wh, "SELECT count(*) FROM problems") == 2
    assert count(wh, "SELECT documents_reextracted FROM runs WHERE code_version = 'v2'") == 2
    assert ingest([folder], wh, code_version="v2", extract=fake_extract()).recorded is False


def test_a_new_failure_is_recorded_an_old_one_is_not_repeated(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, extract=fake_extract())
    (folder / "scan.pdf").write_bytes(b"%PDF-1.4 garbage")
    run = ingest([folder], wh, extract=fake_extract())
    assert run.recorded and run.count("failed") == 2
    assert count(wh, "SELECT count(*) FROM run_documents WHERE status = 'failed'") == 3


def test_an_extraction_that_raises_fails_only_its_document(folder: Path, tmp_path: Path):
    def extract(path: Path):
        if path.name == "a.pdf":
            raise ValueError("cannot read")
        return fake_extract(lambda p: [risk(1)])(path)

    wh = tmp_path / "w.duckdb"
    run = ingest([folder], wh, extract=extract)
    assert run.recorded and "EXTRACTION FAILED: ValueError: cannot read" in format_summary(run)
    assert count(wh, "SELECT count(*) FROM document_extractions WHERE status = 'failed'") == 1
    assert count(wh, "SELECT count(*) FROM documents WHERE published_run_id IS NULL") == 1
    assert count(wh, "SELECT count(*) FROM risks") == 1


def test_unfit_values_are_loaded_as_null_and_said(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, extract=fake_extract(lambda p: [risk(1, p=9)]))
    assert count(wh, "SELECT count(*) FROM risks WHERE probability IS NOT NULL") == 0
    assert count(wh, "SELECT count(*) FROM run_risks "
                     "WHERE probability IS NULL AND extra->>'$.rejected.probability' = '9'") == 2
    assert count(wh, "SELECT count(*) FROM problems WHERE stage = 'load' AND message LIKE '%sannolikhet%'") == 2


def followup() -> FollowupRow:
    return FollowupRow(goal_code="1.1", process="P", working_method="W", control_activity="Stickprov",
                       result_text="ok", performed=True)


def fake_link(docs):
    """What pipeline.extract.link_documents does once extractors.controls exists: name the VP by file name."""
    for vb in (d for d in docs if d.info.doc_type == "VB"):
        vp = next(d for d in docs if d.info.doc_type == "VP")
        for f in vb.table("control_followups"):
            f.control_doc_id, f.risk_no = str(vp.path.name), vp.table("controls")[0].risk_no
        vb.problems.append(Problem(None, "ikp_followup", "linked"))


def control() -> ControlRow:
    return ControlRow(goal_code="1.1", process="P", working_method="W", control="C", risk_value=9, event="E",
                      control_activity="Stickprov", risk_no=6, page=21)


def test_follow_ups_link_to_the_vp_in_the_run_by_doc_id(monkeypatch, tmp_path: Path):
    monkeypatch.setattr("pipeline.extract.link_documents", fake_link)
    vp = DocumentExtraction(Path("/x/vp.pdf"), DocumentInfo("VP", 2022, "N", "t", ""), 1, Segmentation({}, []),
                            records=[control()])
    vb = DocumentExtraction(Path("/x/vb.pdf"), DocumentInfo("VB", 2022, "N", "t", ""), 1, Segmentation({}, []),
                            records=[followup()])
    problems = link_run([(DocumentOutcome("u1", "s", "vpdoc", "new"), vp),
                         (DocumentOutcome("u2", "t", "vbdoc", "new"), vb)])
    assert vb.records[0].control_doc_id == "vpdoc" and vb.records[0].risk_no == 6
    assert [p.message for p in problems["vbdoc"]] == ["linked"] and problems["vpdoc"] == []


def test_a_new_vb_links_to_the_vp_already_in_the_warehouse(monkeypatch, tmp_path: Path):
    monkeypatch.setattr("pipeline.extract.link_documents", fake_link)
    wh = tmp_path / "w.duckdb"
    first, second = tmp_path / "dec", tmp_path / "feb"
    first.mkdir(), second.mkdir()
    make_text_pdf(first / "vp.pdf", ["Verksamhetsplan 2022"])
    make_text_pdf(second / "vb.pdf", ["Verksamhetsberättelse 2022"])
    ingest([first], wh, extract=fake_extract(lambda p: [control()], doc_type="VP", committee="N"))
    ingest([second], wh, extract=fake_extract(lambda p: [followup()], doc_type="VB", committee="N"))
    con = duckdb.connect(str(wh), read_only=True)
    vp_id = con.execute("SELECT doc_id FROM documents WHERE doc_type = 'VP'").fetchone()[0]
    assert con.execute("SELECT control_doc_id, risk_no FROM control_followups").fetchall() == [(vp_id, 6)]
    con.close()


def test_context_documents_only_for_vbs_without_their_vp():
    vb = DocumentExtraction(Path("vb.pdf"), DocumentInfo("VB", 2022, "N", "t", ""), 1, Segmentation({}, []))
    asked = []
    assert context_documents([vb], lambda y, c: asked.append((y, c))) == [] and asked == [(2022, "N")]
    vp = DocumentExtraction(Path("vp.pdf"), DocumentInfo("VP", 2022, "N", "t", ""), 1, Segmentation({}, []))
    assert context_documents([vb, vp], lambda y, c: 1 / 0) == []


def test_code_version_follows_the_extraction_sources(tmp_path: Path):
    (tmp_path / "extractors").mkdir()
    (tmp_path / "extractors" / "x.py").write_text("A = 1")
    one = source_digest(tmp_path, ["extractors"])
    (tmp_path / "extractors" / "x.py").write_text("A = 2")
    assert source_digest(tmp_path, ["extractors"]) != one
    assert current_code_version().startswith("0.1.0+")
