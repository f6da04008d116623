"""Scope step-up (MCP 2026-07-28 `basic/authorization`, RFC 6750 §3.1): an
OAuth connection calling a tool it was not granted the scope of gets 403 with
an `insufficient_scope` challenge naming the scopes the call needs; the 401
challenge names the scopes to ask for. An API key, which cannot step up, gets a
tool error naming the scope instead."""
import json

import httpx2

from oauth_support import TIMEOUT

META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}


def call(url, tool, bearer=None, key=None):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": {}, "_meta": META}}
    headers = {"accept": "application/json, text/event-stream", "content-type": "application/json",
               "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": tool}
    headers |= {"authorization": f"Bearer {bearer}"} if bearer else {}
    headers |= {"x-api-key": key} if key else {}
    return httpx2.post(url, content=json.dumps(body), headers=headers, timeout=TIMEOUT)


def test_a_tool_beyond_the_granted_scopes_is_403_insufficient_scope(oauth_server, app, read_key):
    tokens = app().login(read_key, scope="read:accounts")
    granted = call(oauth_server.url, "get_agency_overview", bearer=tokens["access_token"])
    assert granted.status_code == 200 and granted.json()["result"]["isError"] is False
    refused = call(oauth_server.url, "get_revenue_summary", bearer=tokens["access_token"])
    assert refused.status_code == 403
    challenge = refused.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="insufficient_scope"' in challenge
    assert 'scope="read:accounts read:revenue"' in challenge
    assert f'resource_metadata="{oauth_server.base}/.well-known/oauth-protected-resource/api/mcp"' in challenge
    assert "get_revenue_summary needs read:revenue" in refused.json()["error"]["message"]


def test_an_api_key_without_the_scope_gets_a_tool_error_naming_it(oauth_server, token):
    key = token(scopes="read:accounts")
    answer = call(oauth_server.url, "get_revenue_summary", key=key)
    assert answer.status_code == 200
    result = answer.json()["result"]
    assert result["isError"] is True and "missing scope read:revenue" in result["content"][0]["text"]


def test_the_401_challenge_names_the_scopes_to_ask_for(oauth_server):
    answer = call(oauth_server.url, "get_agency_overview")
    assert answer.status_code == 401
    assert 'scope="read:accounts read:users read:revenue read:feedback read:activities"' in answer.headers["www-authenticate"]
