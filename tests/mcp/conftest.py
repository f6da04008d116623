"""Fixtures for the MCP tests: `vitals serve --http` on the shared store
(tests/conftest.py builds it). The client is the Python `mcp` SDK from PyPI
(nobody here wrote it)."""
import os
import re
import subprocess

import pytest


@pytest.fixture(scope="session")
def http_url(vitals, store):
    """`vitals serve --http` on a free loopback port for the whole session; no rate
    limit, so the suites' quick calls are never throttled."""
    proc = subprocess.Popen([vitals, "serve", "--http", "127.0.0.1:0", "--store", store, "--rate-limit", "off"],
                            stderr=subprocess.PIPE, text=True, env=os.environ | {"VITALS_WEBHOOK_BACKOFF_MS": "150",
                                                                   # compact sessions often, so every test crosses compactions
                                                                   "VITALS_SESSION_COMPACT_EVERY": "7"})
    url = None
    for line in proc.stderr:
        found = re.search(r"serving MCP at (http://\S+)", line)
        if found:
            url = found.group(1)
            break
    assert url, "vitals serve --http did not start"
    yield url
    proc.terminate()
    proc.wait(timeout=10)
