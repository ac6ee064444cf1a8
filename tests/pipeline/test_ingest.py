from pathlib import Path

import duckdb
import pytest

from extractors.classify import DocumentInfo, Segmentation
from pipeline.cli import main
from pipeline.extract import DocumentExtraction
from pipeline.ingest import (DocumentOutcome, InputDoc, context_documents, current_code_version, discover_pdfs,
                             extract_plan, format_summary, ingest, link_run, load_plan, local_inputs, plan_run,
                             reconcile, source_digest, summary_markdown)
from pipeline.progress import LogReporter, ProgressState, TerminalReporter, progress_line
from pipeline.records import ControlRow, FollowupRow, Problem, RiskRow
from pipeline.sources import Hints
from pipeline.workers import WorkerLimits
from tests.conftest import make_text_pdf
from tests.warehouse.conftest import fingerprint
from warehouse.known import KnownState


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


def test_a_run_says_how_long_each_phase_took(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    run = ingest([folder], wh)
    assert list(run.seconds) == ["plan", "extract", "load"] and all(s > 0 for s in run.seconds.values())
    assert "  time: plan " in format_summary(run)
    again = ingest([folder], wh)  # nothing new: no extraction, no load
    assert list(again.seconds) == ["plan"]


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


# ----- isolation, planning outside the lock, hints, progress ----------------------------------------------

def test_a_hung_document_is_stopped_and_the_run_carries_on(tmp_path: Path):
    from tests.pipeline.test_workers import behave  # picklable: runs in the worker processes

    d = tmp_path / "in"
    d.mkdir()
    for name in ("ok", "hang", "crash"):
        make_text_pdf(d / f"{name}.pdf", [f"Verksamhetsplan 2022 {name}"])
    wh = tmp_path / "w.duckdb"
    run = ingest([d], wh, extract=behave, workers=2, limits=WorkerLimits(timeout_s=3, memory_mb=1024))
    errors = {o.source_uri.rsplit("/", 1)[-1]: o.extraction.error for o in run.outcomes}
    assert errors["ok.pdf"] is None and errors["hang.pdf"] == "timeout after 3 s"
    assert errors["crash.pdf"].startswith("worker died (signal 11")
    assert run.recorded and "EXTRACTION FAILED: timeout after 3 s" in format_summary(run)
    assert count(wh, "SELECT count(*) FROM document_extractions WHERE status = 'failed'") == 2
    assert count(wh, "SELECT count(*) FROM documents WHERE published_run_id IS NOT NULL") == 1
    assert "| failed | 2 |" in summary_markdown(run) and "timeout after 3 s" in summary_markdown(run)


def known(docs=(), extracted=()):
    return KnownState(frozenset(docs), frozenset(extracted), frozenset())


def test_reconcile_follows_what_the_warehouse_knows_under_the_lock():
    o = [DocumentOutcome("u1", "s1", "d1", "new"), DocumentOutcome("u2", "s2", "d2", "new"),
         DocumentOutcome("u3", "s3", "d3", "unchanged"), DocumentOutcome("u4", "s1", "d1", "unchanged"),
         DocumentOutcome("u5", "s5", "d5", "reextracted")]
    out, stale = reconcile(o, known(), known(docs={"s1", "s2"}, extracted={"s1"}))
    assert [x.status for x in out] == ["unchanged", "reextracted", "unchanged", "unchanged", "new"]
    assert stale == [2]  # s3 was skipped by the plan but is no longer extracted; s1's twin is in the run


def test_a_plan_overtaken_by_another_writer_adds_nothing(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    plan = plan_run(local_inputs([folder]), wh)
    extract_plan(plan, extract=fake_extract())
    ingest([folder], wh, extract=fake_extract())  # another run loads the same files meanwhile
    before = fingerprint(wh)
    run = load_plan(plan, wh, extract=fake_extract())
    assert not run.recorded and run.count("unchanged") == 2 and fingerprint(wh) == before


def test_the_longest_documents_are_extracted_first_and_each_result_stays_with_its_file(folder: Path, tmp_path: Path):
    make_text_pdf(folder / "c.pdf", ["Verksamhetsplan 2023"], pages=5)
    plan = plan_run(local_inputs([folder]), tmp_path / "w.duckdb")
    order = []
    inner = fake_extract()
    extract_plan(plan, extract=lambda path: order.append(path.name) or inner(path))
    assert order == ["c.pdf", "b.PDF", "a.pdf"]  # 5, 3 and 1 pages
    done = {o.source_uri.rsplit("/", 1)[-1]: o.extraction.title for o in plan.run.outcomes if o.extraction}
    assert done == {"a.pdf": "a", "b.PDF": "b", "c.pdf": "c"}


def test_planning_looks_once_at_each_new_content_all_at_once(folder: Path, tmp_path: Path, monkeypatch):
    import shutil

    import pipeline.workers as workers

    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, extract=fake_extract())
    make_text_pdf(folder / "c.pdf", ["Verksamhetsplan 2023"])
    shutil.copy(folder / "c.pdf", folder / "c-copy.pdf")  # the same bytes twice
    make_text_pdf(folder / "d.pdf", ["Verksamhetsberättelse 2023"])
    calls = []
    real = workers.inspect_all_isolated
    monkeypatch.setattr(workers, "inspect_all_isolated",
                        lambda paths, limits, n: calls.append(([p.name for p in paths], n)) or real(paths, limits, n))
    monkeypatch.setattr(workers, "inspect_isolated", lambda *a: pytest.fail("a file looked at on its own"))
    plan = plan_run(local_inputs([folder]), wh, workers=2)
    # the broken file was not extracted last time, so it is looked at again; c.pdf's twin is not
    assert calls == [(["broken.pdf", "c-copy.pdf", "d.pdf"], 2)]
    assert (plan.run.count("new"), plan.run.count("unchanged"), plan.run.count("failed")) == (2, 3, 1)
    assert all(inp.sha256 for inp in plan.inputs)  # hashed once, in planning


def test_a_plan_against_a_warehouse_that_was_replaced_extracts_again(folder: Path, tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, extract=fake_extract())
    make_text_pdf(folder / "c.pdf", ["Verksamhetsplan 2023"])
    plan = plan_run(local_inputs([folder]), wh)
    assert len(plan.pending()) == 1 and plan.run.count("unchanged") == 2
    extract_plan(plan, extract=fake_extract())
    wh.unlink()  # restored from an older backup, say
    run = load_plan(plan, wh, extract=fake_extract())
    assert run.recorded and run.count("new") == 3 and run.extracted_here == 3
    assert count(wh, "SELECT count(*) FROM document_extractions") == 3


def test_no_extraction_work_skips_the_writer_lock(folder: Path, tmp_path: Path):
    from warehouse.snapshot import writer_lock

    wh = tmp_path / "w.duckdb"
    ingest([folder], wh, extract=fake_extract())
    with writer_lock(wh):  # another writer holds the lock: an unchanged run need not wait for it
        run = ingest([folder], wh, extract=fake_extract())
    assert not run.recorded and run.extracted_here == 0
    assert "no extraction work" in format_summary(run)


def test_hints_fill_what_the_document_does_not_say(tmp_path: Path):
    d = tmp_path / "in"
    d.mkdir()
    make_text_pdf(d / "x.pdf", ["Verksamhetsplan 2022"])
    wh = tmp_path / "w.duckdb"
    blank = fake_extract(committee="Nämnden")
    inputs = [InputDoc(i.source_uri, i.path, Hints(committee="Annan nämnd", year=2022)) for i in local_inputs([d])]
    run = ingest([], wh, extract=blank, inputs=inputs)
    assert run.outcomes[0].extraction.committee == "Nämnden"  # the document wins ...
    assert "sources.toml says committee 'Annan nämnd'" in run.outcomes[0].extraction.problems[-1].message  # ... said

    def untitled(path: Path) -> DocumentExtraction:
        return DocumentExtraction(path, DocumentInfo("VP", None, None, None, "test"), 1, Segmentation({}, []))

    make_text_pdf(d / "y.pdf", ["Verksamhetsplan"])
    inputs = [InputDoc(i.source_uri, i.path, Hints(committee="Annan nämnd", year=2023)) for i in local_inputs([d])]
    run = ingest([], wh, extract=untitled, inputs=inputs)
    y = next(o for o in run.outcomes if o.source_uri.endswith("y.pdf"))
    assert (y.extraction.committee, y.extraction.year) == ("Annan nämnd", 2023)


def test_a_repeated_fetch_failure_is_not_a_new_run(tmp_path: Path):
    wh = tmp_path / "w.duckdb"
    failed = [InputDoc("https://example.org/gone.pdf", None, failure=("fetch_failed", "HTTP 404 Not Found"))]
    assert ingest([], wh, inputs=failed).recorded
    again = ingest([], wh, inputs=failed)
    assert not again.recorded and "FAILED gone.pdf: fetch_failed — HTTP 404 Not Found" in format_summary(again)


def test_progress_line_and_reporters():
    import io

    assert progress_line(ProgressState(5, 410, 2, 120, 0, ["a.pdf", "b.pdf"])) == \
        "[2/5 documents, 120/410 pages] extracting a.pdf, b.pdf"
    assert len(progress_line(ProgressState(1, 1, current=["x" * 200]), width=40)) == 40
    log = io.StringIO()
    r = LogReporter(log)
    r.planned([("a.pdf", 3), ("b.pdf", 4)])
    r.started("a.pdf")
    r.finished("a.pdf", "failed", "timeout after 3 s")
    lines = log.getvalue().splitlines()
    assert lines[1].endswith("extracting a.pdf (3 pages) [0/2 documents, 0/7 pages]")
    assert lines[2].endswith("failed a.pdf: timeout after 3 s [1/2 documents, 3/7 pages]")
    tty = io.StringIO()
    t = TerminalReporter(tty, width=80)
    t.planned([("a.pdf", 3)])
    t.started("a.pdf")
    t.close()
    assert tty.getvalue().count("\r") == 2 and tty.getvalue().endswith("[0/1 documents, 0/3 pages] extracting a.pdf\n")
