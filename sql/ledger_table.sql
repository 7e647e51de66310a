-- A ledger table accepts every way of inserting, seals what committed and
-- verifies. Hashes are random per ledger (the genesis nonce), so this test
-- checks relations between them rather than their values.
CREATE TABLE payments (
    id int PRIMARY KEY,
    payer text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    memo text,
    paid_at timestamptz DEFAULT '2026-01-01 00:00:00+00'
);
INSERT INTO payments (id, payer, amount) VALUES (1, 'alice', 10.50), (2, 'bob', 3);

-- Existing rows are sealed as the table's first transaction.
SELECT ledger.create_ledger_table('payments');
SELECT id, payer, ledger_transaction_id > 0 AS positioned, ledger_sequence_number FROM payments ORDER BY id;
SELECT relation, created_by FROM ledger.tables;

-- Single and multi-row inserts, RETURNING, INSERT ... SELECT, prepared
-- statements and COPY FROM.
INSERT INTO payments (id, payer, amount) VALUES (3, 'carol', 7);
INSERT INTO payments (id, payer, amount) VALUES (4, 'dan', 1), (5, 'erin', 2)
    RETURNING id, ledger_sequence_number;
INSERT INTO payments (id, payer, amount) SELECT 10 + n, 'batch', n FROM generate_series(1, 5) AS n;
PREPARE pay(int, text, numeric) AS INSERT INTO payments (id, payer, amount) VALUES ($1, $2, $3);
EXECUTE pay(20, 'frank', 99.99);
EXECUTE pay(21, 'grace', 0.01);
COPY payments (id, payer, amount, memo) FROM stdin;
30	heidi	5.00	copied
31	ivan	6.00	\N
\.

-- Positions supplied by the client are overwritten by the ledger.
INSERT INTO payments (id, payer, amount, ledger_transaction_id, ledger_sequence_number)
    VALUES (40, 'mallory', 1, 1, 1);
SELECT ledger_transaction_id <> 1 AS renumbered, ledger_sequence_number FROM payments WHERE id = 40;

