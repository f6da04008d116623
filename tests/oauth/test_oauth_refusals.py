"""Every refusal of the OAuth surface, driven by hand with httpx2 (a PKCE pair
from hashlib, the consent form parsed and posted with its cookie): bad PKCE,
reused codes and refresh tokens, unregistered redirect URIs, tokens for another
resource, expired and revoked tokens, scopes and agencies a token does not have,
rate limits, the consent page's own refusals, and the connected-apps page."""
import re
import subprocess
import time
from urllib.parse import urlsplit

import anyio
import httpx2
import pytest
from mcp.shared.exceptions import MCPError

from oauth_support import (READ_SCOPES, TIMEOUT, Page, audit, bearer_client, free_port, initialize, pkce, query_of,
                           refused, wait_for_audit)
from tenancy import assert_foreign_ids_unreachable

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def error_of(response, status=400):
    assert response.status_code == status, (response.status_code, response.text)
    return response.json()["error"]


def html_page(response, status):
    """An HTML answer (never a redirect) with `status`, parsed."""
    assert response.status_code == status, (response.status_code, response.text[:2000])
    assert "location" not in response.headers, response.headers["location"]
    assert response.headers["content-type"].startswith("text/html")
    return Page(response.text)


# ---- PKCE, codes, redirect URIs ----

def test_a_wrong_code_verifier_is_refused(app, read_key):
    client = app()
    code, _ = client.code(read_key)
    assert error_of(client.exchange(code, pkce()[0])) == "invalid_grant"


@pytest.mark.parametrize("override, error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "read:accounts admin:everything"}, "invalid_scope"),
    ({"resource": "http://other.example/api/mcp"}, "invalid_target"),
], ids=["plain", "no-method", "no-challenge", "implicit", "unknown-scope", "other-resource"])
def test_a_bad_authorization_request_goes_back_to_the_app_with_an_error(app, override, error):
    client = app()
    response, state, _ = client.authorize(**override)
    assert response.status_code == 302, (response.status_code, response.text[:2000])
    location = response.headers["location"]
    assert location.startswith(client.redirect_uri + "?"), location
    answer = query_of(location)
    assert answer["error"] == error and answer["state"] == state and answer.get("error_description"), answer
    assert "code" not in answer


def test_a_reused_code_is_refused_and_revokes_what_it_gave(oauth_server, app, read_key):
    client = app()
    code, verifier = client.code(read_key)
    first = client.exchange(code, verifier)
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert initialize(oauth_server.url, bearer=tokens["access_token"]).status_code == 200
    assert error_of(client.exchange(code, verifier)) == "invalid_grant"
    # RFC 6749 §4.1.2: a code used twice may have been stolen; what it gave is revoked.
    refused(initialize(oauth_server.url, bearer=tokens["access_token"]))
    assert error_of(client.refresh(tokens["refresh_token"])) == "invalid_grant"


def test_token_endpoint_refusals(app, read_key):
    client, other = app(), app("Another app (pytest)")
    cases = [
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"code_verifier": None}, 400, "invalid_request"),
        ({"client_id": "no-such-client"}, 401, "invalid_client"),
        ({"client_id": other.client_id, "redirect_uri": other.redirect_uri}, 400, "invalid_grant"),  # another client's code
        ({"redirect_uri": f"http://127.0.0.1:{free_port()}/elsewhere"}, 400, "invalid_grant"),
        ({"resource": "http://other.example/api/mcp"}, 400, "invalid_target"),
    ]
    for override, status, error in cases:
        code, verifier = client.code(read_key)  # a fresh code each time: a failed try may spend one
        assert error_of(client.exchange(code, verifier, **override), status) == error, override
    code, verifier = client.code(read_key)
    exchanged = client.exchange(code, verifier)
    assert exchanged.status_code == 200 and "no-store" in exchanged.headers.get("cache-control", "")
    assert error_of(client.exchange("no-such-code", verifier)) == "invalid_grant"


def test_an_unregistered_redirect_uri_or_client_gets_a_page_not_a_redirect(app):
    client = app()
    # Another port on the same loopback host is the same redirect (RFC 8252 §7.3, test_native_clients);
    # another loopback host, path or scheme is not.
    port = urlsplit(client.redirect_uri).port
    for override in [{"redirect_uri": f"http://localhost:{port}/callback"},
                     {"redirect_uri": f"http://127.0.0.1:{port}/elsewhere"},
                     {"redirect_uri": client.redirect_uri + "/more"},
                     {"redirect_uri": f"https://127.0.0.1:{port}/callback"},
                     {"redirect_uri": "https://evil.example/callback"},
                     {"client_id": "no-such-client"}]:
        response, _, _ = client.authorize(**override)
        page = html_page(response, 400)
        assert page.text, override  # a page that explains, for the person
        assert not any(form["attrs"].get("id") == "consent" for form in page.forms), override  # nothing to allow
        assert "http-equiv" not in page.html.lower(), override  # and no way on to the unregistered URI


