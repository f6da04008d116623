"""The MCP server over stdio, driven by the Python `mcp` SDK's client."""
import json

import jsonschema
import pytest
from mcp import Client, StdioServerParameters

READ_TOOLS = [
    "list_tracked_accounts", "search_accounts", "get_account", "search_users", "get_user", "get_agency_overview",
    "list_accounts_at_risk", "list_inactive_users", "list_failed_payments", "list_upcoming_renewals",
    "get_feature_metrics", "list_feature_adoption_gaps", "list_feature_metric_movers", "get_login_activity",
    "get_revenue_summary", "list_upsell_candidates", "list_feedback_responses", "list_workflows",
]

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def server(vitals, store, agency="ag_001"):
    return Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store, "--agency", agency]),
                  mode="legacy")


def structured(result):
    assert not result.is_error, result.content[0].text
    return result.structured_content


async def test_tools_list_has_the_read_tools_with_valid_schemas(vitals, store):
    async with server(vitals, store) as client:
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == READ_TOOLS
    for tool in tools:
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert tool.title and tool.description
        assert tool.annotations.read_only_hint is True
        for name, prop in tool.input_schema["properties"].items():
            assert "e.g." in prop["description"], f"{tool.name}.{name} has no example"


async def test_every_tool_answers_as_vitals_query_does(vitals, store, query):
    accounts = query("list_tracked_accounts", limit=200)["items"]
    paying = next(a for a in accounts if not a["churned"])
    user = query("search_users", query="usr", limit=1)["items"][0]
    arguments = {
        "list_tracked_accounts": {"bands": ["Watch", "At Risk"]},
        "search_accounts": {"query": paying["name"][:4]},
        "get_account": {"account_id": paying["account_id"]},
        "search_users": {"query": user["email"][:6]},
        "get_user": {"user_id": user["user_id"]},
        "get_agency_overview": {},
        "list_accounts_at_risk": {},
        "list_inactive_users": {"days": 45},
        "list_failed_payments": {"days": 60},
        "list_upcoming_renewals": {"days": 90, "min_mrr_cents": 1000},
        "get_feature_metrics": {"account_id": paying["account_id"]},
        "list_feature_adoption_gaps": {"account_id": paying["account_id"]},
        "list_feature_metric_movers": {"window": 14, "direction": "down"},
        "get_login_activity": {"account_id": paying["account_id"], "days": 14},
        "get_revenue_summary": {},
        "list_upsell_candidates": {},
        "list_feedback_responses": {"days": 120},
        "list_workflows": {},
    }
    async with server(vitals, store) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        for name in READ_TOOLS:
            result = await client.call_tool(name, arguments[name])
            content = structured(result)
            jsonschema.validate(content, schemas[name])
            assert json.loads(result.content[0].text) == content
            assert content == query(name, **arguments[name]), name


async def test_pagination_walks_a_list_to_its_end(vitals, store, query):
    seen, cursor = [], None
    async with server(vitals, store) as client:
        while True:
            args = {"limit": 7} | ({"cursor": cursor} if cursor else {})
            page = structured(await client.call_tool("list_tracked_accounts", args))
            seen += [item["account_id"] for item in page["items"]]
            assert page["has_more"] == (page["next_cursor"] is not None)
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == len(set(seen)) == page["total"] == query("list_tracked_accounts")["total"]


async def test_errors_say_what_to_do_next(vitals, store, query):
    other = query("list_tracked_accounts", agency="ag_002")["items"][0]["account_id"]
    async with server(vitals, store) as client:
        for account in [other, "acc_nope"]:
            result = await client.call_tool("get_account", {"account_id": account})
            assert result.is_error
            assert result.content[0].text == f"account {account} is not tracked by this agency — call search_accounts to find the account_id"
        bad = await client.call_tool("list_inactive_users", {"days": 0})
        assert bad.is_error and "days" in bad.content[0].text
