#!/usr/bin/env bash
# Runs the CMake-built unit tests with a throwaway PostgreSQL cluster, so
# that the libpq test (independent_row_hash_test) runs instead of skipping.
# Usage: tests/unit/run_with_cluster.sh [build dir] [extra ctest args...]
# The pgledger extension must be installed (make install) beforehand.
set -euo pipefail

UNIT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${1:-$UNIT_DIR/../../build-unit}
shift || true

# shellcheck source=../lib/cluster.sh
source "$UNIT_DIR/../lib/cluster.sh"
# Other clusters may start on this machine at the same time and the harness
# picks the first free port, which races: retry on a failed start.
started=0
for _ in 1 2 3 4 5; do
    if cluster_start 2> "${TMPDIR:-/tmp}/run_with_cluster.$$.err"; then  # removed again on exit
        started=1
        break
    fi
    cluster_remove
    sleep "0.$((RANDOM % 9 + 1))"
done
if [ "$started" != 1 ]; then
    echo "run_with_cluster.sh: could not start a cluster:" >&2
    cat "${TMPDIR:-/tmp}/run_with_cluster.$$.err" >&2
    rm -f "${TMPDIR:-/tmp}/run_with_cluster.$$.err"
    exit 1
fi
rm -f "${TMPDIR:-/tmp}/run_with_cluster.$$.err"

# Created once here, so that tests run in parallel (ctest -j) do not race to create it.
cluster_psql -q -c "CREATE EXTENSION IF NOT EXISTS pgledger"

export PGLEDGER_TEST_DSN="host=$CLUSTER_DIR port=$CLUSTER_PORT user=postgres dbname=$CLUSTER_DB"
export PGLEDGER_REQUIRE_DB=1

status=0
ctest --test-dir "$BUILD_DIR" --output-on-failure "$@" || status=$?
exit "$status"
