"""Generated stores for the suites: data-gen's dataset, ingested and scored
as of 2026-11-20, the way a user's nightly job leaves a store."""
import os
import sqlite3
import subprocess


def generated_store(vitals, work, name, *, agencies, accounts, users, days, events, seed, before_ingest=None):
    """Runs data-gen into `work/data`, lets `before_ingest(data_dir)` edit the
    files, ingests them into `work/NAME.db` and scores it; returns the store path."""
    data, db = str(work / "data"), str(work / f"{name}.db")
    data_gen = os.path.join(os.path.dirname(vitals), "data-gen")
    subprocess.run([data_gen, "--agencies", str(agencies), "--accounts-per-agency", str(accounts), "--users-per-account", str(users),
                    "--days", str(days), "--events", str(events), "--seed", str(seed), "--as-of", "2026-11-20", "--out", data],
                   check=True, capture_output=True)
    if before_ingest:
        before_ingest(data)
    subprocess.run([vitals, "ingest", data, "--store", db], check=True, capture_output=True)
    subprocess.run([vitals, "score", "--store", db], check=True, capture_output=True)
    return db


def copy_store(source, path):
    """A copy of the store `source` at `path`, for a test that writes to it
    (SQLite's backup: the WAL's pages included). Returns `path`."""
    with sqlite3.connect(source) as original, sqlite3.connect(path) as copy:
        original.backup(copy)
    return path


def runner(vitals, path):
    """`vitals ARGS… --store PATH` as a function: the finished process, its
    output as text (line ends made \\n) or, with raw=True, as bytes;
    store=False leaves `--store` off."""
    def invoke(*args, store=True, raw=False):
        command = [vitals, *args] + (["--store", path] if store else [])
        return subprocess.run(command, capture_output=True, text=not raw, timeout=300)
    return invoke
