"""Steward review: diffs between runs, the review queue, the published state and the audit trail of decisions."""
from pipeline.review.store import ReviewError, ReviewSummary, queue_changes

__all__ = ["ReviewError", "ReviewSummary", "queue_changes"]
