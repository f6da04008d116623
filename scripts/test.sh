#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite: the Swift
# suites, then the MCP server driven by a real MCP client (Python `mcp` from
# PyPI, pinned in tests/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
swift build --build-tests
swift test --skip-build
VITALS_BIN=$(swift build --show-bin-path) python3 -m pytest -q tests/mcp tests/reliability
