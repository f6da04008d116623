"""`vitals` for people: CSV of whole lists, tables with money in dollars and
ids whole, a tool's own --help, clear errors, and `vitals info`."""
import csv
import os
import io
import json
import re
import sqlite3
import subprocess

from stores import copy_store, runner


def query_json(run, tool, agency="ag_001", **arguments):
    out = run("query", tool, "--agency", agency, "--args", json.dumps(arguments))
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def all_items(run, tool, agency="ag_001", **arguments):
    """Every item of a list through the JSON pages, following next_cursor."""
    items, cursor = [], None
    while True:
        page = query_json(run, tool, agency, **arguments, limit=200, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        if not page["has_more"]:
            return items, page["total"]
        cursor = page["next_cursor"]


def query_csv(run, tool, agency="ag_001", **arguments):
    args = ["query", tool, "--agency", agency, "--format", "csv"] + (["--args", json.dumps(arguments)] if arguments else [])
    out = run(*args)
    assert out.returncode == 0, out.stderr
    return out.stdout, list(csv.DictReader(io.StringIO(out.stdout, newline="")))


def dollars(cents):
    return ("-" if cents < 0 else "") + f"${abs(cents) / 100:,.2f}"


def test_csv_has_every_page_of_the_list(run):
    first = query_json(run, "list_tracked_accounts")
    assert first["total"] > 200, "the fixture must need more than one 200-item page"
    text, rows = query_csv(run, "list_tracked_accounts")
    assert len(rows) == first["total"]
    assert text.splitlines()[0].split(",")[0] == "account_id"
    raw = run("query", "list_tracked_accounts", "--agency", "ag_001", "--format", "csv", raw=True).stdout
    assert raw.count(b"\r\n") == len(rows) + 1 and raw.endswith(b"\r\n"), "RFC 4180 records end with CRLF"
    items, _ = all_items(run, "list_tracked_accounts")
    assert [row["account_id"] for row in rows] == [item["account_id"] for item in items]
    assert [row["name"] for row in rows] == [item["name"] for item in items]
    assert any("," in row["name"] for row in rows), "some names need quoting"
    assert len({row["account_id"] for row in rows}) == len(rows)


def test_csv_of_a_stored_list_is_read_without_a_load(vitals, cli_store):
    """A default list's CSV comes from the stored answer, every page of it,
    without loading the dataset (VITALS_TRACE prints the load's steps), and
    holds the rows the computed list does (--fresh)."""
    for tool in ["list_tracked_accounts", "list_inactive_users"]:
        args = [vitals, "query", tool, "--agency", "ag_001", "--format", "csv", "--store", cli_store]
        stored = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "VITALS_TRACE": "1"}, timeout=300)
        assert stored.returncode == 0, stored.stderr
        assert "load:" not in stored.stderr, f"{tool}: the CSV loaded the dataset"
        fresh = subprocess.run(args + ["--fresh"], capture_output=True, text=True, env={**os.environ, "VITALS_TRACE": "1"}, timeout=300)
        assert fresh.returncode == 0, fresh.stderr
        assert "load:" in fresh.stderr, "--fresh computes from a load"
        assert stored.stdout == fresh.stdout, tool
        assert stored.stdout.count("\n") > (200 if tool == "list_tracked_accounts" else 1), f"{tool}: more than one page, or at least rows"


def test_csv_money_stays_integer_cents(run):
    _, rows = query_csv(run, "list_tracked_accounts")
    items, _ = all_items(run, "list_tracked_accounts")
    assert "mrr_cents" in rows[0]
    for row, item in zip(rows, items):
        assert row["mrr_cents"] == str(item["mrr_cents"])


def test_csv_small_pages_give_the_same_rows(run):
    whole, _ = query_csv(run, "list_tracked_accounts")
    paged, _ = query_csv(run, "list_tracked_accounts", limit=7)
    assert paged == whole


def test_csv_quotes_text_as_rfc4180(run, tricky_comment):
    """Feedback comments (commas, quotes) survive a round trip through Python's csv reader."""
    items, total = all_items(run, "list_feedback_responses", days=60)
    _, rows = query_csv(run, "list_feedback_responses", days=60)
    assert len(rows) == total > 0
    assert any("," in (item.get("comment") or "") for item in items)
    assert tricky_comment in [item.get("comment") for item in items]
    assert [row["comment"] for row in rows] == [item.get("comment") or "" for item in items]