def test_registration_refuses_unsafe_redirect_uris(oauth_server):
    def register(**body):
        return httpx2.post(oauth_server.base + "/register", json={"client_name": "pytest"} | body, timeout=TIMEOUT)

    for uri in ["http://example.com/callback", "http://127.0.0.1.example.com/callback", "https://app.example.com/cb#frag",
                "javascript:alert(1)"]:
        refusal = register(redirect_uris=[uri])
        assert error_of(refusal) == "invalid_redirect_uri", uri
        assert refusal.json()["error_description"], uri
    assert error_of(register(redirect_uris=[])) == "invalid_client_metadata"
    assert error_of(register()) == "invalid_client_metadata"
    assert error_of(register(redirect_uris=["http://127.0.0.1:8123/cb"], grant_types=["client_credentials"])) == \
        "invalid_client_metadata"

    uris = ["https://app.example.com/callback", "http://127.0.0.1:8123/cb", "http://localhost:8123/cb", "http://[::1]:8123/cb"]
    accepted = register(redirect_uris=uris)
    assert accepted.status_code == 201, accepted.text
    body = accepted.json()
    assert body["client_id"] and isinstance(body["client_id_issued_at"], int) and "client_secret" not in body
    assert body["client_name"] == "pytest" and body["redirect_uris"] == uris
    assert body["grant_types"] == ["authorization_code", "refresh_token"] and body["response_types"] == ["code"]
    assert body["token_endpoint_auth_method"] == "none"
    assert register(redirect_uris=uris).json()["client_id"] != body["client_id"]  # each registration is a new client


# ---- tokens: resource, lifetime, revocation, refresh reuse ----

def test_a_token_for_another_resource_is_refused(oauth_server, serve, app, read_key):
    """A token minted by server A, presented to server B on the same store whose
    public URL (so resource) differs: B refuses it."""
    tokens = app().login(read_key)
    assert initialize(oauth_server.url, bearer=tokens["access_token"]).status_code == 200
    port = free_port()
    other = serve("--rate-limit", "off", "--public-url", f"http://localhost:{port}", port=port)
    refused(initialize(other.url, bearer=tokens["access_token"]), "another resource")


def test_an_expired_access_token_is_refused_and_refresh_gives_a_new_one(serve, app, read_key):
    server = serve("--rate-limit", "off", env={"VITALS_OAUTH_ACCESS_TTL_S": "2"})
    client = app(server=server)
    tokens = client.login(read_key)
    assert tokens["expires_in"] == 2
    assert initialize(server.url, bearer=tokens["access_token"]).status_code == 200
    time.sleep(3)
    refused(initialize(server.url, bearer=tokens["access_token"]), "expired")
    refreshed = client.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert initialize(server.url, bearer=refreshed.json()["access_token"]).status_code == 200


def test_a_revoked_token_is_refused(oauth_server, app, read_key):
    client = app()
    tokens = client.login(read_key)
    assert client.revoke(tokens["access_token"], "access_token").status_code == 200
    refused(initialize(oauth_server.url, bearer=tokens["access_token"]), "revoked")
    # Revoking an access token revokes just itself: the grant still refreshes.
    refreshed = client.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()
    assert initialize(oauth_server.url, bearer=fresh["access_token"]).status_code == 200
    # Revoking the refresh token ends the grant, access tokens included.
    assert client.revoke(fresh["refresh_token"], "refresh_token").status_code == 200
    refused(initialize(oauth_server.url, bearer=fresh["access_token"]), "revoked")
    assert error_of(client.refresh(fresh["refresh_token"])) == "invalid_grant"
    # RFC 7009 §2.2: an unknown token is answered 200 too.
    assert client.revoke("no-such-token").status_code == 200


def test_a_reused_refresh_token_revokes_the_whole_grant(vitals, store, oauth_server, app, read_key):
    client = app()
    first = client.login(read_key)
    second = client.refresh(first["refresh_token"])
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert initialize(oauth_server.url, bearer=second["access_token"]).status_code == 200
    assert error_of(client.refresh(first["refresh_token"])) == "invalid_grant"  # spent: a thief or a replay
    refused(initialize(oauth_server.url, bearer=second["access_token"]), "revoked")
    assert error_of(client.refresh(second["refresh_token"])) == "invalid_grant"
    rows = wait_for_audit(vitals, store, lambda rows: any(r[1] == client.client_id and r[2] == "oauth.refresh_reuse"
                                                          for r in rows))
    assert any(r[1] == client.client_id and r[2] == "oauth.refresh_reuse" for r in rows)


