"""The MCP App (`io.modelcontextprotocol/ui`, ext-apps `specification/2026-01-26/apps.mdx`)
as real clients see it: the Python `mcp` SDK declaring the extension (its
`advertise`) sees get_agency_overview and get_account link their views and reads
the pages; without it, no link and no page. Then each page in Chromium, in a
`sandbox="allow-scripts"` iframe under the spec's default CSP, driven by a small
test host that answers `ui/initialize` and posts the tool result the server gave:
the page draws that result's numbers and nothing leaves the browser. Screenshots
are kept in the test's directory (and in $VITALS_ARTIFACTS when set)."""
import asyncio
import json
import math
import os
import shutil

import httpx2
import pytest
from mcp import Client
from mcp.client import advertise
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from shown import money, percent

CHROMIUM = "/usr/bin/chromium"
APPS = "io.modelcontextprotocol/ui"
MIME = "text/html;profile=mcp-app"
VIEWS = {"get_agency_overview": "ui://vitals/agency-overview", "get_account": "ui://vitals/account"}
MODES = ["legacy", "2026-07-28"]
# The CSP a host applies when a view declares none ("UI Resource Format", "Host Behavior").
DEFAULT_CSP = ("default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; media-src 'self' data:; connect-src 'none';")


@pytest.fixture
def anyio_backend():
    return "asyncio"


def client(http_url, key, mode, apps):
    http = httpx2.AsyncClient(headers={"x-api-key": key}, timeout=30)
    extensions = [advertise(APPS, {"mimeTypes": [MIME]})] if apps else None
    return Client(streamable_http_client(http_url, http_client=http), mode=mode, extensions=extensions)


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_a_client_declaring_apps_sees_the_views_and_reads_the_pages(http_url, read_key, mode):
    async with client(http_url, read_key, mode, apps=True) as session:
        tools = (await session.list_tools()).tools
        linked = {t.name: (t.meta or {}).get("ui", {}).get("resourceUri") for t in tools if t.meta}
        assert linked == VIEWS
        listed = (await session.list_resources()).resources
        assert {str(r.uri) for r in listed} == set(VIEWS.values())
        assert all(r.mime_type == MIME for r in listed)
        for uri in VIEWS.values():
            contents = (await session.read_resource(uri)).contents
            assert len(contents) == 1 and str(contents[0].uri) == uri and contents[0].mime_type == MIME
            assert contents[0].text.startswith("<!DOCTYPE html>")
            assert contents[0].meta == {"ui": {"prefersBorder": True}}


@pytest.mark.anyio
@pytest.mark.parametrize("mode", MODES)
async def test_a_client_not_declaring_apps_sees_no_view_and_gets_no_page(http_url, read_key, mode):
    async with client(http_url, read_key, mode, apps=False) as session:
        tools = (await session.list_tools()).tools
        assert tools and all(not t.meta for t in tools)
        assert (await session.list_resources()).resources == []
        with pytest.raises(MCPError) as refused:
            await session.read_resource(VIEWS["get_account"])
        assert refused.value.error.code == -32021 and APPS in refused.value.error.message
        # The text content a host without Apps shows is there all the same.
        called = await session.call_tool("get_agency_overview", {})
        assert not called.is_error and json.loads(called.content[0].text) == called.structured_content


@pytest.fixture(scope="module")
def rendered(http_url, read_key):
    """What a host has when it draws each view: the page it read, the arguments and the result of the call."""
    async def fetch():
        async with client(http_url, read_key, "2026-07-28", apps=True) as session:
            overview = await session.call_tool("get_agency_overview", {})
            paying = next(a for a in overview.structured_content["highest_churn_risk"] if not a["churned"])
            calls = {"get_agency_overview": ({}, overview),
                     "get_account": ({"account_id": paying["account_id"]}, await session.call_tool("get_account", {"account_id": paying["account_id"]}))}
            views = {}
            for tool, (arguments, result) in calls.items():
                page = (await session.read_resource(VIEWS[tool])).contents[0].text
                views[tool] = (page, arguments, result.model_dump(mode="json", by_alias=True, exclude_none=True))
            return views
    return asyncio.run(fetch())


