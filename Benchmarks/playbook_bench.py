#!/usr/bin/env python3
"""Playbook benchmark (issue 13): what evaluating the playbooks costs the nightly score.

For each dataset, on a fresh store: ingest, then score the --days days before
T with --no-playbooks (the health-drop rule reads its baseline from the kept
history only), and keep that store as the base. Then, --runs times,
interleaved, each on a copy of the base:

  first night    `vitals score` of T with the playbooks: the flood of opens;
  second night   `vitals score` of T again on that store: dedup, nothing new to open;
  without        `vitals score --no-playbooks` of T (a copy of the base);
  without, again `vitals score --no-playbooks` of T on that store (the pair of the second night);
  DuckDB         Benchmarks/sql/score.sql + revenue.sql straight from the CSVs in a
                 fresh process (score_bench.py's script), the same SQL as §1.

Prints, per dataset, the medians: each step's wall seconds (a fresh process
each), the playbook seconds that `vitals score` prints (evaluation and the
write), their share of the score (target under 5 %), the CTAs opened on the
first night by rule, per agency and per tracked account, and what the CTAs
cost the store (file growth after a checkpoint, and the bytes of the work
tables and the audit log by dbstat). Fails on a failed command, and when the
second night opens anything (the dedup must hold).

  python3 Benchmarks/playbook_bench.py --bin BIN --data DIR [--data DIR2 ...] [--days 7] [--runs 3] [--keep DIR]
"""
import argparse
import contextlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score_bench import DUCKDB_SCORE, SQL_DIR, dataset_view, run, warm  # noqa: E402

PLAYBOOK_LINE = re.compile(r"playbooks on (\S+): opened (\d+) CTA\(s\)(?: \(([^)]*)\))?, closed (\d+)(?: \(([^)]*)\))? in ([\d.]+) s")
SCORED_LINE = re.compile(r"scored .* in ([\d.]+) s;")
# What the CTAs write: the work tables, their indexes, and the audit log.
WORK_TABLES = ("ctas", "cta_tasks", "activities", "audit_log")


def score(vitals, store, *flags):
    """One `vitals score` of the store's latest day: wall seconds, the seconds
    it reports itself, and its playbook line parsed (None with --no-playbooks)."""
    wall, _, err = run([vitals, "score", "--store", store, *flags])
    inner = SCORED_LINE.search(err)
    if not inner:
        sys.exit(f"no 'scored … in S s' line from vitals score:\n{err}")
    match = PLAYBOOK_LINE.search(err)
    if "--no-playbooks" in flags:
        if match:
            sys.exit(f"vitals score --no-playbooks ran the playbooks:\n{err}")
        return wall, float(inner.group(1)), None
    if not match:
        sys.exit(f"no playbook line from vitals score:\n{err}")

    def by_rule(text):
        return {rule: int(n) for rule, n in (part.rsplit(" ", 1) for part in text.split(", "))} if text else {}

    playbooks = {"opened": int(match.group(2)), "opened_by_rule": by_rule(match.group(3)),
                 "closed": int(match.group(4)), "closed_by_rule": by_rule(match.group(5)), "seconds": float(match.group(6))}
    return wall, float(inner.group(1)), playbooks


