"""OAuth 2.1 end to end: discovery, the Python `mcp` SDK's own OAuthClientProvider
signing in (dynamic registration, PKCE S256 with `resource`, the consent page
posted as a browser would), tools answering as `vitals query` does with a bearer
token, refresh with rotation, revocation, the audit log and `vitals clients`."""
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

from oauth_support import (READ_SCOPES, READ_TOOLS, SCOPES, TIMEOUT, Page, bearer_client, clients_list,
                           free_port, initialize, query_of, refused, structured, wait_for_audit)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


class MemoryStorage(TokenStorage):
    """The SDK's TokenStorage protocol, kept in memory."""

    def __init__(self):
        self.tokens, self.client_info = None, None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Browser:
    """The person at the consent page, for the SDK's redirect and callback handlers:
    opens the authorize URL (cookies kept), checks what the page shows, types the
    agency's token, leaves every scope ticked, presses Allow, and hands the code and
    state of the redirect back to the SDK."""

    def __init__(self, token, client_name, redirect_uri):
        self.token, self.client_name, self.redirect_uri = token, client_name, redirect_uri
        self.authorize_urls, self.pages, self.result = [], [], None

    async def redirect_handler(self, authorization_url: str) -> None:
        self.authorize_urls.append(authorization_url)
        async with httpx2.AsyncClient(timeout=TIMEOUT) as http:
            page = await http.get(authorization_url)
            assert page.status_code == 200, page.text
            assert page.headers["content-type"].startswith("text/html")
            cookie = page.headers.get("set-cookie", "")
            assert cookie.startswith("vitals_csrf=") and re.search(r"\bHttpOnly\b", cookie, re.I), cookie
            assert re.search(r"\bSameSite=Lax\b", cookie, re.I) and re.search(r"\bPath=/authorize\b", cookie, re.I), cookie
            parsed = Page(page.text)
            self.pages.append(parsed)
            form = parsed.form(id="consent")
            assert form["attrs"].get("method", "").lower() == "post" and form["attrs"].get("action") == "/authorize"
            requested = parse_qs(urlsplit(authorization_url).query)["scope"][0].split()
            for scope in requested:
                box = Page.field(form, id="scope-" + scope.replace(":", "-"))
                assert box.get("type") == "checkbox" and box.get("value") == scope and "checked" in box
            assert Page.field(form, name="token", id="token").get("type") == "password"
            pairs = Page.submission(form, {"token": self.token}, button=Page.field(form, id="allow"))
            assert {k for k, _ in pairs} >= {"request_id", "csrf_token", "token", "scope", "action"}
            allowed = await http.post(str(page.url.join(form["attrs"]["action"])), data=_multi(pairs))
        assert allowed.status_code == 302, allowed.text
        location = allowed.headers["location"]
        assert location.startswith(self.redirect_uri + "?"), location
        answer = query_of(location)
        self.result = AuthorizationCodeResult(code=answer["code"], state=answer["state"], iss=answer.get("iss"))

    async def callback_handler(self) -> AuthorizationCodeResult:
        assert self.result is not None, "the redirect handler got no code"
        return self.result


def _multi(pairs):
    """name=value pairs as httpx2's form data (a list for a repeated name)."""
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return data


def test_discovery_documents_describe_this_server(oauth_server):
    base = oauth_server.base
    resource = httpx2.get(base + "/.well-known/oauth-protected-resource/api/mcp", timeout=TIMEOUT)
    assert resource.status_code == 200 and resource.headers["content-type"].startswith("application/json")
    document = resource.json()
    assert sorted(document.pop("scopes_supported")) == sorted(SCOPES)
    assert document == {"resource": base + "/api/mcp", "authorization_servers": [base],
                        "bearer_methods_supported": ["header"], "resource_name": "Vitals"}
    root = httpx2.get(base + "/.well-known/oauth-protected-resource", timeout=TIMEOUT)
    assert root.status_code == 200 and root.json() == resource.json()  # RFC 9728 §3: both paths, one document

    server = httpx2.get(base + "/.well-known/oauth-authorization-server", timeout=TIMEOUT)
    assert server.status_code == 200
    metadata = server.json()
    assert sorted(metadata.pop("scopes_supported")) == sorted(SCOPES)
    assert metadata == {
        "issuer": base, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
        "registration_endpoint": base + "/register", "revocation_endpoint": base + "/revoke",
        "response_types_supported": ["code"], "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"], "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        # RFC 9207 §3: `iss` on every authorization response (test_native_clients checks each one).
        "authorization_response_iss_parameter_supported": True,
        # MCP 2026-07-28: an https client_id is fetched as a Client ID Metadata Document.
        "client_id_metadata_document_supported": True}

    card = httpx2.get(base + "/.well-known/mcp.json", timeout=TIMEOUT)
    assert card.status_code == 200
    card = card.json()
    assert card["name"] == "vitals" and card["version"] and card["description"]
    assert card["endpoint"] == base + "/api/mcp" and card["transport"] == "streamable-http"
    oauth2 = card["authentication"]["oauth2"]
    assert sorted(oauth2.pop("scopes")) == sorted(SCOPES)
    assert card["authentication"] == {
        "oauth2": {"authorization_server": base,
                   "protected_resource_metadata": base + "/.well-known/oauth-protected-resource/api/mcp"},
        "api_key": {"header": "x-api-key"}}


