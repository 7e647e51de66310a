-- Contracts: installation, determinism, enforcement, versions, protection.
SET client_min_messages = warning;
CREATE TABLE deposits (account text, amount numeric);
CREATE TABLE withdrawals (account text, amount numeric);
SELECT ledger.create_ledger_table('deposits');
SELECT ledger.create_ledger_table('withdrawals');
CREATE TABLE not_ledger (id int);

-- Bad installations.
SELECT statement, outcome(statement) FROM (VALUES
    ($$SELECT ledger.install_contract('Bad Name', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '[]')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"no_such": {"row": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"not_ledger": {"row": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"row": 1}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"when": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"transaction": "f", "lock": 3}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"transaction": "f", "lock": "no_such_column"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"row": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS ''SELECT 1''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'SELECT 1', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE TABLE state (x int); CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT NULL::text''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT CASE WHEN random() < 0 THEN ''''x'''' END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT CASE WHEN pg_catalog.clock_timestamp() < ''''2000-01-01'''' THEN ''''x'''' END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT CASE WHEN now() < ''''2000-01-01'''' THEN ''''x'''' END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN CURRENT_DATE < ''2000-01-01'' THEN ''x'' END; END', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS ''BEGIN EXECUTE ''''SELECT 1''''; RETURN NULL; END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS ''BEGIN PERFORM nextval(''''ledger.table_id_seq''''); RETURN NULL; END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE internal AS ''timeofday''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS ''BEGIN IF '''' Now''''::timestamptz < ''''2000-01-01'''' THEN RETURN ''''x''''; END IF; RETURN NULL; END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT CASE WHEN ''''today''''::date < ''''2000-01-01'''' THEN ''''x'''' END''', '{"withdrawals": {"transaction": "f"}}')$$),
    ($$SELECT ledger.install_contract('c', 'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS ''SELECT CASE WHEN age((ledger.now())::timestamp) > interval ''''1 day'''' THEN ''''x'''' END''', '{"withdrawals": {"transaction": "f"}}')$$)
) AS cases(statement);

-- A contract with a row check and a transaction check.
SELECT ledger.install_contract('no_overdraft', $source$
    CREATE FUNCTION positive_amount(w public.withdrawals) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN w.amount <= 0 THEN 'a withdrawal must be positive' END $$;
    CREATE FUNCTION covered() RETURNS text LANGUAGE plpgsql AS $$
    DECLARE
        short text;
    BEGIN
        SELECT w.account INTO short
        FROM (SELECT account, sum(amount) AS total FROM public.withdrawals GROUP BY account) w
        LEFT JOIN (SELECT account, sum(amount) AS total FROM public.deposits GROUP BY account) d USING (account)
        WHERE w.total > coalesce(d.total, 0)
        ORDER BY 1 LIMIT 1;
        RETURN CASE WHEN short IS NOT NULL THEN 'account ' || short || ' would be overdrawn' END;
    END $$;
    CREATE FUNCTION not_in_the_past(w public.withdrawals) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN ledger.now() < '2000-01-01' THEN 'the ledger clock is wrong' END $$;
$source$, '{"public.withdrawals": {"row": "positive_amount", "transaction": "covered", "lock": "account"},
            "public.deposits": {"transaction": "covered", "lock": "account"}}') AS version;

SELECT contract_name, version, schema_name, jsonb_array_length(checks) AS checked_tables,
       length(source_hash) AS hash_bytes FROM ledger.contracts;

INSERT INTO deposits VALUES ('alice', 100);
INSERT INTO withdrawals VALUES ('alice', 60);
INSERT INTO withdrawals VALUES ('alice', -5);
BEGIN;
INSERT INTO withdrawals VALUES ('alice', 30);
INSERT INTO withdrawals VALUES ('alice', 30);
COMMIT;
-- Deposit and withdrawal in one transaction: checked together at commit.
BEGIN;
INSERT INTO deposits VALUES ('bob', 10);
INSERT INTO withdrawals VALUES ('bob', 10);
SELECT ledger.current_transaction_id() IS NOT NULL AS in_ledger_transaction;
COMMIT;
-- An application role needs only its table rights: the contract's schema is
-- usable by everyone, its checks run as that role.
CREATE ROLE regress_teller;
GRANT INSERT, SELECT ON deposits, withdrawals TO regress_teller;
SET ROLE regress_teller;
INSERT INTO deposits VALUES ('dan', 5);
INSERT INTO withdrawals VALUES ('dan', 5);
INSERT INTO withdrawals VALUES ('dan', 1);
RESET ROLE;
SELECT account, sum(amount) FROM withdrawals GROUP BY account ORDER BY account;
SELECT ledger.now() = now() AS ledger_clock_is_transaction_start;
SELECT ledger.current_transaction_id() IS NULL AS outside_ledger_transaction;

