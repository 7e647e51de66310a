-- Every statement that would change or remove history is refused, for the
-- superuser that runs this test too.
CREATE TABLE accounts (id int PRIMARY KEY, owner text);
SELECT ledger.create_ledger_table('accounts');
INSERT INTO accounts VALUES (1, 'alice'), (2, 'bob');
CREATE TABLE transfers (id int PRIMARY KEY, account int REFERENCES accounts ON DELETE CASCADE, amount int);
CREATE TABLE source_rows (id int, owner text);
INSERT INTO source_rows VALUES (1, 'changed'), (3, 'carol');
CREATE TABLE parent_table (id int PRIMARY KEY);
CREATE TABLE ledger_child (id int REFERENCES parent_table ON DELETE CASCADE);
SELECT ledger.create_ledger_table('ledger_child');
INSERT INTO parent_table VALUES (1);
INSERT INTO ledger_child VALUES (1);
CREATE DOMAIN defaulted_int AS int DEFAULT 0;
CREATE TABLE accounts_by_id (LIKE accounts) PARTITION BY LIST (id);
CREATE TYPE mood AS ENUM ('calm', 'tense');
CREATE DOMAIN moods AS mood[];
CREATE TYPE spare_mood AS ENUM ('bored');
CREATE TYPE pair AS (n int, label text);
CREATE TABLE source_row (a int);
CREATE SCHEMA elsewhere;
CREATE ROLE regress_other_owner;
CREATE EXTENSION citext;
CREATE EXTENSION pg_buffercache;
CREATE TABLE feelings (id int, felt moods, pairs pair[], source source_row, tag citext, buffer pg_buffercache);
SELECT ledger.create_ledger_table('feelings');
INSERT INTO feelings VALUES (1, '{calm,tense}', ARRAY[ROW(1, 'one')::pair], ROW(7), 'Calm');
-- Cascaded drops would list every object they would have dropped.
SET client_min_messages = warning;

-- The refusal with its hint, once in full.
UPDATE accounts SET owner = 'mallory';

SELECT statement, outcome(statement) FROM (VALUES
    ('UPDATE accounts SET owner = ''mallory'' WHERE false'),
    ('DELETE FROM accounts'),
    ('DELETE FROM accounts WHERE false'),
    ('WITH gone AS (DELETE FROM accounts RETURNING *) SELECT count(*) FROM gone'),
    ('MERGE INTO accounts a USING source_rows s ON a.id = s.id WHEN MATCHED THEN UPDATE SET owner = s.owner'),
    ('MERGE INTO accounts a USING source_rows s ON a.id = s.id WHEN MATCHED THEN DELETE'),
    ('INSERT INTO accounts VALUES (1, ''x'') ON CONFLICT (id) DO UPDATE SET owner = ''x'''),
    ('DELETE FROM parent_table'),
    ('TRUNCATE accounts'),
    ('TRUNCATE parent_table CASCADE'),
    ('DROP TABLE accounts'),
    ('DROP TABLE accounts CASCADE'),
    ('DROP TRIGGER zz_pgledger_guard ON accounts'),
    ('DROP FUNCTION ledger._refuse_change() CASCADE'),
    ('DROP ACCESS METHOD ledger CASCADE'),
    ('ALTER TABLE accounts DISABLE TRIGGER ALL'),
    ('ALTER TABLE accounts DISABLE TRIGGER USER'),
    ('ALTER TABLE accounts DISABLE TRIGGER zz_pgledger_guard'),
    ('ALTER TABLE accounts ENABLE REPLICA TRIGGER zz_pgledger_guard'),
    ('ALTER TABLE accounts ENABLE TRIGGER zz_pgledger_guard'),
    ('ALTER TABLE accounts ENABLE TRIGGER ALL'),
    ('ALTER TRIGGER zz_pgledger_guard ON accounts RENAME TO other'),
    ('CREATE OR REPLACE TRIGGER zz_pgledger_guard BEFORE UPDATE ON accounts FOR EACH STATEMENT EXECUTE FUNCTION suppress_redundant_updates_trigger()'),
    ('ALTER TABLE accounts ADD COLUMN flag int DEFAULT 0'),
    ('ALTER TABLE accounts ADD COLUMN flag int NOT NULL'),
    ('ALTER TABLE accounts ADD COLUMN flag int GENERATED ALWAYS AS IDENTITY'),
    ('ALTER TABLE accounts ADD COLUMN flag int GENERATED ALWAYS AS (id * 2) STORED'),
    ('ALTER TABLE accounts ADD COLUMN flag serial'),
    ('ALTER TABLE accounts ADD COLUMN flag bigserial'),
    ('ALTER TABLE accounts ADD COLUMN flag defaulted_int'),
    ('ALTER TABLE accounts ADD COLUMN docs xml[]'),
    ('ALTER TABLE accounts DROP COLUMN owner'),
    ('ALTER TABLE accounts ALTER COLUMN owner TYPE varchar(3)'),
    ('ALTER TABLE accounts RENAME COLUMN owner TO holder'),
    ('ALTER TABLE accounts SET UNLOGGED'),
    ('ALTER TABLE accounts SET ACCESS METHOD heap'),
    ('ALTER TABLE accounts INHERIT source_rows'),
    ('CREATE TABLE accounts_child () INHERITS (accounts)'),
    ('ALTER TABLE source_rows INHERIT accounts'),
    ('ALTER TABLE accounts_by_id ATTACH PARTITION accounts DEFAULT'),
    ('ALTER TYPE accounts RENAME ATTRIBUTE owner TO holder'),
    ('ALTER TYPE mood RENAME VALUE ''calm'' TO ''serene'''),
    ('ALTER TYPE pair ADD ATTRIBUTE extra int'),
    ('ALTER TYPE pair DROP ATTRIBUTE label'),
    ('ALTER TABLE source_row ADD COLUMN b int'),
    ('ALTER DOMAIN moods RENAME TO humours'),
    ('ALTER DOMAIN moods SET SCHEMA elsewhere'),
    ('ALTER TYPE pair RENAME TO couple'),
    ('ALTER TYPE pair SET SCHEMA elsewhere'),
    ('ALTER TABLE source_row RENAME TO origin'),
    ('ALTER INDEX source_row RENAME TO origin'),
    ('ALTER TYPE mood RENAME TO temper'),
    ('ALTER TABLE source_row SET SCHEMA elsewhere'),
    ('ALTER SCHEMA public RENAME TO main'),
    ('ALTER EXTENSION citext SET SCHEMA elsewhere'),
    ('ALTER EXTENSION pg_buffercache SET SCHEMA elsewhere'),
    ('DROP SCHEMA public CASCADE'),
    ('UPDATE ledger.blocks SET height = height'),
    ('DELETE FROM ledger.transactions'),
    ('TRUNCATE ledger.blocks'),
    ('ALTER TABLE ledger.blocks ADD COLUMN note text'),
    ('ALTER TABLE ledger.blocks RENAME TO chain'),
    ('DROP TABLE ledger.blocks'),
    ('DROP SEQUENCE ledger.transaction_id_seq'),
    ('ALTER SEQUENCE ledger.transaction_id_seq RESTART'),
    ('CREATE TRIGGER forge BEFORE UPDATE ON ledger.transactions FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()'),
    ('CREATE RULE forge AS ON UPDATE TO ledger.transactions DO INSTEAD NOTHING'),
    ('CREATE TABLE forged_entries () INHERITS (ledger.transactions)'),
    ('ALTER SCHEMA ledger RENAME TO chain'),
    ('ALTER SCHEMA ledger OWNER TO regress_other_owner'),
    ('DROP EXTENSION pgledger CASCADE'),
    ('DROP SCHEMA ledger CASCADE')
) AS cases(statement);

