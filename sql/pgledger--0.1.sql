\echo Use "CREATE EXTENSION pgledger" to load this file. \quit

-- Refuses to install unless the library was preloaded: without its hooks
-- a ledger table would not be append-only and nothing would seal it.
CREATE FUNCTION ledger._require_preload() RETURNS void
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_require_preload';
SELECT ledger._require_preload();
DROP FUNCTION ledger._require_preload();

CREATE SEQUENCE ledger.table_id_seq;
CREATE SEQUENCE ledger.transaction_id_seq;

CREATE TABLE ledger.tables (
    table_id bigint PRIMARY KEY,
    relation regclass NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE ledger.tables IS 'The ledger tables of this database and their ledger ids.';

CREATE TABLE ledger.blocks (
    height bigint PRIMARY KEY CHECK (height >= 0),
    previous_hash bytea NOT NULL,
    merkle_root bytea NOT NULL,
    entry_count bigint NOT NULL,
    row_count bigint NOT NULL,
    sealed_at timestamptz NOT NULL,
    contracts_hash bytea NOT NULL,
    block_hash bytea NOT NULL,
    format_version smallint NOT NULL,
    contract_ids bigint[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE ledger.blocks IS 'The hash chain: one row per sealed block, from genesis (height 0).';

CREATE TABLE ledger.transactions (
    transaction_id bigint NOT NULL,
    table_id bigint NOT NULL,
    row_count integer NOT NULL,
    rows_root bytea NOT NULL,
    row_hashes bytea NOT NULL,
    committed_by name NOT NULL,
    contract_ids bigint[] NOT NULL DEFAULT '{}',
    block_height bigint,
    PRIMARY KEY (transaction_id, table_id)
);
CREATE INDEX transactions_unsealed ON ledger.transactions (transaction_id) WHERE block_height IS NULL;
-- Row hashes are random bytes: compressing them is wasted work, and the
-- hashes of a transaction of up to about 200 rows stay in the row itself.
ALTER TABLE ledger.transactions ALTER COLUMN row_hashes SET STORAGE EXTERNAL;
ALTER TABLE ledger.transactions SET (toast_tuple_target = 8160);
COMMENT ON TABLE ledger.transactions IS
    'One entry per committed transaction and ledger table: the hashes of the rows it appended, and the block that sealed them.';

CREATE SEQUENCE ledger.contract_id_seq;
CREATE TABLE ledger.contracts (
    contract_id bigint PRIMARY KEY,
    contract_name text NOT NULL,
    version integer NOT NULL,
    schema_name name NOT NULL UNIQUE,
    source text NOT NULL,
    checks jsonb NOT NULL,
    definitions text NOT NULL,
    source_hash bytea NOT NULL,
    installed_at timestamptz NOT NULL DEFAULT now(),
    installed_by name NOT NULL DEFAULT current_user,
    UNIQUE (contract_name, version)
);
COMMENT ON TABLE ledger.contracts IS
    'Every installed version of every contract; the newest version of each is in force.';

-- pg_dump keeps the ledger's own rows, so a restored database still verifies.
SELECT pg_catalog.pg_extension_config_dump('ledger.tables', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.blocks', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.transactions', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.contracts', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.contract_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.table_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.transaction_id_seq', '');

CREATE FUNCTION ledger._seal_row() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_seal_row';
CREATE FUNCTION ledger._row_stored(table_id bigint, transaction_id bigint, row_number integer) RETURNS boolean
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pgledger_row_stored';
CREATE FUNCTION ledger._never_fires() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_never_fires';
CREATE FUNCTION ledger._refuse_change() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_refuse_change';

CREATE FUNCTION ledger.create_ledger_table(table_name regclass) RETURNS void
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pgledger_create_ledger_table';
COMMENT ON FUNCTION ledger.create_ledger_table(regclass) IS
    'Turns an ordinary table into an append-only ledger table; rows it already holds are sealed into the ledger.';

CREATE FUNCTION ledger.seal() RETURNS bigint
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_seal';
COMMENT ON FUNCTION ledger.seal() IS
    'Seals every committed, unsealed transaction now and returns the new block height (NULL if nothing was pending).';

CREATE FUNCTION ledger.verify(table_name regclass DEFAULT NULL,
    OUT table_name regclass, OUT rows_checked bigint, OUT blocks_checked bigint, OUT ok boolean, OUT problem text)
    RETURNS SETOF record
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_verify';
COMMENT ON FUNCTION ledger.verify(regclass) IS
    'Recomputes every row, transaction and block hash and reports each difference from the sealed chain.';

CREATE FUNCTION ledger.install_contract(contract_name text, source text, checks jsonb) RETURNS integer
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pgledger_install_contract';
COMMENT ON FUNCTION ledger.install_contract(text, text, jsonb) IS
    'Installs the next version of a contract: runs its source in its own schema, checks it is deterministic, records its hash, and enforces its checks from now on.';

CREATE FUNCTION ledger.now() RETURNS timestamptz
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pgledger_now';
COMMENT ON FUNCTION ledger.now() IS
    'The transaction''s ledger timestamp: what contracts see instead of the wall clock.';

CREATE FUNCTION ledger.current_transaction_id() RETURNS bigint
    LANGUAGE c STABLE AS 'MODULE_PATHNAME', 'pgledger_current_transaction_id';
COMMENT ON FUNCTION ledger.current_transaction_id() IS
    'The ledger transaction id of the rows this transaction inserted so far, or NULL.';

CREATE FUNCTION ledger.digest() RETURNS jsonb
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_digest';
COMMENT ON FUNCTION ledger.digest() IS
    'The newest block''s height and hash, with the genesis hash: keep it outside the database.';

CREATE FUNCTION ledger.verify_digest(digest jsonb) RETURNS boolean
    LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'pgledger_verify_digest';
COMMENT ON FUNCTION ledger.verify_digest(jsonb) IS
    'True only if the current chain recomputes consistently and still contains the digested block.';

REVOKE ALL ON FUNCTION ledger._seal_row(), ledger._refuse_change(), ledger._never_fires(), ledger.create_ledger_table(regclass),
    ledger.seal(), ledger.verify(regclass), ledger.digest(), ledger.verify_digest(jsonb),
    ledger.install_contract(text, text, jsonb) FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO PUBLIC;
GRANT SELECT ON ledger.tables, ledger.blocks, ledger.contracts TO PUBLIC;