-- Rows are hashed as stored: after every BEFORE trigger, whatever its name
-- (verify() below recomputes this row's hash). A NULL position is replaced.
CREATE FUNCTION normalise_payer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.payer := upper(NEW.payer);
    RETURN NEW;
END $$;
CREATE TRIGGER zzzz_normalise BEFORE INSERT ON payments FOR EACH ROW EXECUTE FUNCTION normalise_payer();
INSERT INTO payments (id, payer, amount, ledger_transaction_id, ledger_sequence_number)
    VALUES (42, 'late trigger', 1, NULL, NULL);
SELECT payer, ledger_transaction_id > 0 AS positioned, ledger_sequence_number FROM payments WHERE id = 42;
DROP TRIGGER zzzz_normalise ON payments;

-- ON CONFLICT DO NOTHING seals only the rows it really inserted.
INSERT INTO payments (id, payer, amount) VALUES (3, 'duplicate', 1), (41, 'new', 1), (4, 'duplicate', 1)
    ON CONFLICT DO NOTHING;
INSERT INTO payments (id, payer, amount) VALUES (5, 'duplicate', 1) ON CONFLICT (id) DO NOTHING;
SELECT id, payer, ledger_sequence_number FROM payments WHERE id IN (3, 4, 5, 41) ORDER BY id;

-- Rows of a rolled-back savepoint are not sealed; the rest of the
-- transaction is.
BEGIN;
INSERT INTO payments (id, payer, amount) VALUES (50, 'kept', 1);
SAVEPOINT s;
INSERT INTO payments (id, payer, amount) VALUES (51, 'rolled back', 1);
ROLLBACK TO SAVEPOINT s;
INSERT INTO payments (id, payer, amount) VALUES (52, 'kept too', 1);
COMMIT;
BEGIN;
INSERT INTO payments (id, payer, amount) VALUES (60, 'aborted', 1);
ROLLBACK;

SELECT ledger.seal() > 0 AS sealed;
SELECT count(*) AS unsealed FROM ledger.transactions WHERE block_height IS NULL;
SELECT table_name, rows_checked, ok, problem FROM ledger.verify() ORDER BY table_name NULLS FIRST;

-- Each entry records what its transaction appended.
SELECT e.row_count, count(p.*) AS rows_in_table
FROM ledger.transactions e
JOIN payments p ON p.ledger_transaction_id = e.transaction_id
GROUP BY e.transaction_id, e.row_count
ORDER BY e.transaction_id;

-- The chain links from genesis: each block names the hash of the previous.
SELECT height, entry_count, row_count,
       previous_hash = coalesce(lag(block_hash) OVER (ORDER BY height), '\x'::bytea || repeat(E'\\000', 32)::bytea)
           AS links,
       length(block_hash) AS hash_bytes
FROM ledger.blocks ORDER BY height;

-- An application role inserts without any right on the ledger's own tables.
CREATE ROLE regress_clerk;
GRANT INSERT, SELECT ON payments TO regress_clerk;
SET ROLE regress_clerk;
INSERT INTO payments (id, payer, amount) VALUES (70, 'by clerk', 1);
SELECT count(*) FROM ledger.transactions;
INSERT INTO ledger.transactions VALUES (999, 1, 0, '\x00', 0, '\x00', '\x', 'regress_clerk', '{}', NULL);
SELECT ledger.verify();
RESET ROLE;
SELECT DISTINCT committed_by FROM ledger.transactions WHERE block_height IS NULL;

-- A nullable column added later leaves older rows verifiable.
ALTER TABLE payments ADD COLUMN reference text;
INSERT INTO payments (id, payer, amount, reference) VALUES (80, 'with reference', 1, 'INV-1');
SELECT ledger.seal() > 0 AS sealed;
SELECT table_name, rows_checked, ok FROM ledger.verify('payments');

-- A transaction that writes to two ledger tables gets one entry per table.
CREATE TABLE receipts (payment_id int, note text);
SELECT ledger.create_ledger_table('public.receipts');
BEGIN;
INSERT INTO payments (id, payer, amount) VALUES (90, 'two tables', 1);
INSERT INTO receipts VALUES (90, 'receipt');
COMMIT;
SELECT ledger.seal() > 0 AS sealed;
SELECT count(DISTINCT table_id) AS tables, count(DISTINCT block_height) AS blocks
FROM ledger.transactions
WHERE transaction_id = (SELECT ledger_transaction_id FROM receipts WHERE payment_id = 90);
SELECT table_name, rows_checked, ok FROM ledger.verify() ORDER BY table_name NULLS FIRST;

-- Converting a table that holds rows gives each row its position without
-- firing the table's UPDATE triggers: stored values stay as they were.
CREATE TABLE stamped (id int, touched date DEFAULT '2020-01-01');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.touched := '1999-12-31'; RETURN NEW; END $$;
CREATE TRIGGER touch BEFORE UPDATE ON stamped FOR EACH ROW EXECUTE FUNCTION touch();
INSERT INTO stamped VALUES (1), (2);
SELECT ledger.create_ledger_table('stamped');
SELECT id, touched, ledger_sequence_number FROM stamped ORDER BY id;
SELECT table_name, rows_checked, ok FROM ledger.verify('stamped');
-- A trigger enabled ALWAYS that keeps the UPDATE from rows stops the
-- conversion, rather than leaving rows outside the ledger.
CREATE TABLE frozen (id int);
INSERT INTO frozen VALUES (1), (2);
CREATE FUNCTION keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE TRIGGER keep_always BEFORE UPDATE ON frozen FOR EACH ROW EXECUTE FUNCTION keep_rows();
ALTER TABLE frozen ENABLE ALWAYS TRIGGER keep_always;
SELECT outcome('SELECT ledger.create_ledger_table(''frozen'')');
SELECT count(*) AS registered FROM ledger.tables WHERE relation = 'frozen'::regclass;
DROP TABLE frozen;
DROP FUNCTION keep_rows();

-- A reg* value renders the same in every session: a temporary table named
-- like a catalog, searched first where pg_temp is not named, does not make
-- the inserting session render it qualified.
CREATE TABLE named (id int, target regclass);
SELECT ledger.create_ledger_table('named');
CREATE TEMP TABLE pg_class (x int);
INSERT INTO named VALUES (1, 'pg_catalog.pg_class');
DROP TABLE pg_temp.pg_class;
SELECT table_name, rows_checked, ok FROM ledger.verify('named');

-- Anyone may create a table with the ledger access method and name a trigger
-- like the guard. Unless the trigger calls the ledger's guard function, the
-- table is no ledger table: its rows are not filed under the ledger id the
-- trigger names, and it can be dropped.
CREATE TABLE impostor (id int, ledger_transaction_id bigint DEFAULT 0, ledger_sequence_number integer DEFAULT 0)
    USING ledger;
DO $$
BEGIN
    EXECUTE format('CREATE TRIGGER zz_pgledger_guard BEFORE UPDATE ON impostor FOR EACH STATEMENT '
                   'EXECUTE FUNCTION suppress_redundant_updates_trigger(%L)',
                   (SELECT table_id FROM ledger.tables WHERE relation = 'payments'::regclass));
END $$;
INSERT INTO impostor (id) VALUES (1);
SELECT ledger_transaction_id, ledger_sequence_number FROM impostor;
DROP TABLE impostor;

-- Maintenance keeps the ledger verifiable. Index builds read the table the
-- way heap does, which works for the ledger access method too.
CREATE INDEX payments_payer ON payments (payer);
CREATE INDEX CONCURRENTLY payments_amount ON payments (amount);
REINDEX TABLE payments;
ANALYZE payments;
VACUUM FULL payments;
CLUSTER payments USING payments_payer;
ALTER TABLE payments ADD CONSTRAINT positive_amount CHECK (amount > 0);
ALTER TABLE payments RENAME TO payments_renamed;
ALTER TABLE payments_renamed RENAME TO payments;
SELECT table_name, rows_checked, ok FROM ledger.verify('payments');

-- The digest names the newest block and the genesis.
SELECT jsonb_object_keys(ledger.digest()) AS digest_key ORDER BY 1;
SELECT (ledger.digest() ->> 'height')::bigint = (SELECT max(height) FROM ledger.blocks) AS names_newest;
SELECT ledger.verify_digest(ledger.digest()) AS verified;
-- sealed_at is ISO 8601 in UTC, whatever the session's settings.
SET DateStyle = 'SQL, DMY';
SET TimeZone = 'Asia/Tokyo';
SELECT (ledger.digest() ->> 'sealed_at') ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$' AS iso_utc,
       (ledger.digest() ->> 'sealed_at')::timestamptz = (SELECT max(sealed_at) FROM ledger.blocks) AS names_seal_time;
RESET DateStyle;
RESET TimeZone;
