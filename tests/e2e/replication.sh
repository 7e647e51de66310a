#!/usr/bin/env bash
# Logical replication into a ledger table: rows the apply workers insert (the initial copy and
# later changes) are captured and sealed on the subscriber like any insert, and an UPDATE or
# DELETE replicated from the publisher is refused although replication bypasses the executor.
# The publisher's table is a plain table, so that it can send updates and deletes at all.
TEST_NAME=replication
source "$(dirname "$0")/common.bash"

start_cluster "wal_level = logical" "max_replication_slots = 4" "max_wal_senders = 4" \
    "wal_retrieve_retry_interval = '200ms'"

# Publisher: database ledgertest, a plain table.
cluster_psql > /dev/null <<'SQL'
CREATE TABLE payments (id int PRIMARY KEY, payer text, amount numeric);
INSERT INTO payments SELECT g, 'initial-' || g, g FROM generate_series(1, 50) g;
CREATE PUBLICATION ledger_feed FOR TABLE payments;
SELECT pg_create_logical_replication_slot('ledger_feed', 'pgoutput');
SQL

# Subscriber: database ledgerrestore, the same table made a ledger table. (Publisher and
# subscriber share the cluster, so the slot was made above, not by CREATE SUBSCRIPTION.)
cluster_psql -d postgres -c "CREATE DATABASE ledgerrestore" > /dev/null
subscriber() { cluster_psql -d ledgerrestore -At "$@"; }
subscriber > /dev/null <<SQL
CREATE EXTENSION pgledger;
CREATE TABLE payments (id int PRIMARY KEY, payer text, amount numeric);
SELECT ledger.create_ledger_table('payments');
CREATE SUBSCRIPTION ledger_feed
    CONNECTION 'host=$CLUSTER_DIR port=$CLUSTER_PORT dbname=ledgertest user=postgres'
    PUBLICATION ledger_feed WITH (create_slot = false, slot_name = 'ledger_feed');
SQL

wait_rows() {
    local deadline=$((SECONDS + 60))
    until [ "$(subscriber -c "SELECT count(*) FROM payments")" = "$1" ]; do
        [ $SECONDS -lt $deadline ] || fail "the subscriber did not reach $1 rows: $(subscriber -c "SELECT count(*) FROM payments")"
        sleep 0.2
    done
}
wait_rows 50
sql "INSERT INTO payments SELECT g, 'applied-' || g, g FROM generate_series(51, 80) g" > /dev/null
wait_rows 80

unpositioned=$(subscriber -c "SELECT count(*) FROM payments WHERE ledger_transaction_id IS NULL
                                 OR ledger_transaction_id <= 0 OR ledger_sequence_number <= 0")
[ "$unpositioned" = 0 ] || fail "$unpositioned replicated rows have no ledger position"
subscriber -c "SELECT ledger.seal()" > /dev/null
verified=$(subscriber -c "SELECT rows_checked || '|' || ok FROM ledger.verify('payments') WHERE table_name IS NOT NULL")
[ "$verified" = "80|true" ] || fail "verify() on the subscriber: expected 80|true, got [$verified]"
# Two transactions at least: the initial copy and the later insert, each sealed.
entries=$(subscriber -c "SELECT count(*) FROM ledger.transactions WHERE block_height IS NOT NULL")
[ "$entries" -ge 2 ] || fail "expected the replicated transactions to be sealed, found $entries entries"

# The publisher changes, then removes, a row. The subscriber's apply worker must fail on each
# (it retries the failing transaction until it is skipped), and the ledger row stays.
wait_for_log() {
    local deadline=$((SECONDS + 30))
    until grep -q "$1" "$CLUSTER_DIR/server.log"; do
        [ $SECONDS -lt $deadline ] || fail "the server log never showed: $1"
        sleep 0.2
    done
}
# skip_failed_transaction: the refused remote transaction's end, from the apply worker's
# error context ("... finished at 0/1A2B3C8"), is skipped so that the next one is applied.
skip_failed_transaction() {
    local lsn
    lsn=$(grep -o 'finished at [0-9A-F]*/[0-9A-F]*' "$CLUSTER_DIR/server.log" | tail -1 | cut -d' ' -f3)
    [ -n "$lsn" ] || fail "no failed remote transaction in the server log"
    subscriber -c "ALTER SUBSCRIPTION ledger_feed SKIP (lsn = '$lsn')" > /dev/null
}
sql "UPDATE payments SET amount = 1000000 WHERE id = 7" > /dev/null
wait_for_log 'UPDATE is not allowed on ledger table "payments"'
skip_failed_transaction
sql "DELETE FROM payments WHERE id = 8" > /dev/null
wait_for_log 'DELETE is not allowed on ledger table "payments"'
skip_failed_transaction

[ "$(subscriber -c "SELECT amount FROM payments WHERE id = 7")" = 7 ] ||
    fail "the replicated UPDATE changed a ledger row"
[ "$(subscriber -c "SELECT count(*) FROM payments WHERE id = 8")" = 1 ] ||
    fail "the replicated DELETE removed a ledger row"
# Later inserts still arrive and are sealed.
sql "INSERT INTO payments VALUES (81, 'after the refusals', 81)" > /dev/null
wait_rows 81
subscriber -c "SELECT ledger.seal()" > /dev/null
verified=$(subscriber -c "SELECT rows_checked || '|' || ok FROM ledger.verify('payments') WHERE table_name IS NOT NULL")
[ "$verified" = "81|true" ] || fail "verify() after the refused changes: expected 81|true, got [$verified]"

pass