def test_csv_flattens_nested_objects_and_joins_named_lists(run):
    items, total = all_items(run, "list_accounts_at_risk")
    _, rows = query_csv(run, "list_accounts_at_risk")
    assert len(rows) == total > 0
    assert "account_id" in rows[0] and "account" not in rows[0]
    for row, item in zip(rows, items):
        assert row["account_id"] == item["account"]["account_id"]
        assert row["signals"] == ";".join(signal["signal"] if isinstance(signal, dict) else signal for signal in item["signals"])


def test_csv_on_a_single_object_tool_is_refused(run):
    out = run("query", "get_account", "--agency", "ag_001", "--format", "csv", "--args", '{"account_id": "acc_00001"}')
    assert out.returncode != 0
    assert "csv is for list tools" in out.stderr
    assert "--format json" in out.stderr and "--format table" in out.stderr


def test_table_shows_money_in_dollars(run):
    page = query_json(run, "list_tracked_accounts")
    out = run("query", "list_tracked_accounts", "--agency", "ag_001", "--format", "table")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    header = next(line for line in lines if line.startswith("account_id"))
    assert " mrr " in header and "mrr_cents" not in header
    for item in page["items"]:
        line = next(line for line in lines if line.startswith(item["account_id"] + " "))
        assert re.search(r"\s" + re.escape(dollars(item["mrr_cents"])) + r"(\s|$)", line), (item, line)


def test_table_shows_totals_with_thousands_separators(run):
    overview = query_json(run, "get_agency_overview")
    assert overview["mrr_cents"] >= 100000
    out = run("query", "get_agency_overview", "--agency", "ag_001", "--format", "table")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^mrr: " + re.escape(dollars(overview["mrr_cents"])) + "$", out.stdout, re.M)
    assert "," in dollars(overview["mrr_cents"])


def test_table_shows_emails_and_ids_whole(run):
    page = query_json(run, "list_inactive_users", days=1, limit=50)
    assert page["items"], "the fixture should have inactive users"
    out = run("query", "list_inactive_users", "--agency", "ag_001", "--format", "table", "--args", '{"days": 1, "limit": 50}')
    assert out.returncode == 0, out.stderr
    for item in page["items"]:
        assert item["email"] in out.stdout
        assert item["user_id"] in out.stdout


def test_tool_help_names_its_parameters(run):
    out = run("query", "list_accounts_at_risk", "--help", store=False)
    assert out.returncode == 0, out.stderr
    assert "Accounts at risk" in out.stdout
    for name in ["bands", "limit", "cursor", "as_of", "sort_by", "compare_to", "include_churned"]:
        assert re.search(rf"^\s+{name}\s", out.stdout, re.M), name
    # The at-risk list's own page size (its items carry evidence and drivers).
    limit = next(line for line in out.stdout.splitlines() if line.strip().startswith("limit"))
    assert re.search(r"\b8\b", limit) and "integer 1–200" in limit


def test_query_help_lists_the_tools(run):
    out = run("query", "--help", store=False)
    assert out.returncode == 0, out.stderr
    for name in ["list_tracked_accounts", "get_account", "list_accounts_at_risk", "list_feedback_responses"]:
        assert name in out.stdout


def test_unknown_tool_lists_the_tools(run):
    out = run("query", "list_everything", "--agency", "ag_001")
    assert out.returncode != 0
    assert "unknown tool list_everything" in out.stderr
    assert "list_tracked_accounts" in out.stderr and "get_account" in out.stderr


def test_unknown_agency_lists_the_agencies(run):
    out = run("query", "list_tracked_accounts", "--agency", "ag_999")
    assert out.returncode != 0
    assert "unknown agency ag_999" in out.stderr
    assert "ag_001" in out.stderr and "ag_002" in out.stderr


