#!/usr/bin/env bash
# A REPEATABLE READ or SERIALIZABLE transaction whose snapshot predates the ledger's genesis,
# created meanwhile by another session, must fail as a serialization failure (40001, which
# clients retry), not collide with that genesis (a duplicate key) or miss it; retried, it
# succeeds on the one chain.
TEST_NAME=genesis_race
source "$(dirname "$0")/common.bash"

start_cluster "ledger.databases = 'ledgertest, ledgerrestore, ledgerthird'"
for database in ledgerrestore ledgerthird; do
    cluster_psql -d postgres -c "CREATE DATABASE $database" > /dev/null
done

# new_ledger DB: a database with an empty ledger (no genesis yet) and plain tables to convert.
new_ledger() {
    cluster_psql -d "$1" -c "CREATE EXTENSION pgledger; CREATE EXTENSION dblink;
        CREATE TABLE first_table (id int); CREATE TABLE second_table (id int)" > /dev/null
    [ "$(sql "SELECT count(*) FROM ledger.blocks" -d "$1")" = 0 ] || fail "$1 has blocks before any ledger table"
}

# stale_snapshot_then DB ISOLATION STATEMENT: in DB, take a snapshot at ISOLATION, let another
# session create the genesis (by converting first_table), then run STATEMENT in the stale
# transaction.
stale_snapshot_then() {
    cluster_psql -d "$1" -v VERBOSITY=verbose -v ON_ERROR_STOP=1 2>&1 <<SQL
BEGIN ISOLATION LEVEL $2;
SELECT count(*) FROM ledger.blocks;
SELECT * FROM dblink(format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                            current_setting('port'), current_database()),
                     'SELECT ledger.create_ledger_table(''public.first_table'')::text') AS converted(nothing text);
$3;
COMMIT;
SQL
}

# expect_serialization_failure DB ISOLATION STATEMENT
expect_serialization_failure() {
    local out
    if out=$(stale_snapshot_then "$@"); then
        fail "$2: [$3] on a snapshot older than the genesis succeeded: $out"
    fi
    grep -q '^ERROR:  40001: could not serialize access due to a concurrent creation of the ledger' <<< "$out" ||
        fail "$2: expected 40001 for [$3] on a stale snapshot, got: $out"
    [ "$(sql "SELECT count(*) FROM ledger.blocks" -d "$1")" = 1 ] || fail "$2: the chain has other than one genesis"
}

new_ledger ledgertest
expect_serialization_failure ledgertest "REPEATABLE READ" "SELECT ledger.create_ledger_table('public.second_table')"
new_ledger ledgerrestore
expect_serialization_failure ledgerrestore SERIALIZABLE \
    "SELECT ledger.key_digest('alice', 1, decode(repeat('ab', 32), 'hex'))"

# The table converted meanwhile takes the stale transaction's rows, but the digest it would
# sign names the ledger by a genesis its snapshot cannot see.
new_ledger ledgerthird
expect_serialization_failure ledgerthird "REPEATABLE READ" \
    "INSERT INTO first_table VALUES (1); SELECT ledger.transaction_digest('alice')"

# Retried, the conversion succeeds and seals onto the one chain.
sql "SELECT ledger.create_ledger_table('public.second_table');
     INSERT INTO second_table VALUES (1); SELECT ledger.seal()" > /dev/null
[ "$(sql "SELECT count(*) FROM ledger.blocks WHERE height = 0")" = 1 ] || fail "more than one genesis"
assert_verify_ok

pass
