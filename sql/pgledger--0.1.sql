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
    column_count integer NOT NULL,
    columns_hash bytea NOT NULL,
    row_index bytea NOT NULL,
    -- text, not name: a role name takes its length, not 64 bytes, in every entry.
    committed_by text NOT NULL,
    contract_ids bigint[] NOT NULL DEFAULT '{}',
    block_height bigint,
    PRIMARY KEY (transaction_id, table_id)
);
CREATE INDEX transactions_unsealed ON ledger.transactions (transaction_id) WHERE block_height IS NULL;
-- The row index is mostly hash prefixes, random bytes: compressing them is
-- wasted work, and the index of a transaction of up to about 2,000 rows stays
-- in the row itself.
ALTER TABLE ledger.transactions ALTER COLUMN row_index SET STORAGE EXTERNAL;
-- Half of each page is left free for the sealer's update of the entries on
-- it (block_height): an update on the same page logs only the bytes it
-- changed, not the whole entry again.
ALTER TABLE ledger.transactions SET (toast_tuple_target = 8160, fillfactor = 50);
COMMENT ON TABLE ledger.transactions IS
    'One entry per committed transaction and ledger table: the rows root of the rows it appended, their index, and the block that sealed them.';
COMMENT ON COLUMN ledger.transactions.columns_hash IS
    'Hash of the names and types of the table''s first column_count columns, as they were when the transaction committed.';
COMMENT ON COLUMN ledger.transactions.row_index IS
    'Which rows the transaction appended (runs of row numbers) and the first 4 bytes of each row hash, to name a changed row.';

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

-- Ledger tables are heap tables whose rows reach the ledger as they are
-- stored, after every BEFORE trigger, default and constraint.
CREATE FUNCTION ledger._table_am_handler(internal) RETURNS table_am_handler
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_table_am_handler';
CREATE ACCESS METHOD ledger TYPE TABLE HANDLER ledger._table_am_handler;
COMMENT ON ACCESS METHOD ledger IS
    'Heap storage that hands every stored row of a ledger table to the ledger; set by ledger.create_ledger_table().';
CREATE FUNCTION ledger._refuse_change() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'pgledger_refuse_change';

CREATE FUNCTION ledger.create_ledger_table(table_name regclass) RETURNS void
    LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_create_ledger_table';
COMMENT ON FUNCTION ledger.create_ledger_table(regclass) IS
    'Turns an ordinary table into an append-only ledger table; rows it already holds are sealed into the ledger.';

CREATE FUNCTION ledger.seal() RETURNS bigint
    LANGUAGE c SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_seal';
COMMENT ON FUNCTION ledger.seal() IS
    'Seals every committed, unsealed transaction now and returns the new block height (NULL if nothing was pending).';

CREATE FUNCTION ledger.verify(table_name regclass DEFAULT NULL,
    OUT table_name regclass, OUT rows_checked bigint, OUT blocks_checked bigint, OUT ok boolean, OUT problem text)
    RETURNS SETOF record
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_verify';
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
    LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_digest';
COMMENT ON FUNCTION ledger.digest() IS
    'The newest block''s height and hash, with the genesis hash: keep it outside the database.';

CREATE FUNCTION ledger.verify_digest(digest jsonb) RETURNS boolean
    LANGUAGE c STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_verify_digest';
COMMENT ON FUNCTION ledger.verify_digest(jsonb) IS
    'True only if the current chain recomputes consistently and still contains the digested block.';

REVOKE ALL ON FUNCTION ledger._table_am_handler(internal), ledger._refuse_change(), ledger.create_ledger_table(regclass),
    ledger.seal(), ledger.verify(regclass), ledger.digest(), ledger.verify_digest(jsonb),
    ledger.install_contract(text, text, jsonb) FROM PUBLIC;
GRANT USAGE ON SCHEMA ledger TO PUBLIC;
GRANT SELECT ON ledger.tables, ledger.blocks, ledger.contracts TO PUBLIC;

-- Participants and signatures ------------------------------------------------
--
-- A participant's keys and the signatures it gives are ledger rows too, kept
-- in two ledger tables of schema ledger_identity. They are created with the
-- first participant, outside the extension, so that pg_dump keeps them and
-- their ledger columns like any other ledger table's.

