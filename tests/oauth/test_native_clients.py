"""The redirects of the real MCP clients, end to end: each registers as it does
(RFC 7591; Cursor as a native app with its private-use scheme, RFC 8252 §7.1),
opens the consent page, which says plainly where the answer goes, posts it, gets
its code back with `state` and `iss` (RFC 9207), trades it with its PKCE verifier
and calls /api/mcp as a 2026-07-28 client. Then `iss` on every error response,
the redirect rules of native and web registrations, and clients known by a
Client ID Metadata Document (an https client_id the server fetches)."""
import re
import subprocess
import time
from urllib.parse import urlsplit

import httpx2
import pytest

from oauth_support import (READ_SCOPES, READ_TOOLS, TIMEOUT, App, LocalServer, Page, clients_list, free_port,
                           json_route, jsonrpc_body, modern_call, query_of)
from served import start

ALLOW_HTTP_CLIENT_IDS = {"VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS": "1", "VITALS_AUTH_RATE_LIMIT": "1000/1000"}


def issuer_of(server):
    """The issuer exactly as the RFC 8414 metadata says it (what `iss` must equal)."""
    metadata = httpx2.get(server.base + "/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    assert metadata["authorization_response_iss_parameter_supported"] is True
    return metadata["issuer"]


def consent_page(response):
    """A consent page (200, HTML, with the consent form), parsed."""
    assert response.status_code == 200, (response.status_code, response.text[:2000])
    page = Page(response.text)
    page.form(id="consent")
    return page


def section(page, id):
    """The text of the consent page's <p id=…> (where the answer goes, who the app is)."""
    match = re.search(rf'<p[^>]*id="{id}"[^>]*>(.*?)</p>', page.html, re.S)
    assert match, page.html[:3000]
    return " ".join(Page(match.group(1)).text.split())


def form_action(response):
    """The form-action sources of a page's Content-Security-Policy."""
    policy = response.headers["content-security-policy"]
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("form-action"))
    return directive.split()[1:]


def answer_of(allowed, redirect_uri, state, issuer):
    """The authorization response of a consent post: a 302 to the app's redirect URI
    with `code`, the request's `state` and our `iss`. Returns (Location, its parameters)."""
    assert allowed.status_code == 302, (allowed.status_code, allowed.text[:2000])
    location = allowed.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    answer = query_of(location)
    assert "error" not in answer, answer
    assert answer["state"] == state and answer["iss"] == issuer and answer["code"], answer
    return location, answer


def tools_listed(server, access_token):
    """tools/list as a stateless 2026-07-28 request with the bearer token: the tool names."""
    listed = modern_call(server.url, access_token)
    assert listed.status_code == 200, (listed.status_code, listed.text[:2000])
    message = jsonrpc_body(listed)
    assert "error" not in message, message
    return [tool["name"] for tool in message["result"]["tools"]]


# ---- each real client's redirect, the whole flow ----

def claude_code_redirect():
    return f"http://localhost:{free_port()}/callback"


REAL_CLIENTS = [
    # name, registration metadata, the redirect_uri of its authorization request, where the page says the answer goes
    pytest.param("Claude", {"redirect_uris": ["https://claude.ai/api/mcp/auth_callback"]},
                 "https://claude.ai/api/mcp/auth_callback", "website", id="claude.ai"),
    pytest.param("ChatGPT", {"redirect_uris": ["https://chatgpt.com/connector_platform_oauth_redirect"]},
                 "https://chatgpt.com/connector_platform_oauth_redirect", "website", id="chatgpt"),
    pytest.param("Claude Code (vitals)", None, "loopback-localhost", "computer", id="claude-code"),
    pytest.param("Codex", None, "loopback-localhost", "computer", id="codex"),
    # VS Code registers port-less loopback URIs and picks a free port per sign-in (RFC 8252 §7.3).
    pytest.param("Visual Studio Code", {"application_type": "native", "redirect_uris": [
        "https://insiders.vscode.dev/redirect", "https://vscode.dev/redirect", "http://localhost/", "http://127.0.0.1/",
        "http://localhost:33418/", "http://127.0.0.1:33418/"]}, "loopback-127", "computer", id="vscode"),
    pytest.param("Cursor", {"application_type": "native", "redirect_uris": ["cursor://anysphere.cursor-mcp/oauth/callback"]},
                 "cursor://anysphere.cursor-mcp/oauth/callback", "app", id="cursor"),
]


