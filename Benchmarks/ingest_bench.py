#!/usr/bin/env python3
"""Ingest benchmark: data-gen at a given scale, `vitals ingest` timed, DuckDB's
read_csv of the same files beside it.

Prints rows/s, MB/s, seconds (median of --runs), peak RSS, store size against
raw CSV size and raw column bytes, and the Vitals/DuckDB ratio. Run it through
Benchmarks/run-ingest.sh, which builds release binaries and installs DuckDB.
"""
import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score_bench import run_measured as measured, warm  # noqa: E402

EVENT_FILES = ("logins.csv", "feature_usage.csv")
ALL_FILES = ("agencies.csv", "accounts.csv", "users.csv", "workflows.csv", "logins.csv",
             "feature_usage.csv", "mrr.csv", "payments.csv", "feedback.csv")


def run_measured(argv, env=None):
    """Runs argv; returns (seconds, peak RSS bytes). Fails loudly on error."""
    return measured(argv, env=env)[:2]


DUCKDB_LOAD = """
import sys, duckdb
data, db = sys.argv[1], sys.argv[2]
con = duckdb.connect(db)
for name in sys.argv[3:]:
    table = name[:-4]
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv('{data}/{name}', header=true)")
con.close()
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True, help="folder with release vitals and data-gen")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="Benchmarks/out")
    parser.add_argument("--data", help="an existing dataset directory instead of data-gen's data-EVENTS")
    args = parser.parse_args()

    os.makedirs(args.work, exist_ok=True)
    data = args.data or os.path.join(args.work, f"data-{args.events}")
    if not args.data and not os.path.exists(os.path.join(data, "labels.csv")):
        seconds, _ = run_measured([os.path.join(args.bin, "data-gen"), "--events", str(args.events),
                                   "--agencies", "10", "--accounts-per-agency", "200", "--seed", "7", "--out", data])
        print(f"data-gen: {args.events:,} events in {seconds:.2f} s ({args.events / seconds / 1e6:.2f} M rows/s)")
    csv_bytes = sum(os.path.getsize(os.path.join(data, f)) for f in ALL_FILES if os.path.exists(os.path.join(data, f)))
    event_csv_bytes = sum(os.path.getsize(os.path.join(data, f)) for f in EVENT_FILES)

    vitals_runs, duck_runs = [], []
    store = os.path.join(args.work, "bench.db")
    for _ in range(args.runs):
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(store + suffix):
                os.remove(store + suffix)
        warm(data)  # both sides read the CSVs from the page cache
        vitals_runs.append(run_measured([os.path.join(args.bin, "vitals"), "ingest", data, "--store", store]))
    with sqlite3.connect(store) as con:
        rows, raw, stored = con.execute("SELECT SUM(row_count), SUM(raw_bytes), SUM(stored_bytes) FROM event_batches").fetchone()
    store_bytes = os.path.getsize(store)

    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "load.py")
        with open(script, "w") as f:
            f.write(DUCKDB_LOAD)
        for run in range(args.runs):
            db = os.path.join(tmp, f"bench-{run}.duckdb")
            files = [f for f in ALL_FILES if os.path.exists(os.path.join(data, f))]
            warm(data)
            duck_runs.append(run_measured([sys.executable, script, data, db] + files))
            duck_bytes = os.path.getsize(db)

    v_sec = statistics.median(s for s, _ in vitals_runs)
    v_rss = max(r for _, r in vitals_runs)
    d_sec = statistics.median(s for s, _ in duck_runs)
    d_rss = max(r for _, r in duck_runs)
    mb = 1e6
    print(f"\nIngest benchmark, {rows:,} event rows, CSV {csv_bytes / mb:.1f} MB ({event_csv_bytes / mb:.1f} MB of events), "
          f"median of {args.runs} runs, {time.strftime('%Y-%m-%d')}")
    print(f"{'':28}{'seconds':>9}{'rows/s':>14}{'MB/s':>9}{'peak RSS':>11}{'on disk':>10}")
    print(f"{'vitals ingest':28}{v_sec:9.2f}{rows / v_sec:14,.0f}{csv_bytes / mb / v_sec:9.1f}{v_rss / mb:9.0f}MB{store_bytes / mb:8.1f}MB")
    print(f"{'duckdb read_csv (all files)':28}{d_sec:9.2f}{rows / d_sec:14,.0f}{csv_bytes / mb / d_sec:9.1f}{d_rss / mb:9.0f}MB{duck_bytes / mb:8.1f}MB")
    print(f"speed: vitals is {d_sec / v_sec:.2f}x duckdb (target >= 1.0)")
    print(f"store: {store_bytes / mb:.1f} MB = {100 * store_bytes / csv_bytes:.1f}% of the CSV bytes (target <= 40%); "
          f"event columns {stored / mb:.1f} MB stored of {raw / mb:.1f} MB raw")
    print(f"peak RSS: {v_rss / mb:.0f} MB = {v_rss / raw:.2f}x the raw column bytes (target <= 2.0)")


if __name__ == "__main__":
    main()
