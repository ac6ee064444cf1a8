"""Run the rule catalogue over extracted documents, and measure it against planted errors."""
from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from pipeline.checks.model import Finding, doc_from_extraction
from pipeline.checks.rules import CATALOGUE, run_rules


def check_extractions(extractions: Iterable) -> list[Finding]:
    """Findings of every rule over the given DocumentExtractions (linked across documents first)."""
    return run_rules([doc_from_extraction(e) for e in extractions], CATALOGUE)


def squash(text) -> str:
    return re.sub(r"\s+", "", str(text or "").replace("\u00a0", " "))


def explains(injection, finding: Finding) -> bool:
    """Does a finding come from a planted error: it rests on the planted figure, or names its key."""
    if injection.new and any(squash(e.printed) == squash(injection.new) for e in finding.evidence):
        return True
    kind, key = injection.kind, str(injection.key)
    if kind == "control_without_followup":
        return any(squash(e.printed) == squash(injection.old) for e in finding.evidence)
    if kind == "matrix_misplaced":
        return finding.rule_id == "MATRIX_PLACEMENT" and finding.entity_key == key
    if kind == "rv12_not_in_control_plan":
        return finding.rule_id == "RISK_RV12_IN_PLAN" and finding.entity_key == key
    if kind == "parent_account_sum":
        return finding.rule_id == "ACCOUNT_PARENT_SUM" and key[:-1] in finding.entity_key
    if kind == "counterparty_split":  # another error planted in the same cell changes the figure printed
        return finding.rule_id == "ACCOUNT_COUNTERPARTY" and f"/{key}/" in f"/{finding.entity_key}/"
    return False


@dataclass
class CheckScore:
    planted: int = 0
    kinds: Counter = field(default_factory=Counter)  # planted errors by kind
    found: int = 0
    flagged: int = 0  # new findings above info
    explained: int = 0
    missed: Counter = field(default_factory=Counter)
    unexplained: list[Finding] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        return self.explained / self.flagged if self.flagged else 1.0


def score_planted(planted, baseline: Iterable[Finding], findings: Iterable[Finding], score: CheckScore) -> CheckScore:
    """Add one variant's planted errors and new findings (not in its baseline) to the score."""
    base = {f.finding_id for f in baseline}
    new = [f for f in findings if f.finding_id not in base]
    for p in planted:
        score.planted += 1
        score.kinds[p.kind] += 1
        if any(explains(p, f) for f in new):
            score.found += 1
        else:
            score.missed[p.kind] += 1
    for f in new:
        if f.severity == "info":
            continue
        score.flagged += 1
        if any(explains(p, f) for p in planted):
            score.explained += 1
        else:
            score.unexplained.append(f)
    return score


def evaluate_checks(seeds: Iterable[int], extract=None) -> CheckScore:
    """Render each variant without and with planted errors, extract both, check both, and score."""
    from pipeline.extract import extract_document, link_documents
    from samples.inject import inject_errors
    from samples.variants import make_variant, render_variant

    extract = extract or extract_document
    score = CheckScore()
    for seed in seeds:
        variant = make_variant(seed)
        with tempfile.TemporaryDirectory() as tmp:
            base_docs = [extract(d.path) for d in render_variant(variant, Path(tmp) / "base")]
            link_documents(base_docs)
            variant.docs, planted = inject_errors(variant.docs, seed)
            docs = [extract(d.path) for d in render_variant(variant, Path(tmp) / "planted")]
            link_documents(docs)
        score_planted(planted, check_extractions(base_docs), check_extractions(docs), score)
    return score


def score_planted_document(seed: int, doc: str, base_docs: list, out_dir: Path, score: CheckScore,
                           extract=None) -> CheckScore:
    """Plant the seed's errors that fall in one document ('vp' or 'vb'), render and extract only that
    document, check it with the other document's base extraction, and score against the base findings.
    Cheaper than `evaluate_checks` (one document rendered and read, not four) and measures the same."""
    import copy

    from pipeline.extract import extract_document, link_documents
    from samples.inject import inject_errors
    from samples.variants import make_variant, render_variant

    variant = make_variant(seed)
    planted_docs, planted = inject_errors(variant.docs, seed)
    variant.docs = {doc: planted_docs[doc]}
    rendered, = render_variant(variant, out_dir)
    changed = (extract or extract_document)(rendered.path)
    others = [copy.deepcopy(d) for d in base_docs if d.info.doc_type != doc.upper()]  # linking mutates
    link_documents([changed] + others)
    return score_planted([p for p in planted if p.doc == doc], check_extractions(base_docs),
                         check_extractions([changed] + others), score)


def format_check_score(score: CheckScore) -> str:
    lines = [f"planted errors: {score.planted}, found {score.found} (recall {score.recall:.1%})",
             f"new findings above info: {score.flagged}, explained by a planted error {score.explained} "
             f"(precision {score.precision:.1%})"]
    if score.missed:
        lines.append("missed: " + ", ".join(f"{k} ×{v}" for k, v in score.missed.most_common()))
    for f in score.unexplained[:10]:
        lines.append(f"  unexplained {f.rule_id} {f.entity_key}: {f.message}")
    return "\n".join(lines)
