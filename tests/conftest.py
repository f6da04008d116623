"""Fixtures shared by the MCP and OAuth suites: the `vitals` binary, a
generated, ingested and scored store, and the CLI (`vitals query`,
`vitals token create`) the served answers are compared with."""
import os
import subprocess

import pytest

from cli import querier
from stores import generated_store

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bin_path():
    if os.environ.get("VITALS_BIN"):
        return os.environ["VITALS_BIN"]
    out = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip()


@pytest.fixture(scope="session")
def vitals():
    path = os.path.join(bin_path(), "vitals")
    assert os.path.exists(path), f"build first: {path} is missing"
    return path


@pytest.fixture(scope="session")
def store(vitals, tmp_path_factory):
    """2 agencies × 40 accounts, 160 days, ingested and scored as of 2026-11-20."""
    return generated_store(vitals, tmp_path_factory.mktemp("mcp"), "mcp",
                           agencies=2, accounts=40, users=6, days=160, events=80000, seed=5)


@pytest.fixture(scope="session")
def query(vitals, store):
    """`vitals query` on the shared store."""
    return querier(vitals, store)


@pytest.fixture(scope="session")
def token(vitals, store):
    """`vitals token create` as a function: returns the key it prints once."""
    def create(agency="ag_001", scopes=None, expires=None):
        args = [vitals, "token", "create", "--store", store, "--agency", agency]
        if scopes:
            args += ["--scopes", scopes]
        if expires:
            args += ["--expires", expires]
        out = subprocess.run(args, check=True, capture_output=True, text=True)
        return out.stdout.strip()
    return create


@pytest.fixture(scope="session")
def read_key(token):
    """A key of ag_001 with every read scope."""
    return token()


@pytest.fixture(scope="session")
def full_key(token):
    """A key of ag_001 with every scope, writes included."""
    return token(scopes="read:accounts,read:users,read:revenue,read:feedback,read:activities,"
                        "write:workflows,write:feedback,write:metadata,write:activities")
