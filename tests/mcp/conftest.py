"""Fixtures for the MCP tests: `vitals serve --http` on the shared store
(tests/conftest.py builds it). The client is the Python `mcp` SDK from PyPI
(nobody here wrote it)."""
import pytest

from served import start


@pytest.fixture(scope="session")
def http_url(vitals, store):
    """`vitals serve --http` on a free loopback port for the whole session; no rate
    limit, so the suites' quick calls are never throttled."""
    server = start(vitals, store, "--rate-limit", "off", env={"VITALS_WEBHOOK_BACKOFF_MS": "150"})
    yield server.url
    server.stop()
