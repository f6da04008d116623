"""The side-by-side benchmark of issue 5: at one scale, on this machine,
Vitals against DuckDB (PyPI) on the same CSVs, step by step.

  ingest   `vitals ingest` (fresh store)        vs DuckDB loading every CSV into a database file
  score    `vitals score` (fresh process)       vs DuckDB running Benchmarks/sql/score.sql and
                                                   revenue.sql over the loaded tables

Each side runs in a fresh process per run (median of --runs; peak RSS by
wait4). The run FAILS when the two disagree on any account's health, band,
signals or components, or on any agency's NRR/GRR. Prints one table.

  python3 Benchmarks/side_by_side.py --bin BIN --scale 10m [--runs 3]
"""
import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score_bench import SQL_DIR, compare, run_measured  # noqa: E402

SCALES = {"1m": 1_000_000, "10m": 10_000_000, "50m": 50_000_000}
TABLES = ("agencies", "accounts", "users", "logins", "feature_usage", "mrr", "payments", "feedback")
AS_OF = "2026-11-20"

# DuckDB load: every CSV into a table of a database file, read exactly as
# score.sql's csv_text() reads it (all text, RFC 4180); rowid = file order.
DUCKDB_LOAD = """
import sys, duckdb
data, db = sys.argv[1:3]
con = duckdb.connect(db)
for table in %r:
    con.execute(f"CREATE TABLE csv_{table} AS SELECT * FROM read_csv('{data}/{table}.csv', header = true, all_varchar = true, "
                "delim = ',', quote = '\\"', escape = '\\"')")
con.execute("CHECKPOINT")
con.close()
""" % (TABLES,)

# DuckDB metrics over the loaded tables: the same SQL with csv_text('{dir}/x.csv') read from table csv_x.
DUCKDB_QUERY = """
import csv, json, re, sys, time, duckdb
sql_dir, db, as_of, out = sys.argv[1:5]
con = duckdb.connect(db, read_only=True)
report = {}
for name in ("score", "revenue"):
    with open(f"{sql_dir}/{name}.sql") as f:
        sql = re.sub(r"csv_text\\('\\{dir\\}/(\\w+)\\.csv'\\)", r"csv_\\1", f.read()).replace("{as_of}", as_of)
    start = time.perf_counter()
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    report[name] = time.perf_counter() - start
    with open(f"{out}/{name}.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for row in rows:
            w.writerow(["" if v is None else repr(v) if isinstance(v, float) else str(v) for v in row])
print(json.dumps(report))
"""


def measured_runs(runs, argv, before=None):
    results = []
    for _ in range(runs):
        if before:
            before()
        results.append(run_measured(argv))
    return statistics.median(r[0] for r in results), max(r[1] for r in results), results[-1][2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="folder with release vitals and data-gen")
    parser.add_argument("--scale", choices=SCALES, default="10m")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="Benchmarks/out")
    args = parser.parse_args()
    events = SCALES[args.scale]
    vitals = os.path.join(args.bin, "vitals")

    data = os.path.abspath(os.path.join(args.work, f"data-{events}"))
    if not os.path.exists(os.path.join(data, "labels.csv")):
        os.makedirs(args.work, exist_ok=True)
        seconds, _, _ = run_measured([os.path.join(args.bin, "data-gen"), "--events", str(events), "--agencies", "10",
                                      "--accounts-per-agency", "200", "--seed", "7", "--as-of", AS_OF, "--out", data])
        print(f"data-gen: {events:,} events in {seconds:.2f} s")
    csv_bytes = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data) if f.endswith(".csv") and f != "labels.csv")

    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        store = os.path.join(tmp, "vitals.db")

        def fresh_store():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(store + suffix):
                    os.remove(store + suffix)

        ingest = measured_runs(args.runs, [vitals, "ingest", data, "--store", store], before=fresh_store)
        store_bytes = os.path.getsize(store)
        scores_csv = os.path.join(tmp, "vitals-scores.csv")
        score = measured_runs(args.runs, [vitals, "score", "--store", store, "--as-of", AS_OF, "--out", scores_csv])

        duck_db = os.path.join(tmp, "duck.duckdb")
        load_py, query_py = os.path.join(tmp, "load.py"), os.path.join(tmp, "query.py")
        with open(load_py, "w") as f:
            f.write(DUCKDB_LOAD)
        with open(query_py, "w") as f:
            f.write(DUCKDB_QUERY)

        def fresh_duck():
            for suffix in ("", ".wal"):
                if os.path.exists(duck_db + suffix):
                    os.remove(duck_db + suffix)

        load = measured_runs(args.runs, [sys.executable, load_py, data, duck_db], before=fresh_duck)
        duck_bytes = os.path.getsize(duck_db)
        out = os.path.join(tmp, "duck")
        os.makedirs(out)
        query = measured_runs(args.runs, [sys.executable, query_py, SQL_DIR, duck_db, AS_OF, out])

        # Agreement: every account's score, every agency's NRR/GRR.
        disagreements = compare(os.path.join(out, "score.csv"), scores_csv, AS_OF)
        with open(os.path.join(out, "revenue.csv"), newline="") as f:
            duck_revenue = {r["agency_id"]: r for r in csv.DictReader(f)}
        revenue_problems = []
        for agency, row in sorted(duck_revenue.items()):
            mine = json.loads(subprocess.run([vitals, "query", "get_revenue_summary", "--store", store, "--agency", agency],
                                             check=True, capture_output=True, text=True).stdout)["retention"]
            for name in ("nrr", "grr"):
                theirs = float(row[name]) if row[name] else None
                if (mine[name] is None) != (theirs is None) or (theirs is not None and abs(mine[name] - theirs) > 1e-12):
                    revenue_problems.append(f"{agency} {name}: vitals {mine[name]} duckdb {theirs}")
        print(f"NRR/GRR of {len(duck_revenue)} agencies: " + ("all agree" if not revenue_problems else "; ".join(revenue_problems)))

    mb = 1e6
    print(f"\nSide by side, {events:,} events ({csv_bytes / mb:.1f} MB of CSV), as of {AS_OF}, "
          f"median of {args.runs} fresh-process runs, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores")
    print(f"{'step':10}{'Vitals s':>10}{'DuckDB s':>10}{'ratio':>8}{'Vitals RSS':>12}{'DuckDB RSS':>12}{'rows/s (Vitals)':>17}{'bytes (V / D)':>22}")
    print(f"{'ingest':10}{ingest[0]:10.2f}{load[0]:10.2f}{load[0] / ingest[0]:7.2f}x{ingest[1] / mb:10.0f}MB{load[1] / mb:10.0f}MB"
          f"{events / ingest[0]:17,.0f}{store_bytes / mb:10.1f} / {duck_bytes / mb:.1f} MB")
    print(f"{'score':10}{score[0]:10.2f}{query[0]:10.2f}{query[0] / score[0]:7.2f}x{score[1] / mb:10.0f}MB{query[1] / mb:10.0f}MB"
          f"{events / score[0]:17,.0f}")
    print("targets: ingest >= 1x DuckDB's load; score >= 3x DuckDB's SQL; score peak RSS <= DuckDB's")
    if disagreements or revenue_problems:
        sys.exit("FAILED: Vitals and DuckDB disagree")


if __name__ == "__main__":
    main()
