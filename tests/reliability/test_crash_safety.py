"""Crash safety: `vitals ingest` and `vitals score` killed with SIGKILL at
random points leave a store that opens, holds exactly the data of the last
completed run, and takes the rerun; `vitals score` beside a serving HTTP
server never shows a reader an error or a half-written day."""
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import time

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from served import start

TRIALS = 6


def vitals(bin_dir, *args, check=True):
    return subprocess.run([os.path.join(bin_dir, "vitals"), *args], check=check, capture_output=True, text=True)


def event_rows(bin_dir, store):
    """(logins, feature uses) as `vitals info` reports them (it must open the store)."""
    out = vitals(bin_dir, "info", "--store", store).stdout
    rows = {}
    for line in out.splitlines():
        name, _, rest = line.partition(":")
        if name.strip() in ("logins", "feature_usage"):
            rows[name.strip()] = int(rest.split()[0].replace(",", ""))
    return rows["logins"], rows["feature_usage"]


def killed_after(argv, seconds):
    """Runs argv and SIGKILLs it after `seconds` (if still running); True if it was killed."""
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        proc.wait(timeout=seconds)
        return False
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        return True


def timed(argv):
    started = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    return time.monotonic() - started


def test_a_killed_ingest_keeps_the_last_completed_one(bin_dir, dataset, tmp_path):
    base = str(tmp_path / "base.db")
    vitals(bin_dir, "ingest", dataset, "--store", base)
    once = event_rows(bin_dir, base)
    # How long a second (incremental) ingest of the same files takes: kills land inside it. Its events
    # double every 7-day epoch, so after its commit it merges them (its own transaction, "merged … in X s"):
    # the kills aim at the ingest before that.
    probe = str(tmp_path / "probe.db")
    shutil.copy(base, probe)
    started = time.monotonic()
    out = subprocess.run([os.path.join(bin_dir, "vitals"), "ingest", dataset, "--store", probe],
                         check=True, capture_output=True, text=True).stdout
    merged = re.search(r"^merged .* in ([\d.]+) s$", out, re.MULTILINE)
    duration = time.monotonic() - started - (float(merged.group(1)) if merged else 0)
    rng = random.Random(5)
    outcomes = set()
    for trial in range(TRIALS):
        store = str(tmp_path / f"trial-{trial}.db")
        shutil.copy(base, store)
        killed = killed_after([os.path.join(bin_dir, "vitals"), "ingest", dataset, "--store", store], rng.uniform(0.05, 1.0) * duration)
        rows = event_rows(bin_dir, store)
        # Exactly one ingest or exactly two: never a part of the second.
        assert rows in (once, (2 * once[0], 2 * once[1])), (trial, killed, rows)
        outcomes.add(rows == once)
        vitals(bin_dir, "ingest", dataset, "--store", store)
        assert event_rows(bin_dir, store)[0] == rows[0] + once[0]
    assert True in outcomes  # at least one kill landed before the commit


def test_a_killed_first_ingest_leaves_no_half_store(bin_dir, dataset, tmp_path):
    duration = timed([os.path.join(bin_dir, "vitals"), "ingest", dataset, "--store", str(tmp_path / "probe.db")])
    complete = event_rows(bin_dir, str(tmp_path / "probe.db"))
    rng = random.Random(9)
    for trial in range(TRIALS):
        store = str(tmp_path / f"first-{trial}.db")
        killed_after([os.path.join(bin_dir, "vitals"), "ingest", dataset, "--store", store], rng.uniform(0.05, 1.0) * duration)
        if os.path.exists(store):
            info = vitals(bin_dir, "info", "--store", store, check=False)
            if info.returncode == 0:
                assert event_rows(bin_dir, store) in ((0, 0), complete)
        vitals(bin_dir, "ingest", dataset, "--store", store)
        assert event_rows(bin_dir, store)[0] in (complete[0], 2 * complete[0])


def score_days(store):
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        runs = [row[0] for row in db.execute("SELECT as_of_day FROM score_runs ORDER BY as_of_day")]
        # The newest day's scores, one packed row per agency (agency_scores).
        per_day = dict(db.execute("SELECT as_of_day, COUNT(*) FROM agency_scores GROUP BY as_of_day"))
    return runs, per_day


def test_a_killed_score_keeps_the_last_completed_run(bin_dir, dataset, tmp_path):
    base = str(tmp_path / "scored.db")
    vitals(bin_dir, "ingest", dataset, "--store", base)
    vitals(bin_dir, "score", "--store", base, "--as-of", "2026-11-20")
    before, per_day = score_days(base)
    agencies = per_day[before[0]]
    backfill = ["score", "--store", None, "--from", "2026-11-01", "--to", "2026-11-19"]
    probe = str(tmp_path / "probe.db")
    shutil.copy(base, probe)
    duration = timed([os.path.join(bin_dir, "vitals"), *[a if a else probe for a in backfill]])
    after, _ = score_days(probe)
    rng = random.Random(11)
    for trial in range(TRIALS):
        store = str(tmp_path / f"score-{trial}.db")
        shutil.copy(base, store)
        killed_after([os.path.join(bin_dir, "vitals"), *[a if a else store for a in backfill]], rng.uniform(0.05, 1.0) * duration)
        vitals(bin_dir, "info", "--store", store)  # opens
        runs, per_day = score_days(store)
        assert runs in (before, after), (trial, runs)
        assert all(count == agencies for count in per_day.values())  # no half-written day
        vitals(bin_dir, *[a if a else store for a in backfill])
        assert score_days(store)[0] == after


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.anyio
async def test_score_beside_a_serving_server(bin_dir, dataset, tmp_path):
    store = str(tmp_path / "served.db")
    vitals(bin_dir, "ingest", dataset, "--store", store)
    vitals(bin_dir, "score", "--store", store)
    key = vitals(bin_dir, "token", "create", "--store", store, "--agency", "ag_001").stdout.strip()
    # No rate limit: the loop below calls as fast as it can while score runs.
    server = start(os.path.join(bin_dir, "vitals"), store, "--rate-limit", "off")
    url = server.url
    try:
        client = Client(streamable_http_client(url, http_client=httpx2.AsyncClient(headers={"x-api-key": key})), mode="legacy")
        async with client:
            expected = (await client.call_tool("list_accounts_at_risk", {"limit": 200})).structured_content
            scorer = await asyncio.create_subprocess_exec(
                os.path.join(bin_dir, "vitals"), "score", "--store", store, "--from", "2026-11-10", "--to", "2026-11-20",
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            answers = 0
            while scorer.returncode is None:
                for tool in ["list_accounts_at_risk", "get_agency_overview"]:
                    result = await client.call_tool(tool, {"limit": 200} if tool == "list_accounts_at_risk" else {})
                    assert not result.is_error, result.content[0].text
                    content = result.structured_content
                    assert content["source"] == "materialized"  # the day is never missing, not even mid-rewrite
                    if tool == "list_accounts_at_risk":
                        assert content["items"] == expected["items"]  # the same day's scores, whole
                    answers += 1
                try:
                    await asyncio.wait_for(scorer.wait(), timeout=0.01)
                except asyncio.TimeoutError:
                    pass
            assert scorer.returncode == 0
            assert answers > 4
    finally:
        server.stop()
