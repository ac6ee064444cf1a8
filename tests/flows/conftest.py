"""One Prefect test server for the whole session (prefect_test_harness): flows run against it, not ephemerally."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_server():
    """A temporary Prefect API for every flow test of the session (started once: it costs ~15-20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