CREATE FUNCTION ledger.ed25519_verify(public_key bytea, message bytea, signature bytea) RETURNS boolean
    LANGUAGE c STRICT IMMUTABLE AS 'MODULE_PATHNAME', 'pgledger_ed25519_verify';
COMMENT ON FUNCTION ledger.ed25519_verify(bytea, bytea, bytea) IS
    'True if signature is a valid Ed25519 signature of message by public_key (32 and 64 raw bytes).';

CREATE FUNCTION ledger.key_digest(participant text, key_version integer, public_key bytea) RETURNS bytea
    LANGUAGE c STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pgledger_key_digest';
COMMENT ON FUNCTION ledger.key_digest(text, integer, bytea) IS
    'What a key holder signs to register a key (version 1, signed by that key) or to rotate to it (signed by the key it replaces).';

CREATE FUNCTION ledger.transaction_digest(participant text) RETURNS bytea
    LANGUAGE c STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pgledger_transaction_digest';
COMMENT ON FUNCTION ledger.transaction_digest(text) IS
    'What the participant signs for the current transaction: a digest of the ledger, the transaction and every row it appended.';

CREATE FUNCTION ledger.sign_transaction(participant text, signature bytea) RETURNS void
    LANGUAGE c STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pgledger_sign_transaction';
COMMENT ON FUNCTION ledger.sign_transaction(text, bytea) IS
    'Attaches the participant''s signature of ledger.transaction_digest() to the current transaction; checked now and again at commit.';

CREATE FUNCTION ledger.require_signers_for_session(participants text) RETURNS void
    LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pgledger_require_signers_for_session';
COMMENT ON FUNCTION ledger.require_signers_for_session(text) IS
    'Every later commit of this session that appends ledger rows must carry these participants'' signatures; unlike ledger.required_signers, nothing takes it back before the session ends.';

CREATE FUNCTION ledger._recorded_transaction_digest(transaction_id bigint, participant text) RETURNS bytea
    LANGUAGE c STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp
    AS 'MODULE_PATHNAME', 'pgledger_recorded_transaction_digest';

-- _ledger_schema_ready: the schema exists, belongs to the ledger's owner, and
-- the named tables in it are registered ledger tables. A schema of that name
-- made by anyone else is never trusted: its tables could say anything.
CREATE FUNCTION ledger._ledger_schema_ready(schema_name name, table_names text[]) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_namespace n
                   WHERE n.nspname = schema_name
                     AND n.nspowner = (SELECT c.relowner FROM pg_class c WHERE c.oid = 'ledger.tables'::regclass))
       AND (SELECT count(*) FROM ledger.tables t
            WHERE t.relation IN (SELECT to_regclass(quote_ident(schema_name) || '.' || quote_ident(n))
                                 FROM unnest(table_names) n)) = cardinality(table_names)
$$;

-- _claim_ledger_schema is true when the ledger's schema is ready and false
-- when it does not exist yet (the caller makes it); a namesake someone else
-- made is an error, never taken over.
CREATE FUNCTION ledger._claim_ledger_schema(schema_name name, table_names text[], kept_there text)
    RETURNS boolean LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF ledger._ledger_schema_ready(schema_name, table_names) THEN
        RETURN true;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = schema_name) THEN
        RAISE EXCEPTION 'schema "%" exists but was not made by pgledger', schema_name
            USING ERRCODE = 'LG002', HINT = format('Rename or drop that schema: pgledger keeps %s there.', kept_there);
    END IF;
    RETURN false;
END
$$;

CREATE FUNCTION ledger._identity_ready() RETURNS boolean
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ledger._ledger_schema_ready('ledger_identity', ARRAY['participant_keys', 'transaction_signatures'])
$$;

