-- Bad input to every ledger function gets a specific SQLSTATE and a hint.
-- outcome() runs a statement and shows how it ended; the later tests of the
-- schedule use it too.
CREATE FUNCTION public.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text; hint text;
BEGIN
    EXECUTE statement;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
        hint = PG_EXCEPTION_HINT;
    RETURN state || ': ' || message || coalesce(' DETAIL: ' || nullif(detail, ''), '')
        || coalesce(' HINT: ' || nullif(hint, ''), '');
END $$;

-- An empty ledger has no digest yet.
SELECT outcome('SELECT ledger.digest()');
SELECT ledger.seal() IS NULL AS nothing_to_seal;

CREATE TABLE plain_table (id int);
CREATE VIEW a_view AS SELECT 1 AS id;
CREATE MATERIALIZED VIEW a_matview AS SELECT 1 AS id;
CREATE SEQUENCE a_sequence;
CREATE TEMPORARY TABLE a_temp (id int);
CREATE UNLOGGED TABLE an_unlogged (id int);
CREATE TABLE a_partitioned (id int) PARTITION BY RANGE (id);
CREATE TABLE a_parent (id int);
CREATE TABLE a_child () INHERITS (a_parent);
CREATE TABLE has_position_column (id int, ledger_transaction_id bigint);
CREATE TYPE typed_row AS (id int);
CREATE TABLE a_typed_table OF typed_row;
CREATE INDEX plain_table_id ON plain_table (id);
CREATE TYPE xml_pair AS (label text, doc xml);
CREATE DOMAIN xml_list AS xml[];
CREATE TABLE with_xml_array (id int, docs xml[]);
CREATE TABLE with_xml_composite (id int, pair xml_pair);
CREATE TABLE with_xml_domain (id int, docs xml_list);

SELECT statement, outcome(statement) FROM (VALUES
    ('SELECT ledger.create_ledger_table(''a_view'')'),
    ('SELECT ledger.create_ledger_table(''a_matview'')'),
    ('SELECT ledger.create_ledger_table(''a_sequence'')'),
    ('SELECT ledger.create_ledger_table(''plain_table_id'')'),
    ('SELECT ledger.create_ledger_table(''a_temp'')'),
    ('SELECT ledger.create_ledger_table(''an_unlogged'')'),
    ('SELECT ledger.create_ledger_table(''a_partitioned'')'),
    ('SELECT ledger.create_ledger_table(''a_parent'')'),
    ('SELECT ledger.create_ledger_table(''a_child'')'),
    ('SELECT ledger.create_ledger_table(''has_position_column'')'),
    ('SELECT ledger.create_ledger_table(''a_typed_table'')'),
    ('SELECT ledger.create_ledger_table(''with_xml_array'')'),
    ('SELECT ledger.create_ledger_table(''with_xml_composite'')'),
    ('SELECT ledger.create_ledger_table(''with_xml_domain'')'),
    ('SELECT ledger.create_ledger_table(''pg_class'')'),
    ('SELECT ledger.create_ledger_table(''ledger.blocks'')'),
    ('SELECT ledger.create_ledger_table(''no_such_table'')'),
    ('SELECT ledger.verify(''plain_table'')'),
    ('SELECT ledger._refuse_change()')
) AS cases(statement);

SELECT ledger.create_ledger_table(NULL) IS NULL AS null_is_ignored;

SELECT ledger.create_ledger_table('plain_table');
SELECT outcome('SELECT ledger.create_ledger_table(''plain_table'')');

-- Digests are checked strictly; a well-formed digest that the chain does
-- not contain is simply not verified.
SELECT digest, outcome(format('SELECT ledger.verify_digest(%L)', digest)) FROM (VALUES
    ('[]'),
    ('{}'),
    ('{"height": 0, "block_hash": "00", "genesis_hash": "00"}'),
    ('{"format": 1, "height": 0}'),
    ('{"format": 1, "height": -1, "block_hash": "00", "genesis_hash": "00"}'),
    ('{"format": 1, "height": 1.5, "block_hash": "00", "genesis_hash": "00"}'),
    ('{"format": 1, "height": "0", "block_hash": "00", "genesis_hash": "00"}'),
    ('{"format": 1, "height": 0, "block_hash": "zz", "genesis_hash": "00"}'),
    ('{"format": 1, "height": 0, "block_hash": 7, "genesis_hash": "00"}'),
    ('{"format": 2, "height": 0, "block_hash": "00", "genesis_hash": "00"}')
) AS cases(digest);

SELECT ledger.verify_digest(jsonb_set(jsonb_set(ledger.digest(), '{height}', '99'), '{block_hash}',
    to_jsonb(repeat('ab', 32)))) AS unknown_block;
SELECT ledger.verify_digest(jsonb_set(ledger.digest(), '{genesis_hash}', to_jsonb(repeat('00', 32))))
    AS other_genesis;
SELECT ledger.verify_digest(ledger.digest()) AS own_digest;
