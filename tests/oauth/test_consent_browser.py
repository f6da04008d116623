"""The consent page in a real browser: headless Chromium (Debian's /usr/bin/chromium)
driven by Playwright from PyPI. A person types a wrong token and sees the alert,
types the right one, unticks a scope, presses Allow, and the browser lands on the
app's loopback callback with a code, the state and `iss`; or presses Deny and the
app hears access_denied. Cursor's answer leaves the browser for its private-use
scheme (cursor://). What only a browser checks: the form works as HTML (cookie,
form post, redirect after it, no CSP or script in the way — Chromium checks the
redirect after a form post against `form-action`, where `*` does not cover
cursor:)."""
import http.server
import os
import threading

import pytest

from oauth_support import READ_SCOPES, SCOPES, App, query_of

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = "/tmp/consent.png"


def unavailable(reason):
    """Without a browser: skip on a developer's machine, fail in CI (CI=true)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the browser tests: scripts/test.sh installs them)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is missing: pip install -r tests/requirements.txt")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_default_navigation_timeout(15_000)
    yield page
    context.close()


class Callback:
    """The app's redirect URI: a loopback HTTP server that records what it is sent."""

    def __init__(self):
        self.paths = []
        callback = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                callback.paths.append(self.path)
                body = b"<!doctype html><title>Signed in</title><p id='done'>You can close this window.</p>"
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"


@pytest.fixture
def callback():
    server = Callback()
    yield server
    server.server.shutdown()
    server.server.server_close()


def landed(page, callback):
    """Waits for the browser to reach the app's callback; returns its query parameters."""
    page.wait_for_url(lambda url: url.startswith(callback.url + "?"))
    assert callback.paths, "the callback server was never reached"
    return query_of(page.url)


def test_a_person_allows_with_their_token_and_unticks_a_scope(page, callback, app, full_key, oauth_server):
    client = app("Claude Desktop (browser)", redirect_uri=callback.url)
    url, state, verifier = client.authorize_url(SCOPES)
    opened = page.goto(url)
    assert opened.status == 200
    assert page.get_by_text("Claude Desktop (browser)").first.is_visible()
    for scope in SCOPES:
        assert page.is_checked("#scope-" + scope.replace(":", "-")), scope
    page.screenshot(path=SCREENSHOT, full_page=True)

    # A wrong token: the page says so, in an alert, and stays.
    page.fill("#token", "vk_0123456789_wrong")
    page.click("#allow")
    alert = page.locator("[role=alert]")
    alert.first.wait_for(state="visible")
    assert "token" in alert.first.inner_text().lower()
    assert not callback.paths

    page.fill("#token", full_key)
    page.uncheck("#scope-write-metadata")
    page.click("#allow")
    answer = landed(page, callback)
    assert answer["state"] == state and answer["code"] and "error" not in answer
    assert answer["iss"] == oauth_server.base  # RFC 9207: the issuer, as the metadata says it
    assert page.inner_text("#done")

    exchanged = client.exchange(answer["code"], verifier)
    assert exchanged.status_code == 200, exchanged.text
    granted = exchanged.json()["scope"].split()
    assert "write:metadata" not in granted
    assert sorted(granted) == sorted(set(SCOPES) - {"write:metadata"})  # the full key allows all the rest


def test_a_person_denies(page, callback, app, oauth_server):
    client = app("Denied app (browser)", redirect_uri=callback.url)
    url, state, _ = client.authorize_url()
    assert page.goto(url).status == 200
    page.click("#deny")
    answer = landed(page, callback)
    assert answer["error"] == "access_denied" and answer["state"] == state and "code" not in answer
    assert answer["iss"] == oauth_server.base


def test_cursor_gets_its_code_through_the_browser(page, oauth_server, read_key):
    """The browser hands the answer to the app registered for cursor: (here none, so the
    hand-off is aborted after the request leaves): the request is made, with code, state
    and iss, and Chromium logs no CSP refusal on the way."""
    redirect = "cursor://anysphere.cursor-mcp/oauth/callback"
    client = App(oauth_server.base, name="Cursor", redirect_uri=redirect, registration={"application_type": "native"})
    try:
        url, state, verifier = client.authorize_url(READ_SCOPES)
        console, handed_off = [], []
        page.on("console", lambda message: console.append(message.text))
        page.on("request", lambda request: handed_off.append(request.url) if request.url.startswith("cursor:") else None)
        assert page.goto(url).status == 200
        assert "app registered on this device for cursor: links" in page.inner_text("#redirect")
        page.fill("#token", read_key)
        page.click("#allow")
        for _ in range(40):
            if handed_off:
                break
            page.wait_for_timeout(250)
        assert not [m for m in console if "Content Security Policy" in m], console
        assert len(handed_off) == 1 and handed_off[0].startswith(redirect + "?"), handed_off
        answer = query_of(handed_off[0])
        assert answer["state"] == state and answer["iss"] == oauth_server.base and answer["code"], answer
        exchanged = client.exchange(answer["code"], verifier)
        assert exchanged.status_code == 200, exchanged.text
    finally:
        client.close()