def checkpoint(store):
    with contextlib.closing(sqlite3.connect(store)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def size(store):
    """Bytes of the file after a checkpoint, and of each work table with its indexes."""
    checkpoint(store)
    with contextlib.closing(sqlite3.connect(store)) as db:
        owner = dict(db.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')"))
        tables = dict.fromkeys(WORK_TABLES, 0)
        for name, bytes_ in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            table = owner.get(name, name)
            if table in tables:
                tables[table] += bytes_
    return os.path.getsize(store), tables


def remove(store):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)


def fresh_copy(base, path):
    remove(path)
    shutil.copyfile(base, path)
    return path


def latest_day(store):
    with contextlib.closing(sqlite3.connect(store)) as db:
        day = db.execute("SELECT MAX(max_ts) FROM event_batches").fetchone()[0]
    return date(1970, 1, 1) + timedelta(days=day // 86400)


def cta_spread(store):
    """Per agency: tracked accounts, CTAs, accounts with a CTA (all open after one night)."""
    with contextlib.closing(sqlite3.connect(store)) as db:
        return db.execute("""
            SELECT a.agency_id,
                   (SELECT COUNT(*) FROM accounts x WHERE x.agency_key = a.agency_key AND x.tracked = 1),
                   (SELECT COUNT(*) FROM ctas c WHERE c.agency_key = a.agency_key),
                   (SELECT COUNT(DISTINCT account_key) FROM ctas c WHERE c.agency_key = a.agency_key),
                   (SELECT COUNT(*) FROM cta_tasks t WHERE t.agency_key = a.agency_key)
            FROM agencies a ORDER BY a.agency_key""").fetchall()


def duckdb_score(script, data, as_of, out):
    """DuckDB's score.sql + revenue.sql on the CSVs in a fresh process: wall, score.sql and revenue.sql seconds."""
    wall, stdout, _ = run([sys.executable, script, SQL_DIR, data, as_of, "0", out])
    report = json.loads(stdout.strip().splitlines()[-1])
    return wall, report["score"], report["revenue"]


def bench(binary, data, days, runs, workdir, duck):
    name = os.path.basename(data.rstrip("/"))
    vitals = os.path.join(binary, "vitals")
    base = os.path.join(workdir, name + ".base.db")
    remove(base)
    run([vitals, "ingest", data, "--store", base])
    t = latest_day(base)
    first, last = t - timedelta(days=days), t - timedelta(days=1)
    run([vitals, "score", "--store", base, "--from", first.isoformat(), "--to", last.isoformat(), "--no-playbooks"])
    checkpoint(base)  # the copies below take the .db file alone

    steps = {"first": [], "second": [], "without": [], "without_again": [], "duck": []}
    night1 = night2 = None
    store = os.path.join(workdir, name + ".db")
    spare = os.path.join(workdir, name + ".without.db")
    for _ in range(runs):
        fresh_copy(base, store)
        wall, inner, night1 = score(vitals, store)
        steps["first"].append((wall, inner, night1["seconds"]))
        after_first = size(store)
        wall, inner, night2 = score(vitals, store)
        steps["second"].append((wall, inner, night2["seconds"]))
        if night2["opened"]:
            sys.exit(f"the second night of {t} opened {night2['opened']} CTA(s) again: {night2['opened_by_rule']}")
        fresh_copy(base, spare)
        steps["without"].append(score(vitals, spare, "--no-playbooks")[:2])
        after_without = size(spare)
        steps["without_again"].append(score(vitals, spare, "--no-playbooks")[:2])
        if duck:
            script, view, out = duck
            warm(view)
            steps["duck"].append(duckdb_score(script, view, t.isoformat(), out))
    spread = cta_spread(store)

    def med(step, i=0):
        return statistics.median(r[i] for r in steps[step])

    tracked = sum(r[1] for r in spread)
    print(f"== {data}: {tracked:,} tracked accounts in {len(spread)} agencies, T = {t}, "
          f"{days} days of history before it, median of {runs} runs ==")
    print(f"{'vitals score of T':<46} {'wall s':>8} {'its own s':>10} {'playbooks s':>12} {'share':>7}")
    for step, label in (("first", "with playbooks, first night (opens)"), ("second", "with playbooks, second night (dedup)"),
                        ("without", "--no-playbooks (pair of the first night)"),
                        ("without_again", "--no-playbooks again (pair of the second)")):
        if step in ("first", "second"):
            share = med(step, 2) / med(step, 0)
            print(f"{label:<46} {med(step):>8.2f} {med(step, 1):>10.2f} {med(step, 2):>12.3f} {share * 100:>6.1f}%")
        else:
            print(f"{label:<46} {med(step):>8.2f} {med(step, 1):>10.2f}")
    print(f"with − without: first night {med('first') - med('without'):+.2f} s wall, "
          f"second night {med('second') - med('without_again'):+.2f} s wall "
          f"(the playbook line: {med('first', 2):.3f} s and {med('second', 2):.3f} s)")
    worst = max(max(r[2] / r[0] for r in steps["first"]), max(r[2] / r[0] for r in steps["second"]))
    print(f"playbook share of the score, worst run: {worst * 100:.1f}% (target < 5 %: {'met' if worst < 0.05 else 'NOT MET'})")
    if duck:
        print(f"{'DuckDB score.sql + revenue.sql, fresh process':<46} {med('duck'):>8.2f}   "
              f"(score.sql {med('duck', 1):.2f} s, revenue.sql {med('duck', 2):.2f} s in the process)")
        print(f"vitals score with playbooks (first night) vs DuckDB's process: {med('duck') / med('first'):.2f}x; "
              f"vs score.sql alone: {med('duck', 1) / med('first'):.2f}x")

    per_agency = [r[2] for r in spread]
    with_cta = sum(r[3] for r in spread)
    rules = ", ".join(f"{rule} {n:,}" for rule, n in sorted(night1["opened_by_rule"].items()))
    print(f"first night: opened {night1['opened']:,} CTA(s) ({rules}); closed {night1['closed']}; "
          f"per agency {statistics.median(per_agency):,.0f} (median; {min(per_agency):,}–{max(per_agency):,}); "
          f"{night1['opened'] / tracked:.2f} per tracked account; {with_cta:,} accounts ({with_cta / tracked:.0%}) with at least one")
    print(f"second night: opened {night2['opened']}, closed {night2['closed']}"
          + (f" ({', '.join(f'{k} {v}' for k, v in sorted(night2['closed_by_rule'].items()))})" if night2["closed"] else ""))
    grown = after_first[0] - after_without[0]
    work = sum(after_first[1][name] - after_without[1][name] for name in WORK_TABLES)
    tables = ", ".join(f"{name} {(after_first[1][name] - after_without[1][name]) / 1e3:,.0f} KB" for name in WORK_TABLES)
    print(f"store growth of the first night's CTAs (against the --no-playbooks store of the same night, both checkpointed): "
          f"file {grown / 1e6:+.2f} MB (pages freed by pruning T−1's detail are reused); work tables and audit log {work / 1e6:.2f} MB = {work / max(night1['opened'], 1):,.0f} bytes a CTA "
          f"with its tasks and audit row ({tables})")
    print()
    remove(spare)
    return store


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with the release vitals binary")
    parser.add_argument("--data", action="append", required=True, help="a data-gen dataset directory (repeatable)")
    parser.add_argument("--days", type=int, default=7, help="days scored before T without playbooks (the health-drop baseline)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-duckdb", action="store_true", help="skip DuckDB's score.sql beside it")
    parser.add_argument("--keep", help="directory to leave the stores in, CTAs opened (default: a temporary one)")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="vitals-playbooks-")
    os.makedirs(workdir, exist_ok=True)
    print(f"Playbook benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs")
    for data in args.data:
        with tempfile.TemporaryDirectory() as tmp:
            duck = None
            if not args.no_duckdb:
                view, _ = dataset_view(data, tmp)
                script = os.path.join(tmp, "score.py")
                with open(script, "w") as f:
                    f.write(DUCKDB_SCORE)
                out = os.path.join(tmp, "duck")
                os.makedirs(out)
                duck = (script, view, out)
            store = bench(args.bin, data, args.days, args.runs, workdir, duck)
        if args.keep:
            print(f"store with CTAs: {store}")
    if not args.keep:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