CREATE FUNCTION ledger._ensure_identity_tables() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Two sessions creating the first participants at once create the tables once.
    PERFORM pg_advisory_xact_lock(7400355372690372608);
    IF ledger._claim_ledger_schema('ledger_identity', ARRAY['participant_keys', 'transaction_signatures'],
                                   'its participants') THEN
        RETURN;
    END IF;
    CREATE SCHEMA ledger_identity;
    CREATE TABLE ledger_identity.participant_keys (
        participant text NOT NULL,
        member_role text NOT NULL,
        key_version integer NOT NULL CHECK (key_version >= 1),
        event text NOT NULL CHECK (event IN ('create', 'rotate', 'revoke')),
        public_key bytea CHECK (octet_length(public_key) = 32),
        proof bytea CHECK (octet_length(proof) = 64),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by name NOT NULL DEFAULT session_user,
        UNIQUE (participant, key_version)
    );
    CREATE TABLE ledger_identity.transaction_signatures (
        transaction_id bigint NOT NULL,
        participant text NOT NULL,
        key_version integer NOT NULL,
        signature bytea NOT NULL CHECK (octet_length(signature) = 64),
        UNIQUE (transaction_id, participant)
    );
    PERFORM ledger.create_ledger_table('ledger_identity.participant_keys');
    PERFORM ledger.create_ledger_table('ledger_identity.transaction_signatures');
    GRANT USAGE ON SCHEMA ledger_identity TO PUBLIC;
    -- Public keys are public; who signed what is for the signer and auditors.
    GRANT SELECT ON ledger_identity.participant_keys TO PUBLIC;
    ALTER TABLE ledger_identity.transaction_signatures ENABLE ROW LEVEL SECURITY;
    CREATE POLICY ledger_own_signatures ON ledger_identity.transaction_signatures FOR SELECT
        USING (participant = ANY ((SELECT ledger.current_participants())::text[]));
    GRANT SELECT ON ledger_identity.transaction_signatures TO PUBLIC;
END
$$;

CREATE FUNCTION ledger.participants(OUT participant text, OUT member_role text, OUT key_version integer,
    OUT public_key bytea, OUT revoked boolean, OUT since timestamptz)
    RETURNS SETOF record LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT ledger._identity_ready() THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT DISTINCT ON (k.participant) k.participant, k.member_role, k.key_version, k.public_key,
               k.event = 'revoke', k.recorded_at
        FROM ledger_identity.participant_keys k
        ORDER BY k.participant, k.key_version DESC;
END
$$;
COMMENT ON FUNCTION ledger.participants() IS
    'Every participant with its current key version and key, or revoked.';

CREATE FUNCTION ledger.current_participants() RETURNS text[]
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(array_agg(p.participant ORDER BY p.participant), '{}')
    FROM ledger.participants() p
    WHERE NOT p.revoked
      AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = p.member_role)
      AND pg_has_role(current_user, p.member_role, 'MEMBER')
$$;
COMMENT ON FUNCTION ledger.current_participants() IS
    'The participants the current role acts for: those whose role it is a member of, unless revoked.';

-- _current_key is the participant's newest key, after checking its whole key
-- history: each key proven by its holder or authorised by the key before it.
-- A key event a superuser inserted without the participant's signature
-- makes the participant unusable rather than signable by the forger.
CREATE FUNCTION ledger._current_key(participant text, OUT key_version integer, OUT public_key bytea,
    OUT member_role text)
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    event record;
    previous_version integer := 0;
    previous_event text;
    previous_key bytea;
BEGIN
    IF NOT ledger._identity_ready() THEN
        RAISE EXCEPTION 'participant "%" does not exist', participant
            USING ERRCODE = 'undefined_object', HINT = 'Create it with ledger.create_participant().';
    END IF;
    FOR event IN
        SELECT k.key_version, k.public_key, k.event, k.member_role, k.proof
        FROM ledger_identity.participant_keys k
        WHERE k.participant = _current_key.participant
        ORDER BY k.key_version
    LOOP
        IF event.key_version <> previous_version + 1
           OR (previous_version = 0) <> (event.event = 'create')
           OR previous_event = 'revoke'
           OR (event.event = 'create' AND NOT coalesce(ledger.ed25519_verify(event.public_key,
                   ledger.key_digest(participant, 1, event.public_key), event.proof), false))
           OR (event.event = 'rotate' AND NOT coalesce(ledger.ed25519_verify(previous_key,
                   ledger.key_digest(participant, event.key_version, event.public_key), event.proof), false)) THEN
            RAISE EXCEPTION 'the key history of participant "%" does not verify at version %', participant, event.key_version
                USING ERRCODE = 'LG201',
                      HINT = 'A key event was recorded without the participant''s signature; see ledger.verify_signatures().';
        END IF;
        previous_version := event.key_version;
        previous_event := event.event;
        previous_key := event.public_key;
        member_role := event.member_role;
    END LOOP;
    IF previous_version = 0 THEN
        RAISE EXCEPTION 'participant "%" does not exist', participant
            USING ERRCODE = 'undefined_object', HINT = 'Create it with ledger.create_participant().';
    END IF;
    IF previous_event = 'revoke' THEN
        RAISE EXCEPTION 'participant "%" has been revoked', participant
            USING ERRCODE = 'LG202', HINT = 'A revoked participant signs nothing and gets no new key.';
    END IF;
    key_version := previous_version;
    public_key := previous_key;
