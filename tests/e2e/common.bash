# Helpers shared by the end-to-end tests in this directory.
# Named *.bash, not *.sh, so that run.sh does not mistake it for a test.
#
# Source it after setting TEST_NAME. It sources the cluster harness and adds:
#   start_cluster / restart_cluster   cluster_start / cluster_start_again, robust to port races
#   fail MESSAGE...                 print "FAIL <test>: MESSAGE" and exit 1
#   pass                            print "PASS <test>" and exit 0
#   sql QUERY [psql args]           one query, unaligned tuples-only output
#   behind_hooks [CASE]             read SQL on stdin and run it with the library NOT loaded
#                                   (the attacker's way around the hooks), then restart with it
#   wait_for QUERY EXPECTED SECS    poll QUERY until it returns EXPECTED, or fail
#   sealer_connected [DB]           wait until DB's (default: the test database's) sealer worker is connected
#   verify_problems                 "<table or chain>|<problem>" per not-ok row of ledger.verify()
#   assert_problems TABLE PATTERN...  the not-ok problems of TABLE (or "chain") are exactly the
#                                   given bash glob patterns, one problem per pattern ("?..." optional)
#   assert_verify_ok                verify() reports no problem at all
#
# E2E_SKIP_TAMPER=1 makes behind_hooks (and the disk edit) skip the tampering itself but keep
# the restarts, to check that the assertions of a tamper test really fail without it;
# E2E_SKIP_TAMPER=CASE skips only the tampering of that case.

set -euo pipefail

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../lib/cluster.sh
source "$E2E_DIR/../lib/cluster.sh"

# Other clusters may be started on this machine at the same time: cluster_start_again moves
# to another port when ours is taken, and starting a new cluster retries from scratch.
# (Not run in $(...): cluster_start sets CLUSTER_DIR, CLUSTER_PORT and the EXIT trap.)
E2E_ERR=$(mktemp /tmp/pgledger-e2e-err.XXXXXX)
trap 'rm -f "$E2E_ERR"' EXIT
start_cluster() {
    for _ in 1 2 3; do
        cluster_start "$@" > /dev/null 2> "$E2E_ERR" && { trap 'cluster_remove; rm -f "$E2E_ERR"' EXIT; return 0; }
        cluster_remove
        sleep "0.$((RANDOM % 9 + 1))"
    done
    fail "could not start a cluster: $(cat "$E2E_ERR")"
}

restart_cluster() {
    cluster_start_again "$@" > /dev/null 2> "$E2E_ERR" || fail "could not restart the cluster: $(cat "$E2E_ERR")"
}

fail() {
    echo "FAIL ${TEST_NAME}: $*"
    exit 1
}

pass() {
    echo "PASS ${TEST_NAME}"
    exit 0
}

sql() {
    local query=$1
    shift
    cluster_psql -At "$@" -c "$query"
}

tampering_skipped() {
    local case=${1:-}
    [ "${E2E_SKIP_TAMPER:-0}" = 1 ] || { [ -n "$case" ] && [ "${E2E_SKIP_TAMPER:-}" = "$case" ]; }
}

# Restart without pgledger preloaded, so none of its hooks run, apply the SQL from stdin as
# superuser, then restart with pgledger preloaded again (later postgresql.conf lines win).
# Opening a table of the ledger access method would load pgledger, whose hooks then guard
# the session: the superuser first points the ledger tables at plain heap storage, which
# has the same on-disk format, and back afterwards.
behind_hooks() {
    local case=${1:-} script
    script="CREATE TEMP TABLE tampered_relations AS
  SELECT oid FROM pg_class WHERE relam = (SELECT oid FROM pg_am WHERE amname = 'ledger');
UPDATE pg_class SET relam = (SELECT oid FROM pg_am WHERE amname = 'heap')
 WHERE oid IN (SELECT oid FROM tampered_relations);
$(cat)
UPDATE pg_class SET relam = (SELECT oid FROM pg_am WHERE amname = 'ledger')
 WHERE oid IN (SELECT oid FROM tampered_relations);"
    cluster_stop
    restart_cluster "shared_preload_libraries = ''"
    if tampering_skipped "$case"; then
        echo "(E2E_SKIP_TAMPER=${E2E_SKIP_TAMPER}: not tampering${case:+ in case $case})"
    else
        cluster_psql <<< "$script" > /dev/null || fail "the tampering SQL itself failed: $script"
    fi
    cluster_stop
    restart_cluster "shared_preload_libraries = 'pgledger'"
}