-- What leaves stored values alone is allowed.
SELECT statement, outcome(statement) FROM (VALUES
    ('ALTER TYPE mood ADD VALUE ''glad'''),
    ('ALTER TYPE spare_mood RENAME VALUE ''bored'' TO ''idle'''),
    ('ALTER TYPE pair RENAME ATTRIBUTE label TO tag'),
    ('ALTER TABLE source_row ADD CONSTRAINT small CHECK (a < 1000)'),
    ('MERGE INTO accounts a USING source_rows s ON a.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.owner)'),
    ('ALTER TABLE accounts ADD COLUMN note text'),
    ('ALTER TABLE accounts ALTER COLUMN note SET DEFAULT ''none'''),
    ('ALTER TABLE accounts ADD CONSTRAINT owner_present CHECK (owner <> '''')'),
    ('CREATE INDEX accounts_owner ON accounts (owner)'),
    ('ALTER TABLE accounts ALTER COLUMN owner SET STATISTICS 200'),
    ('ALTER TABLE accounts ENABLE ROW LEVEL SECURITY'),
    ('ALTER TABLE accounts DISABLE ROW LEVEL SECURITY'),
    ('CREATE TRIGGER audit_before BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger()'),
    ('ALTER TABLE accounts DISABLE TRIGGER audit_before'),
    ('ALTER TABLE accounts ENABLE ALWAYS TRIGGER zz_pgledger_guard'),
    ('SET session_replication_role = replica'),
    ('INSERT INTO accounts (id, owner) VALUES (10, ''in replica mode'')'),
    ('RESET session_replication_role'),
    ('DROP TABLE transfers'),
    ('ALTER SCHEMA ledger OWNER TO CURRENT_USER'),
    ('ALTER TYPE spare_mood RENAME TO idle_mood'),
    ('ALTER TYPE idle_mood SET SCHEMA elsewhere'),
    ('ALTER SCHEMA elsewhere RENAME TO somewhere')
) AS cases(statement);

-- Only pgledger's own install script is exempt from the guards: an event
-- trigger runs its statements inside any other extension's script too.
CREATE FUNCTION drop_during_install() RETURNS event_trigger LANGUAGE plpgsql AS $$
BEGIN
    IF tg_tag = 'CREATE FUNCTION' THEN
        DROP TABLE accounts;
    END IF;
END $$;
CREATE EVENT TRIGGER drop_during_install ON ddl_command_end EXECUTE FUNCTION drop_during_install();
SELECT outcome('CREATE EXTENSION pgcrypto');
DROP EVENT TRIGGER drop_during_install;
DROP FUNCTION drop_during_install();

-- Rows inserted in replica mode were still hashed by the ALWAYS trigger.
SELECT id, note, ledger_transaction_id > 0 AS positioned FROM accounts ORDER BY id;
SELECT ledger.seal() > 0 AS sealed;
SELECT table_name, rows_checked, ok, problem FROM ledger.verify() ORDER BY table_name NULLS FIRST;