END
$$;

CREATE FUNCTION ledger.create_participant(participant text, member_role regrole, public_key bytea, proof bytea)
    RETURNS void LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- Names travel in comma-separated lists (ledger.required_signers).
    IF participant !~ '^[^\s,"]([^,"]*[^\s,"])?$' THEN
        RAISE EXCEPTION 'invalid participant name "%"', participant
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'A participant name has no comma or double quote and no leading or trailing space.';
    END IF;
    PERFORM ledger._ensure_identity_tables();
    PERFORM pg_advisory_xact_lock(hashtextextended('pgledger participant ' || participant, 0));
    IF EXISTS (SELECT 1 FROM ledger_identity.participant_keys k WHERE k.participant = create_participant.participant) THEN
        RAISE EXCEPTION 'participant "%" already exists', participant
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Rotate its key with ledger.rotate_key(); the name of a revoked participant is never reused.';
    END IF;
    IF NOT ledger.ed25519_verify(public_key, ledger.key_digest(participant, 1, public_key), proof) THEN
        RAISE EXCEPTION 'the proof does not show that the key''s holder registers participant "%"', participant
            USING ERRCODE = 'LG201',
                  HINT = format('Sign ledger.key_digest(%L, 1, <public key>) with the new private key.', participant);
    END IF;
    INSERT INTO ledger_identity.participant_keys (participant, member_role, key_version, event, public_key, proof)
    VALUES (participant, member_role::text, 1, 'create', public_key, proof);
END
$$;
COMMENT ON FUNCTION ledger.create_participant(text, regrole, bytea, bytea) IS
    'Registers a participant, acting through a role, with its Ed25519 public key and a proof that it holds the private key.';

CREATE FUNCTION ledger.rotate_key(participant text, new_public_key bytea, authorisation bytea)
    RETURNS integer LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    newest_key record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pgledger participant ' || participant, 0));
    SELECT * INTO newest_key FROM ledger._current_key(participant);
    IF NOT ledger.ed25519_verify(newest_key.public_key,
                                 ledger.key_digest(participant, newest_key.key_version + 1, new_public_key),
                                 authorisation) THEN
        RAISE EXCEPTION 'the rotation of participant "%" is not authorised by its current key (version %)',
                participant, newest_key.key_version
            USING ERRCODE = 'LG201',
                  HINT = format('Sign ledger.key_digest(%L, %s, <new public key>) with the current private key.',
                                participant, newest_key.key_version + 1);
    END IF;
    INSERT INTO ledger_identity.participant_keys (participant, member_role, key_version, event, public_key, proof)
    VALUES (participant, newest_key.member_role, newest_key.key_version + 1, 'rotate', new_public_key, authorisation);
    RETURN newest_key.key_version + 1;
END
$$;
COMMENT ON FUNCTION ledger.rotate_key(text, bytea, bytea) IS
    'Gives a participant its next key, authorised by a signature of its current key; returns the new key version.';

CREATE FUNCTION ledger.revoke_participant(participant text) RETURNS void
    LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    newest_key record;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtextextended('pgledger participant ' || participant, 0));
    SELECT * INTO newest_key FROM ledger._current_key(participant);
    INSERT INTO ledger_identity.participant_keys (participant, member_role, key_version, event)
    VALUES (participant, newest_key.member_role, newest_key.key_version + 1, 'revoke');
END
$$;
COMMENT ON FUNCTION ledger.revoke_participant(text) IS
    'Revokes a participant: from now on its keys sign nothing; its earlier signatures stay verifiable.';

CREATE FUNCTION ledger.signed_by(participant text) RETURNS boolean
    LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT ledger._identity_ready() OR ledger.current_transaction_id() IS NULL THEN
        RETURN false;
    END IF;
    RETURN EXISTS (SELECT 1 FROM ledger_identity.transaction_signatures s
                   WHERE s.transaction_id = ledger.current_transaction_id() AND s.participant = signed_by.participant);
