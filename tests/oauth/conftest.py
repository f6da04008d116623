"""Fixtures for the OAuth 2.1 tests: `vitals serve --http` on the shared store
(tests/conftest.py builds it), a factory for more servers with other flags or
environment, and OAuth clients that walk the consent page as a browser would
(tests/oauth/oauth_support.py)."""
import os
import re
import subprocess
import threading

import pytest

from oauth_support import App

# The suites register and exchange from one IP faster than the default per-IP
# limit of /register and /token (10/s, burst 30) allows; test_oauth_refusals
# checks that limit on a server of its own.
UNLIMITED_AUTH = {"VITALS_AUTH_RATE_LIMIT": "1000/1000"}


class Server:
    """A running `vitals serve --http`: `url` is its /api/mcp endpoint on the bound
    loopback address, `base` the same origin (where the tests send requests), and
    `stderr` every line it wrote."""

    def __init__(self, proc, url, stderr):
        self.proc, self.url, self.stderr = proc, url, stderr
        self.base = url.rsplit("/api/mcp", 1)[0]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def start(vitals, store, *flags, env=None, port=0, timeout=30):
    """Starts `vitals serve --http 127.0.0.1:PORT --store STORE FLAGS…` and waits for
    its "serving MCP at URL" line on stderr (read to the end by a thread, so the
    server never blocks on a full pipe)."""
    proc = subprocess.Popen([vitals, "serve", "--http", f"127.0.0.1:{port}", "--store", store, *flags],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env=os.environ | (env or {}))
    lines, found, ready = [], [], threading.Event()

    def drain():
        for line in proc.stderr:
            lines.append(line)
            match = re.search(r"serving MCP at (http://\S+)", line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    ready.wait(timeout)
    if not found:
        proc.kill()
        proc.wait(timeout=10)
        raise AssertionError(f"vitals serve {' '.join(flags)} did not start:\n{''.join(lines)}")
    url = found[0]
    if port and not url.startswith(f"http://127.0.0.1:{port}/"):
        # With --public-url the line may name the public URL: talk to the bound address.
        url = f"http://127.0.0.1:{port}/api/mcp"
    return Server(proc, url, lines)


@pytest.fixture(scope="session")
def oauth_server(vitals, store):
    """The server most OAuth tests talk to: no per-agency rate limit, default token lifetimes."""
    server = start(vitals, store, "--rate-limit", "off", env=UNLIMITED_AUTH)
    yield server
    server.stop()


@pytest.fixture
def serve(vitals, store):
    """`serve("--rate-limit", "2/4", env={...}, port=...)` starts one more server on the
    shared store; every server started is stopped when the test ends."""
    started = []

    def run(*flags, env=None, port=0):
        server = start(vitals, store, *flags, env=UNLIMITED_AUTH | (env or {}), port=port)
        started.append(server)
        return server

    yield run
    for server in started:
        server.stop()


@pytest.fixture
def app(oauth_server):
    """`app(name=…, server=…)`: a registered OAuth client of a server (the shared one by
    default) with a cookie-keeping HTTP session; closed when the test ends."""
    made = []

    def make(name="pytest app", server=None, redirect_uri=None):
        client = App((server or oauth_server).base, name=name, redirect_uri=redirect_uri)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()
