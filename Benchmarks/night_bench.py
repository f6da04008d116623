#!/usr/bin/env python3
"""Nightly benchmark (issue 15): what one night costs, against a cold rebuild
and against DuckDB's full SQL, on the same data in the same run.

For each dataset, the last event day T is split off: a "history" directory
holds every row before T (entities, events, MRR, payments, feedback), a
"night" directory the rows of T alone (no entity file). Then, --runs times,
interleaved, each on a fresh store:

  history ingest   `vitals ingest HISTORY`
  history score    `vitals score` of the --history-days days before T (default
                   8: T-8 .. T-1, as a store scored every night has them, so
                   that T's health-change baseline T-7 is in the history, and
                   so is T-1's (T-8): the T-1 night below then reads the same
                   eight weeks a night does and keeps the digests before them,
                   as every night of a store scored nightly finds them; 1
                   scores T-1 alone and the night computes T-7 too)
  T-1 night score  `vitals score --as-of T-1` again: the night before's own
                   windowed run, which keeps the older batches' merged digests
                   for the next night (a backfill reads every event, keeps none)
  night ingest     `vitals ingest NIGHT` into that store (one day)
  night score      `vitals score` of T on that store     <- the night
  cold ingest      `vitals ingest` of the whole dataset into a fresh store
  cold score       `vitals score` of T on it
  DuckDB           Benchmarks/sql/score.sql + revenue.sql on the whole dataset's
                   CSVs in a fresh process (score_bench.py's script), the CSVs
                   read once just before (score_bench.warm: in the page cache)

Each `vitals score` runs with VITALS_TRACE, so its phases are printed too:
loading the dataset, fitting the churn model, scoring, writing. Prints the
medians (seconds, peak RSS), the night against the cold path and against
DuckDB, and the phases of the night's score; last, how long a fixed Python
loop took before and after the runs (score_bench.phase_probe: this VM has
phases of slower compute, and a ratio read in one is not of record).

  python3 Benchmarks/night_bench.py --bin BIN --data DIR [--data DIR2 ...] [--runs 3] [--history-days 8] [--no-duckdb]
"""
import argparse
import csv
import datetime
import os
import re
import shutil
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from score_bench import DUCKDB_SCORE, SQL_DIR, dataset_view, phase_probe, run_measured, warm  # noqa: E402

DATED = {"logins.csv": "ts", "feature_usage.csv": "ts", "payments.csv": "ts", "feedback.csv": "ts", "mrr.csv": "date"}
PHASES = [("load", re.compile(r"loaded the dataset, ([\d.]+) s")),
          ("fit", re.compile(r"churn model for \S+ \(\w+\), ([\d.]+) s")),
          ("score", re.compile(r"scored \S+ \(1/1\), ([\d.]+) s")),
          ("write", re.compile(r"wrote the results, ([\d.]+) s"))]


def last_day(data):
    latest = ""
    for name in ("logins.csv", "feature_usage.csv"):
        path = os.path.join(data, name)
        if os.path.exists(path):
            with open(path, newline="") as f:
                reader = csv.reader(f)
                next(reader)
                for row in reader:
                    if row[0][:10] > latest:
                        latest = row[0][:10]
    return latest


def split(data, day, history, night):
    """Rows of dated files before `day` into `history`, rows of `day` into `night`; other files into `history`."""
    os.makedirs(history)
    os.makedirs(night)
    for name in sorted(os.listdir(data)):
        if not name.endswith(".csv") or name == "labels.csv":
            continue
        source = os.path.join(data, name)
        if name not in DATED:
            os.symlink(os.path.abspath(source), os.path.join(history, name))
            continue
        with open(source, newline="") as f, open(os.path.join(history, name), "w", newline="") as before, \
                open(os.path.join(night, name), "w", newline="") as on:
            header = f.readline()
            before.write(header)
            on.write(header)
            nights = 0
            for line in f:
                stamp = line[:10]
                if stamp < day:
                    before.write(line)
                elif stamp == day:
                    on.write(line)
                    nights += 1
        if nights == 0:
            os.remove(os.path.join(night, name))


def vitals(binary, *args):
    seconds, rss, _ = run_measured([os.path.join(binary, "vitals"), *args])
    return seconds, rss


def traced_score(binary, store, *days):
    """`vitals score` with its phases: (seconds, rss, {phase: seconds since start})."""
    seconds, rss, err = run_measured([os.path.join(binary, "vitals"), "score", "--store", store, "--no-playbooks", *days],
                                     env=os.environ | {"VITALS_TRACE": "1"}, output="stderr")
    phases = {}
    for name, pattern in PHASES:
        match = pattern.search(err)
        if match:
            phases[name] = float(match.group(1))
    return seconds, rss, phases


def by_phase(runs_phases):
    """The median seconds of each phase (the trace prints times since the start)."""
    names = [n for n, _ in PHASES if all(n in p for p in runs_phases)]
    cumulative = {n: statistics.median(p[n] for p in runs_phases) for n in names}
    previous, parts = 0.0, []
    for n in names:
        parts.append(f"{n} {cumulative[n] - previous:.2f} s")
        previous = cumulative[n]
    return ", ".join(parts)