END
$$;
COMMENT ON FUNCTION ledger.signed_by(text) IS
    'For contracts: true if the participant signed the current transaction with a key that verified.';

CREATE FUNCTION ledger.verify_signatures(OUT kind text, OUT participant text, OUT key_version integer,
    OUT transaction_id bigint, OUT block_height bigint, OUT ok boolean, OUT problem text)
    RETURNS SETOF record LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    keys_table bigint;
    signatures_table bigint;
    event record;
    signature record;
    signer_key record;
    replaced_in bigint;
    digest bytea;
    -- participant -> the first key version whose event does not verify
    broken_history jsonb := '{}';
BEGIN
    IF NOT ledger._identity_ready() THEN
        RETURN;
    END IF;
    SELECT t.table_id INTO keys_table FROM ledger.tables t
    WHERE t.relation = 'ledger_identity.participant_keys'::regclass;
    SELECT t.table_id INTO signatures_table FROM ledger.tables t
    WHERE t.relation = 'ledger_identity.transaction_signatures'::regclass;

    -- Every key must be proven by its holder (version 1) or authorised by the
    -- key it replaces: no one, not even a superuser, can give a participant
    -- a key it did not agree to.
    FOR event IN
        SELECT k.*, previous.public_key AS previous_key, previous.event AS previous_event,
               (SELECT e.block_height FROM ledger.transactions e
                WHERE e.transaction_id = k.ledger_transaction_id AND e.table_id = keys_table) AS sealed_in
        FROM ledger_identity.participant_keys k
        LEFT JOIN ledger_identity.participant_keys previous
            ON previous.participant = k.participant AND previous.key_version = k.key_version - 1
        ORDER BY k.participant, k.key_version
    LOOP
        kind := 'key';
        participant := event.participant;
        key_version := event.key_version;
        transaction_id := event.ledger_transaction_id;
        block_height := event.sealed_in;
        problem := NULL;
        IF event.event = 'create' AND event.key_version <> 1 THEN
            problem := 'a participant is created with key version 1 only';
        ELSIF event.event <> 'create' AND event.previous_event IS NULL THEN
            problem := format('key version %s follows no version %s', event.key_version, event.key_version - 1);
        ELSIF event.previous_event = 'revoke' THEN
            problem := 'a revoked participant got a new key event';
        ELSIF event.event = 'create' AND (event.public_key IS NULL OR event.proof IS NULL OR
                NOT ledger.ed25519_verify(event.public_key,
                        ledger.key_digest(event.participant, 1, event.public_key), event.proof)) THEN
            problem := 'the key''s registration is not signed by the key itself';
        ELSIF event.event = 'rotate' AND (event.public_key IS NULL OR event.proof IS NULL OR
                NOT ledger.ed25519_verify(event.previous_key,
                        ledger.key_digest(event.participant, event.key_version, event.public_key), event.proof)) THEN
            problem := format('the rotation is not authorised by key version %s', event.key_version - 1);
        END IF;
        ok := problem IS NULL;
        IF NOT ok AND NOT broken_history ? event.participant THEN
            broken_history := broken_history || jsonb_build_object(event.participant, event.key_version);
        END IF;
        RETURN NEXT;
    END LOOP;

    -- Every signature must verify against the rows its transaction recorded,
    -- with a key that was in force in the block that sealed it.
    FOR signature IN
        SELECT s.*, (SELECT e.block_height FROM ledger.transactions e
                     WHERE e.transaction_id = s.ledger_transaction_id AND e.table_id = signatures_table) AS sealed_in
        FROM ledger_identity.transaction_signatures s
        ORDER BY s.transaction_id, s.participant
    LOOP
        kind := 'signature';
        participant := signature.participant;
        key_version := signature.key_version;
        transaction_id := signature.transaction_id;
        block_height := signature.sealed_in;
        problem := NULL;
        SELECT k.public_key, k.event,
               (SELECT e.block_height FROM ledger.transactions e
                WHERE e.transaction_id = k.ledger_transaction_id AND e.table_id = keys_table) AS sealed_in
        INTO signer_key
        FROM ledger_identity.participant_keys k
        WHERE k.participant = signature.participant AND k.key_version = signature.key_version;
        SELECT (SELECT e.block_height FROM ledger.transactions e
                WHERE e.transaction_id = k.ledger_transaction_id AND e.table_id = keys_table)
        INTO replaced_in
        FROM ledger_identity.participant_keys k
        WHERE k.participant = signature.participant AND k.key_version = signature.key_version + 1;
        digest := ledger._recorded_transaction_digest(signature.transaction_id, signature.participant);
        IF signer_key IS NULL OR signer_key.public_key IS NULL THEN
            problem := format('the participant has no key version %s', signature.key_version);
        ELSIF (broken_history ->> signature.participant)::integer <= signature.key_version THEN
            problem := format('key version %s comes from a key history that does not verify from version %s',
                              signature.key_version, broken_history ->> signature.participant);
        ELSIF signature.transaction_id <> signature.ledger_transaction_id THEN
            problem := format('the signature is recorded in transaction %s, not in the transaction it signs',
                              signature.ledger_transaction_id);
        ELSIF digest IS NULL THEN
            problem := 'the signed transaction has no recorded rows';
        ELSIF NOT ledger.ed25519_verify(signer_key.public_key, digest, signature.signature) THEN
            problem := 'the signature does not verify against the rows its transaction recorded';
        ELSIF signature.sealed_in < signer_key.sealed_in THEN
            problem := format('the key was registered in block %s, after this signature''s block', signer_key.sealed_in);
        ELSIF signature.sealed_in > replaced_in THEN
            problem := format('key version %s was replaced or revoked in block %s, before this signature''s block',
                              signature.key_version, replaced_in);
        END IF;
        ok := problem IS NULL;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION ledger.verify_signatures() IS
    'Re-checks every key event and every transaction signature against the ledger''s recorded rows and the keys in force at its block.';

