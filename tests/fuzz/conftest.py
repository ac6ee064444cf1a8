"""Fuzzing budget: a few examples per target in `make test` (seconds); MUNI_FUZZ_EXAMPLES=500 for a long run."""
import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("MUNI_FUZZ_EXAMPLES", "0")) or None


def fuzz_settings(default: int):
    """Hypothesis settings for a fuzz target: no deadline (no timed assertions), `default` examples unless overridden."""
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=EXAMPLES is None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])
