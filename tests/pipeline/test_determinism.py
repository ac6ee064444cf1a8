"""Extraction is a function of the bytes: the same PDF gives the same records, values and provenance in
every process. String hashing differs per process (PYTHONHASHSEED), so any choice that depends on a set's
or dict's iteration order over strings shows up here as a difference between two seeds."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DIGEST = """
import dataclasses, hashlib, json, sys
from pathlib import Path
from pipeline.extract import extract_document
doc = extract_document(Path(sys.argv[1]))
rows = [(type(r).__name__, dataclasses.asdict(r)) for r in doc.records]
text = json.dumps(rows, default=str, ensure_ascii=False, sort_keys=True)
print(len(rows), hashlib.sha256(text.encode()).hexdigest())
"""


def records_digest(pdf: Path, hash_seed: int) -> str:
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    out = subprocess.run([sys.executable, "-c", DIGEST, str(pdf)], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@pytest.mark.slow
def test_the_annual_report_extracts_identically_under_two_hash_seeds():
    pdf = ROOT / "samples" / "pdfs" / "amn-vb-2022.pdf"  # the VB: prose facts, KAA tables read by their prose
    first, second = records_digest(pdf, 1), records_digest(pdf, 2)
    assert int(first.split()[0]) > 2000
    assert first == second
