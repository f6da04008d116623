"""What the OAuth tests share: PKCE pairs, an OAuth client that registers and walks
the consent page as a browser would (cookies kept, the form parsed and posted),
the token endpoint, raw MCP requests and the audit log. Every HTTP call has a
timeout and goes to 127.0.0.1 only."""
import base64
import hashlib
import json
import secrets
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

TIMEOUT = 10  # seconds, every HTTP call

READ_SCOPES = ["read:accounts", "read:users", "read:revenue", "read:feedback", "read:activities"]
WRITE_SCOPES = ["write:workflows", "write:feedback", "write:metadata", "write:activities"]
SCOPES = READ_SCOPES + WRITE_SCOPES

from pages import Page  # noqa: F401 (re-exported to the OAuth tests)
from surface import READ_TOOLS  # noqa: F401 (re-exported to the OAuth tests)

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "pytest", "version": "1"}}}
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
MODERN = "2026-07-28"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def pkce():
    """A (code_verifier, S256 code_challenge) pair, as RFC 7636 makes them."""
    verifier = b64url(secrets.token_bytes(48))
    return verifier, b64url(hashlib.sha256(verifier.encode()).digest())


def query_of(location):
    """The query parameters of a redirect's Location, one value each."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class App:
    """An OAuth client of one Vitals server as a person's browser and app see it:
    it registers (RFC 7591), opens the consent page, posts the form with the
    cookie the page set, and trades codes and refresh tokens at /token."""

    def __init__(self, base, name="pytest app", redirect_uri=None, registration=None, client_id=None):
        """`registration` is more client metadata for /register (or the whole of it, with
        its own `redirect_uris`); `client_id` skips registration (a metadata document URL)."""
        self.base, self.name = base, name
        self.resource = base + "/api/mcp"
        self.redirect_uri = redirect_uri or f"http://127.0.0.1:{free_port()}/callback"
        self.registration = registration or {}
        self.http = httpx2.Client(timeout=TIMEOUT)  # keeps cookies, never follows redirects
        self._client_id = client_id

    def close(self):
        self.http.close()

    def register(self, **metadata):
        body = {"client_name": self.name, "redirect_uris": [self.redirect_uri]} | self.registration | metadata
        return self.http.post(self.base + "/register", json=body)

    @property
    def client_id(self):
        if self._client_id is None:
            registered = self.register()
            assert registered.status_code == 201, registered.text
            self._client_id = registered.json()["client_id"]
        return self._client_id

    def authorize_url(self, scope=None, *, challenge=None, method="S256", state=None, resource=True, **override):
        """The /authorize URL an app sends a person to; returns (url, state, code_verifier).
        `resource=True` sends ours; a string sends that one; None sends none. `override`
        replaces any parameter (a None value leaves it out)."""
        verifier, s256 = pkce()
        state = state or secrets.token_urlsafe(16)
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                  "code_challenge": challenge or s256, "code_challenge_method": method, "state": state}
        if scope is not None:
            params["scope"] = scope if isinstance(scope, str) else " ".join(scope)
        if resource:
            params["resource"] = self.resource if resource is True else resource
        params = {k: v for k, v in (params | override).items() if v is not None}
        return self.base + "/authorize?" + urlencode(params), state, verifier

    def authorize(self, scope=None, **options):
        """GET /authorize (see authorize_url); returns (response, state, code_verifier)."""
        url, state, verifier = self.authorize_url(scope, **options)
        return self.http.get(url), state, verifier

    def consent(self, page, token, action="allow", untick=(), http=None, **fields):
        """Posts the consent form of `page` (a consent page from /authorize) as a browser
        would. `fields` replace hidden values (a None value leaves the field out);
        `http` sends it from another client (one without the cookie)."""
        form = Page(page.text).form(id="consent")
        button = Page.field(form, id="allow" if action == "allow" else "deny")
        pairs = Page.submission(form, {"token": token}, untick=untick, button=button)
        pairs = [(k, fields.get(k, v)) for k, v in pairs if not (k in fields and fields[k] is None)]
        url = urljoin(str(page.url), form["attrs"].get("action") or "/authorize")
        return (http or self.http).post(url, content=urlencode(pairs), headers=FORM)

    def code(self, token, scope=None, untick=(), resource=True):
        """Consent allowed with `token`: returns (code, code_verifier)."""
        page, state, verifier = self.authorize(scope, resource=resource)
        assert page.status_code == 200, page.text
        allowed = self.consent(page, token, untick=untick)
        assert allowed.status_code == 302, allowed.text
        location = allowed.headers["location"]
        assert location.startswith(self.redirect_uri + "?"), location
        answer = query_of(location)
        assert answer["state"] == state and "error" not in answer, answer
        return answer["code"], verifier

    def exchange(self, code, verifier, **override):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                "client_id": self.client_id, "code_verifier": verifier, "resource": self.resource} | override
        return self.http.post(self.base + "/token", content=urlencode({k: v for k, v in form.items() if v is not None}),
                              headers=FORM)

    def login(self, token, scope=None, untick=()):
        """The whole grant: consent, then the code exchanged. Returns the token response's JSON."""
        code, verifier = self.code(token, scope, untick)
        exchanged = self.exchange(code, verifier)
        assert exchanged.status_code == 200, exchanged.text
        return exchanged.json()

    def refresh(self, refresh_token, **override):
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": self.client_id,
                "resource": self.resource} | override
        return self.http.post(self.base + "/token", content=urlencode({k: v for k, v in form.items() if v is not None}),
                              headers=FORM)

    def revoke(self, token, hint=None):
        form = {"token": token, "client_id": self.client_id} | ({"token_type_hint": hint} if hint else {})
        return self.http.post(self.base + "/revoke", content=urlencode(form), headers=FORM)