-- The versions that checked each entry are recorded.
SELECT t.relation, e.row_count,
       (SELECT array_agg(c.contract_name || ' v' || c.version) FROM ledger.contracts c
        WHERE c.contract_id = ANY (e.contract_ids)) AS checked_by
FROM ledger.transactions e JOIN ledger.tables t USING (table_id)
WHERE t.relation IN ('deposits'::regclass, 'withdrawals'::regclass)
ORDER BY e.transaction_id, t.table_id;

-- A new version supersedes the old one, which stays in the history.
SELECT ledger.install_contract('no_overdraft', $source$
    CREATE FUNCTION positive_amount(w public.withdrawals) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN w.amount < 1 THEN 'a withdrawal must be at least 1' END $$;
$source$, '{"public.withdrawals": {"row": "positive_amount"}}') AS version;
INSERT INTO withdrawals VALUES ('carol', 0.5);
SELECT contract_name, version, schema_name FROM ledger.contracts ORDER BY version;

-- Each transaction check attached to a table the transaction wrote to runs.
SELECT ledger.install_contract('unlucky', $source$
    CREATE FUNCTION no_unlucky_deposit() RETURNS text LANGUAGE sql AS $$
        SELECT 'no deposit of 13' FROM public.deposits
        WHERE amount = 13 AND ledger_transaction_id = ledger.current_transaction_id() LIMIT 1 $$;
    CREATE FUNCTION no_unlucky_withdrawal() RETURNS text LANGUAGE sql AS $$
        SELECT 'no withdrawal of 13' FROM public.withdrawals
        WHERE amount = 13 AND ledger_transaction_id = ledger.current_transaction_id() LIMIT 1 $$;
$source$, '{"public.deposits": {"transaction": "no_unlucky_deposit"},
            "public.withdrawals": {"transaction": "no_unlucky_withdrawal"}}') AS version;
BEGIN;
INSERT INTO deposits VALUES ('erin', 20);
INSERT INTO withdrawals VALUES ('erin', 13);
COMMIT;
BEGIN;
INSERT INTO withdrawals VALUES ('erin', 1);
INSERT INTO deposits VALUES ('erin', 13);
COMMIT;
SELECT count(*) AS erin_rows FROM deposits WHERE account = 'erin';

-- The recorded functions cannot change.
SELECT statement, outcome(statement) FROM (VALUES
    ($$CREATE OR REPLACE FUNCTION contract_no_overdraft_v1.covered() RETURNS text LANGUAGE sql AS 'SELECT NULL::text'$$),
    ($$CREATE FUNCTION contract_no_overdraft_v1.extra() RETURNS text LANGUAGE sql AS 'SELECT NULL::text'$$),
    ($$ALTER FUNCTION contract_no_overdraft_v1.covered() SET search_path = public$$),
    ($$ALTER FUNCTION contract_no_overdraft_v1.covered() RENAME TO uncovered$$),
    ($$ALTER FUNCTION contract_no_overdraft_v1.covered() SET SCHEMA public$$),
    ($$DROP FUNCTION contract_no_overdraft_v1.covered()$$),
    ($$DROP SCHEMA contract_no_overdraft_v1 CASCADE$$),
    ($$ALTER SCHEMA contract_no_overdraft_v1 RENAME TO elsewhere$$),
    ($$UPDATE ledger.contracts SET source = ''$$),
    ($$DELETE FROM ledger.contracts$$)
) AS cases(statement);

SELECT ledger.seal() > 0 AS sealed;
SELECT table_name, rows_checked, ok, problem FROM ledger.verify() ORDER BY table_name NULLS FIRST;
SELECT (SELECT array_agg(c.contract_name || ' v' || c.version) FROM ledger.contracts c
        WHERE c.contract_id = ANY (b.contract_ids)) AS in_force,
       length(contracts_hash) AS hash_bytes
FROM ledger.blocks b ORDER BY height DESC LIMIT 1;

-- The ledger's own queries do not follow the caller's search_path: a
-- function shadowing a built-in one from a schema put first, or a temporary
-- view named like a catalog, changes nothing (a new session loads the
-- contracts anew).
\c
CREATE SCHEMA shadow;
CREATE FUNCTION shadow.jsonb_array_elements(jsonb) RETURNS SETOF jsonb LANGUAGE sql
    AS 'SELECT NULL::jsonb WHERE false';
SET search_path = shadow, pg_catalog, public;
SELECT outcome('INSERT INTO withdrawals VALUES (''alice'', -5)');
RESET search_path;
DROP SCHEMA shadow CASCADE;
CREATE FUNCTION pg_temp.tripwire() RETURNS oid LANGUAGE plpgsql
    AS $$ BEGIN RAISE EXCEPTION 'a temporary view was read as the catalog'; END $$;
