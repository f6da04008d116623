"""Scopes per field: every field of every result belongs to a scope (GoCSM's
table), and a credential gets only the fields its scopes allow, whatever the
tool. Each tool is called with every single-scope key that may call it; the
answer must hold no field of another scope, must still match the tool's
output schema (the client validates it), and must equal the full answer with
exactly those fields taken out."""
import os

import jsonschema
import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

# The contract, written from GoCSM's scope table rather than read from the code.
FIELDS_OF = {
    "read:revenue": {"mrr_cents", "retention", "monthly_movements", "failed_payments_30d", "renewals_30d", "renewal_date",
                     "days_to_renewal", "amount_cents", "recovered", "recovered_at", "failed_at", "unrecovered",
                     "churned_mrr_this_month_cents"},
    "read:users": {"email", "key_users", "last_login", "days_since_login"},
    "read:accounts": {"health", "band", "churn_risk", "signals", "drivers", "components", "average_health", "accounts_by_band",
                      "highest_churn_risk", "health_trend", "health_change", "top_signal", "health_then", "band_then",
                      "churn_risk_then", "components_moved"},
    "read:feedback": {"comment"},
    "read:activities": {"open_ctas", "open_cta_count", "active_plan", "recent_activities"},
}
READ_SCOPES = list(FIELDS_OF)


@pytest.fixture
def anyio_backend():
    return "asyncio"


def fields(value):
    """Every key at any depth."""
    if isinstance(value, dict):
        return set(value) | set().union(*(fields(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(fields(v) for v in value)) if value else set()
    return set()


def without(value, hidden):
    if isinstance(value, dict):
        return {k: without(v, hidden) for k, v in value.items() if k not in hidden}
    if isinstance(value, list):
        return [without(v, hidden) for v in value]
    return value


def client(vitals, store, key):
    return Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store],
                                        env={"VITALS_API_KEY": key, "PATH": os.environ.get("PATH", "")}), mode="2026-07-28")


def arguments_for(query):
    account = next(a for a in query("list_tracked_accounts", limit=200)["items"] if not a["churned"])
    user = query("search_users", query="usr", limit=1)["items"][0]
    # The nightly score's playbooks opened CTAs on the generated store.
    cta = query("list_ctas", status="all", limit=1)["items"][0]
    return {
        "get_cta": {"cta_id": cta["cta_id"]},
        "search_accounts": {"query": account["name"][:4]}, "get_account": {"account_id": account["account_id"]},
        "search_users": {"query": "usr"}, "get_user": {"user_id": user["user_id"]},
        "get_login_activity": {"account_id": account["account_id"]}, "list_feedback_responses": {"days": 180},
        "list_failed_payments": {"days": 90}, "list_upcoming_renewals": {"days": 120},
    }


@pytest.mark.parametrize("scope", READ_SCOPES)
async def test_a_single_scope_key_gets_only_its_fields_in_every_tool(vitals, store, token, query, scope):
    key = token(scopes=scope)
    arguments = arguments_for(query)
    hidden = set().union(*(f for s, f in FIELDS_OF.items() if s != scope))
    async with client(vitals, store, key) as session:
        tools = (await session.list_tools()).tools
        assert tools, f"{scope} reaches no tool"
        for tool in tools:
            result = await session.call_tool(tool.name, arguments.get(tool.name, {}))
            assert not result.is_error, (tool.name, result.content[0].text)
            content = result.structured_content
            jsonschema.validate(content, tool.output_schema)
            leaked = fields(content) & hidden
            assert not leaked, f"{tool.name} with only {scope} shows {sorted(leaked)}"
            # Exactly those fields are gone: the rest is the full answer.
            assert content == without(query(tool.name, **arguments.get(tool.name, {})), hidden), tool.name


async def test_read_accounts_alone_sees_no_money_and_no_emails(vitals, store, token, query):
    account = next(a for a in query("list_tracked_accounts", limit=200)["items"] if not a["churned"])["account_id"]
    async with client(vitals, store, token(scopes="read:accounts")) as session:
        overview = (await session.call_tool("get_agency_overview", {})).structured_content
        detail = (await session.call_tool("get_account", {"account_id": account})).structured_content
    assert not {"mrr_cents", "retention", "failed_payments_30d", "renewals_30d"} & set(overview)
    assert overview["tracked_accounts"] == query("get_agency_overview")["tracked_accounts"]
    assert "key_users" not in detail and "mrr_cents" not in detail["account"]
    # The health score stays; its money and login fields go with their scopes.
    assert detail["score"] == without(query("get_account", account_id=account)["score"], {"mrr_cents", "days_since_login"})
    # With read:revenue and read:users too, they are back.
    async with client(vitals, store, token(scopes="read:accounts,read:revenue,read:users")) as session:
        overview = (await session.call_tool("get_agency_overview", {})).structured_content
        detail = (await session.call_tool("get_account", {"account_id": account})).structured_content
    assert overview["mrr_cents"] == query("get_agency_overview")["mrr_cents"]
    assert detail["key_users"] == query("get_account", account_id=account)["key_users"]


async def test_the_output_schema_says_which_fields_may_be_absent(vitals, store, read_key):
    async with client(vitals, store, read_key) as session:
        tools = {t.name: t for t in (await session.list_tools()).tools}
    overview = tools["get_agency_overview"].output_schema
    assert "mrr_cents" not in overview["required"] and "tracked_accounts" in overview["required"]
    assert "read:revenue" in overview["properties"]["mrr_cents"]["description"]
    renewals = tools["list_upcoming_renewals"].output_schema["properties"]["items"]["items"]
    # Items require nothing (`fields` may narrow them); a field of another scope says which.
    assert "required" not in renewals and {"mrr_cents", "health"} <= set(renewals["properties"])
    assert "read:accounts" in renewals["properties"]["health"]["description"]
    assert "description" not in renewals["properties"]["mrr_cents"]
