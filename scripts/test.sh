#!/usr/bin/env bash
# Installs what the tests need and runs the whole test suite: the Swift
# suites, then the MCP server driven by a real MCP client (Python `mcp` from
# PyPI, pinned in tests/requirements.txt), and its OAuth 2.1 surface, the
# consent page included in headless Chromium (Debian's, driven by Playwright).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ ! -x /usr/bin/chromium ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq chromium
fi
python3 -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
swift build --build-tests
swift test --skip-build
# The benchmarks' own package (Benchmarks/Package.swift) compiles against
# today's API: nothing else builds it, and it once went two steps broken.
swift build --package-path Benchmarks
VITALS_BIN=$(swift build --show-bin-path) python3 -m pytest -q tests/mcp tests/oauth tests/reliability tests/cli
