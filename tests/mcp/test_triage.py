"""Issue 12 through real MCP clients (the Python `mcp` SDK, stateless
2026-07-28 over HTTP and a legacy session over stdio): every account list
sorts and filters as it says, the at-risk list compares with an earlier day,
an as_of outside the data is refused with the valid range (and the server
keeps serving), and a write shows in the very next read."""
import os
from datetime import date, timedelta

import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

pytestmark = pytest.mark.anyio

ACCOUNT_LISTS = ["list_tracked_accounts", "list_accounts_at_risk", "list_upcoming_renewals", "list_upsell_candidates",
                 "list_health_movers"]
SORT_KEYS = {"mrr": "mrr_cents", "health": "health", "churn_risk": "churn_risk", "health_change": "health_change",
             "renewal_date": "renewal_date", "name": "name"}


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=["http/2026-07-28", "stdio/legacy"])
def connect(request, vitals, store, http_url):
    transport, mode = request.param.split("/")

    def make(key):
        if transport == "http":
            return Client(streamable_http_client(http_url, http_client=httpx2.AsyncClient(headers={"x-api-key": key})), mode=mode)
        return Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store],
                                            env={"VITALS_API_KEY": key, "PATH": os.environ.get("PATH", "")}), mode=mode)
    return make


def ok(result):
    assert not result.is_error, result.content[0].text
    return result.structured_content


def account(item):
    """The account fields of a list item (the at-risk list nests them)."""
    return item.get("account", item)


def value(item, sort_by):
    raw = account(item)[SORT_KEYS[sort_by]]
    return raw.lower() if sort_by == "name" else raw


async def everything(client, tool, arguments):
    """Every item of a list, page by page."""
    items, cursor = [], None
    while True:
        page = ok(await client.call_tool(tool, {**arguments, "limit": 200, **({"cursor": cursor} if cursor else {})}))
        items += page["items"]
        if not page["has_more"]:
            return items, page
        cursor = page["next_cursor"]


async def test_every_account_list_sorts_both_ways(connect, read_key):
    async with connect(read_key) as client:
        for tool in ACCOUNT_LISTS:
            for sort_by in SORT_KEYS:
                for order in ["asc", "desc"]:
                    churned = {} if tool == "list_tracked_accounts" else {"include_churned": True}
                    items, _ = await everything(client, tool, {"sort_by": sort_by, "sort_order": order, **churned})
                    present = [value(i, sort_by) for i in items if account(i)[SORT_KEYS[sort_by]] is not None]
                    # Accounts without the value (no renewal date, no change) come last.
                    assert all(account(i)[SORT_KEYS[sort_by]] is None for i in items[len(present):]), (tool, sort_by)
                    assert present == sorted(present, reverse=order == "desc"), (tool, sort_by, order)


