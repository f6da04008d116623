"""Fixtures for the OAuth 2.1 tests: `vitals serve --http` on the shared store
(tests/conftest.py builds it), a factory for more servers with other flags or
environment, and OAuth clients that walk the consent page as a browser would
(tests/oauth/oauth_support.py)."""
import pytest

from oauth_support import App
from served import start

# The suites register and exchange from one IP faster than the default per-IP
# limit of /register and /token (10/s, burst 30) allows; test_oauth_refusals
# checks that limit on a server of its own.
UNLIMITED_AUTH = {"VITALS_AUTH_RATE_LIMIT": "1000/1000"}


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
