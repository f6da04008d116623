"""Fixtures for the CLI tests: a generated, ingested and scored store with
more than one page (200 items) of tracked accounts per agency, so CSV has to
follow the cursor. The `vitals` binary fixture is tests/conftest.py's."""
import os

import pytest
from stores import generated_store, runner


# A comment CSV has to quote: a comma, quotes and a line break (CSV-quoted itself).
TRICKY_COMMENT = 'Export says "done", then nothing.\nSecond line'
TRICKY_FEEDBACK = '2026-11-19T09:00:00Z,acc_00001,usr_000001,3,"' + TRICKY_COMMENT.replace('"', '""') + '"\r\n'


@pytest.fixture(scope="session")
def cli_store(vitals, tmp_path_factory):
    """2 agencies × 230 accounts × 2 users, 60 days, one tricky comment, scored as of 2026-11-20."""
    def add_tricky_comment(data):
        with open(os.path.join(data, "feedback.csv"), "a", newline="") as feedback:
            feedback.write(TRICKY_FEEDBACK)
    return generated_store(vitals, tmp_path_factory.mktemp("cli"), "cli", agencies=2, accounts=230, users=2, days=60,
                           events=30000, seed=3, before_ingest=add_tricky_comment)


@pytest.fixture(scope="session")
def tricky_comment():
    """The feedback comment the fixture adds, as the tools should answer it."""
    return TRICKY_COMMENT


@pytest.fixture(scope="session")
def run(vitals, cli_store):
    """`vitals ARGS… --store cli_store` as a function (``stores.runner``)."""
    return runner(vitals, cli_store)