wait_for() {
    local query=$1 expected=$2 seconds=$3 deadline got=""
    deadline=$((SECONDS + seconds))
    while [ "$SECONDS" -lt "$deadline" ]; do
        got=$(sql "$query" 2> /dev/null) || got="(query failed)"
        [ "$got" = "$expected" ] && return 0
        sleep 0.2
    done
    fail "waited ${seconds}s for [$query] to return [$expected]; last got [$got]"
}

# The sealer connects once its database exists: the postmaster retries it every 5 s, and a
# sealer that stepped aside for a database operation comes back 5 s later. Once connected it
# seals at once, so a test that wants ledger.seal() alone to seal waits for that first.
sealer_connected() {
    local database=${1:-$CLUSTER_DB}
    wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'pgledger sealer'
                AND datname = '$database' AND state = 'idle'" 1 30
}

verify_problems() {
    sql "SELECT coalesce(table_name::text, 'chain') || '|' || coalesce(problem, '(no text)')
           FROM ledger.verify() WHERE NOT ok ORDER BY 1"
}

# assert_problems WHERE PATTERN...: WHERE is a table name or "chain". Every not-ok verify()
# row of WHERE must match exactly one PATTERN, and every PATTERN exactly one row; a PATTERN
# written "?..." is optional (matches at most one row).
assert_problems() {
    local where=$1
    shift
    local all mine line pattern hits required=()
    for pattern in "$@"; do [[ $pattern == \?* ]] || required+=("$pattern"); done
    all=$(verify_problems) || fail "ledger.verify() failed"
    mine=$(printf '%s\n' "$all" | sed -n "s/^${where}|//p")
    [ "${#required[@]}" -gt 0 ] && [ -z "$mine" ] &&
        fail "verify() reports no problem for $where; expected: $(printf '[%s] ' "$@")"
    while IFS= read -r line; do
        [ -z "$line" ] && continue
        hits=0
        for pattern in "$@"; do
            # shellcheck disable=SC2053  # the pattern is meant to glob
            [[ $line == ${pattern#\?} ]] && hits=$((hits + 1))
        done
        [ "$hits" = 1 ] || fail "unexpected problem for $where: [$line]; expected exactly: $(printf '[%s] ' "$@")"
    done <<< "$mine"
    for pattern in "$@"; do
        hits=0
        while IFS= read -r line; do
            # shellcheck disable=SC2053
            [[ -n $line && $line == ${pattern#\?} ]] && hits=$((hits + 1))
        done <<< "$mine"
        if [[ $pattern == \?* ]]; then
            [ "$hits" -le 1 ] || fail "expected at most one problem for $where matching [${pattern#\?}], found $hits in: [$mine]"
        else
            [ "$hits" = 1 ] || fail "expected one problem for $where matching [$pattern], found $hits in: [$mine]"
        fi
    done
    # verify() must also say so in its ok column, not only in the problem text.
    if [ -n "$mine" ]; then
        local oks
        if [ "$where" = chain ]; then
            oks=$(sql "SELECT bool_or(ok) FROM ledger.verify() WHERE table_name IS NULL")
        else
            oks=$(sql "SELECT bool_or(ok) FROM ledger.verify() WHERE table_name = '$where'::regclass")
        fi
        [ "$oks" = f ] || fail "verify() has an ok row for $where despite its problems"
    fi
}

assert_verify_ok() {
    local problems
    problems=$(verify_problems) || fail "ledger.verify() failed"
    [ -z "$problems" ] || fail "verify() should be all ok, but reports: $problems"
    [ "$(sql "SELECT count(*) FROM ledger.verify() WHERE table_name IS NULL AND ok")" = 1 ] ||
        fail "verify() returned no ok chain row"
}
