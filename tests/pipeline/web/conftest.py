"""The review page's tests use the queued warehouse of the review tests (built once per session)."""
from tests.pipeline.review.conftest import queued_warehouse, warehouse  # noqa: F401  (fixtures)
