#!/usr/bin/env bash
# The one benchmark command (issue 5): on this machine, at one scale,
#   1. Vitals against DuckDB (PyPI) on the same CSVs: ingest vs load, score vs
#      the same metrics in SQL (Benchmarks/sql/); fails on any disagreement;
#   1b. the health history: nightly score, a 90-day backfill, store growth per day;
#   1c. the playbooks: their share of the nightly score, the CTAs opened, beside DuckDB's score.sql,
#       in the benchmark world and a wide one (2 agencies x 2,000 accounts, 365 days);
#   2. the ordo-one kernels in GB/s beside the memory bandwidth of the same run;
#   3. the MCP load test: 64 clients against `vitals serve --http` (wrk), paced and back to back, in both MCP generations.
#   --scale 100m runs only the ingest against DuckDB's load and the night against a cold score and DuckDB's SQL
#   (issue 15), --runs times (about 6 minutes a run), on a harder world: 250 agencies of 20 to 300 accounts
#   (40,000 in all), 365 days, churners declining in mixed shapes and false alarms.
#   Benchmarks/run.sh [--scale 1m|10m|50m|100m] [--runs N] [--load-seconds S]
set -euo pipefail
cd "$(dirname "$0")/.."
SCALE=10m RUNS=3 LOAD_SECONDS=60
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --load-seconds) LOAD_SECONDS=$2; shift 2 ;;
        *) echo "usage: Benchmarks/run.sh [--scale 1m|10m|50m|100m] [--runs N] [--load-seconds S]" >&2; exit 2 ;;
    esac
done
case "$SCALE" in 1m) EVENTS=1000000 ;; 10m) EVENTS=10000000 ;; 50m) EVENTS=50000000 ;; 100m) EVENTS=100000000 ;; *) echo "unknown scale $SCALE" >&2; exit 2 ;; esac
bash scripts/setup.sh
python3 -c "import duckdb" 2>/dev/null || python3 -m pip install --quiet duckdb
python3 -c "import numpy" 2>/dev/null || python3 -m pip install --quiet numpy  # the churn sweep's ceiling
command -v wrk >/dev/null || { SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo; $SUDO apt-get install -y -qq wrk; }
BIN=$(bash scripts/build-release.sh)

if [ "$SCALE" = 100m ]; then
    DATA=Benchmarks/out/data-100m-mixed
    if [ ! -f "$DATA/labels.csv" ]; then
        "$BIN/data-gen" --agencies 250 --accounts-per-agency 20 --accounts-per-agency-max 300 --users-per-account 8 \
            --days 365 --events "$EVENTS" --seed 23 --world false-alarms --out "$DATA" >&2
    fi
    echo "== Ingest against DuckDB's load into a file, 100m =="
    python3 Benchmarks/ingest_bench.py --bin "$BIN" --data "$DATA" --runs "$RUNS"
    echo; echo "== One night (a day ingested, then scored) against a cold rebuild and DuckDB, 100m =="
    python3 Benchmarks/night_bench.py --bin "$BIN" --data "$DATA" --runs "$RUNS"
    exit 0
fi

echo "== Vitals vs DuckDB, $SCALE =="
python3 Benchmarks/side_by_side.py --bin "$BIN" --scale "$SCALE" --runs "$RUNS"

echo; echo "== Health history, $SCALE =="
python3 Benchmarks/history_bench.py --bin "$BIN" --data "Benchmarks/out/data-$EVENTS" --days 90 --runs "$RUNS" --keep Benchmarks/out/history

echo; echo "== Playbooks, $SCALE =="
WIDE=Benchmarks/out/data-wide-$SCALE
if [ ! -f "$WIDE/labels.csv" ]; then
    "$BIN/data-gen" --agencies 2 --accounts-per-agency 2000 --users-per-account 6 --days 365 \
        --events "$EVENTS" --seed 11 --as-of 2026-11-20 --out "$WIDE" >&2
fi
python3 Benchmarks/playbook_bench.py --bin "$BIN" --data "Benchmarks/out/data-$EVENTS" --data "$WIDE" --runs "$RUNS" \
    --keep Benchmarks/out/playbooks

echo; echo "== One night (a day ingested, then scored) against a cold rebuild and DuckDB, $SCALE =="
python3 Benchmarks/night_bench.py --bin "$BIN" --data "Benchmarks/out/data-$EVENTS" --data "$WIDE" --runs "$RUNS"

echo; echo "== The churn model across 14 data-gen worlds, beside baselines and a truth-informed ceiling =="
python3 Benchmarks/churn_sweep.py --bin "$BIN" --scale 3 --json Benchmarks/out/churn_sweep.json

echo; echo "== Dashboard, $SCALE =="
# The playbook stores' bases (a week of history); the bench scores a copy, which opens their CTAs.
python3 Benchmarks/dashboard_bench.py --bin "$BIN" --store "Benchmarks/out/playbooks/data-$EVENTS.base.db" \
    --store "Benchmarks/out/playbooks/$(basename "$WIDE").base.db"

echo; echo "== Kernels (ordo-one/benchmark) =="
(cd Benchmarks && swift package --disable-sandbox benchmark --target ColumnarKernels --no-progress --format markdown) \
    > Benchmarks/out/kernels.md 2>/dev/null
python3 Benchmarks/kernel_table.py < Benchmarks/out/kernels.md

echo; echo "== MCP load, $SCALE =="
STORE=Benchmarks/out/load-$EVENTS.db
if [ ! -f "$STORE" ]; then
    "$BIN/vitals" ingest "Benchmarks/out/data-$EVENTS" --store "$STORE" >&2
fi
"$BIN/vitals" score --store "$STORE" >&2
for ERA in legacy modern; do
    # Paced as agents call (5 calls/s per client): latency is service time.
    python3 Benchmarks/mcp_load.py --bin "$BIN" --store "$STORE" --sessions 64 --seconds "$LOAD_SECONDS" --rate 5 --era "$ERA"
    echo
    # Back to back: the saturation throughput (latency is then queueing).
    python3 Benchmarks/mcp_load.py --bin "$BIN" --store "$STORE" --sessions 64 --seconds "$LOAD_SECONDS" --era "$ERA"
    echo
done