# ---- scopes and agencies ----

async def test_an_unticked_scope_is_not_granted(oauth_server, app, read_key):
    client = app()
    tokens = client.login(read_key, untick=("read:revenue",))
    assert sorted(tokens["scope"].split()) == sorted(set(READ_SCOPES) - {"read:revenue"})
    with anyio.fail_after(60):
        async with bearer_client(oauth_server.url, tokens["access_token"]) as mcp:
            names = [t.name for t in (await mcp.list_tools()).tools]
            assert "get_revenue_summary" not in names and "list_upsell_candidates" not in names
            assert "list_accounts_at_risk" in names and "search_users" in names
            # An OAuth connection can step up: the call is a 403 insufficient_scope (test_step_up), which the SDK raises.
            with pytest.raises(MCPError) as refused_call:
                await mcp.call_tool("get_revenue_summary", {})
    assert "get_revenue_summary needs read:revenue, which this connection was not granted" in str(refused_call.value)


def test_a_token_without_write_scopes_cannot_grant_them(app, read_key):
    client = app()
    tokens = client.login(read_key, scope="read:accounts write:metadata")
    assert tokens["scope"].split() == ["read:accounts"]
    # Only scopes the token lacks ticked: nothing to grant, the page says so.
    page, _, _ = client.authorize("write:metadata")
    assert page.status_code == 200, page.text
    assert html_page(client.consent(page, read_key), 400).alerts


async def test_a_token_of_agency_a_cannot_see_agency_b(oauth_server, app, read_key, query):
    tokens = app().login(read_key)  # read_key is ag_001's
    account_b = query("list_tracked_accounts", agency="ag_002")["items"][0]["account_id"]
    user_b = query("search_users", agency="ag_002", query="usr", limit=1)["items"][0]["user_id"]
    with anyio.fail_after(120):
        async with bearer_client(oauth_server.url, tokens["access_token"]) as client:
            await assert_foreign_ids_unreachable(client, "ag_001", account_b, user_b)


# ---- rate limits ----

def test_a_burst_over_the_agency_rate_limit_gets_429_with_retry_after(serve, read_key, token):
    server = serve("--rate-limit", "2/4")
    answers = [initialize(server.url, key=read_key) for _ in range(15)]
    codes = [a.status_code for a in answers]
    assert codes[:4] == [200] * 4, codes  # the burst passes
    limited = [a for a in answers if a.status_code == 429]
    assert len(limited) >= 5, codes
    assert set(codes) <= {200, 429}, codes
    for answer in limited:
        assert re.fullmatch(r"\d+", answer.headers["retry-after"]) and int(answer.headers["retry-after"]) >= 1
        assert answer.json()["error"]["message"].startswith("rate limit")
    # Per agency: another agency is not throttled by this one's burst.
    assert initialize(server.url, key=token(agency="ag_002")).status_code == 200
    # After Retry-After, the agency is served again.
    time.sleep(int(limited[-1].headers["retry-after"]) + 0.2)
    assert initialize(server.url, key=read_key).status_code == 200


def test_registration_is_rate_limited_per_client_ip(serve):
    server = serve("--rate-limit", "off", env={"VITALS_AUTH_RATE_LIMIT": "1/3"})
    codes = [httpx2.post(server.base + "/register", json={"client_name": "burst", "redirect_uris": ["http://127.0.0.1:9/cb"]},
                         timeout=TIMEOUT).status_code for _ in range(10)]
    assert codes[:3] == [201] * 3 and 429 in codes, codes


# ---- the consent page's own refusals ----

def test_a_wrong_token_on_the_consent_page_is_refused_and_can_be_retyped(vitals, store, app, token, read_key):
    client = app()
    page, state, _ = client.authorize()
    answer = client.consent(page, "vk_0123456789_wrong")
    wrong = html_page(answer, 401)
    assert wrong.alerts and "token" in " ".join(wrong.alerts).lower(), wrong.alerts
    # The consent page comes again; the right token typed on it goes through.
    again = client.consent(answer, read_key)
    assert again.status_code == 302, again.text
    assert query_of(again.headers["location"])["state"] == state

    # A revoked key of a known agency: refused, and audited as a failed login of that agency.
    before = sum(1 for r in audit(vitals, store) if r[2] == "oauth.failed_login")
    revoked = token()
    subprocess.run([vitals, "token", "revoke", revoked.split("_")[1], "--store", store], check=True, capture_output=True)
    page, _, _ = client.authorize()
    assert html_page(client.consent(page, revoked), 401).alerts
    rows = wait_for_audit(vitals, store, lambda rows: sum(1 for r in rows if r[2] == "oauth.failed_login") > before)
    assert sum(1 for r in rows if r[2] == "oauth.failed_login") > before


