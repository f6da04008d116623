"""Write tools that act: the store changes, re-applying is a no-op, every
write is audited, and webhooks are delivered at least once from a durable
outbox, with the run id as idempotency key, across a server restart."""
import http.server
import json
import os
import subprocess
import threading
import time

import httpx2
import jsonschema
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from cli import querier
from stores import copy_store

pytestmark = pytest.mark.anyio

from surface import DESTRUCTIVE_WRITES, IDEMPOTENT_WRITES, READ_TOOLS, WRITE_TOOLS


@pytest.fixture
def anyio_backend():
    return "asyncio"


class Receiver:
    """A local webhook receiver that answers 500 to the first `failures` POSTs, then 200."""

    def __init__(self, failures):
        self.failures, self.calls = failures, []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.calls.append((self.headers.get("idempotency-key"), json.loads(body)))
                self.send_response(500 if len(receiver.calls) <= receiver.failures else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, count, timeout=20):
        deadline = time.time() + timeout
        while len(self.calls) < count and time.time() < deadline:
            time.sleep(0.05)
        return len(self.calls) >= count


def add_workflow(vitals, store, tmp_path, workflow_id, url):
    """Ingests one more workflow (with a webhook) into the store: an incremental ingest."""
    data = tmp_path / workflow_id
    data.mkdir()
    (data / "workflows.csv").write_text(f"workflow_id,agency_id,name,webhook_url\n{workflow_id},ag_001,Hook {workflow_id},{url}\n")
    subprocess.run([vitals, "ingest", str(data), "--store", store], check=True, capture_output=True)


def http_client(url, key):
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers={"x-api-key": key})), mode="legacy")


def stdio_client(vitals, store, key, backoff_ms="300"):
    return Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store],
                                        env={"VITALS_API_KEY": key, "VITALS_WEBHOOK_BACKOFF_MS": backoff_ms,
                                             "PATH": os.environ.get("PATH", "")}), mode="legacy")


def ok(result):
    assert not result.is_error, result.content[0].text
    return result.structured_content


def runs_of(query, workflow_id):
    workflow = next(w for w in query("list_workflows")["items"] if w["workflow_id"] == workflow_id)
    return workflow["recent_runs"]


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_the_22_tools_with_valid_schemas_and_write_annotations(transport, vitals, store, http_url, full_key):
    client = http_client(http_url, full_key) if transport == "http" else stdio_client(vitals, store, full_key)
    async with client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert len(tools) == len(READ_TOOLS) + len(WRITE_TOOLS) and set(WRITE_TOOLS) <= set(tools)
    for tool in tools.values():
        jsonschema.Draft202012Validator.check_schema(tool.input_schema)
        jsonschema.Draft202012Validator.check_schema(tool.output_schema)
        assert all("e.g." in prop["description"] for prop in tool.input_schema["properties"].values()), tool.name
    for name in WRITE_TOOLS:
        hints = tools[name].annotations
        assert hints.read_only_hint is False
        assert hints.destructive_hint is (name in DESTRUCTIVE_WRITES), name
        assert hints.idempotent_hint is (name in IDEMPOTENT_WRITES), name


async def test_read_only_serves_no_write_tool(vitals, store, full_key):
    client = Client(StdioServerParameters(command=vitals, args=["serve", "--stdio", "--store", store, "--read-only"],
                                          env={"VITALS_API_KEY": full_key, "PATH": os.environ.get("PATH", "")}), mode="legacy")
    async with client:
        names = [t.name for t in (await client.list_tools()).tools]
        assert len(names) == len(READ_TOOLS) and not set(WRITE_TOOLS) & set(names)
        refused = await client.call_tool("set_account_priority", {"account_id": "acc_00001", "priority": "high"})
        assert refused.is_error and "--read-only" in refused.content[0].text