@pytest.mark.parametrize("name, registration, redirect, destination", REAL_CLIENTS)
def test_a_real_clients_redirect_gets_a_code_with_iss_and_its_token_answers(oauth_server, read_key, name, registration,
                                                                             redirect, destination):
    issuer = issuer_of(oauth_server)
    callback = None
    if redirect.startswith("loopback"):
        # A CLI listens on a free loopback port for the browser to come back (followed below, as a browser does).
        callback = LocalServer({"/callback": lambda h: (200, {"Content-Type": "text/html"}, b"signed in"),
                                "/": lambda h: (200, {"Content-Type": "text/html"}, b"signed in")})
        host = "localhost" if redirect == "loopback-localhost" else "127.0.0.1"
        redirect = f"http://{host}:{callback.port}/" + ("callback" if host == "localhost" else "")
    app = App(oauth_server.base, name=name, redirect_uri=redirect, registration=registration)
    try:
        registered = app.register()
        assert registered.status_code == 201, registered.text
        body = registered.json()
        app._client_id = body["client_id"]
        assert body["client_name"] == name
        assert body["application_type"] == (registration or {}).get("application_type", "web")

        page_response, state, verifier = app.authorize(READ_SCOPES)
        page = consent_page(page_response)
        assert f"Connect {name} to Vitals" in page.text
        assert section(page, "client-identity") == \
            "The app chose this name itself when it registered; Vitals has not verified it."
        where = section(page, "redirect")
        host = urlsplit(redirect).hostname
        if destination == "website":
            assert f"sent back to {host} ({redirect})" in where, where
            assert form_action(page_response) == ["'self'", f"https://{host}"]
        elif destination == "computer":
            port = urlsplit(redirect).port
            assert f"a program on this computer, at {host}:{port} ({redirect})" in where, where
            assert "continue only if you started connecting" in where, where
            assert form_action(page_response) == ["'self'", f"http://{host}:{port}"]
        else:
            # The person is told the answer leaves the browser for whatever app owns cursor: links.
            assert f"app registered on this device for cursor: links, at {redirect}" in where, where
            assert form_action(page_response) == ["'self'", "cursor:"]  # or the browser would block the redirect

        location, answer = answer_of(app.consent(page_response, read_key), redirect, state, issuer)
        if callback:
            # Follow the redirect as the browser would: the app's listener gets code, state and iss.
            assert httpx2.get(location, timeout=TIMEOUT).status_code == 200
            path, query = callback.requests[-1]
            assert path == urlsplit(redirect).path and query_of("?" + query) == answer

        exchanged = app.exchange(answer["code"], verifier)
        assert exchanged.status_code == 200, exchanged.text
        tokens = exchanged.json()
        assert tokens["token_type"] == "Bearer" and sorted(tokens["scope"].split()) == sorted(READ_SCOPES)
        assert tools_listed(oauth_server, tokens["access_token"]) == READ_TOOLS
    finally:
        app.close()
        if callback:
            callback.close()


# ---- iss on every authorization response (RFC 9207 §2) ----

@pytest.mark.parametrize("redirect, registration", [
    ("http://127.0.0.1:{port}/callback", {}),
    ("cursor://anysphere.cursor-mcp/oauth/callback", {"application_type": "native"}),
], ids=["loopback", "cursor"])
@pytest.mark.parametrize("override, error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "admin:everything"}, "invalid_scope"),
    ({"resource": "http://other.example/api/mcp"}, "invalid_target"),
], ids=["plain", "implicit", "scope", "resource"])
def test_every_error_response_carries_iss(oauth_server, redirect, registration, override, error):
    issuer = issuer_of(oauth_server)
    redirect = redirect.format(port=free_port())
    app = App(oauth_server.base, redirect_uri=redirect, registration=registration)
    try:
        response, state, _ = app.authorize(**override)
        assert response.status_code == 302, (response.status_code, response.text[:2000])
        assert response.headers["location"].startswith(redirect + "?")
        answer = query_of(response.headers["location"])
        assert answer["error"] == error and answer["state"] == state and answer["iss"] == issuer, answer
    finally:
        app.close()


