"""The MCP server over stdio and streamable HTTP, driven by the Python
`mcp` SDK's client (pinned in tests/requirements.txt) in each of its three
modes: `legacy` (the 2025-11-25 `initialize` session), `2026-07-28` (stateless,
per-request `_meta`) and `auto` (probes with `server/discover`, stays modern)."""
import json
import os
import subprocess
from datetime import date, timedelta

import httpx2
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from tenancy import assert_foreign_ids_unreachable

from surface import READ_TOOLS

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


MODES = ["legacy", "2026-07-28", "auto"]


@pytest.fixture(params=[f"{t}/{m}" for t in ["stdio", "http"] for m in MODES])
def transport(request):
    """`TRANSPORT/MODE`: every test runs over both transports in all three client modes."""
    return request.param


def connect(transport, vitals, store, key, http_url=None, *extra):
    """A client over `transport` (`stdio/MODE` or `http/MODE`): stdio launches
    `vitals serve --stdio` with the key in VITALS_API_KEY; http talks to the running
    `vitals serve --http` with it in x-api-key."""
    kind, _, mode = transport.partition("/")
    mode = mode or "legacy"
    if kind == "http":
        http = httpx2.AsyncClient(headers={"x-api-key": key}, timeout=30)
        return Client(streamable_http_client(http_url, http_client=http), mode=mode)
    return server(vitals, store, key, *extra, mode=mode)


def server(vitals, store, key, *extra, mode="legacy"):
    return Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store, *extra],
                                        env={"VITALS_API_KEY": key, "PATH": os.environ.get("PATH", "")}),
                  mode=mode)


def structured(result):
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_tools_list_has_the_read_tools_with_valid_schemas(transport, vitals, store, read_key, http_url):
    async with connect(transport, vitals, store, read_key, http_url) as client:
        # auto must stay modern: a silent fall back to initialize would hide a broken 2026 path.
        assert client.protocol_version == ("2025-11-25" if transport.endswith("legacy") else "2026-07-28")
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == READ_TOOLS
    for tool in tools:
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.title and tool.description
        assert tool.annotations.read_only_hint is True
        for name, prop in tool.input_schema["properties"].items():
            assert "e.g." in prop["description"], f"{tool.name}.{name} has no example"


async def test_every_tool_answers_as_vitals_query_does(transport, vitals, store, query, read_key, http_url):
    accounts = query("list_tracked_accounts", limit=200)["items"]
    paying = next(a for a in accounts if not a["churned"])
    user = query("search_users", query="usr", limit=1)["items"][0]
    t = date.fromisoformat(query("get_agency_overview")["as_of"])
    arguments = {
        "list_tracked_accounts": {"bands": ["Watch", "At Risk"], "sort_by": "mrr", "fields": ["account_id", "mrr_cents", "band"]},
        "search_accounts": {"query": paying["name"][:4]},
        "get_account": {"account_id": paying["account_id"]},
        "search_users": {"query": user["email"][:6]},
        "get_user": {"user_id": user["user_id"]},
        "get_agency_overview": {},
        "list_accounts_at_risk": {"compare_to": (t - timedelta(days=14)).isoformat()},
        "list_health_movers": {"days": 14, "direction": "down", "plan": "pro"},
        "list_inactive_users": {"days": 45},
        "list_failed_payments": {"days": 60},
        "list_upcoming_renewals": {"days": 90, "min_mrr_cents": 1000, "sort_by": "health", "include_churned": True},
        "get_feature_metrics": {"account_id": paying["account_id"]},
        "list_feature_adoption_gaps": {"account_id": paying["account_id"]},
        "list_feature_metric_movers": {"window": 14, "direction": "down"},
        "get_login_activity": {"account_id": paying["account_id"], "days": 14},
        "get_revenue_summary": {},
        "list_upsell_candidates": {"sort_by": "health"},
        "list_revenue_movements": {"months": 6},
        "list_feedback_responses": {"days": 120},
        "list_feedback_requests": {},
        "list_workflows": {},
        # The nightly score's playbooks opened CTAs on this store.
        "list_ctas": {"origin": "playbook", "limit": 5},
        "get_cta": {"cta_id": query("list_ctas", status="all", limit=1)["items"][0]["cta_id"]},
        "list_timeline_activities": {"kind": "update"},
        "list_success_plans": {"status": "all"},
    }
    async with connect(transport, vitals, store, read_key, http_url) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        for name in READ_TOOLS:
            result = await client.call_tool(name, arguments[name])
            content = structured(result)
            jsonschema.validate(content, schemas[name])
            assert json.loads(result.content[0].text) == content
            assert content == query(name, **arguments[name]), name


