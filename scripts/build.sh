#!/usr/bin/env bash
# Builds and installs the extension (PGXS); needs root to install.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s -j"$(nproc)"
make -s install
