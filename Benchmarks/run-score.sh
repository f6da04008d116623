#!/usr/bin/env bash
# Scoring benchmark: `vitals score` on data-gen's EVENTS events (default 10
# million; 10 agencies × 200 accounts, as run-ingest.sh) against DuckDB
# computing the same health scores and signals in SQL over the same CSVs
# (Benchmarks/sql/). Fails if any account's health, band or signals differ.
# Then the read-tool latencies (materialized and on the fly) in-process.
#   Benchmarks/run-score.sh [EVENTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-10000000}
RUNS=${2:-3}
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
BIN=$(bash scripts/build-release.sh)
DATA=Benchmarks/out/data-$EVENTS
STORE=Benchmarks/out/score-$EVENTS.db
if [ ! -f "$DATA/labels.csv" ]; then
    mkdir -p Benchmarks/out
    "$BIN/data-gen" --events "$EVENTS" --agencies 10 --accounts-per-agency 200 --seed 7 --as-of 2026-11-20 --out "$DATA" >&2
fi
rm -f "$STORE" "$STORE-wal" "$STORE-shm"
"$BIN/vitals" ingest "$DATA" --store "$STORE" >&2
python3 Benchmarks/score_bench.py --data "$DATA" --as-of 2026-11-20 --runs "$RUNS" --vitals-bin "$BIN" --store "$STORE"
"$BIN/vitals" eval churn --store "$STORE" --labels "$DATA/labels.csv"
(cd Benchmarks && VITALS_BENCH_STORE="out/score-$EVENTS.db" swift package --disable-sandbox benchmark --target QueryLatency --no-progress --format markdown)