async def test_pagination_walks_a_list_to_its_end(transport, vitals, store, query, read_key, http_url):
    seen, cursor = [], None
    async with connect(transport, vitals, store, read_key, http_url) as client:
        while True:
            args = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            page = structured(await client.call_tool("list_tracked_accounts", args))
            seen += [item["account_id"] for item in page["items"]]
            assert page["has_more"] == (page["next_cursor"] is not None)
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) == page["total"] == query("list_tracked_accounts")["total"]


async def test_errors_say_what_to_do_next(transport, vitals, store, query, read_key, http_url):
    other = query("list_tracked_accounts", agency="ag_002")["items"][0]["account_id"]
    async with connect(transport, vitals, store, read_key, http_url) as client:
        for account in [other, "acc_nope"]:
            result = await client.call_tool("get_account", {"account_id": account})
            assert result.is_error
            assert result.content[0].text == f"account {account} is not tracked by this agency — call search_accounts to find the account_id"
        bad = await client.call_tool("list_inactive_users", {"days": 0})
        assert bad.is_error and "days" in bad.content[0].text


async def test_a_key_without_a_scope_is_refused(transport, vitals, store, token, http_url):
    key = token(scopes="read:accounts")
    async with connect(transport, vitals, store, key, http_url) as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert "get_revenue_summary" not in names and "search_users" not in names
        assert "list_accounts_at_risk" in names
        refused = await client.call_tool("get_revenue_summary", {})
        assert refused.is_error
        assert refused.content[0].text.startswith("missing scope read:revenue")


async def test_a_key_of_agency_b_cannot_see_agency_a(transport, vitals, store, query, token, http_url):
    key_b = token(agency="ag_002")
    account_a = query("list_tracked_accounts", agency="ag_001")["items"][0]["account_id"]
    user_a = query("search_users", agency="ag_001", query="usr", limit=1)["items"][0]["user_id"]
    async with connect(transport, vitals, store, key_b, http_url) as client:
        await assert_foreign_ids_unreachable(client, "ag_002", account_a, user_a)


def test_bad_revoked_and_expired_keys_are_refused(vitals, store, token):
    revoked = token()
    key_id = revoked.split("_")[1]
    subprocess.run([vitals, "token", "revoke", key_id, "--store", store], check=True, capture_output=True)
    listed = subprocess.run([vitals, "token", "list", "--store", store, "--agency", "ag_001"], check=True,
                            capture_output=True, text=True).stdout
    assert f"{key_id}\tag_001\trevoked" in listed
    assert revoked not in listed  # keys are never shown again
    for key, message in [(revoked, f"API key {key_id} was revoked"), ("vk_0123456789_nope", "invalid API key"),
                         (revoked[:-1] + ("A" if revoked[-1] != "A" else "B"), "invalid API key")]:
        run = subprocess.run([vitals, "serve", "--stdio", "--store", store], env={"VITALS_API_KEY": key},
                             input="", capture_output=True, text=True, timeout=30)
        assert run.returncode != 0
        assert message in run.stderr


async def test_toolsets_choose_the_served_tools(vitals, store, read_key):
    async with server(vitals, store, read_key, "--toolsets", "risk,revenue") as client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert names == ["list_accounts_at_risk", "list_health_movers", "list_inactive_users", "list_failed_payments", "list_upcoming_renewals",
                         "get_revenue_summary", "list_upsell_candidates", "list_revenue_movements"]
        refused = await client.call_tool("get_account", {"account_id": "acc_00001"})
        assert refused.is_error and "--toolsets" in refused.content[0].text


async def test_prompts_are_the_starter_conversations(transport, vitals, store, read_key, http_url):
    async with connect(transport, vitals, store, read_key, http_url) as client:
        prompts = (await client.list_prompts()).prompts
        assert [p.name for p in prompts] == ["pulse_check", "outreach_prep", "adoption_coaching", "action", "safe_use_briefing"]
        outreach = await client.get_prompt("outreach_prep", {"days": "30"})
        text = outreach.messages[0].content.text
        assert "next 30 days" in text and "list_upcoming_renewals" in text
        briefing = await client.get_prompt("safe_use_briefing")
        assert "confirmed" in briefing.messages[0].content.text
        with pytest.raises(Exception, match="needs the argument account"):
            await client.get_prompt("action", {"workflow": "Renewal Reminder"})
