#!/usr/bin/env bash
# Runs every pgledger test: installs what is missing, builds and installs the
# extension, then the format check, the pg_regress suite, the GoogleTest
# units (with a throwaway cluster for the libpq re-hasher), the consensus
# agent's tests, simulator, fuzzers and multi-process test, the end-to-end
# tamper, crash and dump/restore tests, and the shipped contracts' tests.
# Exits non-zero if any fails.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

"$repo/scripts/install-deps.sh" || exit 1
"$repo/scripts/build.sh" || exit 1

passed=0
failed=0
failures=()
suite() {
    local name=$1
    shift
    printf '\n##### %s\n' "$name"
    local started=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        printf '##### %s: ok (%d s)\n' "$name" $((SECONDS - started))
    else
        failed=$((failed + 1))
        failures+=("$name")
        printf '##### %s: FAILED (%d s)\n' "$name" $((SECONDS - started))
    fi
}

format_check() {
    git ls-files '*.cpp' '*.hpp' '*.cc' '*.h' | xargs clang-format --dry-run --Werror
}

suite "format (clang-format)" format_check
suite "pg_regress" tests/run_regress.sh
build_and_run_units() {
    cmake -S "$repo" -B "$repo/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null &&
        cmake --build "$repo/build" -j"$(nproc)" &&
        tests/unit/run_with_cluster.sh "$repo/build"
}

suite "unit tests and consensus simulator (ctest, with a throwaway cluster)" build_and_run_units
suite "end-to-end: tampering, crashes, dump/restore" tests/e2e/run.sh
suite "shipped contracts" contracts/run_tests.sh
suite "consensus: fuzz every decoder (short run)" consensus-agent/tests/run_fuzz.sh 10
suite "consensus: 4 agents as processes (kill, restart, leader change)" \
    consensus-agent/tests/multiprocess_test.sh "$repo/build" 4

printf '\nsuites: %s\n' "$([ $failed -eq 0 ] && echo "all passed" || echo "failed: ${failures[*]}")"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
