#!/usr/bin/env bash
# An error caught by a savepoint inside one of the ledger's own writes must not leave that
# write open: afterwards the ledger's tables are as closed to the session as before.
TEST_NAME=savepoints
source "$(dirname "$0")/common.bash"

# The background sealer waits an hour between rounds: this test's own ledger.seal() must be
# the one that meets the lock.
start_cluster "ledger.block_interval = '1h'"
sealer_connected
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE TABLE t (id int);
SELECT ledger.create_ledger_table('t');
INSERT INTO t VALUES (1);
SQL

# Another session holds the unsealed entry's row lock, so that seal() fails inside its
# UPDATE of ledger.transactions, the ledger's internal write.
cluster_psql -c "BEGIN" -c "SELECT 1 FROM ledger.transactions WHERE block_height IS NULL FOR UPDATE" \
    -c "SELECT pg_sleep(60)" > /dev/null 2>&1 &
locker=$!
wait_for "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" 1 20

out=$(cluster_psql -v ON_ERROR_STOP=0 2>&1 <<'SQL'
BEGIN;
SET LOCAL lock_timeout = '300ms';
SAVEPOINT before_seal;
SELECT ledger.seal();
ROLLBACK TO SAVEPOINT before_seal;
UPDATE ledger.transactions SET committed_by = 'mallory';
ROLLBACK;
SQL
)
grep -q 'lock timeout' <<< "$out" && grep -q 'UPDATE ledger.transactions t SET block_height' <<< "$out" ||
    fail "seal() did not fail inside its update of the locked entry: [$out]"
grep -q 'UPDATE is not allowed on "ledger.transactions"' <<< "$out" ||
    fail "after the caught error the session could update ledger.transactions: [$out]"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'" > /dev/null
wait "$locker" || true

[ -n "$(sql "SELECT ledger.seal()")" ] || fail "seal() sealed nothing once the lock was gone"
assert_verify_ok
pass
