"""The REST twin (`POST /api/v1/tools/{name}`, `GET /api/v1/openapi.json`)
against a real server: schemathesis (PyPI) fuzzes every operation of the
generated OpenAPI document — no 5xx, every response matching its schema,
status code and content type — with a read key on the session store and with
a key of every scope on a store of its own; answers equal `vitals query`; a
retried write with the same idempotency_key replays."""
import subprocess
import sys
import time

import httpx2

from cli import querier
from served import start
from stores import copy_store

CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"


def schemathesis(base, key, examples):
    # `python -m schemathesis.cli` is its `st` command, whether or not a shim for `st` is on PATH.
    return subprocess.run([sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/v1/openapi.json", "-H", f"x-api-key: {key}", "--checks", CHECKS,
                           "--max-examples", str(examples), "--phases", "examples,fuzzing", "--seed", "13"],
                          capture_output=True, text=True, timeout=900)


def test_schemathesis_finds_no_server_error_and_no_schema_mismatch_on_reads(http_url, read_key):
    base = http_url.rsplit("/api/mcp", 1)[0]
    run = schemathesis(base, read_key, 15)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "passed" in run.stdout


def test_schemathesis_on_every_tool_with_every_scope(vitals, store, full_key, tmp_path):
    # A store of its own: the fuzzer's writes (CTAs, notes, priorities) stay out of the session's store.
    own = copy_store(store, str(tmp_path / "rest.db"))
    server = start(vitals, own, "--rate-limit", "off")
    try:
        run = schemathesis(server.base, full_key, 8)
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_rest_answers_equal_vitals_query_and_writes_replay(http_url, full_key, query):
    base = http_url.rsplit("/api/mcp", 1)[0]
    headers = {"x-api-key": full_key}
    account = next(a for a in query("list_tracked_accounts", limit=200)["items"] if not a["churned"])["account_id"]
    with httpx2.Client(base_url=base, headers=headers) as client:
        for tool, arguments in [("get_agency_overview", {}), ("get_account", {"account_id": account}),
                                ("list_ctas", {"origin": "playbook", "limit": 3})]:
            answer = client.post(f"/api/v1/tools/{tool}", json=arguments)
            assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
            assert answer.json() == query(tool, **arguments), tool
        note = {"account_id": account, "kind": "note", "body": "Logged over REST", "idempotency_key": "rest-1"}
        first, again = client.post("/api/v1/tools/log_activity", json=note), client.post("/api/v1/tools/log_activity", json=note)
        assert first.status_code == again.status_code == 200 and first.json() == again.json()
        conflict = client.post("/api/v1/tools/log_activity", json={**note, "body": "Something else"})
        assert conflict.status_code == 409 and conflict.headers["content-type"] == "application/problem+json"
        assert "was first used for log_activity" in conflict.json()["detail"]
        bad = client.post("/api/v1/tools/list_inactive_users", json={"days": 0})
        assert bad.status_code == 400 and bad.json()["detail"].startswith("invalid days")
    notes = query("list_timeline_activities", account_id=account, limit=200)["items"]
    assert [n["activity_id"] for n in notes].count(first.json()["activity_id"]) == 1


def test_an_id_with_a_line_break_stays_one_audit_line(vitals, store, http_url, read_key):
    base = http_url.rsplit("/api/mcp", 1)[0]
    odd = "acc_\n\todd\\"
    refused = httpx2.post(f"{base}/api/v1/tools/get_account", headers={"x-api-key": read_key}, json={"account_id": odd})
    assert refused.status_code == 400
    for _ in range(50):  # read calls are audited in the background
        audit = subprocess.run([vitals, "audit", "--store", store, "--agency", "ag_001"], check=True, capture_output=True, text=True).stdout
        rows = [line.split("\t") for line in audit.splitlines()]
        if any(r[3] == "acc_\\n\\todd\\\\" for r in rows if len(r) > 3):
            break
        time.sleep(0.1)
    assert all(len(r) == 7 for r in rows), [r for r in rows if len(r) != 7][:3]
    assert any(r[2] == "get_account" and r[3] == "acc_\\n\\todd\\\\" for r in rows)