-- Visibility -------------------------------------------------------------------

CREATE FUNCTION ledger.restrict_visibility(table_name regclass, party_columns text[]) RETURNS void
    LANGUAGE plpgsql STRICT SET search_path = pg_catalog, pg_temp SET client_min_messages = warning AS $$
DECLARE
    party text;
    party_type regtype;
    visible_when text := '';
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger.tables t WHERE t.relation = table_name) THEN
        RAISE EXCEPTION '"%" is not a ledger table', table_name
            USING ERRCODE = 'wrong_object_type', HINT = 'Make it one with ledger.create_ledger_table() first.';
    END IF;
    IF cardinality(party_columns) = 0 THEN
        RAISE EXCEPTION 'no party column given for "%"', table_name
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Name the columns that hold the participants a row concerns.';
    END IF;
    FOREACH party IN ARRAY party_columns LOOP
        SELECT a.atttypid::regtype INTO party_type FROM pg_attribute a
        WHERE a.attrelid = table_name AND a.attname = party AND a.attnum > 0 AND NOT a.attisdropped;
        IF party_type IS NULL THEN
            RAISE EXCEPTION 'column "%" of "%" does not exist', party, table_name
                USING ERRCODE = 'undefined_column', HINT = 'Name columns that hold participant names.';
        END IF;
        IF party_type NOT IN ('text'::regtype, 'character varying'::regtype, 'name'::regtype) THEN
            RAISE EXCEPTION 'column "%" of "%" is of type %, not a participant name', party, table_name, party_type
                USING ERRCODE = 'datatype_mismatch', HINT = 'Party columns hold participant names: text, varchar or name.';
        END IF;
        visible_when := visible_when || CASE WHEN visible_when = '' THEN '' ELSE ' OR ' END
            || format('%I::text = ANY ((SELECT ledger.current_participants())::text[])', party);
    END LOOP;
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format('DROP POLICY IF EXISTS ledger_parties ON %s', table_name);
    EXECUTE format('DROP POLICY IF EXISTS ledger_append ON %s', table_name);
    EXECUTE format('CREATE POLICY ledger_parties ON %s FOR SELECT USING (%s)', table_name, visible_when);
    -- Who may append is the contracts' and the grants' business, not visibility's.
    EXECUTE format('CREATE POLICY ledger_append ON %s FOR INSERT WITH CHECK (true)', table_name);
END
$$;
COMMENT ON FUNCTION ledger.restrict_visibility(regclass, text[]) IS
    'Makes each row of a ledger table visible only to the participants named in the given columns (row-level security).';

REVOKE ALL ON FUNCTION ledger._recorded_transaction_digest(bigint, text), ledger._ensure_identity_tables(),
    ledger._current_key(text), ledger.create_participant(text, regrole, bytea, bytea),
    ledger.rotate_key(text, bytea, bytea), ledger.revoke_participant(text), ledger.verify_signatures() FROM PUBLIC;