CREATE TEMP VIEW pg_proc AS SELECT pg_temp.tripwire() AS oid, 0::oid AS pronamespace;
SELECT bool_and(ok) AS verified FROM ledger.verify();
DROP VIEW pg_temp.pg_proc;
-- Contract functions name pg_temp last, so that a caller's temporary table
-- cannot stand in for one a check reads.
SELECT proconfig FROM pg_proc
WHERE oid = 'contract_no_overdraft_v2.positive_amount(public.withdrawals)'::regprocedure;

-- Contract functions do not search public: an operator placed there that
-- matches a check's arguments better than the built-in one would change
-- what the check means, and nothing the ledger records would show it.
CREATE TABLE limited (amount numeric);
SELECT ledger.create_ledger_table('limited');
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l limited) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.limited": {"row": "at_most_100"}}');
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        IF l.amount > 100 THEN
            RETURN 'over 100';
        END IF;
        RETURN NULL;
    END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}') AS version;
CREATE FUNCTION public.never_greater(numeric, integer) RETURNS boolean LANGUAGE sql IMMUTABLE RETURN false;
CREATE OPERATOR public.> (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = public.never_greater);
SELECT 500::numeric > 100 AS greater_where_public_is_searched;
SELECT outcome('INSERT INTO limited VALUES (500)');
INSERT INTO limited VALUES (50);
DROP OPERATOR public.> (numeric, integer);
DROP FUNCTION public.never_greater(numeric, integer);
-- pg_temp stays on every search path, last: a table a check names without
-- its schema is not found, unless the inserting session made a temporary
-- table of that name. A check reading a temporary table is refused.
CREATE TABLE caps (cap numeric);
INSERT INTO caps VALUES (100);
CREATE TABLE capped_orders (amount numeric);
SELECT ledger.create_ledger_table('capped_orders');
SELECT ledger.install_contract('under_cap', $source$
    CREATE FUNCTION under_cap(o public.capped_orders) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        IF o.amount > (SELECT max(cap) FROM caps) THEN
            RETURN 'over the cap';
        END IF;
        RETURN NULL;
    END $$;
$source$, '{"public.capped_orders": {"row": "under_cap"}}') AS version;
SELECT outcome('INSERT INTO capped_orders VALUES (500)');
CREATE TEMP TABLE caps (cap numeric);
INSERT INTO caps VALUES (1000000);
SELECT outcome('INSERT INTO capped_orders VALUES (500)');
-- A refusal caught inside the session ends the check: its own temporary
-- table is its to read again.
DO $$
BEGIN
    INSERT INTO capped_orders VALUES (500);
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'refused: %', SQLERRM;
END $$;
SELECT max(cap) AS temporary_cap FROM caps;
DROP TABLE pg_temp.caps;
SELECT count(*) AS orders FROM capped_orders;
-- Nor do install_contract()'s own queries, which run as the installing role:
-- a format() that matches their arguments better than the built-in one is
-- not called.
CREATE FUNCTION public.format(text, name, text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'public.format() ran as %', current_user;
END $$;
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN l.amount > 100 THEN 'over 100' END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}') AS version;
DROP FUNCTION public.format(text, name, text);
-- An unqualified call reaches only pg_catalog and the contract's own schema:
-- a volatile function of the same name elsewhere neither changes the check
-- nor blocks its installation.
CREATE FUNCTION public.abs(numeric) RETURNS numeric LANGUAGE sql VOLATILE AS 'SELECT random()::numeric';
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN abs(l.amount) > 100 THEN 'over 100' END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}') AS version;
SELECT outcome('INSERT INTO limited VALUES (-500)');
DROP FUNCTION public.abs(numeric);
-- A function in pg_temp is the inserting session's own.
SELECT outcome($sql$SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        RETURN pg_temp.judge(l);
    END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}')$sql$);
SELECT outcome($sql$SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        IF l.amount OPERATOR(pg_temp.>) 100 THEN
            RETURN 'over 100';
        END IF;
        RETURN NULL;
    END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}')$sql$);