async def test_filters_keep_only_what_they_name(connect, read_key, query):
    every = query("list_tracked_accounts", limit=200)["items"]
    anchor = next(a for a in every if not a["churned"])
    owner, plan = anchor["owner_email"], anchor["plan"]
    mrrs = sorted(a["mrr_cents"] for a in every if not a["churned"])
    low, high = min(mrrs[len(mrrs) // 4], anchor["mrr_cents"]), max(mrrs[3 * len(mrrs) // 4], anchor["mrr_cents"])
    async with connect(read_key) as client:
        for tool in ACCOUNT_LISTS:
            items, _ = await everything(client, tool, {"owner_email": owner.upper(), "plan": plan,
                                                        "min_mrr_cents": low, "max_mrr_cents": high})
            if tool == "list_tracked_accounts":
                assert anchor["account_id"] in {i["account_id"] for i in items}
            for item in map(account, items):
                assert item["owner_email"] == owner and item["plan"] == plan and low <= item["mrr_cents"] <= high, tool
                assert not item["churned"] or tool == "list_tracked_accounts"
        churned, _ = await everything(client, "list_tracked_accounts", {"churned": True})
        assert churned and all(a["churned"] and a["mrr_cents"] == 0 and a["churned_since"] for a in churned)
        expected = [a["account_id"] for a in every if a["priority"] == "high"]
        high_priority, _ = await everything(client, "list_tracked_accounts", {"priority": "high"})
        assert [a["account_id"] for a in high_priority] == expected


async def test_the_at_risk_list_compares_with_an_earlier_day(connect, read_key, query):
    t = date.fromisoformat(query("get_agency_overview")["as_of"])
    then = (t - timedelta(days=30)).isoformat()
    async with connect(read_key) as client:
        items, page = await everything(client, "list_accounts_at_risk", {"compare_to": then})
        now, _ = await everything(client, "list_accounts_at_risk", {})
        before, _ = await everything(client, "list_accounts_at_risk", {"as_of": then})
    status = {i["account"]["account_id"]: i["comparison"]["status"] for i in items}
    now_ids = {i["account"]["account_id"] for i in now}
    then_ids = {i["account"]["account_id"] for i in before}
    # The comparison is exactly the difference of the two days' lists.
    assert {a for a, s in status.items() if s in ("entered", "still_there")} == now_ids
    assert {a for a, s in status.items() if s in ("still_there", "left_recovered", "left_churned")} == then_ids
    assert {a for a, s in status.items() if s == "entered"} == now_ids - then_ids
    assert page["comparison"] == {s: list(status.values()).count(s) for s in ("entered", "still_there", "left_recovered", "left_churned")}
    for item in items:
        if item["comparison"]["status"] == "left_churned":
            assert item["account"]["churned"]
        if item["comparison"]["status"] == "left_recovered":
            assert not item["account"]["churned"] and item["account"]["band"] == "Healthy"


async def test_health_movers_move_the_way_asked(connect, read_key):
    async with connect(read_key) as client:
        down, page = await everything(client, "list_health_movers", {"days": 14, "direction": "down"})
        up, _ = await everything(client, "list_health_movers", {"days": 14, "direction": "up"})
    assert page["compared_to"] and page["data_through"]
    assert down and all(i["health_change"] < 0 for i in down) and all(i["health_change"] > 0 for i in up)
    assert [i["health_change"] for i in down] == sorted(i["health_change"] for i in down)
    for item in down:
        assert round(item["health"] - item["health_then"], 1) == item["health_change"]
        points = sum(c["points"] for c in item["components_moved"])
        assert abs(points - item["health_change"]) <= 0.1 * len(item["components_moved"]) + 0.05


async def test_an_as_of_outside_the_data_is_refused_and_the_server_keeps_serving(connect, read_key, query):
    through = query("get_agency_overview")["data_through"]
    async with connect(read_key) as client:
        for day in ["2030-01-01", "2000-01-01"]:
            refused = await client.call_tool("list_tracked_accounts", {"as_of": day})
            assert refused.is_error
            text = refused.content[0].text
            assert f"as_of {day} is outside the data" in text and f"through {through}" in text
        assert ok(await client.call_tool("get_agency_overview", {}))["data_through"] == through


async def test_a_write_shows_in_the_next_read(connect, token, query):
    # Its own key and the last account: the audit counts of test_writes.py stay its own.
    key = token(scopes="read:accounts,read:revenue,write:metadata")
    target = next(a for a in reversed(query("list_tracked_accounts", limit=200)["items"]) if a["priority"] != "high")
    async with connect(key) as client:
        ok(await client.call_tool("set_account_priority", {"account_id": target["account_id"], "priority": "high"}))
        try:
            after = ok(await client.call_tool("list_tracked_accounts", {"limit": 200}))
            row = next(a for a in after["items"] if a["account_id"] == target["account_id"])
            assert row["priority"] == "high" and after["source"] == "computed"
            high, _ = await everything(client, "list_tracked_accounts", {"priority": "high"})
            assert target["account_id"] in {a["account_id"] for a in high}
        finally:
            ok(await client.call_tool("set_account_priority", {"account_id": target["account_id"], "priority": target["priority"]}))
