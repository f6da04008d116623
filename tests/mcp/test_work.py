"""The CS team's work objects through real MCP clients (the Python `mcp` SDK):
CTAs with tasks, timeline activities and success plans, read and written;
another agency's ids answer exactly like unknown ones; a retry with the same
idempotency_key returns the first result and creates nothing; every change
is in the audit log with who made it and what it touched."""
import subprocess

import jsonschema
import pytest

from test_writes import http_client, ok, stdio_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def refused(result):
    assert result.is_error, result.structured_content
    return result.content[0].text


@pytest.fixture(scope="module")
def other_key(token):
    """A key of the other agency, with every scope."""
    return token(agency="ag_002", scopes="read:accounts,read:activities,write:activities")


def an_account(query, agency_filter=None):
    return next(a for a in query("list_tracked_accounts", limit=200)["items"] if not a["churned"])


async def test_a_cta_is_worked_from_open_to_closed(http_url, full_key, query):
    account = an_account(query)
    async with http_client(http_url, full_key) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}

        def checked(name, result):
            content = ok(result)
            jsonschema.validate(content, schemas[name])
            return content

        cta = checked("create_cta", await client.call_tool("create_cta", {
            "account_id": account["account_id"], "type": "risk", "reason": "Logins halved since the price change",
            "priority": "high", "tasks": ["Review the drivers", "Call the client"]}))
        assert cta["status"] == "open" and cta["owner_email"] == account["owner_email"].lower()
        assert cta["tasks_total"] == 2 and cta["next_task"] == "Review the drivers"
        listed = checked("list_ctas", await client.call_tool("list_ctas", {"account_id": account["account_id"]}))
        assert cta["cta_id"] in [c["cta_id"] for c in listed["items"]]

        added = checked("add_cta_task", await client.call_tool("add_cta_task", {"cta_id": cta["cta_id"], "title": "Send the usage report"}))
        assert added["tasks_total"] == 3
        done = checked("update_cta_task", await client.call_tool("update_cta_task", {"task_id": cta["tasks"][0]["task_id"], "done": True}))
        assert done["tasks_done"] == 1 and done["next_task"] == "Call the client" and done["changed"] == ["done"]

        note = checked("log_activity", await client.call_tool("log_activity", {
            "account_id": account["account_id"], "kind": "call", "body": "Called Dana: **migrating in January**.",
            "cta_id": cta["cta_id"]}))
        timeline = checked("list_timeline_activities", await client.call_tool("list_timeline_activities", {"account_id": account["account_id"]}))
        assert timeline["items"][0]["activity_id"] == note["activity_id"]
        fixed = checked("update_activity", await client.call_tool("update_activity", {"activity_id": note["activity_id"],
                                                                                      "body": "Called Dana: migrating in February."}))
        assert fixed["changed"] == ["body"]
        full = checked("get_cta", await client.call_tool("get_cta", {"cta_id": cta["cta_id"]}))
        assert [a["activity_id"] for a in full["activities"]] == [note["activity_id"]]
        assert full["activities"][0]["body"] == "Called Dana: migrating in February."

        plan = checked("create_success_plan", await client.call_tool("create_success_plan", {
            "account_id": account["account_id"], "title": "Recover adoption", "objectives": ["Double weekly logins"],
            "target_date": "2027-02-28"}))
        achieved = checked("update_success_plan", await client.call_tool("update_success_plan", {
            "plan_id": plan["plan_id"], "objective_id": plan["objectives"][0]["objective_id"], "objective_status": "achieved"}))
        assert achieved["objectives_achieved"] == 1
        plans = checked("list_success_plans", await client.call_tool("list_success_plans", {"account_id": account["account_id"]}))
        assert plan["plan_id"] in [p["plan_id"] for p in plans["items"]]

        detail = ok(await client.call_tool("get_account", {"account_id": account["account_id"]}))
        assert cta["cta_id"] in [c["cta_id"] for c in detail["open_ctas"]]
        assert detail["active_plan"]["plan_id"] == plan["plan_id"]
        assert detail["recent_activities"][0]["activity_id"] == note["activity_id"]

        closed = checked("update_cta", await client.call_tool("update_cta", {"cta_id": cta["cta_id"], "status": "closed",
                                                                             "outcome": "resolved"}))
        assert closed["status"] == "closed" and closed["changed"] == ["status", "outcome"]
        assert "is closed" in refused(await client.call_tool("add_cta_task", {"cta_id": cta["cta_id"], "title": "Too late"}))
        # Bad arguments say what and where; the server keeps serving.
        assert "invalid type" in refused(await client.call_tool("create_cta", {"account_id": account["account_id"], "type": "urgent",
                                                                               "reason": "x"}))
        assert "missing required argument reason" in refused(await client.call_tool("create_cta", {"account_id": account["account_id"],
                                                                                                   "type": "risk"}))
        assert ok(await client.call_tool("list_ctas", {"status": "closed"}))["total"] >= 1
    # `vitals query` (a fresh process on the same store) sees the same.
    assert query("get_cta", cta_id=cta["cta_id"])["status"] == "closed"