-- One table's checks are given once, under whichever name.
SELECT outcome($sql$SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"limited": {"row": "at_most_100"}, "public.limited": {"row": "at_most_100"}}')$sql$);
-- Unicode escapes are decoded by the parser only: the check cannot see
-- what they name.
SELECT outcome($sql$SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        RETURN U&"pg_temp".judge(l);
    END $$;
$source$, '{"public.limited": {"row": "at_most_100"}}')$sql$);
-- What the source SETs is undone: the definitions are recorded, and the
-- caller's session goes on, as without it.
SELECT ledger.install_contract('at_most_100', $source$
    SET quote_all_identifiers = on;
    SET search_path = public;
    CREATE FUNCTION contract_at_most_100_v4.at_most_100(l public.limited) RETURNS text LANGUAGE sql
        BEGIN ATOMIC SELECT CASE WHEN l.amount > 100 THEN 'over 100' END; END;
$source$, '{"public.limited": {"row": "at_most_100"}}') AS version;
SHOW quote_all_identifiers;
SELECT table_name, ok, problem FROM ledger.verify() WHERE NOT ok;
-- The tables in the checks are named as the caller sees them; the other
-- queries do not reach the caller's operators either.
CREATE FUNCTION public.oid_is_regclass(oid, regclass) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'public.=(oid, regclass) ran as %', current_user;
END $$;
CREATE OPERATOR public.= (LEFTARG = oid, RIGHTARG = regclass, FUNCTION = public.oid_is_regclass);
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN l.amount > 100 THEN 'over 100' END $$;
$source$, '{"limited": {"row": "at_most_100"}}') AS version;
DROP OPERATOR public.= (oid, regclass);
DROP FUNCTION public.oid_is_regclass(oid, regclass);
-- Not even with pg_catalog searched after public.
CREATE FUNCTION public.to_regclass(text) RETURNS regclass LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'public.to_regclass() ran as %', current_user;
END $$;
SET search_path = public, pg_catalog;
SELECT ledger.install_contract('at_most_100', $source$
    CREATE FUNCTION at_most_100(l public.limited) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN l.amount > 100 THEN 'over 100' END $$;
$source$, '{"limited": {"row": "at_most_100"}}') AS version;
RESET search_path;
DROP FUNCTION public.to_regclass(text);

-- A superuser editing the catalog behind the hooks is caught, and once the
-- function is as recorded again, the ledger verifies again.
SELECT prosrc AS recorded_source FROM pg_proc
WHERE oid = 'contract_no_overdraft_v2.positive_amount(public.withdrawals)'::regprocedure \gset
UPDATE pg_proc SET prosrc = ' SELECT NULL::text '
WHERE oid = 'contract_no_overdraft_v2.positive_amount(public.withdrawals)'::regprocedure;
SELECT table_name, ok, problem FROM ledger.verify() WHERE NOT ok;
UPDATE pg_proc SET prosrc = :'recorded_source'
WHERE oid = 'contract_no_overdraft_v2.positive_amount(public.withdrawals)'::regprocedure;
SELECT bool_and(ok) AS verified FROM ledger.verify();
-- The recorded definitions read the same whatever the auditor's quoting.
SET quote_all_identifiers = on;
SELECT table_name, ok, problem FROM ledger.verify() WHERE NOT ok;
RESET quote_all_identifiers;
-- Contract functions name the row types they take, and the ledger recorded
-- their definitions with those names: renaming or moving such a type, also
-- through its table or schema, is refused.
CREATE SCHEMA elsewhere;
SELECT statement, outcome(statement) FROM (VALUES
    ('ALTER TABLE withdrawals RENAME TO outgoing'),
    ('ALTER TABLE withdrawals SET SCHEMA elsewhere'),
    ('ALTER SCHEMA public RENAME TO main')
) AS cases(statement);
SELECT bool_and(ok) AS verified FROM ledger.verify();
DROP SCHEMA elsewhere;

-- Equal values of a lock column take the same lock, however they print:
-- numeric 1.0 and 1.00, one instant under two time zones.
CREATE TABLE prices (item numeric, at timestamptz);
SELECT ledger.create_ledger_table('prices');
SELECT ledger.install_contract('by_item', $source$
    CREATE FUNCTION accept(p public.prices) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.prices": {"row": "accept", "lock": "item"}}') AS version;
SELECT ledger.install_contract('by_time', $source$
    -- age() of two instants is deterministic, unlike age() of one.
    CREATE FUNCTION accept(p public.prices) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN age(ledger.now()::timestamp, p.at::timestamp) < interval '-1000 years' THEN 'future' END $$;
$source$, '{"public.prices": {"row": "accept", "lock": "at"}}') AS version;
BEGIN;
INSERT INTO prices VALUES (1.0, '2026-01-01 12:00+00');
SELECT string_agg(classid || ':' || objid, ',' ORDER BY classid, objid) AS first_locks FROM pg_locks
WHERE locktype = 'advisory' AND objsubid = 28775 AND pid = pg_backend_pid() \gset
ROLLBACK;
SET TimeZone = 'Asia/Tokyo';
BEGIN;
INSERT INTO prices VALUES (1.00, '2026-01-01 21:00+09');
SELECT string_agg(classid || ':' || objid, ',' ORDER BY classid, objid) AS second_locks FROM pg_locks
WHERE locktype = 'advisory' AND objsubid = 28775 AND pid = pg_backend_pid() \gset
ROLLBACK;
RESET TimeZone;
SELECT array_length(string_to_array(:'first_locks', ','), 1) AS contract_locks,
       :'first_locks' = :'second_locks' AS same_locks;

-- Under REPEATABLE READ, a transaction whose snapshot predates a commit under
-- the same contract lock fails with 40001, also when a transaction that its
-- contract then refused came in between. Another session holds the snapshot.
CREATE EXTENSION dblink;
CREATE TABLE moves (account text, amount int);
SELECT ledger.create_ledger_table('moves');
SELECT ledger.install_contract('no_negative_moves', $source$
    CREATE FUNCTION accept(m public.moves) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
    CREATE FUNCTION no_negative() RETURNS text LANGUAGE sql AS $$
        SELECT 'a move may not be negative' FROM public.moves
        WHERE ledger_transaction_id = ledger.current_transaction_id() AND amount < 0 LIMIT 1 $$;
$source$, '{"public.moves": {"row": "accept", "transaction": "no_negative", "lock": "account"}}') AS version;
-- Contract locks are tagged apart from the application's advisory locks: a
-- session holding pg_advisory_lock(int, int) on a contract lock's two keys
-- does not make a checked insert wait.
BEGIN;
INSERT INTO moves VALUES ('shared-keys', 1);
SELECT classid::bigint AS first_key, objid::bigint AS second_key FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() \gset
ROLLBACK;
SELECT dblink_connect('application', format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                                            current_setting('port'), current_database()));
SELECT * FROM dblink('application', format('SELECT pg_advisory_lock(%s, %s)',
    (:first_key - CASE WHEN :first_key > 2147483647 THEN 4294967296 ELSE 0 END),
    (:second_key - CASE WHEN :second_key > 2147483647 THEN 4294967296 ELSE 0 END))) AS held(locked text);