def test_deny_carries_iss(oauth_server, read_key):
    """Deny is an error response too (RFC 9207 §2)."""
    app = App(oauth_server.base, redirect_uri="cursor://anysphere.cursor-mcp/oauth/callback", registration={"application_type": "native"})
    try:
        page, state, _ = app.authorize()
        denied = app.consent(page, read_key, action="deny")
        assert denied.status_code == 302
        answer = query_of(denied.headers["location"])
        assert answer == {"error": "access_denied", "error_description": "the user denied the request", "state": state,
                          "iss": issuer_of(oauth_server)}, answer
    finally:
        app.close()


def test_behind_a_public_url_iss_is_that_issuer_exactly(serve):
    public = "https://vitals.example.com"
    server = serve("--rate-limit", "off", "--public-url", public, port=free_port())
    assert issuer_of(server) == public
    app = App(server.base)
    try:
        response, state, _ = app.authorize(code_challenge_method="plain", resource=public + "/api/mcp")
        assert response.status_code == 302
        answer = query_of(response.headers["location"])
        assert answer["error"] == "invalid_request" and answer["state"] == state and answer["iss"] == public, answer
    finally:
        app.close()


# ---- registration rules: native apps and web apps ----

def register(server, **body):
    return httpx2.post(server.base + "/register", json={"client_name": "pytest"} | body, timeout=TIMEOUT)


@pytest.mark.parametrize("uri, application_type, why", [
    ("cursor://anysphere.cursor-mcp/oauth/callback", None, "is for native apps only"),
    ("cursor://anysphere.cursor-mcp/oauth/callback", "web", "is for native apps only"),
    ("com.example.app:/oauth2redirect", "web", "is for native apps only"),
    ("myapp://callback", "native", "is not a reverse domain name"),
    ("javascript:alert(document.cookie)", "native", "never redirect URIs"),
    ("data:text/html,<script>alert(1)</script>", "native", "never redirect URIs"),
    ("file:///etc/passwd", "native", "never redirect URIs"),
    ("http://example.com/callback", "native", "http is allowed only on a loopback host"),
    ("https://app.example.com/cb#frag", "native", "must not have a fragment"),
    ("com.example.app:", "native", "nothing follows the scheme"),
], ids=["cursor-unsaid", "cursor-web", "reverse-domain-web", "no-dot", "javascript", "data", "file", "http-remote",
        "fragment", "empty"])
def test_registration_refuses_redirects_by_application_type(oauth_server, uri, application_type, why):
    body = {"redirect_uris": [uri]} | ({"application_type": application_type} if application_type else {})
    refusal = register(oauth_server, **body)
    assert refusal.status_code == 400, refusal.text
    assert refusal.json()["error"] == "invalid_redirect_uri"
    assert uri in refusal.json()["error_description"] and why in refusal.json()["error_description"], refusal.json()


def test_native_apps_register_private_use_schemes_and_loopback(oauth_server):
    uris = ["cursor://anysphere.cursor-mcp/oauth/callback", "com.example.app:/oauth2redirect/vitals",
            "http://127.0.0.1/", "https://app.example.com/callback"]
    accepted = register(oauth_server, application_type="native", redirect_uris=uris)
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["redirect_uris"] == uris and accepted.json()["application_type"] == "native"
    bad_type = register(oauth_server, application_type="desktop", redirect_uris=uris)
    assert bad_type.status_code == 400 and bad_type.json()["error"] == "invalid_client_metadata"
    assert "application_type desktop" in bad_type.json()["error_description"]


def test_a_loopback_redirect_matches_in_any_port_but_not_another_host_or_path(oauth_server):
    """RFC 8252 §7.3: the port of a loopback redirect is the app's choice at request time."""
    app = App(oauth_server.base, redirect_uri=f"http://127.0.0.1:{free_port()}/callback",
              registration={"redirect_uris": ["http://127.0.0.1:33418/callback"]})
    try:
        page, _, _ = app.authorize()
        assert consent_page(page)
        for other in [f"http://localhost:{free_port()}/callback", f"http://127.0.0.1:{free_port()}/other"]:
            refused, _, _ = app.authorize(redirect_uri=other)
            assert refused.status_code == 400 and "location" not in refused.headers
            assert "not one of the redirect URIs it registered" in Page(refused.text).text
    finally:
        app.close()


# ---- Client ID Metadata Documents ----