def test_info_lists_agencies_and_scored_days(run):
    out = run("info")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^agencies:\s+2$", out.stdout, re.M)
    for agency in ["ag_001", "ag_002"]:
        assert re.search(rf"^  {agency}\s.*\s\d+ accounts \(\d+ tracked\)$", out.stdout, re.M), out.stdout
    assert re.search(r"^scored days:\s+1 \(2026-11-20 \.\. 2026-11-20\), last run \d{4}-\d\d-\d\d \d\d:\d\d UTC$", out.stdout, re.M), out.stdout
    assert re.search(r"^accounts:\s+460 \(", out.stdout, re.M)
    # The nightly score's playbooks opened CTAs: info counts what list_ctas lists, over both agencies.
    opened = sum(json.loads(run("query", "list_ctas", "--agency", agency, "--args", '{"status": "all"}').stdout)["total"]
                 for agency in ["ag_001", "ag_002"])
    assert opened > 0
    assert re.search(rf"^cs work:\s+{opened} CTAs \({opened} open or snoozed\), 0 success plans, 0 timeline activities$", out.stdout, re.M), out.stdout
    assert re.search(r"^alerts:\s+0 target\(s\), 0 message\(s\) to deliver$", out.stdout, re.M), out.stdout


def test_a_day_outside_the_data_is_refused_and_changes_nothing(run, cli_store):
    """`vitals score` and `vitals query` name the valid range; the store keeps its scored days."""
    before = run("info").stdout
    scored = next(line for line in before.splitlines() if line.startswith("scored days:"))
    for args in (["score", "--as-of", "2027-01-01"], ["score", "--from", "2026-11-15", "--to", "2026-12-01"]):
        out = run(*args)
        assert out.returncode != 0
        assert "outside the data: events run from" in out.stderr and "through 2026-11-20" in out.stderr, out.stderr
    out = run("query", "list_tracked_accounts", "--agency", "ag_001", "--args", '{"as_of": "2027-01-01"}')
    assert out.returncode != 0 and "as_of 2027-01-01 is outside the data" in out.stderr
    assert scored in run("info").stdout