BEGIN;
SET LOCAL lock_timeout = '5s';
INSERT INTO moves VALUES ('shared-keys', 1);
ROLLBACK;
SELECT dblink_disconnect('application');
SELECT dblink_connect('stale', format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                                      current_setting('port'), current_database()));
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
INSERT INTO moves VALUES ('acct', 5);
INSERT INTO moves VALUES ('acct', -1);
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''acct'', 1)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);
SELECT account, amount FROM moves ORDER BY amount;

-- A prepared transaction takes the lock in turn: once committed, a snapshot
-- taken before it is stale; rolled back, it does not hide the commit before it.
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
BEGIN;
INSERT INTO moves VALUES ('prepared', 2);
PREPARE TRANSACTION 'moves_committed';
COMMIT PREPARED 'moves_committed';
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''prepared'', 1)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
INSERT INTO moves VALUES ('prepared', 3);
BEGIN;
INSERT INTO moves VALUES ('prepared', 4);
PREPARE TRANSACTION 'moves_rolled_back';
ROLLBACK PREPARED 'moves_rolled_back';
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''prepared'', 1)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);

-- Nor does a second transaction prepared under the lock, rolled back, hide
-- the first, committed.
INSERT INTO moves VALUES ('prepared twice', 1);
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
BEGIN;
INSERT INTO moves VALUES ('prepared twice', 2);
PREPARE TRANSACTION 'moves_first';
COMMIT PREPARED 'moves_first';
BEGIN;
INSERT INTO moves VALUES ('prepared twice', 3);
PREPARE TRANSACTION 'moves_second';
ROLLBACK PREPARED 'moves_second';
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''prepared twice'', 4)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);

-- A savepoint rolled back releases the locks taken in it: the transaction
-- did not commit under them.
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
BEGIN;
SAVEPOINT before_move;
INSERT INTO moves VALUES ('rolled back to savepoint', 1);
ROLLBACK TO SAVEPOINT before_move;
INSERT INTO moves VALUES ('after savepoint', 1);
COMMIT;
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''rolled back to savepoint'', 2)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);

-- A stale snapshot fails with 40001, which clients retry, before a
-- transaction check can refuse on the stale state it reads.
CREATE TABLE account_moves (account text, amount int);
SELECT ledger.create_ledger_table('account_moves');
SELECT ledger.install_contract('covered_moves', $source$
    CREATE FUNCTION accept(m public.account_moves) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
    CREATE FUNCTION covered() RETURNS text LANGUAGE sql AS $$
        SELECT 'account ' || account || ' would be overdrawn' FROM public.account_moves
        GROUP BY account HAVING sum(amount) < 0 LIMIT 1 $$;
$source$, '{"public.account_moves": {"row": "accept", "transaction": "covered", "lock": "account"}}') AS version;
INSERT INTO account_moves VALUES ('acct', 10);
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM account_moves') AS snapshot_taken(moves bigint);
INSERT INTO account_moves VALUES ('acct', 100);
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO account_moves VALUES (''acct'', -50)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);

-- Each state's last committer is recorded in a shared table of 16384 records.
-- While a snapshot that predates them is open, no record can be dropped: a
-- state committed under once the table is full goes unrecorded, and a stale
-- transaction on it still fails.
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
DO $$
BEGIN
    FOR batch IN 0..16 LOOP
        INSERT INTO moves SELECT 'filler ' || (batch * 1000 + g), 1 FROM generate_series(1, 1000) AS g;
        COMMIT;
    END LOOP;