@pytest.fixture(scope="module")
def cimd_server(vitals, store):
    """A server that accepts http://127.0.0.1 client ids (VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS=1), so that a
    document served by the test itself can stand in for an app's https one."""
    server = start(vitals, store, "--rate-limit", "off", env=ALLOW_HTTP_CLIENT_IDS)
    yield server
    server.stop()


@pytest.fixture
def documents():
    """The app's web server: serves whatever documents a test puts in `routes`."""
    with LocalServer() as server:
        yield server


def publish(documents, redirect_uris, path="/oauth/client.json", name="Example MCP Client", headers=None, **fields):
    """Serves a metadata document at `path` and returns its URL (the client id)."""
    url = documents.base + path
    document = {"client_id": url, "client_name": name, "client_uri": "https://app.example.com", "redirect_uris": redirect_uris,
                "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
                "token_endpoint_auth_method": "none"} | fields
    documents.routes[path] = json_route({k: v for k, v in document.items() if v is not None}, headers=headers)
    return url


def test_a_client_known_by_its_metadata_document_connects(vitals, store, cimd_server, documents, read_key):
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    url = publish(documents, [redirect])
    issuer = issuer_of(cimd_server)
    assert httpx2.get(cimd_server.base + "/.well-known/oauth-authorization-server",
                      timeout=TIMEOUT).json()["client_id_metadata_document_supported"] is True
    app = App(cimd_server.base, redirect_uri=redirect, client_id=url)  # no registration: the URL is the client id
    try:
        response, state, verifier = app.authorize(READ_SCOPES)
        page = consent_page(response)
        assert "Connect Example MCP Client to Vitals" in page.text
        assert section(page, "client-identity") == \
            f"Example MCP Client is identified by its metadata document at {url}, published by 127.0.0.1."
        assert f"a program on this computer, at 127.0.0.1:{urlsplit(redirect).port} ({redirect})" in section(page, "redirect")
        location, answer = answer_of(app.consent(response, read_key), redirect, state, issuer)
        exchanged = app.exchange(answer["code"], verifier)
        assert exchanged.status_code == 200, exchanged.text
        assert tools_listed(cimd_server, exchanged.json()["access_token"]) == READ_TOOLS
        # Fetched once: the second authorization request is answered from the cache.
        assert documents.hits("/oauth/client.json") == 1
        consent_page(app.authorize()[0])
        assert documents.hits("/oauth/client.json") == 1
        # The connected app is listed under its URL with the document's name.
        assert clients_list(vitals, store)[url][0] == "Example MCP Client"
    finally:
        app.close()


def test_a_document_that_forbids_caching_is_fetched_each_time(cimd_server, documents):
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    url = publish(documents, [redirect], path="/fresh.json", headers={"Cache-Control": "no-store"})
    app = App(cimd_server.base, redirect_uri=redirect, client_id=url)
    try:
        consent_page(app.authorize()[0])
        consent_page(app.authorize()[0])
        assert documents.hits("/fresh.json") == 2
    finally:
        app.close()


def big(handler):
    return 200, {"Content-Type": "application/json"}, b'{"client_name": "' + b"x" * (70 << 10) + b'"}'


def elsewhere(handler):
    port = handler.server.server_address[1]
    return 302, {"Location": f"http://localhost:{port}/oauth/client.json"}, b""


REFUSED_DOCUMENTS = [
    # (what the app's server does with the document, the request's redirect_uri, what the page says)
    pytest.param(lambda docs, url, r: publish(docs, [r], client_id=url + "?v=2"), None,
                 "names client_id {url}?v=2; it must be the document's own URL, character for character", id="client-id-mismatch"),
    pytest.param(lambda docs, url, r: publish(docs, [r]), "http://127.0.0.1:1/elsewhere",
                 "asked to be sent back to http://127.0.0.1:1/elsewhere, which is not one of the redirect URIs of its metadata "
                 "document at {url}", id="redirect-not-listed"),
    pytest.param(lambda docs, url, r: publish(docs, [r], client_name=None), None, "{url} has no client_name", id="no-client-name"),
    pytest.param(lambda docs, url, r: publish(docs, None), None, "{url} has no redirect_uris", id="no-redirect-uris"),
    pytest.param(lambda docs, url, r: publish(docs, [r], client_secret="s3cret"), None, "contains a client secret", id="secret"),
    pytest.param(lambda docs, url, r: publish(docs, ["cursor://anysphere.cursor-mcp/oauth/callback"]), None,
                 "is for native apps only", id="private-use-in-web-document"),
    pytest.param(lambda docs, url, r: docs.routes.update({"/oauth/client.json": json_route("{not json")}), None,
                 "{url} is not JSON", id="not-json"),
    pytest.param(lambda docs, url, r: None, None, "could not be fetched: the host answered HTTP 404", id="missing"),
    pytest.param(lambda docs, url, r: docs.routes.update({"/oauth/client.json": big}), None, "is larger than 64 KiB", id="too-big"),
    pytest.param(lambda docs, url, r: docs.routes.update({"/oauth/client.json": elsewhere}), None,
                 "redirects to http://localhost:", id="redirect-to-another-host"),
]