# A host as small as the spec allows: the view in a sandboxed iframe (scripts, no same origin), the
# `ui/initialize` answer with a host context, nothing sent before `ui/notifications/initialized`,
# the frame sized by `ui/notifications/size-changed`.
HOST = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>test host</title></head>
<body style="margin:0;background:#eee"><iframe id="view" sandbox="allow-scripts" style="display:block;width:100%;height:200px;border:0"></iframe>
<script>
window.fromView = []; window.initialized = false; let queue = [];
const frame = document.getElementById("view");
const toView = (message) => frame.contentWindow.postMessage(message, "*");
window.hostSend = (message) => { if (window.initialized) toView(message); else queue.push(message); };
window.addEventListener("message", (event) => {
  if (event.source !== frame.contentWindow) return;
  const m = event.data; window.fromView.push(m);
  if (m.method === "ui/initialize") {
    toView({ jsonrpc: "2.0", id: m.id, result: { protocolVersion: "2026-01-26", hostInfo: { name: "vitals-test-host", version: "1" },
      hostCapabilities: {}, hostContext: { theme: "light", displayMode: "inline", availableDisplayModes: ["inline"],
      containerDimensions: { maxHeight: 6000 }, platform: "web" } } });
  } else if (m.method === "ui/notifications/initialized") {
    window.initialized = true; queue.forEach(toView); queue = [];
  } else if (m.method === "ui/notifications/size-changed") {
    frame.style.height = m.params.height + "px";
  }
});
</script></body></html>"""


def show(page, tool, views, tmp_path):
    """Loads `tool`'s view in the test host, posts its tool input and result; returns the frame and the shot."""
    html, arguments, result = views[tool]
    html = html.replace("<head>", f'<head><meta http-equiv="Content-Security-Policy" content="{DEFAULT_CSP}">', 1)
    page.set_content(HOST)
    page.evaluate("html => { document.getElementById('view').srcdoc = html; }", html)
    page.evaluate("m => hostSend(m)", {"jsonrpc": "2.0", "method": "ui/notifications/tool-input", "params": {"arguments": arguments}})
    page.evaluate("m => hostSend(m)", {"jsonrpc": "2.0", "method": "ui/notifications/tool-result", "params": result})
    frame = page.frame_locator("#view")
    frame.locator("h1").wait_for()
    page.wait_for_function("() => window.fromView.some(m => m.method === 'ui/notifications/size-changed' && m.params.height > 300)")
    shot = tmp_path / f"app-{tool}.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("VITALS_ARTIFACTS"):
        os.makedirs(os.environ["VITALS_ARTIFACTS"], exist_ok=True)
        shutil.copy(shot, os.environ["VITALS_ARTIFACTS"])
    return frame, result["structuredContent"]


@pytest.fixture
def browser_page():
    """A page of Chromium that records every request and every console error."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 900, "height": 900})
        page.requests, page.errors = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        yield page
        browser.close()


def assert_handshake_and_offline(page):
    sent = page.evaluate("window.fromView")
    initialize = sent[0]
    assert initialize["method"] == "ui/initialize" and initialize["id"] is not None
    assert set(initialize["params"]) == {"protocolVersion", "appInfo", "appCapabilities"}
    methods = [m.get("method") for m in sent]
    assert "ui/notifications/initialized" in methods
    assert methods.index("ui/notifications/initialized") < methods.index("ui/notifications/size-changed")
    assert page.requests == [], page.requests  # nothing fetched: no script, style, font or image from anywhere
    assert page.errors == [], page.errors  # no CSP violation, no script error


def test_the_overview_page_draws_the_tool_result(browser_page, rendered, tmp_path):
    frame, data = show(browser_page, "get_agency_overview", rendered, tmp_path)
    shown = lambda key: frame.locator(f'[data-k="{key}"]').inner_text()
    assert shown("agency_name") == data["agency_name"]
    assert shown("paying_accounts") == f'{data["paying_accounts"]:,}'
    assert shown("average_health") == f'{data["average_health"]:.1f}'
    assert shown("churned_accounts") == f'{data["churned_accounts"]:,}'
    assert shown("mrr_cents") == money(data["mrr_cents"])
    assert shown("retention.nrr") == percent(data["retention"]["nrr"])
    assert shown("retention.grr") == percent(data["retention"]["grr"])
    assert shown("failed_payments_30d") == str(data["failed_payments_30d"])
    for band, n in data["accounts_by_band"].items():
        assert shown(f"accounts_by_band.{band}") == f"{n:,}"
    rows = frame.locator('table[data-t="highest_churn_risk"] tbody tr')
    assert rows.count() == len(data["highest_churn_risk"])
    first = data["highest_churn_risk"][0]
    assert rows.first.locator("td").nth(0).inner_text().startswith(first["name"])
    assert rows.first.locator("td").nth(3).inner_text() == percent(first["churn_risk"])
    assert frame.locator("svg rect").count() >= 1
    assert_handshake_and_offline(browser_page)


def test_the_account_page_draws_the_tool_result(browser_page, rendered, tmp_path):
    frame, data = show(browser_page, "get_account", rendered, tmp_path)
    shown = lambda key: frame.locator(f'[data-k="{key}"]').inner_text()
    score, account = data["score"], data["account"]
    assert shown("account.name") == account["name"]
    assert shown("score.health") == f'{score["health"]:.1f}'
    assert shown("score.band") == score["band"]
    assert shown("score.churn_risk") == percent(score["churn_risk"])
    assert shown("account.mrr_cents") == money(account["mrr_cents"])
    assert shown("open_cta_count") == str(data["open_cta_count"])
    for name, value in score["components"].items():
        assert shown(f"score.components.{name}") == f"{math.floor(value * 100 + 0.5)}%"  # Math.round
    assert frame.locator('table[data-t="signals"] tbody tr').count() == len(score["signals"])
    assert frame.locator('table[data-t="drivers"] tbody tr').count() == len(score["drivers"])
    assert frame.locator('table[data-t="open_ctas"] tbody tr').count() == len(data["open_ctas"])
    assert frame.locator('table[data-t="key_users"] tbody tr').count() == len(data["key_users"])
    assert_handshake_and_offline(browser_page)


def test_an_error_result_shows_its_text(browser_page, rendered, tmp_path):
    html, _, _ = rendered["get_account"]
    error = {"content": [{"type": "text", "text": "unknown account acc_nope: search_accounts finds ids"}], "isError": True}
    page = browser_page
    page.set_content(HOST)
    page.evaluate("html => { document.getElementById('view').srcdoc = html; }", html)
    page.evaluate("m => hostSend(m)", {"jsonrpc": "2.0", "method": "ui/notifications/tool-result", "params": error})
    shown = page.frame_locator("#view").locator(".error")
    shown.wait_for()
    assert shown.inner_text() == error["content"][0]["text"]