END $$;
SELECT dblink_connect('later', format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                                      current_setting('port'), current_database()));
SELECT dblink_exec('later', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('later', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
INSERT INTO moves VALUES ('unrecorded', 1);
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''unrecorded'', 2)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);
-- The oldest snapshot ended, the fillers' records can be dropped: a
-- transaction prepared under the lock finds room, and is rolled back. Its
-- record says nothing of the commit before it, which the later snapshot
-- does not see.
BEGIN;
INSERT INTO moves VALUES ('unrecorded', 3);
PREPARE TRANSACTION 'moves_recorded_late';
ROLLBACK PREPARED 'moves_recorded_late';
SELECT outcome($$SELECT dblink_exec('later', 'INSERT INTO moves VALUES (''unrecorded'', 4)')$$);
SELECT outcome($$SELECT dblink_exec('later', 'COMMIT')$$);
SELECT dblink_disconnect('later');
-- Once that snapshot has ended, the next commit drops the records every
-- snapshot sees and is recorded: a new snapshot is not stale for a state
-- without a record.
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
INSERT INTO moves VALUES ('recorded', 1);
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''never committed under'', 1)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);
SELECT dblink_exec('stale', 'BEGIN ISOLATION LEVEL REPEATABLE READ');
SELECT * FROM dblink('stale', 'SELECT count(*) FROM moves') AS snapshot_taken(moves bigint);
INSERT INTO moves VALUES ('recorded', 2);
SELECT outcome($$SELECT dblink_exec('stale', 'INSERT INTO moves VALUES (''recorded'', 3)')$$);
SELECT outcome($$SELECT dblink_exec('stale', 'COMMIT')$$);
SELECT dblink_disconnect('stale');
SELECT account, sum(amount), count(*) FROM moves WHERE account NOT LIKE 'filler %' GROUP BY account ORDER BY account;
SELECT count(*) AS fillers FROM moves WHERE account LIKE 'filler %';

-- A transaction may lock at most 1000 states, and come back to one it holds.
BEGIN;
INSERT INTO moves SELECT 'state ' || g, 1 FROM generate_series(1, 1000) AS g;
INSERT INTO moves VALUES ('state 1', 2);
SELECT outcome('INSERT INTO moves VALUES (''state 1001'', 1)');
ROLLBACK;

-- Under READ COMMITTED a row check runs with a snapshot taken after its
-- contract's lock was granted: a STABLE check, which reads with the active
-- snapshot, sees the rows of the transaction that held the lock.
CREATE TABLE names (name text);
SELECT ledger.create_ledger_table('names');
SELECT ledger.install_contract('unique_names', $source$
    CREATE FUNCTION first_only(n public.names) RETURNS text LANGUAGE sql STABLE AS $$
        SELECT 'name ' || n.name || ' is taken' FROM public.names WHERE name = n.name LIMIT 1 $$;
$source$, '{"public.names": {"row": "first_only", "lock": "name"}}') AS version;
SELECT dblink_connect('waiter', format('host=%s port=%s dbname=%s', current_setting('unix_socket_directories'),
                                       current_setting('port'), current_database()));
BEGIN;
INSERT INTO names VALUES ('ada');
SELECT dblink_send_query('waiter', 'INSERT INTO names VALUES (''ada'')');
DO $$
BEGIN
    WHILE NOT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND NOT granted) LOOP
        PERFORM pg_sleep(0.01);
    END LOOP;
END $$;
COMMIT;
SELECT outcome($$SELECT * FROM dblink_get_result('waiter') AS inserted(status text)$$);
SELECT dblink_disconnect('waiter');
SELECT name, count(*) FROM names GROUP BY name;

-- A function with an SQL-standard body is recorded with the current names of
-- what it uses: renaming or moving them is refused, changing them otherwise
-- is not.
CREATE TABLE capped_moves (amount numeric);
SELECT ledger.create_ledger_table('capped_moves');
CREATE TABLE limits (lim numeric);
INSERT INTO limits VALUES (100);
CREATE FUNCTION public.limit_of(m public.capped_moves) RETURNS numeric LANGUAGE sql STABLE
    RETURN (SELECT max(lim) FROM public.limits);
SELECT ledger.install_contract('capped', $source$
    CREATE FUNCTION capped(m public.capped_moves) RETURNS text LANGUAGE sql BEGIN ATOMIC
        SELECT CASE WHEN m.amount > public.limit_of(m) OR m.amount > (SELECT max(l.lim) FROM public.limits l)
                    THEN 'over the limit' END;
    END;
$source$, '{"public.capped_moves": {"row": "capped"}}') AS version;
CREATE SCHEMA elsewhere;
SELECT statement, outcome(statement) FROM (VALUES
    ('ALTER TABLE limits RENAME TO caps'),
    ('ALTER TABLE limits RENAME COLUMN lim TO cap'),
    ('ALTER TABLE limits SET SCHEMA elsewhere'),
    ('ALTER TABLE limits ADD COLUMN note text'),
    ('ALTER FUNCTION limit_of(capped_moves) RENAME TO limit_for')
) AS cases(statement);
INSERT INTO capped_moves VALUES (50);
SELECT outcome('INSERT INTO capped_moves VALUES (500)');

