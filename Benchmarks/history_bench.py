#!/usr/bin/env python3
"""Health-history benchmark (issue 12): what keeping every scored day costs.

On a fresh store of one dataset: ingest, then the nightly `vitals score`
(one day: time, and the store's growth), then a backfill of --days days
before it (`vitals score --from --to`: time per day, and growth per day),
then one more nightly score on top of the backfilled history. Growth is
read two ways: the health_history table's bytes (the compact days) and the
file on disk (everything, after a checkpoint). Prints one table per dataset;
the medians of --runs where a step is repeated.

  python3 Benchmarks/history_bench.py --bin BIN --data DIR [--data DIR2 ...] [--days 90] [--runs 3]
"""
import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
from datetime import date, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score_bench  # noqa: E402


def run(argv):
    """Wall seconds of argv (score_bench's run); exits with its output when it fails."""
    return score_bench.run(argv)[0]


def size(store):
    """Bytes on disk (database + WAL) and the health history's own bytes and rows."""
    on_disk = sum(os.path.getsize(p) for p in (store, store + "-wal") if os.path.exists(p))
    with sqlite3.connect(store) as db:
        rows, blob = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(scores)), 0) FROM health_history").fetchone()
        accounts = db.execute("SELECT COUNT(*) FROM accounts WHERE tracked = 1").fetchone()[0]
        detail = db.execute("SELECT COUNT(DISTINCT as_of_day) FROM agency_scores").fetchone()[0]
    return on_disk, blob, rows, accounts, detail


def latest_day(store):
    with sqlite3.connect(store) as db:
        day = db.execute("SELECT MAX(max_ts) FROM event_batches").fetchone()[0]
    return date(1970, 1, 1) + timedelta(days=day // 86400)


def bench(binary, data, days, runs, workdir):
    store = os.path.join(workdir, os.path.basename(data.rstrip("/")) + ".db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(store + suffix):
            os.remove(store + suffix)
    vitals = os.path.join(binary, "vitals")
    run([vitals, "ingest", data, "--store", store])
    t = latest_day(store)
    base = size(store)

    nightly = [run([vitals, "score", "--store", store]) for _ in range(runs)]
    after_nightly = size(store)

    first, last = t - timedelta(days=days), t - timedelta(days=1)
    backfill = run([vitals, "score", "--store", store, "--from", first.isoformat(), "--to", last.isoformat()])
    after_backfill = size(store)

    on_top = [run([vitals, "score", "--store", store]) for _ in range(runs)]
    after_all = size(store)

    accounts = base[3]
    history_per_day = (after_backfill[1] - after_nightly[1]) / days
    disk_per_day = (after_backfill[0] - after_nightly[0]) / days
    print(f"== {data}: {accounts:,} tracked accounts, T = {t} ==")
    print(f"{'step':<44} {'seconds':>9} {'store MB':>9} {'history days':>13}")
    print(f"{'ingest':<44} {'':>9} {base[0] / 1e6:>9.1f} {base[2]:>13}")
    print(f"{'nightly score (median of %d)' % runs:<44} {statistics.median(nightly):>9.2f} {after_nightly[0] / 1e6:>9.1f} {after_nightly[2]:>13}")
    print(f"{'backfill %d days' % days:<44} {backfill:>9.2f} {after_backfill[0] / 1e6:>9.1f} {after_backfill[2]:>13}")
    print(f"{'  per backfilled day':<44} {backfill / days:>9.3f}")
    print(f"{'nightly score on %d days of history (median)' % (days + 1):<44} {statistics.median(on_top):>9.2f} {after_all[0] / 1e6:>9.1f} {after_all[2]:>13}")
    print(f"history kept per scored day: {history_per_day / 1e3:.1f} KB compressed "
          f"({history_per_day / max(accounts, 1):.1f} bytes an account, {history_per_day * 1000 / max(accounts, 1) / 1e3:.1f} KB per 1,000 accounts); "
          f"store file growth per backfilled day: {disk_per_day / 1e3:.1f} KB; days with full detail kept: {after_all[4]}")
    print()
    return store


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with the release vitals binary")
    parser.add_argument("--data", action="append", required=True, help="a data-gen dataset directory (repeatable)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", help="directory to leave the stores in (default: a temporary one)")
    args = parser.parse_args()
    workdir = args.keep or tempfile.mkdtemp(prefix="vitals-history-")
    os.makedirs(workdir, exist_ok=True)
    for data in args.data:
        bench(args.bin, data, args.days, args.runs, workdir)


if __name__ == "__main__":
    main()