def history_days(day, count):
    """The --from/--to options of the `count` days before `day`."""
    last = datetime.date.fromisoformat(day)
    return ["--from", str(last - datetime.timedelta(days=count)), "--to", str(last - datetime.timedelta(days=1))]


def bench(binary, data, runs, duckdb, before=8):
    day = last_day(data)
    work = tempfile.mkdtemp(prefix="vitals-night-")
    try:
        history, night = os.path.join(work, "history"), os.path.join(work, "night")
        split(data, day, history, night)
        night_rows = sum(max(0, sum(1 for _ in open(os.path.join(night, n))) - 1) for n in os.listdir(night))
        steps = {name: [] for name in ("history ingest", "history score", "T-1 night score", "night ingest", "night score", "cold ingest",
                                       "cold score", "DuckDB")}
        rss = {name: [] for name in steps}
        phases, cold_phases = [], []
        view = dataset_view(data, work)[0] if duckdb else None
        for _ in range(runs):
            store = os.path.join(work, "nightly.db")
            cold = os.path.join(work, "cold.db")
            for path in (store, cold):
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(path + suffix):
                        os.remove(path + suffix)
            for name, (seconds, peak) in [("history ingest", vitals(binary, "ingest", history, "--store", store))]:
                steps[name].append(seconds), rss[name].append(peak)
            seconds, peak, _ = traced_score(binary, store, *history_days(day, before))
            steps["history score"].append(seconds), rss["history score"].append(peak)
            # The night before's own run (T - 1 again, windowed): what a store scored every night holds after it,
            # the older batches' merged digests included (a backfill reads every event and keeps none).
            previous = str(datetime.date.fromisoformat(day) - datetime.timedelta(days=1))
            seconds, peak, _ = traced_score(binary, store, "--as-of", previous)
            steps["T-1 night score"].append(seconds), rss["T-1 night score"].append(peak)
            seconds, peak = vitals(binary, "ingest", night, "--store", store)
            steps["night ingest"].append(seconds), rss["night ingest"].append(peak)
            seconds, peak, traced = traced_score(binary, store)
            steps["night score"].append(seconds), rss["night score"].append(peak)
            phases.append(traced)
            seconds, peak = vitals(binary, "ingest", data, "--store", cold)
            steps["cold ingest"].append(seconds), rss["cold ingest"].append(peak)
            seconds, peak, traced = traced_score(binary, cold)
            steps["cold score"].append(seconds), rss["cold score"].append(peak)
            cold_phases.append(traced)
            if duckdb:
                out = os.path.join(work, "duck")
                os.makedirs(out, exist_ok=True)
                script = os.path.join(work, "score.py")
                with open(script, "w") as f:
                    f.write(DUCKDB_SCORE)
                warm(view)  # DuckDB reads the CSVs from the page cache, as the scores read their store
                seconds, peak, _ = run_measured([sys.executable, script, SQL_DIR, view, day, "0", out])
                steps["DuckDB"].append(seconds), rss["DuckDB"].append(peak)
        median = {name: statistics.median(values) for name, values in steps.items() if values}
        print(f"\n{data}: T = {day}, the night holds {night_rows:,} rows; the history scored the {before} day(s) before; "
              f"medians of {runs} run(s)")
        print(f"{'step':<16}{'seconds':>10}{'peak RSS MB':>14}")
        for name, seconds in median.items():
            print(f"{name:<16}{seconds:>10.2f}{statistics.median(rss[name]) / 2**20:>14.0f}")
        night_total = median["night ingest"] + median["night score"]
        print(f"a night (ingest + score of T): {night_total:.2f} s; a cold rebuild: {median['cold ingest'] + median['cold score']:.2f} s")
        print("each run's night (ingest + score): "
              + ", ".join(f"{i:.2f} + {s:.2f} s" for i, s in zip(steps["night ingest"], steps["night score"])))
        if "DuckDB" in median:
            print(f"night score vs DuckDB's full SQL: {median['DuckDB'] / median['night score']:.2f}x; "
                  f"cold score vs DuckDB: {median['DuckDB'] / median['cold score']:.2f}x (target 10x and 3x)")
        for label, runs_phases in [("the night's score", phases), ("the cold score", cold_phases)]:
            if runs_phases and all(runs_phases):
                print(f"{label}, by phase: " + by_phase(runs_phases))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data", action="append", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--history-days", type=int, default=8, help="days before T the history scores (1: T-1 alone)")
    parser.add_argument("--no-duckdb", action="store_true")
    args = parser.parse_args()
    probe = phase_probe()
    for data in args.data:
        bench(args.bin, data, args.runs, not args.no_duckdb, before=max(1, args.history_days))
    print(f"\nmachine phase: a 10 M-addition Python loop took {probe:.2f} s before the runs, {phase_probe():.2f} s after "
          "(2.2-2.5 s in the slow phases of the twenty-eighth and twenty-ninth steps)")


if __name__ == "__main__":
    main()
