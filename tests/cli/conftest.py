"""Fixtures for the CLI tests: a generated, ingested and scored store with
more than one page (200 items) of tracked accounts per agency, so CSV has to
follow the cursor. The `vitals` binary fixture is tests/conftest.py's."""
import os
import subprocess

import pytest


# A comment CSV has to quote: a comma, quotes and a line break (CSV-quoted itself).
TRICKY_COMMENT = 'Export says "done", then nothing.\nSecond line'
TRICKY_FEEDBACK = '2026-11-19T09:00:00Z,acc_00001,usr_000001,3,"' + TRICKY_COMMENT.replace('"', '""') + '"\r\n'


@pytest.fixture(scope="session")
def cli_store(vitals, tmp_path_factory):
    """2 agencies × 230 accounts × 2 users, 60 days, one tricky comment, scored as of 2026-11-20."""
    work = tmp_path_factory.mktemp("cli")
    data, db = str(work / "data"), str(work / "cli.db")
    data_gen = os.path.join(os.path.dirname(vitals), "data-gen")
    subprocess.run([data_gen, "--agencies", "2", "--accounts-per-agency", "230", "--users-per-account", "2",
                    "--days", "60", "--events", "30000", "--seed", "3", "--as-of", "2026-11-20", "--out", data],
                   check=True, capture_output=True)
    with open(os.path.join(data, "feedback.csv"), "a", newline="") as feedback:
        feedback.write(TRICKY_FEEDBACK)
    subprocess.run([vitals, "ingest", data, "--store", db], check=True, capture_output=True)
    subprocess.run([vitals, "score", "--store", db], check=True, capture_output=True)
    return db


@pytest.fixture(scope="session")
def tricky_comment():
    """The feedback comment the fixture adds, as the tools should answer it."""
    return TRICKY_COMMENT


@pytest.fixture(scope="session")
def run(vitals, cli_store):
    """`vitals ARGS… --store cli_store` as a function: the finished process,
    its output as text (line ends made \\n) or, with raw=True, as bytes."""
    def invoke(*args, store=True, raw=False):
        command = [vitals, *args] + (["--store", cli_store] if store else [])
        return subprocess.run(command, capture_output=True, text=not raw, timeout=300)
    return invoke