def test_public_url_is_what_discovery_announces(serve):
    """Behind a proxy the documents name the public URL, not the bound address."""
    public = "https://vitals.example.com"
    server = serve("--rate-limit", "off", "--public-url", public, port=free_port())
    resource = httpx2.get(server.base + "/.well-known/oauth-protected-resource/api/mcp", timeout=TIMEOUT).json()
    assert resource["resource"] == public + "/api/mcp" and resource["authorization_servers"] == [public]
    metadata = httpx2.get(server.base + "/.well-known/oauth-authorization-server", timeout=TIMEOUT).json()
    assert metadata["issuer"] == public and metadata["token_endpoint"] == public + "/token"
    assert httpx2.get(server.base + "/.well-known/mcp.json", timeout=TIMEOUT).json()["endpoint"] == public + "/api/mcp"
    missing = initialize(server.url)
    assert missing.status_code == 401
    assert f'resource_metadata="{public}/.well-known/oauth-protected-resource/api/mcp"' in missing.headers["www-authenticate"]


def test_without_credentials_the_answer_points_to_the_metadata(oauth_server):
    missing = initialize(oauth_server.url)
    assert missing.status_code == 401 and missing.json()["error"]
    challenge = missing.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{oauth_server.base}/.well-known/oauth-protected-resource/api/mcp"' in challenge
    assert "error=" not in challenge  # RFC 6750 §3.1: no error code when no credential was sent
    refused(initialize(oauth_server.url, bearer="not-a-token"), "invalid access token")
    wrong_key = initialize(oauth_server.url, key="vk_0123456789_wrong")
    assert wrong_key.status_code == 401 and wrong_key.json()["error"]["message"] == "invalid API key"


async def test_the_mcp_sdk_signs_in_and_its_tools_answer_as_vitals_query(vitals, store, oauth_server, read_key, query):
    """OAuthClientProvider from the `mcp` SDK does discovery, registration, PKCE, the
    code exchange; a refreshed token works; a revoked one is refused; all audited."""
    url, base = oauth_server.url, oauth_server.base
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    browser = Browser(read_key, "Claude (pytest)", redirect_uri)
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=url,
        client_metadata=OAuthClientMetadata(client_name="Claude (pytest)", redirect_uris=[redirect_uri],
                                            grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                                            token_endpoint_auth_method="none"),
        storage=storage, redirect_handler=browser.redirect_handler, callback_handler=browser.callback_handler)
    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]

    with anyio.fail_after(120):
        http = httpx2.AsyncClient(auth=provider, timeout=30)
        async with Client(streamable_http_client(url, http_client=http), mode="legacy") as client:
            names = [t.name for t in (await client.list_tools()).tools]
            overview = structured(await client.call_tool("get_agency_overview", {}))
            detail = structured(await client.call_tool("get_account", {"account_id": account}))

    # One trip through the consent page, with what the SDK asked for.
    assert len(browser.authorize_urls) == 1
    asked = query_of(browser.authorize_urls[0])
    assert asked["resource"] == url and asked["code_challenge_method"] == "S256"
    # The SDK asks for what the 401 challenge names (the read scopes), before the metadata's full list.
    assert sorted(asked["scope"].split()) == sorted(READ_SCOPES)
    assert "Claude (pytest)" in browser.pages[0].text

    # The SDK registered, got tokens, and they carry only what the read token allows.
    client_id = storage.client_info.client_id
    assert client_id and storage.client_info.token_endpoint_auth_method == "none"
    tokens = storage.tokens
    assert tokens.token_type == "Bearer" and tokens.refresh_token and 0 < tokens.expires_in <= 3600
    assert sorted(tokens.scope.split()) == sorted(READ_SCOPES)
    assert names == READ_TOOLS
    assert overview == query("get_agency_overview") and overview["agency_id"] == "ag_001"
    assert detail == query("get_account", account_id=account)

    # Refresh: a new pair (rotation), and the new access token answers.
    async with httpx2.AsyncClient(timeout=TIMEOUT) as http:
        refreshed = await http.post(base + "/token", data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token,
                                                             "client_id": client_id, "resource": url})
        assert refreshed.status_code == 200, refreshed.text
        assert "no-store" in refreshed.headers.get("cache-control", "")
        fresh = refreshed.json()
        assert fresh["token_type"] == "Bearer" and fresh["expires_in"] > 0
        assert fresh["refresh_token"] != tokens.refresh_token and fresh["access_token"] != tokens.access_token
        assert sorted(fresh["scope"].split()) == sorted(READ_SCOPES)
        with anyio.fail_after(60):
            async with bearer_client(url, fresh["access_token"]) as client:
                assert structured(await client.call_tool("get_agency_overview", {})) == overview

        # Revoke the access token: /api/mcp refuses it from then on.
        revoked = await http.post(base + "/revoke", data={"token": fresh["access_token"], "token_type_hint": "access_token",
                                                           "client_id": client_id})
        assert revoked.status_code == 200
    refused(initialize(url, bearer=fresh["access_token"]), "revoked")

    # The audit log has every step, with the client id as client.
    wanted = {"oauth.grant", "oauth.token", "oauth.refresh", "oauth.revoke", "get_agency_overview", "get_account"}
    rows = wait_for_audit(vitals, store, lambda rows: wanted <= {r[2] for r in rows if r[1] == client_id})
    mine = [r for r in rows if r[1] == client_id]
    assert wanted <= {r[2] for r in mine}, mine
    calls = [r for r in mine if r[2] == "get_account"]
    assert calls and all(r[3] == account and r[4] == "ok" for r in calls), calls


