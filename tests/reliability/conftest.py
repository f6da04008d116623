"""Fixtures for the crash-safety tests: the built binaries and a generated dataset."""
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def bin_dir():
    path = os.environ.get("VITALS_BIN") or subprocess.run(
        ["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    assert os.path.exists(os.path.join(path, "vitals")), f"build first: {path}/vitals is missing"
    return path


@pytest.fixture(scope="session")
def dataset(bin_dir, tmp_path_factory):
    """2 agencies × 30 accounts, 170 days, 300k events."""
    data = str(tmp_path_factory.mktemp("crash") / "data")
    subprocess.run([os.path.join(bin_dir, "data-gen"), "--agencies", "2", "--accounts-per-agency", "30", "--users-per-account", "6",
                    "--days", "170", "--events", "300000", "--seed", "3", "--as-of", "2026-11-20", "--out", data],
                   check=True, capture_output=True)
    return data
