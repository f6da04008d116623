#!/usr/bin/env bash
# The main job end to end on the embedded default store: generate a small
# agency dataset, ingest it into one SQLite file, print what the store holds,
# score every account (the nightly batch, whose playbooks open CTAs), judge the
# churn model against the planted churners, and ask two questions: which
# accounts of ag_001 are at risk, and what the team should do first.
#   scripts/demo.sh [OUT_DIR]        (default data/demo, store data/demo.db)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
OUT=${1:-data/demo}
BIN=$(bash scripts/build-release.sh)
rm -rf "$OUT" "$OUT.db" "$OUT.db-wal" "$OUT.db-shm"
"$BIN/data-gen" --agencies 3 --accounts-per-agency 200 --users-per-account 12 --days 180 \
    --events 2000000 --seed 7 --as-of 2026-11-20 --out "$OUT"
"$BIN/vitals" ingest "$OUT" --store "$OUT.db"
"$BIN/vitals" info --store "$OUT.db"
"$BIN/vitals" score --store "$OUT.db" --out "$OUT-scores.csv"
"$BIN/vitals" eval churn --store "$OUT.db" --labels "$OUT/labels.csv"
"$BIN/vitals" query list_accounts_at_risk --store "$OUT.db" --agency ag_001 --args '{"limit": 10}' --format table
"$BIN/vitals" query list_ctas --store "$OUT.db" --agency ag_001 --args '{"limit": 5, "fields": ["account_name", "priority", "due_date", "reason", "next_task"]}' --format table
