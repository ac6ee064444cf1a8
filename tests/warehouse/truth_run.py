"""A run built from the samples' ground truth (samples/truth/*.json), as if extraction were perfect.

The warehouse tests use it to load full tables without running extraction (which is still being written
and takes seconds): queries are checked against expectations computed here from the truth in Python,
independently of the SQL. Also runnable as a script, for the subprocess tests (kill, concurrent reader).
"""
from __future__ import annotations

import json
import re
import sys
import typing
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from pipeline.ingest import DocumentOutcome, ExtractionResult, RunSummary
from pipeline.records import ENTITIES, Assessment, MatrixTotal, Provenance, Record

ROOT = Path(__file__).resolve().parents[2]
TRUTH = ROOT / "samples" / "truth"
STEMS = ("amn-vp-2022", "amn-vb-2022")


def load_truths() -> dict[str, dict]:
    """stem -> truth JSON of the two faithful samples."""
    return {s: json.loads((TRUTH / f"{s}.json").read_text(encoding="utf-8")) for s in STEMS}


def doc_id_of(truth: dict) -> str:
    return truth["document"]["sha256"][:16]


def doc_ids_of(truths: dict[str, dict]) -> dict[str, str]:
    """file name -> doc_id of each truth: what a control follow-up's `control_doc` refers to."""
    return {t["document"]["file_name"]: doc_id_of(t) for t in truths.values()}


def first_of_each_entity(records: list[Record], keep: int) -> list[Record]:
    """The first `keep` records of each entity, in order: real rows of every table, loaded in seconds."""
    seen: dict[str, int] = {}
    out = []
    for r in records:
        seen[r.ENTITY] = seen.get(r.ENTITY, 0) + 1
        if seen[r.ENTITY] <= keep:
            out.append(r)
    return out


def printing_progress(kill_at: int = -1, wait_at: str | None = None) -> typing.Callable[[str], None]:
    """A load's progress callback for the subprocess tests: prints `N step`, SIGKILLs this process at step
    number `kill_at`, and at the step named `wait_at` waits for a line on stdin (a hand-shake with a reader)."""
    import os
    import signal

    steps = iter(range(10 ** 6))

    def progress(step: str) -> None:
        n = next(steps)
        print(f"{n} {step}", flush=True)
        if n == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        if wait_at is not None and step == wait_at:
            sys.stdin.readline()

    return progress


def _convert(hint: typing.Any, value: typing.Any) -> typing.Any:
    if value is None or typing.get_origin(hint) is list:
        return value
    args = set(typing.get_args(hint)) or {hint}
    if Decimal in args:
        return Decimal(str(value))
    if int in args and not isinstance(value, bool):
        return int(value)
    return value


def _prov(p: dict) -> Provenance:
    return Provenance(p["page"], tuple(p["bbox"]) if p.get("bbox") else None, p["printed"])


def to_record(cls: type[Record], row: dict, doc_ids: dict[str, str]) -> Record:
    """A truth row as the record class extraction would return."""
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for name, hint in hints.items():
        if name in ("page", "bbox", "provenance", "ENTITY"):
            continue
        if name == "control_doc_id":
            kwargs[name] = doc_ids.get(row.get("control_doc"))
        elif name in row:
            kwargs[name] = _convert(hint, row[name])
    rec = cls(**kwargs)
    rec.page = row.get("page")
    rec.bbox = tuple(row["bbox"]) if row.get("bbox") else None
    rec.provenance = {k: _prov(v) for k, v in (row.get("_provenance") or {}).items()}
    return rec


def truth_records(truth: dict, doc_ids: dict[str, str]) -> list[Record]:
    """Every record of one document's truth: the contract tables, the matrix total and the IKP assessment."""
    out: list[Record] = []
    for entity, cls in ENTITIES.items():
        out.extend(to_record(cls, r, doc_ids) for r in truth["tables"].get(entity, []))
    total = truth.get("risk_matrix_total")
    if total:
        m = re.search(r"\d+", total["printed"])
        out.append(MatrixTotal(printed=total["printed"], total=int(m.group(0)) if m else None, page=total["page"],
                               bbox=tuple(total["bbox"])))
    for f in truth["tables"].get("facts", []):
        if f.get("metric") == "ikp_assessment":
            out.append(Assessment(assessment=f["value"].lower(), printed=f["printed"], page=f["page"],
                                  bbox=tuple(f["bbox"])))
    return out


def truth_run(run_id: str = "truth-1", started_at: datetime | None = None, code_version: str = "truth",
              mutate: typing.Callable[[str, list[Record]], None] | None = None) -> RunSummary:
    """A run that 'extracted' both samples exactly as their truth says. `mutate(stem, records)` may edit them."""
    truths = load_truths()
    doc_ids = doc_ids_of(truths)
    run = RunSummary(run_id, started_at or datetime(2023, 3, 1, 2, 0, tzinfo=timezone.utc), code_version)
    for stem, t in truths.items():
        d = t["document"]
        records = truth_records(t, doc_ids)
        if mutate:
            mutate(stem, records)
        ex = ExtractionResult("succeeded", d["doc_type"], d["year"], d["committee"], d["title"], records, [])
        run.outcomes.append(DocumentOutcome(f"file:///samples/pdfs/{d['file_name']}", d["sha256"], doc_id_of(t),
                                            "new", page_count=d["page_count"], extraction=ex))
    run.finished_at = run.started_at
    run.recorded = True
    return run


if __name__ == "__main__":  # python -m tests.warehouse.truth_run WAREHOUSE RUN_ID [KILL_AT_STEP]
    import os

    from warehouse.load import publish_run

    target, run_id = sys.argv[1], sys.argv[2]
    progress = printing_progress(int(sys.argv[3]) if len(sys.argv) > 3 else -1, os.environ.get("TRUTH_RUN_WAIT_AT"))
    publish_run(target, truth_run(run_id, datetime.now(timezone.utc).replace(microsecond=0)), progress)
    print("done", flush=True)