-- Auditors verify everything and read nothing: verification runs as the
-- ledger's owner (SECURITY DEFINER above) and reports only whether, and
-- where, history was altered.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_auditor') THEN
        CREATE ROLE ledger_auditor NOLOGIN;
    END IF;
END
$$;
GRANT EXECUTE ON FUNCTION ledger.verify(regclass), ledger.verify_digest(jsonb), ledger.digest(),
    ledger.verify_signatures() TO ledger_auditor;

-- Private columns -----------------------------------------------------------
--
-- A private column's value enters its row hash as a salted commitment. The
-- salts are kept here, apart from the rows: destroying a salt (erasure)
-- leaves the commitment, which the chain still verifies.

CREATE TABLE ledger.private_columns (
    table_id bigint NOT NULL,
    column_name name NOT NULL,
    declared_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_id, column_name)
);
COMMENT ON TABLE ledger.private_columns IS 'The columns of ledger tables whose values are committed to with a salted hash.';

CREATE TABLE ledger.private_salts (
    table_id bigint NOT NULL,
    transaction_id bigint NOT NULL,
    sequence_number integer NOT NULL,
    column_name name NOT NULL,
    salt bytea,
    commitment bytea NOT NULL,
    erased_at timestamptz,
    PRIMARY KEY (table_id, transaction_id, sequence_number, column_name)
);
COMMENT ON TABLE ledger.private_salts IS
    'The salt and commitment of every private value; an erased value keeps its commitment and loses its salt.';
SELECT pg_catalog.pg_extension_config_dump('ledger.private_columns', '');
SELECT pg_catalog.pg_extension_config_dump('ledger.private_salts', '');

CREATE FUNCTION ledger.declare_private(table_name regclass, column_name name) RETURNS void
    LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_declare_private';
COMMENT ON FUNCTION ledger.declare_private(regclass, name) IS
    'Makes a column of an empty ledger table private: its values are committed to with a random salt per value.';

CREATE FUNCTION ledger.commitment(value anyelement, salt bytea) RETURNS bytea
    LANGUAGE c STRICT STABLE AS 'MODULE_PATHNAME', 'pgledger_commitment';
COMMENT ON FUNCTION ledger.commitment(anyelement, bytea) IS
    'The commitment the ledger holds for a private value with this salt: how anyone checks a revealed value.';

CREATE FUNCTION ledger.reveal(table_name regclass, transaction_id bigint, sequence_number integer, column_name name)
    RETURNS jsonb LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_reveal';
COMMENT ON FUNCTION ledger.reveal(regclass, bigint, integer, name) IS
    'A private value with its salt and commitment, for a role that may read the row, to prove the value to another party.';

CREATE FUNCTION ledger._ensure_erasure_log() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7400355372690372610);
    IF ledger._claim_ledger_schema('ledger_privacy', ARRAY['erasures'], 'its erasure log') THEN
        RETURN;
    END IF;
    CREATE SCHEMA ledger_privacy;
    CREATE TABLE ledger_privacy.erasures (
        table_id bigint NOT NULL,
        transaction_id bigint NOT NULL,
        sequence_number integer NOT NULL,
        column_name text NOT NULL,
        reason text NOT NULL,
        requested_by name NOT NULL,
        erased_at timestamptz NOT NULL DEFAULT now()
    );
    PERFORM ledger.create_ledger_table('ledger_privacy.erasures');
END
$$;

CREATE FUNCTION ledger.erase_private(table_name regclass, transaction_id bigint, sequence_number integer,
    column_name name, reason text) RETURNS void
    LANGUAGE c STRICT SET search_path = pg_catalog, pg_temp AS 'MODULE_PATHNAME', 'pgledger_erase_private';
COMMENT ON FUNCTION ledger.erase_private(regclass, bigint, integer, name, text) IS
    'Erases one private value (crypto-shredding): destroys its salt, overwrites it with NULL and records the erasure in the ledger.';

REVOKE ALL ON FUNCTION ledger._ensure_erasure_log(), ledger._claim_ledger_schema(name, text[], text) FROM PUBLIC;
-- Which columns are private is no secret, and every inserting role's row
-- trigger must know it; the salts are the ledger's alone.
GRANT SELECT ON ledger.private_columns TO PUBLIC;
