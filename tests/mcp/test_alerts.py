"""Alerts that reach people: `vitals alerts add` registers a JSON webhook or a
Slack incoming webhook for an agency; the CTAs the nightly playbooks open,
the CTAs people open and close, and request_feedback go out through the
durable outbox — at least once, one Idempotency-Key per message, retried
with backoff, picked up again by a restarted server — and a local receiver
sees each once per key."""
import os
import subprocess
import time

import pytest

from cli import querier
from stores import copy_store, generated_store
from test_writes import Receiver, ok, stdio_client

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def alerts(vitals, store, *args):
    return subprocess.run([vitals, "alerts", *args, "--store", store], check=True, capture_output=True, text=True)


def own_copy(store, tmp_path, name):
    """A store of its own: every server on a store delivers its outbox."""
    return copy_store(store, str(tmp_path / f"{name}.db"))


def test_the_nightly_playbooks_alert_each_opened_cta_once_per_key(vitals, tmp_path):
    slack, hook = Receiver(failures=2), Receiver(failures=0)
    # Another world than the session store's (seed, sizes); its first score ran before any target, so
    # the targets go on a fresh store of the same data, ingested again, before its first score.
    generated_store(vitals, tmp_path, "alerts", agencies=2, accounts=30, users=5, days=120, events=40000, seed=11)
    fresh = str(tmp_path / "fresh.db")
    data = str(tmp_path / "data")
    subprocess.run([vitals, "ingest", data, "--store", fresh], check=True, capture_output=True)
    slack_id = alerts(vitals, fresh, "add", "--agency", "ag_001", "--kind", "slack", "--url", slack.url,
                      "--events", "cta.opened,cta.closed").stdout.strip()
    hook_id = alerts(vitals, fresh, "add", "--agency", "ag_002", "--kind", "webhook", "--url", hook.url).stdout.strip()
    assert slack_id.startswith("alt_") and hook_id.startswith("alt_")
    scored = subprocess.run([vitals, "score", "--store", fresh], check=True, capture_output=True, text=True,
                            env={**os.environ, "VITALS_WEBHOOK_BACKOFF_MS": "100"})
    assert "playbooks on 2026-11-20: opened" in scored.stderr
    # Two failures at the Slack receiver: `vitals alerts deliver` retries until all are through.
    subprocess.run([vitals, "alerts", "deliver", "--store", fresh, "--wait", "15"], check=True, capture_output=True,
                   env={**os.environ, "VITALS_WEBHOOK_BACKOFF_MS": "100"})
    query = querier(vitals, fresh)
    for receiver, agency in [(slack, "ag_001"), (hook, "ag_002")]:
        opened = query("list_ctas", agency=agency, origin="playbook", limit=200)["items"]
        keys = [key for key, _ in receiver.calls]
        assert len(set(keys)) == len(opened) > 0, agency  # one message per opened CTA
        delivered = keys[receiver.failures:] if receiver is slack else keys
        assert sorted(delivered) == sorted(set(keys))  # after the failures, each key exactly once
        assert set(keys[:receiver.failures]) <= set(keys[receiver.failures:])  # a failed one came again with its key
    # The Slack body is text naming the CTA; the webhook body is the event with its data.
    texts = [body["text"] for _, body in slack.calls]
    assert all(t.startswith("Vitals: New ") and "(cta_" in t for t in texts)
    event = hook.calls[0][1]
    assert event["event"] == "cta.opened" and event["agency_id"] == "ag_002" and event["delivery_id"] == hook.calls[0][0]
    assert event["data"]["origin"] == "playbook" and event["data"]["cta_id"].startswith("cta_") and event["data"]["tasks"]
    listed = alerts(vitals, fresh, "list", "--agency", "ag_001").stdout
    assert slack_id in listed and f"delivered {len(set(k for k, _ in slack.calls))}" in listed and "pending 0" in listed


