"""Every number, amount and period format that occurs in the two seeds parses (or is a known non-figure)."""
import re

import pytest

from parsers import ParseError, parse_amount, parse_number, parse_period
from tests.conftest import SEEDS

SEED_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))

MONTH = r"(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december)"
PATTERNS = {
    "decimal": re.compile(r"(?<![\d,.])-?\d{1,3}(?: \d{3})*,\d+(?![\d,])"),
    "percent": re.compile(r"(?<![\d,.])\d+(?:,\d+)? ?%"),
    "amount": re.compile(r"(?<![\d,.])\d[\d ]*(?:, ?\d+)? (?:mnkr|mkr|miljoner kr|miljoner|tkr|kr|EUR|kronor)\b",
                         re.IGNORECASE),
    "period": re.compile(rf"(?:{MONTH} \d{{4}} ?[-–] ?{MONTH} \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}} ?- ?(?:\d{{4}}-\d{{2}}-\d{{2}})?"
                         rf"|\b(?:VT|HT) \d{{4}}|\bHösten \d{{4}}|\b\d{{4}} T[123]\b|\b20\d\d ?- ?20\d\d\b)",
                         re.IGNORECASE),
}
PARSER = {"decimal": parse_number, "percent": parse_number, "amount": parse_amount, "period": parse_period}


def occurrences(kind):
    return sorted({m.group(0).strip() for m in PATTERNS[kind].finditer(SEED_TEXT)})


@pytest.mark.parametrize("kind", sorted(PATTERNS))
def test_every_seed_occurrence_parses(kind):
    found = occurrences(kind)
    assert found, f"no {kind} in the seeds?"
    failures = []
    for text in found:
        try:
            PARSER[kind](text)
        except ParseError as e:
            failures.append(str(e))
    assert not failures, failures[:30]
