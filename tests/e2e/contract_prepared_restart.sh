#!/usr/bin/env bash
# A transaction prepared under a contract's lock survives a restart; the record of the last commit
# under each lock does not, since it lives in shared memory. A REPEATABLE READ transaction whose
# snapshot predates that prepared transaction's COMMIT PREPARED must still fail with 40001 when it
# commits under the same lock, not pass its contract checks on a stale state. Transactions under
# other locks commit meanwhile: only the prepared transaction's own locks are in doubt, and an
# application's two-key advisory lock on a contract lock's keys is neither that lock nor recorded as it.
TEST_NAME=contract_prepared_restart
source "$(dirname "$0")/common.bash"

start_cluster "max_prepared_transactions = 3"
cluster_psql > /dev/null <<'SQL'
CREATE EXTENSION pgledger;
CREATE EXTENSION dblink;
CREATE TABLE moves (account text, amount int);
SELECT ledger.create_ledger_table('public.moves');
SELECT ledger.install_contract('accept_moves', $source$
    CREATE FUNCTION accept(m public.moves) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.moves": {"row": "accept", "lock": "account"}}');
BEGIN;
INSERT INTO moves VALUES ('acct', 1);
PREPARE TRANSACTION 'survivor';
BEGIN;
INSERT INTO moves VALUES ('held', 7);
PREPARE TRANSACTION 'bystander';
-- The keys of the contract lock on account 'other', held by a prepared transaction of the application.
BEGIN;
INSERT INTO moves VALUES ('other', 0);
SELECT classid::bigint - CASE WHEN classid::bigint > 2147483647 THEN 4294967296 ELSE 0 END AS first_key,
       objid::bigint - CASE WHEN objid::bigint > 2147483647 THEN 4294967296 ELSE 0 END AS second_key
FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() \gset
ROLLBACK;
BEGIN;
SELECT pg_advisory_xact_lock(:first_key, :second_key);
PREPARE TRANSACTION 'application';
SQL
cluster_stop
# Without background workers no sealer starts, and nothing records the recovered prepared transactions'
# locks on its own: the COMMIT PREPARED below must.
restart_cluster "max_worker_processes = 0"
[ "$(sql "SELECT count(*) FROM pg_prepared_xacts WHERE gid IN ('survivor', 'bystander', 'application')")" = 3 ] ||
    fail "the prepared transactions did not survive the restart"

# Nothing else runs a contract check before this COMMIT PREPARED, and no sealer runs, so it must
# itself record the locks the prepared transactions hold before it commits one of them.
# The snapshot is taken while the prepared transaction is still in progress; another session commits
# it; then this transaction takes the same lock and commits.
if out=$(cluster_psql -v VERBOSITY=verbose 2>&1 <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM moves;
SELECT dblink_exec(format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                          current_setting('port'), current_database()), 'COMMIT PREPARED ''survivor''');
INSERT INTO moves VALUES ('acct', 2);
COMMIT;
SQL
); then
    fail "a transaction whose snapshot predates the COMMIT PREPARED committed under the same lock: $out"
fi
grep -q 'ERROR:  40001: could not serialize access to contract state' <<< "$out" ||
    fail "expected 40001 at commit, got: $out"
[ "$(sql "SELECT string_agg(amount::text, ',' ORDER BY amount) FROM moves WHERE account = 'acct'")" = 1 ] ||
    fail "moves holds $(sql "SELECT string_agg(amount::text, ',' ORDER BY amount) FROM moves"), expected 1 for acct"

# While 'bystander' stays prepared, a REPEATABLE READ transaction under another lock (another
# account) commits: its snapshot cannot miss a commit under a lock that nothing holds. The prepared
# 'application' holds an advisory lock on that contract lock's two keys: neither the same lock (the
# insert would wait) nor recorded as a contract lock (the commit would fail with 40001).
sql "SET lock_timeout = '5s'; BEGIN ISOLATION LEVEL REPEATABLE READ; INSERT INTO moves VALUES ('other', 5); COMMIT" \
    > /dev/null || fail "with transactions still prepared, one under an unrelated lock could not commit"
sql "ROLLBACK PREPARED 'bystander'" > /dev/null
sql "ROLLBACK PREPARED 'application'" > /dev/null

# Once that transaction has ended, a new one on the same lock commits.
sql "BEGIN ISOLATION LEVEL REPEATABLE READ; INSERT INTO moves VALUES ('acct', 3); COMMIT" > /dev/null ||
    fail "a fresh transaction after the restart could not commit under the lock"
pass