-- A check decides whether its transaction commits; it does not write to the
-- ledger. A row a check inserted would escape the checks that had already
-- run, and the transaction checks of its table when the transaction had not
-- written that table before its commit began.
CREATE TABLE payouts (account text, amount numeric);
SELECT ledger.create_ledger_table('payouts');
SELECT ledger.install_contract('pays_out', $source$
    CREATE FUNCTION withdraw_at_commit() RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO public.withdrawals SELECT account, amount FROM public.payouts
        WHERE ledger_transaction_id = ledger.current_transaction_id();
        RETURN NULL;
    END $$;
    CREATE FUNCTION withdraw_now(p public.payouts) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        IF p.account = 'direct' THEN
            INSERT INTO public.withdrawals VALUES (p.account, p.amount);
        END IF;
        RETURN NULL;
    END $$;
$source$, '{"public.payouts": {"row": "withdraw_now", "transaction": "withdraw_at_commit"}}') AS version;
INSERT INTO payouts VALUES ('zed', 1000);
SELECT outcome('INSERT INTO payouts VALUES (''direct'', 1000)');
SELECT count(*) AS written_by_checks FROM withdrawals WHERE account IN ('zed', 'direct');
-- A transaction check runs after the deferred triggers have fired, so a
-- write of its own, to any table, is refused: a deferred constraint or
-- trigger it queued would never run.
CREATE TABLE log_owners (owner text PRIMARY KEY);
CREATE TABLE check_log (owner text REFERENCES log_owners DEFERRABLE INITIALLY DEFERRED);
GRANT INSERT ON check_log TO PUBLIC;
CREATE TABLE logged (amount numeric);
SELECT ledger.create_ledger_table('logged');
SELECT ledger.install_contract('logs_at_commit', $source$
    CREATE FUNCTION log_it() RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO public.check_log VALUES ('nobody');
        RETURN NULL;
    END $$;
$source$, '{"public.logged": {"transaction": "log_it"}}') AS version;
INSERT INTO logged VALUES (1);
SELECT count(*) AS logged_rows, (SELECT count(*) FROM check_log) AS log_rows_without_owner FROM logged;
-- Nor may anything else that runs while a row is captured: here the hash
-- function of the lock column's type, which a superuser wrote in PL/pgSQL.
CREATE TABLE spots (at point);
SELECT ledger.create_ledger_table('spots');
CREATE FUNCTION public.point_hash_that_writes(p point) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.withdrawals VALUES ('hash', 1);
    RETURN hashfloat8(p[0]);
END $$;
CREATE OPERATOR CLASS point_hash_that_writes DEFAULT FOR TYPE point USING hash AS
    OPERATOR 1 ~= (point, point), FUNCTION 1 public.point_hash_that_writes(point);
