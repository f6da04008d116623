#!/usr/bin/env bash
# Builds the release binaries as we ship them, and prints their folder.
# `--static-swift-stdlib` puts the Swift runtime and Foundation inside the
# binary (README, "One binary"): a start binds 37 libraries instead of 52,
# and calls into the runtime are direct.
#   BIN=$(bash scripts/build-release.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --static-swift-stdlib --product vitals >&2
swift build -c release --static-swift-stdlib --product data-gen >&2
swift build -c release --static-swift-stdlib --show-bin-path
