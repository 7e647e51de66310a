#!/usr/bin/env bash
# A sealer stays connected to its database, yet must not make the operations fail that need
# every other session gone from a database: CREATE DATABASE ... TEMPLATE, ALTER DATABASE ...
# RENAME and SET TABLESPACE, DROP DATABASE. It steps aside while they run and seals again after. A copy of a
# ledger database that ledger.databases does not list has no sealer, so its ledger tables
# refuse rows rather than keep them unsealed.
TEST_NAME=database_operations
source "$(dirname "$0")/common.bash"

start_cluster

# sealed_by_worker: rows inserted now are sealed by the worker (nobody calls ledger.seal()).
sealed_by_worker() {
    local value=$1
    sql "INSERT INTO t VALUES (nextval('t_id'), '$value')" > /dev/null
    wait_for "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL" 0 10
}

# refused_without_sealer DB: in DB, an insert into a ledger table and the conversion of a
# table that holds rows both fail with LG003.
refused_without_sealer() {
    local out statement
    cluster_psql -d "$1" -c "CREATE TABLE IF NOT EXISTS filled (id int); INSERT INTO filled VALUES (1)" > /dev/null
    for statement in "INSERT INTO t VALUES (0, 'unsealed')" "SELECT ledger.create_ledger_table('public.filled')"; do
        if out=$(cluster_psql -d "$1" -v VERBOSITY=verbose -c "$statement" 2>&1); then
            fail "[$statement] succeeded in unlisted database $1: $out"
        fi
        grep -q '^ERROR:  LG003: no pgledger sealer runs for database' <<< "$out" ||
            fail "expected LG003 for [$statement] in unlisted database $1, got: $out"
    done
}

sql "CREATE EXTENSION pgledger" > /dev/null
sql "CREATE SEQUENCE t_id; CREATE TABLE t (id bigint, note text);
     SELECT ledger.create_ledger_table('public.t')" > /dev/null
sealer_connected ledgertest
sealed_by_worker before

# 1. A copy made with CREATE DATABASE ... TEMPLATE.
out=$(cluster_psql -d postgres -c "CREATE DATABASE ledgercopy TEMPLATE ledgertest" 2>&1) ||
    fail "CREATE DATABASE ... TEMPLATE of a sealed database failed: $out"
[ "$(sql "SELECT bool_and(ok) FROM ledger.verify()" -d ledgercopy)" = t ] || fail "the copy does not verify"
refused_without_sealer ledgercopy
sealer_connected ledgertest
sealed_by_worker after-copy

# 2. Renamed, and back: under the new name no sealer is configured, so no rows are taken.
out=$(cluster_psql -d postgres -c "ALTER DATABASE ledgertest RENAME TO ledgermoved" 2>&1) ||
    fail "renaming a sealed database failed: $out"
refused_without_sealer ledgermoved
out=$(cluster_psql -d postgres -c "ALTER DATABASE ledgermoved RENAME TO ledgertest" 2>&1) ||
    fail "renaming the database back failed: $out"
sealer_connected ledgertest
sealed_by_worker after-rename
assert_verify_ok

# 3. Moved to another tablespace, which copies its files while no session is connected.
as_server_user mkdir "$CLUSTER_DIR/moved"
cluster_psql -d postgres -c "CREATE TABLESPACE moved LOCATION '$CLUSTER_DIR/moved'" > /dev/null
left_before=$(grep -c 'pgledger sealer leaves database "ledgertest"' "$CLUSTER_DIR/server.log" || true)
out=$(cluster_psql -d postgres -c "ALTER DATABASE ledgertest SET TABLESPACE moved" 2>&1) ||
    fail "moving a sealed database to another tablespace failed: $out"
[ "$(grep -c 'pgledger sealer leaves database "ledgertest"' "$CLUSTER_DIR/server.log")" -gt "$left_before" ] ||
    fail "the move succeeded without the sealer stepping aside: was it connected?"
sealer_connected ledgertest
sealed_by_worker after-move
assert_verify_ok

# 4. A listed ledger database dropped.
cluster_psql -d postgres -c "CREATE DATABASE ledgerrestore" > /dev/null
cluster_psql -d ledgerrestore -c "CREATE EXTENSION pgledger" > /dev/null
sealer_connected ledgerrestore
out=$(cluster_psql -d postgres -c "DROP DATABASE ledgerrestore" 2>&1) || fail "dropping a sealed database failed: $out"
grep -q 'pgledger sealer leaves database "ledgerrestore"' "$CLUSTER_DIR/server.log" ||
    fail "the server log does not say why the sealer left"

# 5. Dropped WITH (FORCE) while a client is connected: the sealer is terminated with the client, and the
# other database's sealer goes on.
cluster_psql -d postgres -c "CREATE DATABASE ledgerrestore" > /dev/null
cluster_psql -d ledgerrestore -c "CREATE EXTENSION pgledger" > /dev/null
sealer_connected ledgerrestore
cluster_psql -d ledgerrestore -c "SELECT pg_sleep(600)" > /dev/null 2>&1 &
client=$!
wait_for "SELECT count(*) FROM pg_stat_activity WHERE datname = 'ledgerrestore' AND query = 'SELECT pg_sleep(600)'" 1 10
out=$(cluster_psql -d postgres -c "DROP DATABASE ledgerrestore WITH (FORCE)" 2>&1) ||
    fail "dropping a sealed database WITH (FORCE) failed: $out"
wait "$client" && fail "the client of the dropped database was not terminated"
! grep -Eq 'terminated by signal|PANIC' "$CLUSTER_DIR/server.log" ||
    fail "a server process crashed: $(grep -E 'terminated by signal|PANIC' "$CLUSTER_DIR/server.log")"
sealed_by_worker after-forced-drop
assert_verify_ok

pass
