#!/usr/bin/env bash
# Installs what Vitals needs on a fresh Debian machine with Swift 6.1+:
# the system libraries of the design card (SQLite, zstd, OpenSSL's libcrypto).
# (No libcurl: the outbound HTTP is AsyncHTTPClient's, not FoundationNetworking's.)
set -euo pipefail
packages=(libsqlite3-dev libssl-dev libzstd-dev)
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
