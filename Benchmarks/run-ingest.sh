#!/usr/bin/env bash
# Ingest benchmark: builds release binaries, generates EVENTS events (default
# 10 million), times `vitals ingest` against DuckDB's read_csv on the same files.
#   Benchmarks/run-ingest.sh [EVENTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${1:-10000000}
RUNS=${2:-3}
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
BIN=$(bash scripts/build-release.sh)
python3 Benchmarks/ingest_bench.py --bin "$BIN" --events "$EVENTS" --runs "$RUNS"