def test_compact_merges_nightly_batches_and_changes_no_answer(vitals, cli_store, tmp_path):
    store = copy_store(cli_store, str(tmp_path / "compact.db"))

    def vitals_run(*args):
        out = subprocess.run([vitals, *args, "--store", store], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def query(tool, **arguments):
        return json.loads(vitals_run("query", tool, "--agency", "ag_001", "--args", json.dumps(arguments)))

    account = query("list_tracked_accounts", limit=1)["items"][0]["account_id"]
    user = query("search_users", query="usr_", account_id=account, limit=1)["items"][0]["user_id"]
    before = query("get_login_activity", account_id=account)["total_logins"]
    # Two nights of one login each on the last day, by a user the store knows: two more login batches.
    for night in ("2026-11-20T23:00:00Z", "2026-11-20T23:30:00Z"):
        directory = tmp_path / night[11:16].replace(":", "")
        directory.mkdir()
        (directory / "logins.csv").write_text(f"ts,account_id,user_id\n{night},{account},{user}\n")
        vitals_run("ingest", str(directory))

    def login_batches():
        line = next(line for line in vitals_run("info").splitlines() if line.startswith("logins:"))
        return int(re.search(r"in (\d+) batch\(es\)", line).group(1))

    # The store keeps one batch per 7-day epoch; both nights fall into the last one.
    nights = login_batches()
    merged = vitals_run("compact", "--all")
    assert merged.startswith("merged 3 login batches (") and "into one" in merged
    assert login_batches() == nights - 2
    assert vitals_run("compact").strip() == "nothing to merge"
    assert query("get_login_activity", account_id=account)["total_logins"] == before + 2


def test_eval_churn_writes_each_labelled_accounts_inputs(vitals, cli_store, tmp_path):
    """`vitals eval churn --features FILE`: one row per labelled account with
    its outcome, risk and the model's named inputs, agreeing with the report."""
    labels = os.path.join(os.path.dirname(cli_store), "data", "labels.csv")
    features = str(tmp_path / "features.csv")
    done = subprocess.run([vitals, "eval", "churn", "--store", cli_store, "--labels", labels, "--json", "--features", features],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    with open(features, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == report["labelled"]
    assert sum(row["churns_within_90d"] == "true" for row in rows) == report["churners"]
    assert list(rows[0])[:4] == ["account_id", "churns_within_90d", "churn_risk", "health"]
    assert list(rows[0])[4:] == report["model"]["names"]
    with open(labels, newline="") as f:
        truth = {row["account_id"]: row["churns_within_90d"] for row in csv.DictReader(f)}
    for row in rows:
        assert truth[row["account_id"]] == row["churns_within_90d"]
        assert 0 <= float(row["churn_risk"]) <= 1
        assert 0 <= float(row["health"]) <= 100
    # The risk of the file is the model's risk: the decile table counts the same accounts.
    assert sum(b["count"] for b in report["calibration"]) == len(rows)


def test_eval_churn_features_to_an_unwritable_path_is_refused(vitals, cli_store, tmp_path):
    labels = os.path.join(os.path.dirname(cli_store), "data", "labels.csv")
    target = str(tmp_path / "missing" / "features.csv")
    done = subprocess.run([vitals, "eval", "churn", "--store", cli_store, "--labels", labels, "--features", target],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert target in done.stderr and "SQL" not in done.stderr


def test_a_default_call_is_read_from_the_store_without_loading_the_events(vitals, cli_store):
    """A stored default answer is printed without decoding the columns
    (no load in the trace), page and fields applied, and equals the
    computed answer; any other call loads the events."""
    def traced(*args):
        out = subprocess.run([vitals, "query", *args, "--store", cli_store], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "VITALS_TRACE": "1"})
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout), out.stderr

    stored, trace = traced("list_accounts_at_risk", "--agency", "ag_001", "--args", '{"limit": 3, "fields": ["account"]}')
    assert stored["source"] == "materialized" and stored["returned"] == 3 and stored["has_more"]
    assert all(set(item) == {"account"} for item in stored["items"])
    assert "load:" not in trace, trace
    computed, trace = traced("list_accounts_at_risk", "--agency", "ag_001", "--args", '{"limit": 3, "fields": ["account"]}', "--fresh")
    assert computed["source"] == "computed" and "load: event batches" in trace
    assert {**computed, "source": None} == {**stored, "source": None}
    other, trace = traced("list_health_movers", "--agency", "ag_001", "--args", '{"days": 14}')
    assert other["source"] == "computed" and "load: event batches" in trace


def test_a_bad_argument_is_refused_before_the_store_is_read(run):
    """Checked against the tool's parameters by the command line's validation
    (exit code 64), not after loading the store (exit code 1)."""
    out = run("query", "get_agency_overview", "--agency", "ag_001", "--args", '{"limit": 3}')
    assert out.returncode == 64
    assert "unknown argument limit; this tool takes: as_of" in out.stderr


def score_says(vitals, store, part):
    """Runs `vitals score --no-playbooks` and returns what its closing line says of `part` ("entities", "logs")."""
    out = subprocess.run([vitals, "score", "--no-playbooks", "--store", store], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return re.search(rf"; {part}: ([^;\n]+)", out.stderr).group(1)


def test_score_reads_the_packed_entities_until_a_row_changes(vitals, cli_store, tmp_path):
    """`vitals score` keeps the entity tables packed for the next runs and
    says so; a row changed by hand (the sqlite3 shell) drops the snapshot,
    and the next score reads the new row and keeps a new one."""
    store = copy_store(cli_store, str(tmp_path / "packed.db"))

    def score():
        return score_says(vitals, store, "entities")

    def tracked_names():
        return {item["account_id"]: item["name"] for item in query_json(runner(vitals, store), "list_tracked_accounts")["items"]}

    first = score()
    assert first in ("read as rows, kept packed for the next runs", "read packed (kept by an earlier run)")
    assert score() == "read packed (kept by an earlier run)"
    account = sorted(tracked_names())[0]
    with sqlite3.connect(store) as db:
        db.execute("UPDATE accounts SET name = 'Renamed by hand' WHERE account_id = ?", (account,))
        assert db.execute("SELECT COUNT(*) FROM entity_snapshot").fetchone()[0] == 0
    assert score() == "read as rows, kept packed for the next runs"
    assert tracked_names()[account] == "Renamed by hand"
    assert score() == "read packed (kept by an earlier run)"


LEFT_PACKED = re.compile(r", the ([\d,]+) payments before (\d{4}-\d{2}-\d{2}) left packed")


def logs_said(vitals, store):
    """What `vitals score` says of the logs, and whether it left older
    payments packed: then it names how many and before which day, which
    must be what the store holds."""
    said = score_says(vitals, store, "logs")
    left = LEFT_PACKED.search(said)
    if left:
        with sqlite3.connect(store) as db:
            older = db.execute("SELECT COUNT(*) FROM payments WHERE ts < CAST(strftime('%s', ?) AS INTEGER)", (left.group(2),)).fetchone()[0]
        assert int(left.group(1).replace(",", "")) == older > 0
        said = said.replace(left.group(0), "")
    return said, left is not None


def test_score_packs_the_logs_for_the_next_nights(vitals, cli_store, tmp_path):
    """A score that reuses the week's churn model keeps the logs (MRR,
    payments, NPS) packed; the next runs read the snapshot and the rows
    after it, with the same answers, and leave the payments older than
    they read packed; a log row changed by hand drops the snapshot."""
    store = copy_store(cli_store, str(tmp_path / "logs.db"))

    def score():
        return logs_said(vitals, store)

    def revenue():
        answer = query_json(runner(vitals, store), "get_revenue_summary")
        return {key: value for key, value in answer.items() if key not in ("as_of", "data_through")}

    score()  # fits the week's model when the store has none
    packed, _ = score()
    assert packed.endswith(", kept packed for the next runs") or packed == "read packed, then 0 newer rows"
    # The world's payments reach back before its 60 days of events: a night reads the last 90 days' or so.
    assert score() == ("read packed, then 0 newer rows", True)
    before = revenue()
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT COUNT(*) FROM mrr_changes").fetchone()[0] + db.execute("SELECT COUNT(*) FROM payments").fetchone()[0] \
            + db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0]
        db.execute("UPDATE payments SET status = 'failed' WHERE seq = (SELECT MAX(seq) FROM payments)")
        assert db.execute("SELECT COUNT(*) FROM log_snapshot").fetchone()[0] == 0
    assert score() == (f"read {rows:,} rows, kept packed for the next runs", False)
    assert score() == ("read packed, then 0 newer rows", True)
    with sqlite3.connect(store) as db:
        db.execute("UPDATE payments SET status = 'succeeded' WHERE seq = (SELECT MAX(seq) FROM payments)")
    score()
    assert revenue() == before


def test_a_fit_loads_the_past_of_the_accounts_it_samples_alone(vitals, tmp_path):
    """A score that fits decodes every account's recent events and, months
    further back, only the accounts its fit samples: with the debug build's
    sample limit lowered, a 330-day world of three agencies samples the
    first agency's tracked accounts, and the closing line says so."""
    data, store = str(tmp_path / "data"), str(tmp_path / "fit.db")
    data_gen = os.path.join(os.path.dirname(vitals), "data-gen")
    subprocess.run([data_gen, "--agencies", "3", "--accounts-per-agency", "30", "--users-per-account", "2", "--days", "330",
                    "--events", "60000", "--seed", "5", "--as-of", "2026-11-20", "--out", data], check=True, capture_output=True)
    subprocess.run([vitals, "ingest", data, "--store", store], check=True, capture_output=True)
    out = subprocess.run([vitals, "score", "--no-playbooks", "--store", store], capture_output=True, text=True, timeout=300,
                         env=os.environ | {"VITALS_TEST_SAMPLE_LIMIT": "300"})
    assert out.returncode == 0, out.stderr
    said = re.search(r"; events: decoded ([0-9,]+) from (\S+) on \(the fit's ([0-9,]+) sampled accounts' from (\S+) on\), "
                     r"read ([0-9,]+) older ones", out.stderr)
    assert said, out.stderr
    decoded, scored_from, sampled, fit_from, older = said.groups()
    with sqlite3.connect(store) as db:
        first_agency = db.execute("SELECT COUNT(*) FROM accounts WHERE tracked AND agency_key = 0").fetchone()[0]
        events = db.execute("SELECT SUM(row_count) FROM event_batches").fetchone()[0]
    assert int(sampled.replace(",", "")) == first_agency > 0
    assert fit_from < scored_from
    # The fit's window of the sampled third, the scored window of all: fewer events than the fit's window of every account.
    assert int(decoded.replace(",", "")) + int(older.replace(",", "")) < events
    # Without the lowered limit the fit samples every agency and decodes every account's past.
    again = subprocess.run([vitals, "score", "--no-playbooks", "--refit", "--store", store], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "sampled accounts'" not in again.stderr
    whole = re.search(r"; events: decoded ([0-9,]+) from (\S+) on, read ([0-9,]+) older ones", again.stderr)
    assert whole and whole.group(2) == fit_from, again.stderr
    assert int(whole.group(1).replace(",", "")) + int(whole.group(3).replace(",", "")) == events