async def test_writes_change_the_store_and_are_audited(vitals, store, http_url, full_key, read_key, query):
    account = next(a for a in query("list_tracked_accounts", limit=200)["items"] if a["priority"] != "high")
    user = query("search_users", query="usr", limit=1, account_id=account["account_id"])["items"][0]
    async with http_client(http_url, full_key) as client:
        schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
        first = ok(await client.call_tool("set_account_priority", {"account_id": account["account_id"], "priority": "high"}))
        assert first["changed"] is True and first["previous_priority"] == account["priority"]
        again = ok(await client.call_tool("set_account_priority", {"account_id": account["account_id"], "priority": "high"}))
        assert again["changed"] is False
        flipped = ok(await client.call_tool("set_user_key_status", {"user_id": user["user_id"], "key_user": not user["key_user"]}))
        assert flipped["changed"] is True
        request = ok(await client.call_tool("request_feedback", {"account_id": account["account_id"], "user_id": user["user_id"]}))
        for name, result in [("set_account_priority", first), ("set_account_priority", again), ("set_user_key_status", flipped),
                             ("request_feedback", request)]:
            jsonschema.validate(result, schemas[name])
        assert request["status"] in ("recorded", "pending") and [r["user_id"] for r in request["recipients"]] == [user["user_id"]]
        bad = await client.call_tool("set_account_priority", {"account_id": account["account_id"], "priority": "urgent"})
        assert bad.is_error and "low, normal or high" in bad.content[0].text
    # A read key cannot write.
    async with http_client(http_url, read_key) as client:
        refused = await client.call_tool("set_account_priority", {"account_id": account["account_id"], "priority": "low"})
        assert refused.is_error and refused.content[0].text.startswith("missing scope write:metadata")
    # The store changed: a fresh `vitals query` sees it.
    assert query("get_account", account_id=account["account_id"])["account"]["priority"] == "high"
    assert query("get_user", user_id=user["user_id"])["user"]["key_user"] is (not user["key_user"])
    time.sleep(0.5)  # read-call audit entries are flushed in the background
    audit = subprocess.run([vitals, "audit", "--store", store, "--agency", "ag_001"], check=True, capture_output=True, text=True).stdout
    key_id = full_key.split("_")[1]
    lines = [line.split("\t") for line in audit.splitlines()]
    mine = [(l[1], l[2], l[3], l[4]) for l in lines if l[1] == key_id]
    assert (key_id, "set_account_priority", account["account_id"], "ok") in mine
    assert mine.count((key_id, "set_account_priority", account["account_id"], "ok")) == 2
    assert (key_id, "set_user_key_status", account["account_id"], "ok") in mine
    assert (key_id, "request_feedback", account["account_id"], "ok") in mine
    assert any(l[1] == key_id and l[2] == "set_account_priority" and "low, normal or high" in l[4] for l in lines)
    read_id = read_key.split("_")[1]
    assert any(l[1] == read_id and l[2] == "set_account_priority" and l[4].startswith("missing scope") for l in lines)


async def test_a_webhook_is_retried_with_one_idempotency_key_until_delivered(vitals, store, http_url, full_key, query, tmp_path):
    receiver = Receiver(failures=2)
    add_workflow(vitals, store, tmp_path, "wf_hook_retry", receiver.url)
    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]
    time.sleep(1.2)  # the running server notices the ingest
    async with http_client(http_url, full_key) as client:
        run = ok(await client.call_tool("trigger_workflow", {"workflow_id": "wf_hook_retry", "account_id": account}))
    assert run["status"] == "pending"
    assert receiver.wait(3)
    keys = [key for key, _ in receiver.calls]
    assert keys == [run["run_id"]] * 3
    assert receiver.calls[-1][1]["account_id"] == account and receiver.calls[-1][1]["workflow_id"] == "wf_hook_retry"
    deadline = time.time() + 5
    while time.time() < deadline and runs_of(query, "wf_hook_retry")[0]["status"] != "delivered":
        time.sleep(0.1)
    latest = runs_of(query, "wf_hook_retry")[0]
    assert (latest["run_id"], latest["status"], latest["attempts"]) == (run["run_id"], "delivered", 3)


async def test_a_server_restarted_mid_retry_still_delivers(vitals, store, full_key, tmp_path):
    # A store of its own: every server on a store delivers its outbox, and the session's
    # HTTP server (tests/mcp/conftest.py) would otherwise make the retry before the restart.
    store = copy_store(store, str(tmp_path / "restart.db"))
    query = querier(vitals, store)

    receiver = Receiver(failures=1)
    add_workflow(vitals, store, tmp_path, "wf_hook_restart", receiver.url)
    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]
    # Backoff of 3 s: the server is stopped after the first failure, before the retry.
    async with stdio_client(vitals, store, full_key, backoff_ms="3000") as client:
        run = ok(await client.call_tool("trigger_workflow", {"workflow_id": "wf_hook_restart", "account_id": account}))
        assert receiver.wait(1)
    stopped = runs_of(query, "wf_hook_restart")[0]
    assert (stopped["status"], stopped["attempts"]) == ("pending", 1)
    # A new server process picks the run up from the outbox.
    async with stdio_client(vitals, store, full_key, backoff_ms="3000") as client:
        assert receiver.wait(2, timeout=15)
        await client.list_tools()
    assert [key for key, _ in receiver.calls] == [run["run_id"]] * 2
    deadline = time.time() + 5
    while time.time() < deadline and runs_of(query, "wf_hook_restart")[0]["status"] != "delivered":
        time.sleep(0.1)
    assert runs_of(query, "wf_hook_restart")[0]["status"] == "delivered"
