#!/usr/bin/env bash
# Runs the tests of every shipped contract, each in a database of its own on
# one throwaway cluster: <contract>/schema.sql, <contract>/install.sql, then
# <contract>/test.sql after test_helpers.sql in the same session
# (self-checking: it raises an exception on any wrong outcome) and, where
# present, <contract>/concurrency.sh (truly concurrent sessions; it gets
# libpq's PGHOST, PGPORT, PGUSER and PGDATABASE, so plain psql reaches the
# contract's database). Arguments name the contracts to run; none runs all.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/lib/cluster.sh"

shopt -s nullglob
contracts=("$@")
if [ ${#contracts[@]} -eq 0 ]; then
    for dir in "$here"/*/; do
        contracts+=("$(basename "$dir")")
    done
fi
databases=$(IFS=,; echo "ledgertest${contracts[*]:+,${contracts[*]}}")
cluster_start "ledger.databases = '$databases'" "max_connections = 50"

passed=0
failed=0
for contract in "${contracts[@]}"; do
    dir="$here/$contract"
    cluster_psql -d postgres -qc "CREATE DATABASE $contract" > /dev/null
    log="$CLUSTER_DIR/$contract.log"
    # set -e does not apply inside a tested subshell: every step checks itself.
    if (
        cluster_psql -d "$contract" -f "$dir/schema.sql" || exit 1
        cluster_psql -d "$contract" -f "$dir/install.sql" || exit 1
        # One session: the shared assertions are session-local functions.
        cluster_psql -d "$contract" -f "$here/test_helpers.sql" -f "$dir/test.sql" || exit 1
        if [ -x "$dir/concurrency.sh" ]; then
            PGHOST=$CLUSTER_DIR PGPORT=$CLUSTER_PORT PGUSER=postgres PGDATABASE=$contract "$dir/concurrency.sh" || exit 1
        fi
    ) > "$log" 2>&1; then
        echo "PASS contract $contract"
        passed=$((passed + 1))
    else
        echo "FAIL contract $contract:"
        tail -30 "$log"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