def initialize(url, bearer=None, key=None, **headers):
    """One raw `initialize` POST to /api/mcp with a bearer token or an x-api-key."""
    auth = {"authorization": f"Bearer {bearer}"} if bearer else {}
    auth |= {"x-api-key": key} if key else {}
    return httpx2.post(url, json=INIT, headers=MCP_HEADERS | auth | headers, timeout=TIMEOUT)


def refused(response, message=None):
    """A 401 of /api/mcp for a bearer token, as the contract words it."""
    assert response.status_code == 401, (response.status_code, response.text)
    challenge = response.headers.get("www-authenticate", "")
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge, challenge
    assert "resource_metadata=" in challenge, challenge
    if message:
        assert message in response.json()["error"]["message"], response.json()
    return response


def bearer_client(url, access_token):
    """The Python `mcp` client over streamable HTTP with a bearer token."""
    http = httpx2.AsyncClient(headers={"authorization": f"Bearer {access_token}"}, timeout=30)
    return Client(streamable_http_client(url, http_client=http), mode="legacy")


def structured(result):
    assert not result.is_error, result.content[0].text
    return result.structured_content


def audit(vitals, store, agency="ag_001"):
    """`vitals audit` as rows: [time, client, action, account, outcome, duration]."""
    out = subprocess.run([vitals, "audit", "--store", store, "--agency", agency], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def wait_for_audit(vitals, store, predicate, agency="ag_001", timeout=10):
    """The audit rows once `predicate(rows)` holds (tool calls are written in batches),
    or the last rows seen when it never does."""
    deadline = time.monotonic() + timeout
    while True:
        rows = audit(vitals, store, agency)
        if predicate(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.25)


def clients_list(vitals, store, agency="ag_001"):
    """`vitals clients list` as {client_id: [client_name, scopes, granted, last use, state]}."""
    out = subprocess.run([vitals, "clients", "list", "--store", store, "--agency", agency], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return {fields[0]: fields[1:] for fields in (line.split("\t") for line in out.splitlines() if line.strip())}


def modern_call(url, bearer, method="tools/list", params=None, name=None):
    """One stateless MCP 2026-07-28 request (a plain POST, no session) with a bearer
    token; returns the HTTP response."""
    meta = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": (params or {}) | {"_meta": meta}}
    headers = MCP_HEADERS | {"mcp-protocol-version": MODERN, "mcp-method": method, "authorization": f"Bearer {bearer}"}
    if name:
        headers["mcp-name"] = name
    return httpx2.post(url, json=body, headers=headers, timeout=TIMEOUT)


def jsonrpc_body(response):
    """The JSON-RPC message of an MCP answer, sent as JSON or as one SSE event."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        data = [line[5:].strip() for line in response.text.splitlines() if line.startswith("data:")]
        assert data, response.text
        return json.loads(data[-1])
    return response.json()


class LocalServer:
    """A tiny HTTP server on 127.0.0.1 for what a test stands in for: an app's loopback
    callback, or the web server of a Client ID Metadata Document. `routes` maps a path
    to a function of the request handler returning (status, headers, body bytes);
    `requests` records every (path, query) that came in."""

    def __init__(self, routes=None, port=0):
        self.routes, self.requests = dict(routes or {}), []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                path, _, query = self.path.partition("?")
                owner.requests.append((path, query))
                route = owner.routes.get(path)
                status, headers, body = route(self) if route else (404, {}, b"not found")
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server under test gave up on us, as it should

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def hits(self, path):
        return sum(1 for p, _ in self.requests if p == path)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def json_route(document, status=200, headers=None):
    """A LocalServer route that answers `document` as JSON (bytes or str sent as they are)."""
    body = document if isinstance(document, bytes) else (document.encode() if isinstance(document, str) else json.dumps(document).encode())
    return lambda handler: (status, {"Content-Type": "application/json"} | (headers or {}), body)
