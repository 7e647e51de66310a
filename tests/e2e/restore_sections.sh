#!/usr/bin/env bash
# A restore that takes a moment between creating the extension and loading the ledger's own
# rows (here: pg_restore by sections, as an operator may do; a parallel restore or a plain
# SQL dump replayed by psql has the same gap, only shorter) must still give the original
# chain. The sealer of the new database runs all along and must not start a chain of its own
# in the empty ledger.blocks in between.
TEST_NAME=restore_sections
source "$(dirname "$0")/common.bash"

start_cluster
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE TABLE t (id int PRIMARY KEY, name text);
SELECT ledger.create_ledger_table('public.t');
INSERT INTO t (id, name) VALUES (1, 'alice'), (2, 'bob');
SELECT ledger.seal();
INSERT INTO t (id, name) VALUES (3, 'carol');
SELECT ledger.seal();
SQL
assert_verify_ok
digest=$(sql "SELECT ledger.digest()")
dump="$CLUSTER_DIR/ledgertest.dump"
pg_dump -Fc -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -f "$dump" ledgertest || fail "pg_dump failed"

sql "CREATE DATABASE ledgerrestore" -d postgres > /dev/null
# The sealer of ledgerrestore is retried every few seconds until the database exists.
sealer_connected ledgerrestore

restore_log="$CLUSTER_DIR/restore.log"
diagnosis=""
restore_section() {
    pg_restore --exit-on-error --section="$1" -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -d ledgerrestore \
        "$dump" > "$restore_log" 2>&1 || fail "pg_restore --section=$1 failed: $(cat "$restore_log")$diagnosis"
}
restore_section pre-data
# Give the sealer (block_interval 200ms) a few rounds with the extension but no ledger rows yet.
sleep 1
CLUSTER_DB=ledgerrestore
blocks=$(sql "SELECT count(*) FROM ledger.blocks")
[ "$blocks" = 0 ] ||
    diagnosis=" (before the ledger's rows were restored, the sealer had written $blocks block(s) of its own into ledger.blocks)"
restore_section data
restore_section post-data
[ -z "$diagnosis" ] || fail "the restore succeeded, but$diagnosis"

[ "$(sql "SELECT count(*) FROM t")" = 3 ] || fail "the restored table does not hold the 3 rows"
assert_verify_ok
[ "$(sql "SELECT ledger.verify_digest('$digest')")" = t ] ||
    fail "verify_digest(digest taken before the dump) is not true in the restored database"

pass