async def test_an_alert_survives_a_server_restart_mid_retry(vitals, store, full_key, tmp_path):
    store = own_copy(store, tmp_path, "alert-restart")
    query = querier(vitals, store)
    receiver = Receiver(failures=1)
    alerts(vitals, store, "add", "--agency", "ag_001", "--kind", "webhook", "--url", receiver.url, "--events", "cta.opened,cta.closed")
    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]
    # Backoff of 3 s: the server stops after the first failure, before the retry.
    async with stdio_client(vitals, store, full_key, backoff_ms="3000") as client:
        cta = ok(await client.call_tool("create_cta", {"account_id": account, "type": "risk", "reason": "Usage halved"}))
        assert receiver.wait(1)
    async with stdio_client(vitals, store, full_key, backoff_ms="3000") as client:
        # The retry comes at the 3 s backoff when the first server recorded the failed attempt as it
        # exited, and after the claim's 30 s lease when it did not get to (the client kills a server
        # still running 2 s after closing its pipe): the alert survives either way, which is the promise.
        # Waiting 15 s failed once in each of two full test runs from a fresh clone (2026-12-01, 2026-12-02);
        # it never failed alone, in 9 runs, 6 of them beside two busy loops.
        assert receiver.wait(2, timeout=40)
        closed = ok(await client.call_tool("update_cta", {"cta_id": cta["cta_id"], "status": "closed", "outcome": "resolved"}))
        assert closed["status"] == "closed"
        assert receiver.wait(3, timeout=15)
    keys = [key for key, _ in receiver.calls]
    assert keys[0] == keys[1] and keys[2] != keys[0]  # the retried open kept its key; the close is a new message
    assert [body["event"] for _, body in receiver.calls] == ["cta.opened", "cta.opened", "cta.closed"]
    assert all(body["data"]["cta_id"] == cta["cta_id"] for _, body in receiver.calls)


async def test_feedback_requests_reach_the_key_users_and_are_listed(vitals, store, full_key, tmp_path):
    store = own_copy(store, tmp_path, "feedback")
    query = querier(vitals, store)
    receiver = Receiver(failures=0)
    target = alerts(vitals, store, "add", "--agency", "ag_001", "--kind", "webhook", "--url", receiver.url,
                    "--events", "feedback.requested").stdout.strip()
    users = query("search_users", query="usr", limit=200)["items"]
    keyed = next(u for u in users if u["key_user"])
    account = keyed["account_id"]
    key_users = sorted(u["user_id"] for u in query("search_users", query="usr", account_id=account, limit=200)["items"] if u["key_user"])
    plain = next(u for u in users if u["account_id"] == account and not u["key_user"])
    async with stdio_client(vitals, store, full_key, backoff_ms="100") as client:
        to_keys = ok(await client.call_tool("request_feedback", {"account_id": account}))
        assert sorted(r["user_id"] for r in to_keys["recipients"]) == key_users and to_keys["status"] == "pending"
        to_one = ok(await client.call_tool("request_feedback", {"account_id": account, "user_id": plain["user_id"]}))
        assert [r["user_id"] for r in to_one["recipients"]] == [plain["user_id"]]
        assert receiver.wait(2)
        deadline = time.time() + 10
        while time.time() < deadline:
            listed = ok(await client.call_tool("list_feedback_requests", {"account_id": account}))["items"]
            if all(item["status"] == "sent" for item in listed[:2]):
                break
            time.sleep(0.2)
        assert [item["request_id"] for item in listed[:2]] == [to_one["request_id"], to_keys["request_id"]]
        assert [item["status"] for item in listed[:2]] == ["sent", "sent"]
        # Without a target taking feedback.requested, a request is only recorded, and says so.
        alerts(vitals, store, "remove", target, "--agency", "ag_001")
        recorded = ok(await client.call_tool("request_feedback", {"account_id": account}))
        assert recorded["status"] == "recorded" and "vitals alerts add" in recorded["delivery"]
    bodies = {body["data"]["request_id"]: body for _, body in receiver.calls}
    sent = bodies[to_keys["request_id"]]
    assert sent["event"] == "feedback.requested"
    assert sorted(r["user_id"] for r in sent["data"]["recipients"]) == key_users
    assert all("@" in r["email"] for r in sent["data"]["recipients"])