def test_deny_goes_back_to_the_app_with_access_denied(app):
    client = app()
    page, state, _ = client.authorize()
    denied = client.consent(page, "", action="deny")
    assert denied.status_code == 302
    location = denied.headers["location"]
    assert location.startswith(client.redirect_uri + "?")
    answer = query_of(location)
    assert answer["error"] == "access_denied" and answer["state"] == state and "code" not in answer


def test_a_forged_consent_post_is_forbidden(app, read_key):
    client = app()
    page, _, _ = client.authorize()
    html_page(client.consent(page, read_key, csrf_token="forged"), 403)
    html_page(client.consent(page, read_key, csrf_token=None), 403)
    with httpx2.Client(timeout=TIMEOUT) as stranger:  # the right form, but no cookie: another site posting it
        html_page(client.consent(page, read_key, http=stranger), 403)
    # None of that spent the request: the real post still goes through.
    assert client.consent(page, read_key).status_code == 302


def test_an_unknown_authorization_request_has_expired(app, read_key):
    client = app()
    page, _, _ = client.authorize()
    unknown = html_page(client.consent(page, read_key, request_id="no-such-request"), 400)
    assert "expired" in unknown.text


def test_a_client_name_is_shown_as_text_never_as_markup(app):
    name = '<img src=x onerror="alert(1)"> Evil & Co'
    client = app(name)
    page, _, _ = client.authorize()
    assert page.status_code == 200
    assert "<img src=x" not in page.text
    assert name in Page(page.text).text


# ---- connected apps in the settings page ----

def test_the_settings_page_lists_and_revokes_connected_apps(oauth_server, app, read_key, token):
    client = app("Settings app (pytest)")
    tokens = client.login(read_key)
    settings = oauth_server.base + "/settings/connected-apps"
    with httpx2.Client(timeout=TIMEOUT) as browser:
        sign_in = Page(browser.get(settings).text)
        form = sign_in.form(action="/settings/connected-apps")
        assert form["attrs"].get("method", "").lower() == "post"
        assert Page.field(form, name="token", id="token").get("type") == "password"
        Page.field(form, id="sign-in")

        wrong = html_page(browser.post(settings, data={"token": "vk_0123456789_wrong"}), 401)
        assert wrong.alerts
        signed = browser.post(settings, data={"token": read_key})
        assert signed.status_code == 303 and signed.headers["location"].endswith("/settings/connected-apps")
        assert "vitals_settings=" in signed.headers.get("set-cookie", "")

        listing = Page(browser.get(settings).text)
        assert client.client_id in listing.rows, listing.rows
        row = listing.rows[client.client_id]
        assert "Settings app (pytest)" in row and "accounts" in row.lower()  # its scopes, in words or as names
        revoke = listing.form(action="/settings/connected-apps/revoke", row=client.client_id)
        assert Page.field(revoke, name="client_id")["value"] == client.client_id
        pairs = Page.submission(revoke)
        assert {k for k, _ in pairs} >= {"client_id", "csrf_token"}
        done = browser.post(oauth_server.base + "/settings/connected-apps/revoke", data=dict(pairs))
        assert done.status_code == 303 and urlsplit(done.headers["location"]).path == "/settings/connected-apps"
        after = Page(browser.get(settings).text)
        assert client.client_id not in after.rows or "revoked" in after.rows[client.client_id].lower()
        # A client id that does not exist is said so, not reported as disconnected.
        unknown = browser.post(oauth_server.base + "/settings/connected-apps/revoke",
                               data=dict(pairs) | {"client_id": "vc_no_such_app"})
        assert html_page(unknown, 400).alerts == ["There is no app vc_no_such_app."]
    refused(initialize(oauth_server.url, bearer=tokens["access_token"]))
    assert error_of(client.refresh(tokens["refresh_token"])) == "invalid_grant"

    # Another agency's page never lists this agency's apps.
    with httpx2.Client(timeout=TIMEOUT) as browser:
        assert browser.post(settings, data={"token": token(agency="ag_002")}).status_code == 303
        assert client.client_id not in Page(browser.get(settings).text).rows
