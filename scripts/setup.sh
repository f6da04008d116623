#!/usr/bin/env bash
# Installs what Vitals needs on a fresh Debian machine with Swift 6.1+:
# the system libraries of the design card (SQLite, zstd, OpenSSL's libcrypto),
# and libcurl's link name, which a release binary with the Swift runtime and
# Foundation inside it needs (scripts/build-release.sh).
set -euo pipefail
packages=(libsqlite3-dev libssl-dev libzstd-dev libcurl4-openssl-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "${missing[@]}"
fi