async def test_a_session_outlives_its_access_token(serve, read_key, query):
    """Access tokens live 5 s here: the SDK refreshes on its own, and the MCP session
    it opened keeps answering with the new token (it belongs to the grant, not to one
    access token). Not 2 s: with 2 s it failed 3 of 4 runs right after a fresh
    clone's full suite (3 authorizations: the SDK authorized again instead of
    refreshing), which CPU load alone did not reproduce; a request that reaches the
    server after its token expired there is answered 401, and the SDK answers a 401
    with a new authorization, so the token now outlives the first calls by more."""
    server = serve("--rate-limit", "off", env={"VITALS_OAUTH_ACCESS_TTL_S": "5"})
    redirect_uri = f"http://127.0.0.1:{free_port()}/callback"
    browser = Browser(read_key, "Long session (pytest)", redirect_uri)
    storage = MemoryStorage()
    provider = OAuthClientProvider(
        server_url=server.url,
        client_metadata=OAuthClientMetadata(client_name="Long session (pytest)", redirect_uris=[redirect_uri]),
        storage=storage, redirect_handler=browser.redirect_handler, callback_handler=browser.callback_handler)
    with anyio.fail_after(60):
        async with Client(streamable_http_client(server.url, http_client=httpx2.AsyncClient(auth=provider, timeout=30)),
                          mode="legacy") as client:
            first = structured(await client.call_tool("get_agency_overview", {}))
            before = storage.tokens.access_token
            assert storage.tokens.expires_in == 5
            await anyio.sleep(6)
            again = structured(await client.call_tool("get_agency_overview", {}))
            assert storage.tokens.access_token != before  # refreshed, not re-authorized
    assert len(browser.authorize_urls) == 1
    assert first == again == query("get_agency_overview")


async def test_clients_cli_lists_a_connected_app_and_revokes_it(vitals, store, oauth_server, app, read_key):
    client = app("Cursor (pytest)")
    tokens = client.login(read_key)
    listed = clients_list(vitals, store)
    assert client.client_id in listed, listed
    name, scopes, granted, last_use, state = listed[client.client_id]
    assert name == "Cursor (pytest)" and sorted(scopes.split(",")) == sorted(READ_SCOPES)
    assert re.fullmatch(r"granted \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", granted), granted
    assert last_use == "never used" and state == "active"
    # Another agency does not see it.
    assert client.client_id not in clients_list(vitals, store, agency="ag_002")

    # "Last used" is its last tool call (from the audit log, written in batches off the request path).
    async with bearer_client(oauth_server.url, tokens["access_token"]) as session:
        structured(await session.call_tool("get_agency_overview", {}))
    used = None
    for _ in range(40):
        used = clients_list(vitals, store)[client.client_id][3]
        if used.startswith("last used"):
            break
        await anyio.sleep(0.25)
    assert used.startswith("last used"), used

    revoked = subprocess.run([vitals, "clients", "revoke", client.client_id, "--store", store, "--agency", "ag_001"],
                             capture_output=True, text=True, timeout=60)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked 1 grant(s) of client" in revoked.stderr, revoked.stderr
    refused(initialize(oauth_server.url, bearer=tokens["access_token"]))
    again = client.refresh(tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    after = clients_list(vitals, store)
    assert client.client_id not in after or after[client.client_id][4] == "revoked", after
    unknown = subprocess.run([vitals, "clients", "revoke", "vc_no_such_app", "--store", store], capture_output=True, text=True,
                             timeout=60)
    assert unknown.returncode == 1 and "error: no OAuth client vc_no_such_app" in unknown.stderr, unknown.stderr