async def test_another_agencys_ids_answer_like_unknown_ones(http_url, full_key, other_key, query):
    account = an_account(query)
    async with http_client(http_url, full_key) as client:
        cta = ok(await client.call_tool("create_cta", {"account_id": account["account_id"], "type": "renewal", "reason": "Renews in March",
                                                       "tasks": ["Send the quote"]}))
        note = ok(await client.call_tool("log_activity", {"account_id": account["account_id"], "kind": "note", "body": "Private note"}))
        plan = ok(await client.call_tool("create_success_plan", {"account_id": account["account_id"], "title": "Private plan"}))
    ids = {"cta": cta["cta_id"], "task": cta["tasks"][0]["task_id"], "activity": note["activity_id"], "plan": plan["plan_id"]}
    unknown = {"cta": "cta_ffffffffffff", "task": "tsk_ffffffffffff", "activity": "act_ffffffffffff", "plan": "pln_ffffffffffff"}
    calls = [
        ("get_cta", lambda i: {"cta_id": i["cta"]}),
        ("update_cta", lambda i: {"cta_id": i["cta"], "status": "closed"}),
        ("add_cta_task", lambda i: {"cta_id": i["cta"], "title": "Peek"}),
        ("update_cta_task", lambda i: {"task_id": i["task"], "done": True}),
        ("update_activity", lambda i: {"activity_id": i["activity"], "body": "Overwritten"}),
        ("list_timeline_activities", lambda i: {"activity_id": i["activity"]}),
        ("update_success_plan", lambda i: {"plan_id": i["plan"], "status": "cancelled"}),
    ]
    async with http_client(http_url, other_key) as client:
        for tool, arguments in calls:
            theirs = refused(await client.call_tool(tool, arguments(ids)))
            missing = refused(await client.call_tool(tool, arguments(unknown)))
            for kind in ids:
                theirs = theirs.replace(ids[kind], unknown[kind])
            assert theirs == missing, tool
        # Their lists hold none of ag_001's work.
        for tool in ["list_ctas", "list_timeline_activities", "list_success_plans"]:
            items = ok(await client.call_tool(tool, {"status": "all"} if tool != "list_timeline_activities" else {}))["items"]
            assert not {cta["cta_id"], note["activity_id"], plan["plan_id"]} & {v for item in items for v in item.values() if isinstance(v, str)}
    # Nothing of ag_001 changed.
    assert query("get_cta", cta_id=cta["cta_id"])["status"] == "open"
    assert query("list_timeline_activities", activity_id=note["activity_id"])["items"][0]["body"] == "Private note"


@pytest.mark.parametrize("transport", ["http", "stdio"])
async def test_a_retry_with_the_same_idempotency_key_creates_nothing(transport, vitals, store, http_url, full_key, query):
    account = an_account(query)
    key = f"retry-{transport}"
    before = query("list_ctas", account_id=account["account_id"], status="all", limit=200)["total"]
    client = http_client(http_url, full_key) if transport == "http" else stdio_client(vitals, store, full_key)
    arguments = {"account_id": account["account_id"], "type": "expansion", "reason": "Seats nearly full", "idempotency_key": key}
    async with client:
        first = ok(await client.call_tool("create_cta", arguments))
        second = ok(await client.call_tool("create_cta", arguments))
        assert second == first
        other = refused(await client.call_tool("create_cta", {**arguments, "reason": "Another request"}))
        assert "was first used for create_cta with other arguments" in other
        logged = ok(await client.call_tool("log_activity", {"account_id": account["account_id"], "kind": "note", "body": "Once",
                                                            "idempotency_key": key + "-note"}))
        again = ok(await client.call_tool("log_activity", {"account_id": account["account_id"], "kind": "note", "body": "Once",
                                                           "idempotency_key": key + "-note"}))
        assert again["activity_id"] == logged["activity_id"]
    assert query("list_ctas", account_id=account["account_id"], status="all", limit=200)["total"] == before + 1
    notes = query("list_timeline_activities", account_id=account["account_id"], limit=200)["items"]
    assert [n["activity_id"] for n in notes].count(logged["activity_id"]) == 1


async def test_every_change_is_audited_with_who_and_what(vitals, store, http_url, full_key, query):
    account = an_account(query)
    async with http_client(http_url, full_key) as client:
        cta = ok(await client.call_tool("create_cta", {"account_id": account["account_id"], "type": "onboarding", "reason": "New admin"}))
        ok(await client.call_tool("update_cta", {"cta_id": cta["cta_id"], "priority": "high"}))
        note = ok(await client.call_tool("log_activity", {"account_id": account["account_id"], "kind": "meeting", "body": "Kick-off"}))
    audit = subprocess.run([vitals, "audit", "--store", store, "--agency", "ag_001"], check=True, capture_output=True, text=True).stdout
    key_id = full_key.split("_")[1]
    rows = [line.split("\t") for line in audit.splitlines()]
    mine = [(r[1], r[2], r[3], r[4], r[6]) for r in rows if r[1] == key_id and r[6] != "-"]
    assert (key_id, "create_cta", account["account_id"], "ok", cta["cta_id"]) in mine
    assert (key_id, "update_cta", account["account_id"], "ok", cta["cta_id"]) in mine
    assert (key_id, "log_activity", account["account_id"], "ok", note["activity_id"]) in mine


async def test_a_read_key_lists_the_work_but_cannot_change_it(http_url, read_key, full_key, query):
    account = an_account(query)
    async with http_client(http_url, read_key) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"list_ctas", "get_cta", "list_timeline_activities", "list_success_plans"} <= names
        assert "create_cta" not in names
        text = refused(await client.call_tool("create_cta", {"account_id": account["account_id"], "type": "risk", "reason": "x"}))
        assert text.startswith("missing scope write:activities")
