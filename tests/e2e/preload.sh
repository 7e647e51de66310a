#!/usr/bin/env bash
# CREATE EXTENSION must refuse where the ledger could not be enforced: without the library
# preloaded (no hooks, no sealer), and in a database that ledger.databases does not list
# (no sealer for it).
TEST_NAME=preload
source "$(dirname "$0")/common.bash"

# create_extension DB -> psql's verbose output (which carries the SQLSTATE); fails the test if
# CREATE EXTENSION succeeds.
create_extension() {
    local out
    if out=$(cluster_psql -d "$1" -v VERBOSITY=verbose -c "CREATE EXTENSION pgledger" 2>&1); then
        fail "CREATE EXTENSION pgledger succeeded in database $1 but must be refused: $out"
    fi
    printf '%s\n' "$out"
}

# 1. Not preloaded.
start_cluster "shared_preload_libraries = ''"
out=$(create_extension ledgertest)
grep -q '^ERROR:  55000: ' <<< "$out" || fail "without preload, expected SQLSTATE 55000, got: $out"
grep -q '^HINT: .*shared_preload_libraries' <<< "$out" ||
    fail "without preload, expected a hint mentioning shared_preload_libraries, got: $out"
[ "$(sql "SELECT count(*) FROM pg_extension WHERE extname = 'pgledger'")" = 0 ] ||
    fail "the refused CREATE EXTENSION left the extension installed"
[ "$(sql "SELECT count(*) FROM pg_namespace WHERE nspname = 'ledger'")" = 0 ] ||
    fail "the refused CREATE EXTENSION left the ledger schema behind"

# 2. Preloaded, but the database is not in ledger.databases.
cluster_stop
restart_cluster "shared_preload_libraries = 'pgledger'"
cluster_psql -d postgres -c "CREATE DATABASE unlisted" > /dev/null
out=$(create_extension unlisted)
grep -q '^ERROR:  LG003: ' <<< "$out" || fail "in an unlisted database, expected SQLSTATE LG003, got: $out"
[ "$(sql "SELECT count(*) FROM pg_extension WHERE extname = 'pgledger'" -d unlisted)" = 0 ] ||
    fail "the refused CREATE EXTENSION left the extension installed in database unlisted"

# A database name with capitals must be listed quoted, as the hint spells it: unquoted,
# ledger.databases folds names to lower case.
cluster_psql -d postgres -c 'CREATE DATABASE "Shop"' > /dev/null
out=$(create_extension Shop)
grep -qF "ledger.databases = '\"Shop\"'" <<< "$out" || fail "the hint does not spell the quoted name: $out"
cluster_stop
restart_cluster "ledger.databases = 'ledgertest, \"Shop\"'"
cluster_psql -d Shop -c "CREATE EXTENSION pgledger" > /dev/null || fail "CREATE EXTENSION failed in \"Shop\" once listed as the hint says"

# Control: the same statement succeeds in a listed database, so the refusals above are
# about preload and ledger.databases, not about something else being broken.
cluster_psql -c "CREATE EXTENSION pgledger" > /dev/null || fail "CREATE EXTENSION failed in the listed database ledgertest"

# 3. Preloaded no more: a ledger table still loads the library into the session that uses it, but
# no sealer runs and the record of the last commit under each contract lock, in shared memory, is
# missing. Rows are refused, so none is stored unsealed or unchecked by its contract.
cluster_psql > /dev/null <<'SQL'
CREATE TABLE moves (account text, amount int);
SELECT ledger.create_ledger_table('public.moves');
SELECT ledger.install_contract('accept_moves', $source$
    CREATE FUNCTION accept(m public.moves) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.moves": {"row": "accept", "lock": "account"}}');
SQL
cluster_stop
restart_cluster "shared_preload_libraries = ''"
if out=$(cluster_psql -v VERBOSITY=verbose 2>&1 <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO moves VALUES ('acct', 1);
COMMIT;
SQL
); then
    fail "a row was stored in a contract-checked ledger table without the preloaded library: $out"
fi
grep -q '^ERROR:  LG003: ' <<< "$out" || fail "without preload, expected LG003 for a ledger row, got: $out"
[ "$(sql "SELECT count(*) FROM moves")" = 0 ] || fail "without preload, moves holds rows"

pass
