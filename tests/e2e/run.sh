#!/usr/bin/env bash
# Runs every end-to-end test in this directory (each *.sh but this one), one after another,
# and prints "<n> passed, <m> failed". Exits non-zero if any test failed.
# A failed test's full output is kept in $E2E_LOG_DIR (default: a temporary directory).
set -uo pipefail

dir=$(cd "$(dirname "$0")" && pwd)
log_dir=${E2E_LOG_DIR:-$(mktemp -d /tmp/pgledger-e2e-logs.XXXXXX)}
mkdir -p "$log_dir"
passed=0
failed=0
failures=()

for test in "$dir"/*.sh; do
    name=$(basename "$test" .sh)
    [ "$test" = "$dir/run.sh" ] && continue
    start=$SECONDS
    # A hard limit, so that one hung test cannot hang the run.
    timeout -k 10 300 "$test" > "$log_dir/$name.log" 2>&1
    rc=$?
    if [ "$rc" = 0 ] && grep -qx "PASS $name" "$log_dir/$name.log"; then
        passed=$((passed + 1))
        echo "PASS $name ($((SECONDS - start)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "FAIL $name (exit $rc, $((SECONDS - start)) s), output in $log_dir/$name.log:"
        sed 's/^/    /' "$log_dir/$name.log" | tail -20
    fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
