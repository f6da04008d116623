"""What only the HTTP transport has: keys on every request, sessions,
Origin validation, the protocol-version header."""
import asyncio
import subprocess

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "pytest", "version": "1"}}}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def open_session(url, key, **extra):
    response = httpx2.post(url, json=INIT, headers=HEADERS | {"x-api-key": key} | extra, timeout=10)
    return response


def test_every_request_needs_a_valid_key(http_url):
    missing = httpx2.post(http_url, json=INIT, headers=HEADERS, timeout=10)
    assert missing.status_code == 401 and "x-api-key" in missing.json()["error"]["message"]
    assert 'resource_metadata="' in missing.headers["www-authenticate"]
    wrong = open_session(http_url, "vk_0123456789_wrong")
    assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "invalid API key"


@pytest.mark.parametrize("version", ["2025-11-25", "2025-06-18"])
def test_sessions_open_answer_and_end(http_url, read_key, token, version):
    init = INIT | {"params": INIT["params"] | {"protocolVersion": version}}
    opened = httpx2.post(http_url, json=init, headers=HEADERS | {"x-api-key": read_key}, timeout=10)
    assert opened.status_code == 200
    assert version in opened.text
    session = opened.headers["mcp-session-id"]
    follow = HEADERS | {"x-api-key": read_key, "mcp-session-id": session, "mcp-protocol-version": version}
    assert httpx2.post(http_url, json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=follow, timeout=10).status_code == 202
    listed = httpx2.post(http_url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=follow, timeout=10)
    assert listed.status_code == 200 and "list_accounts_at_risk" in listed.text
    # Another key (even of the same agency) cannot ride this session.
    other = token()
    hijack = httpx2.post(http_url, json={"jsonrpc": "2.0", "id": 3, "method": "tools/list"},
                         headers=follow | {"x-api-key": other}, timeout=10)
    assert hijack.status_code == 404
    # An unsupported protocol version is refused.
    bad = httpx2.post(http_url, json={"jsonrpc": "2.0", "id": 4, "method": "tools/list"},
                      headers=follow | {"mcp-protocol-version": "1999-01-01"}, timeout=10)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == -32022
    # DELETE ends the session; it is gone afterwards.
    assert httpx2.delete(http_url, headers=follow, timeout=10).status_code == 204
    gone = httpx2.post(http_url, json={"jsonrpc": "2.0", "id": 5, "method": "tools/list"}, headers=follow, timeout=10)
    assert gone.status_code == 404


def test_foreign_origins_are_refused(http_url, read_key):
    rebinding = open_session(http_url, read_key, origin="http://evil.example")
    assert rebinding.status_code == 403
    local = open_session(http_url, read_key, origin=http_url.rsplit("/api/mcp", 1)[0])
    assert local.status_code == 200


def test_requests_without_a_session_or_meta_are_told_both_ways_in(http_url, read_key):
    lost = httpx2.post(http_url, json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
                       headers=HEADERS | {"x-api-key": read_key}, timeout=10)
    assert lost.status_code == 400
    error = lost.json()["error"]
    assert error["code"] == -32602 and "io.modelcontextprotocol/protocolVersion" in error["message"] and "initialize" in error["message"]


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_the_server_picks_up_new_scores_without_a_restart(vitals, store, http_url, read_key, query):
    """`vitals score` beside the running server: the next calls see the new day."""
    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]
    client = Client(streamable_http_client(http_url, http_client=httpx2.AsyncClient(headers={"x-api-key": read_key})), mode="legacy")
    async with client:
        before = (await client.call_tool("get_account", {"account_id": account})).structured_content["health_trend"]
        subprocess.run([vitals, "score", "--store", store, "--as-of", "2026-11-13"], check=True, capture_output=True)
        await asyncio.sleep(1.2)
        after = (await client.call_tool("get_account", {"account_id": account})).structured_content["health_trend"]
    assert [d["as_of"] for d in after] == sorted({d["as_of"] for d in before} | {"2026-11-13"})



@pytest.mark.anyio
async def test_a_long_session_keeps_answering_the_same(http_url, read_key):
    """Forty calls in one legacy session: every answer equal to the first."""
    client = Client(streamable_http_client(http_url, http_client=httpx2.AsyncClient(headers={"x-api-key": read_key})), mode="legacy")
    async with client:
        first = (await client.call_tool("get_agency_overview", {})).structured_content
        for _ in range(40):
            result = await client.call_tool("get_agency_overview", {})
            assert not result.is_error and result.structured_content == first
        assert len((await client.list_tools()).tools) == 19
