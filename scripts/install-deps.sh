#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever pgledger needs to build, test
# and demo that is not installed yet. Needs root (apt-get).
set -euo pipefail

packages=(
    # the extension: compiler, PGXS, server headers, OpenSSL for SHA-256
    build-essential g++ make postgresql-15 postgresql-server-dev-15 libssl-dev openssl
    # unit tests, the independent libpq re-hasher and the consensus agent's build
    cmake libgtest-dev libpq-dev postgresql-client-15
    # the consensus agent: networking, config file, logging, command line
    libasio-dev libtomlplusplus-dev libspdlog-dev libcli11-dev
    # fuzzing (libFuzzer and the sanitizer runtimes come with clang) and the format check
    clang libclang-rt-14-dev clang-format
    # test scripts: on-disk tampering, process control, hex for the openssl signer
    python3 procps xxd
)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "missing packages: ${missing[*]}; run this script as root to install them" >&2
    exit 1
fi
# Tests start their own throwaway clusters; Debian's default cluster would
# only hold a port and memory.
mkdir -p /etc/postgresql-common
if ! grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