SELECT ledger.install_contract('spot_rule', $source$
    CREATE FUNCTION anywhere(s public.spots) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.spots": {"row": "anywhere", "lock": "at"}}') AS version;
SELECT outcome('INSERT INTO spots VALUES (point(1, 2))');
SELECT count(*) AS written_by_hash FROM withdrawals WHERE account = 'hash';

-- A version's functions are recorded, and compared at verification, as
-- PostgreSQL prints them: the constants of a BEGIN ATOMIC body print by the
-- date, time zone, interval, float and bytea settings. They are fixed for
-- both, so neither the installer's settings nor the auditor's change them.
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Tokyo';
SET IntervalStyle = 'sql_standard';
SET extra_float_digits = 0;
SET bytea_output = 'escape';
CREATE TABLE dated (at timestamptz, amount float8);
SELECT ledger.create_ledger_table('dated');
SELECT ledger.install_contract('dated_rules', $source$
    CREATE FUNCTION in_window(d public.dated) RETURNS text LANGUAGE sql BEGIN ATOMIC
        SELECT CASE WHEN d.at < '2026-02-01 00:00+00'::timestamptz - interval '1 day 2 hours'
                      OR d.amount > '0.30000000000000004'::float8 OR '\x00ff'::bytea = '\x01'::bytea
                    THEN 'outside the window' END;
    END;
$source$, '{"public.dated": {"row": "in_window"}}') AS version;
SELECT outcome('INSERT INTO dated VALUES (''2026-01-01 00:00+00'', 0)');
INSERT INTO dated VALUES ('2026-06-01 00:00+00', 0);
SELECT problem FROM ledger.verify() WHERE NOT ok;
-- Checks run under those settings too: the date of a delivery is the same
-- in every session's time zone, so a check on it decides the same.
CREATE TABLE deliveries (at timestamptz);
SELECT ledger.create_ledger_table('deliveries');
SELECT ledger.install_contract('delivery_days', $source$
    CREATE FUNCTION from_day_two(d public.deliveries) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        IF d.at::date < '2026-01-02' THEN
            RETURN 'delivered on ' || d.at::date;
        END IF;
        RETURN NULL;
    END $$;
$source$, '{"public.deliveries": {"row": "from_day_two"}}') AS version;
SELECT current_setting('TimeZone') AS session_time_zone,
       outcome('INSERT INTO deliveries VALUES (''2026-01-01 20:00+00'')');
-- So do the settings that change what code computes: how "= NULL" parses,
-- how an array literal reads NULL, the XML mode. A session with its own
-- values, which first compiles the check by calling it directly, still sees
-- the check decide as in any other session.
CREATE TABLE remarks (body text);
SELECT ledger.create_ledger_table('remarks');
SELECT ledger.install_contract('remark_rules', $source$
    CREATE FUNCTION explain(r public.remarks) RETURNS text LANGUAGE plpgsql AS $$
    BEGIN
        RETURN format('null comparison %s, array null %s, xml %s',
                      coalesce((r.body = NULL)::text, 'unknown'), ('{NULL}'::text[])[1] IS NULL, r.body::xml);
    END $$;
$source$, '{"public.remarks": {"row": "explain"}}') AS version;
SET transform_null_equals = on;
SET array_nulls = off;
SET xmloption = document;
SELECT contract_remark_rules_v1.explain(json_populate_record(NULL::remarks, '{"body": "the cats"}'))
    AS called_directly;
SELECT outcome('INSERT INTO remarks VALUES (''the cats'')');
RESET transform_null_equals;
RESET array_nulls;
RESET xmloption;
SELECT outcome('INSERT INTO remarks VALUES (''the cats'')') AS default_session;
-- A lock column whose type has no hash function is locked by its printed
-- value, printed under the same formats: sessions that print floats
-- differently still take one lock for one box.
CREATE TABLE parcels (area box);
SELECT ledger.create_ledger_table('parcels');
SELECT ledger.install_contract('parcel_turns', $source$
    CREATE FUNCTION any_parcel(p public.parcels) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$;
$source$, '{"public.parcels": {"row": "any_parcel", "lock": "area"}}') AS version;
CREATE TEMP TABLE parcel_locks (digits int, lock_key oid);
BEGIN;
SET LOCAL extra_float_digits = 0;
INSERT INTO parcels VALUES (box(point(0, 0), point(0.1::float8 + 0.2::float8, 1)));
INSERT INTO parcel_locks SELECT 0, objid FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 28775;
COMMIT;
BEGIN;
SET LOCAL extra_float_digits = 3;
INSERT INTO parcels VALUES (box(point(0, 0), point(0.1::float8 + 0.2::float8, 1)));
INSERT INTO parcel_locks SELECT 3, objid FROM pg_locks
WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 28775;
COMMIT;
SELECT count(*) AS locks_taken, count(DISTINCT lock_key) AS distinct_locks FROM parcel_locks;
RESET DateStyle;
RESET TimeZone;
RESET IntervalStyle;
RESET extra_float_digits;
RESET bytea_output;
SELECT problem FROM ledger.verify() WHERE NOT ok;

-- An entry names the contract versions that checked its rows: not one that
-- checked only rows rolled back to a savepoint.
CREATE TABLE versioned (amount numeric);
SELECT ledger.create_ledger_table('versioned');
SELECT ledger.install_contract('versioned_rule', $source$
    CREATE FUNCTION small(v public.versioned) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN v.amount > 10 THEN 'over 10' END $$;
$source$, '{"public.versioned": {"row": "small"}}') AS version;
BEGIN;
SAVEPOINT before_rows;
INSERT INTO versioned VALUES (1);
ROLLBACK TO SAVEPOINT before_rows;
SELECT ledger.install_contract('versioned_rule', $source$
    CREATE FUNCTION small(v public.versioned) RETURNS text LANGUAGE sql AS $$
        SELECT CASE WHEN v.amount > 100 THEN 'over 100' END $$;
$source$, '{"public.versioned": {"row": "small"}}') AS version;
INSERT INTO versioned VALUES (50);
COMMIT;
SELECT t.row_count, (SELECT array_agg(c.version ORDER BY c.version) FROM ledger.contracts c
                     WHERE c.contract_id = ANY (t.contract_ids)) AS checked_by_versions
FROM ledger.transactions t JOIN ledger.tables lt USING (table_id)
WHERE lt.relation = 'versioned'::regclass;
SELECT bool_and(ok) AS verified FROM ledger.verify();