@pytest.mark.parametrize("serve_document, requested, message", REFUSED_DOCUMENTS)
def test_a_bad_metadata_document_is_explained_on_a_page(cimd_server, documents, serve_document, requested, message):
    url = documents.base + "/oauth/client.json"
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    serve_document(documents, url, redirect)
    app = App(cimd_server.base, redirect_uri=requested or redirect, client_id=url)
    try:
        response, _, _ = app.authorize()
        assert response.status_code == 400, (response.status_code, response.text[:2000])
        assert "location" not in response.headers  # never a redirect to an unvetted address
        page = Page(response.text)
        assert not any(form["attrs"].get("id") == "consent" for form in page.forms)
        assert message.format(url=url) in " ".join(page.alerts), page.alerts
        assert cimd_server.proc.poll() is None, "".join(cimd_server.stderr)  # and the server lives on
    finally:
        app.close()


def test_a_redirect_within_the_documents_origin_is_followed(cimd_server, documents):
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    url = documents.base + "/moved.json"
    publish(documents, [redirect], path="/oauth/client.json", client_id=url)
    documents.routes["/moved.json"] = lambda h: (301, {"Location": "/oauth/client.json"}, b"")
    app = App(cimd_server.base, redirect_uri=redirect, client_id=url)
    try:
        page = consent_page(app.authorize()[0])
        assert f"identified by its metadata document at {url}" in section(page, "client-identity")
        assert documents.hits("/moved.json") == 1 and documents.hits("/oauth/client.json") == 1
    finally:
        app.close()


def test_a_slow_document_server_is_given_up_on(cimd_server, documents):
    def slow(handler):
        time.sleep(8)
        return 200, {"Content-Type": "application/json"}, b"{}"

    documents.routes["/slow.json"] = slow
    app = App(cimd_server.base, client_id=documents.base + "/slow.json")
    try:
        started = time.monotonic()
        response, _, _ = app.authorize()
        elapsed = time.monotonic() - started
        assert response.status_code == 400 and "did not arrive within 5 s" in " ".join(Page(response.text).alerts)
        assert 4.5 < elapsed < 7.5, elapsed
        assert cimd_server.proc.poll() is None, "".join(cimd_server.stderr)
    finally:
        app.close()


@pytest.mark.parametrize("client_id, message", [
    ("http://127.0.0.1:{port}/oauth/client.json", "must be an https URL (a Client ID Metadata Document); plain http is accepted "
                                                  "only on loopback, and only when the server runs with VITALS_OAUTH_ALLOW_HTTP_CLIENT_IDS=1"),
    ("https://127.0.0.1:{port}/oauth/client.json", "is on a loopback address (127.0.0.1); documents are fetched from public hosts only"),
    ("https://10.1.2.3/oauth/client.json", "is on a private or reserved address (10.1.2.3)"),
    ("https://169.254.169.254/latest/meta-data.json", "is on a private or reserved address (169.254.169.254)"),
    ("https://app.example.com", "must have a path"),
    ("https://app.example.com/a/../client.json#x", "must not have a fragment"),
], ids=["http", "https-loopback", "private", "metadata-service", "no-path", "fragment"])
def test_without_test_mode_a_client_id_url_must_be_public_https(oauth_server, documents, client_id, message):
    url = client_id.format(port=documents.port)
    publish(documents, ["http://127.0.0.1:1/callback"])
    app = App(oauth_server.base, client_id=url)
    try:
        response, _, _ = app.authorize()
        assert response.status_code == 400 and "location" not in response.headers
        assert message in " ".join(Page(response.text).alerts), Page(response.text).alerts
        assert documents.requests == []  # nothing was fetched
    finally:
        app.close()
