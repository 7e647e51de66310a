-- The background sealer seals committed transactions without being asked.
-- The wait is bounded; its length is not what is tested.
ALTER SYSTEM SET ledger.block_interval = '100ms';
SELECT pg_reload_conf();
CREATE TABLE events (id int, kind text);
SELECT ledger.create_ledger_table('events');
INSERT INTO events VALUES (1, 'opened');
INSERT INTO events VALUES (2, 'closed');
DO $$
BEGIN
    FOR attempt IN 1..600 LOOP
        IF NOT EXISTS (SELECT FROM ledger.transactions WHERE block_height IS NULL) THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RAISE EXCEPTION 'the sealer did not seal within 30 seconds';
END $$;
SELECT count(*) AS unsealed FROM ledger.transactions WHERE block_height IS NULL;
SELECT backend_type FROM pg_stat_activity WHERE backend_type = 'pgledger sealer';
SELECT table_name, rows_checked, ok FROM ledger.verify('events');
-- ledger.seal() reads the chain after locking it, which a snapshot taken
-- for the whole transaction would not see.
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT outcome('SELECT ledger.seal()');
COMMIT;
ALTER SYSTEM RESET ledger.block_interval;
SELECT pg_reload_conf();
