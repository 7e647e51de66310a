#!/usr/bin/env bash
# pg_upgrade of a cluster that holds a ledger with a contract: the upgraded cluster verifies,
# still extends a digest taken before the upgrade, seals new rows, enforces the contract and
# guards its tables. pg_upgrade rebuilds the extension's objects one statement at a time from a
# schema-only dump, which the guards let through only in binary-upgrade mode.
TEST_NAME=upgrade
source "$(dirname "$0")/common.bash"

start_cluster
cluster_psql > /dev/null << 'SQL'
CREATE EXTENSION pgledger;
CREATE TYPE mood AS ENUM ('calm', 'tense');
CREATE DOMAIN amount AS numeric(12, 2) CHECK (VALUE >= 0);
CREATE TABLE payments (id bigserial PRIMARY KEY, payer text, total amount, moods mood[],
                       paid_at timestamptz DEFAULT now());
SELECT ledger.create_ledger_table('payments');
INSERT INTO payments (payer, total, moods)
SELECT 'payer ' || g, g * 1.25, ARRAY['calm', 'tense']::mood[] FROM generate_series(1, 200) g;
ALTER TABLE payments ADD COLUMN note text;
INSERT INTO payments (payer, total, note) VALUES ('late', 3, 'after the column was added');
SELECT ledger.install_contract('named_payer', $source$
    CREATE FUNCTION named(p public.payments) RETURNS text LANGUAGE sql BEGIN ATOMIC
        SELECT CASE WHEN p.payer IS NULL THEN 'a payment names its payer' END;
    END;
$source$, '{"public.payments": {"row": "named"}}');
INSERT INTO payments (payer, total) VALUES ('checked by the contract', 1);
SQL
sql "SELECT ledger.seal()" > /dev/null
assert_verify_ok
digest=$(sql "SELECT ledger.digest()")
rows=$(sql "SELECT count(*) FROM payments")
cluster_stop

# The new cluster: same binaries, same settings, a new data directory and port.
OLD_DIR=$CLUSTER_DIR
OLD_PORT=$CLUSTER_PORT
NEW_DIR=$(mktemp -d /tmp/pgledger-upgraded.XXXXXX)
trap 'cluster_remove; rm -rf "$OLD_DIR"; rm -f "$E2E_ERR"' EXIT
chmod 755 "$NEW_DIR"
[ "$(id -u)" = 0 ] && chown postgres: "$NEW_DIR"
as_server_user "$PG_BIN/initdb" -D "$NEW_DIR/data" -A trust -U postgres --no-sync > "$NEW_DIR/initdb.log" 2>&1 ||
    fail "initdb of the new cluster failed: $(cat "$NEW_DIR/initdb.log")"
NEW_PORT=$(free_port)
{
    echo "port = $NEW_PORT"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$NEW_DIR'"
    echo "shared_preload_libraries = 'pgledger'"
    echo "ledger.databases = '$CLUSTER_DB'"
    echo "ledger.block_interval = '200ms'"
} | as_server_user tee -a "$NEW_DIR/data/postgresql.conf" > /dev/null
CLUSTER_DIR=$NEW_DIR
CLUSTER_PORT=$NEW_PORT

# pg_upgrade writes its logs into its working directory's data directory.
(cd "$NEW_DIR" && as_server_user "$PG_BIN/pg_upgrade" -b "$PG_BIN" -B "$PG_BIN" -d "$OLD_DIR/data" \
    -D "$NEW_DIR/data" -p "$OLD_PORT" -P "$NEW_PORT" -s "$NEW_DIR" -U postgres) > "$NEW_DIR/upgrade.out" 2>&1 ||
    fail "pg_upgrade failed: $(tail -15 "$NEW_DIR/upgrade.out")
$(find "$NEW_DIR/data" -name '*.log' -path '*pg_upgrade_output.d*' -exec grep -h -B3 -A3 ERROR {} + 2> /dev/null | head -40)"
restart_cluster

# assert_refused SQL PATTERN WHAT: SQL fails with an error that matches PATTERN.
assert_refused() {
    local out
    out=$(sql "$1" 2>&1) && fail "$3 was allowed"
    grep -q "$2" <<< "$out" || fail "$3 was refused with another error: $out"
}

# assert_extends_digest WHEN: the ledger verifies and extends the digest taken before the upgrade.
assert_extends_digest() {
    assert_verify_ok
    [ "$(sql "SELECT ledger.verify_digest('$digest')")" = t ] ||
        fail "$1, the ledger no longer extends the digest taken before the upgrade"
}

[ "$(sql "SELECT count(*) FROM payments")" = "$rows" ] || fail "the upgraded table does not hold its $rows rows"
assert_extends_digest "right after the upgrade"

# The contract still checks rows, the sealer runs again, and the guards are back.
assert_refused "INSERT INTO payments (total) VALUES (1)" 'a payment names its payer' "a row without payer"
assert_refused "ALTER TABLE payments RENAME TO paid" 'renaming "payments", and with it its row type payments, is not allowed' \
    "renaming the table the contract's function takes"
sql "INSERT INTO payments (payer, total, note) VALUES ('after the upgrade', 7, 'new')" > /dev/null
wait_for "SELECT count(*) FROM ledger.transactions WHERE block_height IS NULL" 0 15
assert_extends_digest "after new blocks"
assert_refused "UPDATE payments SET payer = 'mallory'" 'UPDATE is not allowed on ledger table' \
    "UPDATE of the upgraded ledger table"
assert_refused "ALTER TABLE ledger.blocks ADD COLUMN note text" 'is not allowed on "ledger.blocks"' \
    "ALTER of ledger.blocks"

pass
