#!/usr/bin/env bash
# ledger.block_interval takes effect on reload: shortening a long interval must end the wait
# the sealer is in, not apply only after the old interval has run out.
TEST_NAME=sealer_reload
source "$(dirname "$0")/common.bash"

start_cluster "ledger.block_interval = '1h'"
sql "CREATE EXTENSION pgledger; CREATE TABLE t (id int); SELECT ledger.create_ledger_table('public.t')" > /dev/null
sealer_connected
sql "INSERT INTO t VALUES (1)" > /dev/null
sleep 2
# The premise: the sealer is in its hour-long wait, so nothing seals this row by itself.
[ "$(sql "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL")" = 1 ] ||
    fail "the row was sealed while the sealer should have been waiting an hour"
sql "ALTER SYSTEM SET ledger.block_interval = '200ms'" > /dev/null
sql "SELECT pg_reload_conf()" > /dev/null
wait_for "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL" 0 10
assert_verify_ok
pass
