-- Participants, visibility and private columns: every error a caller can
-- meet without holding a private key (signed paths are in tests/e2e).
CREATE ROLE regress_acme LOGIN;
CREATE ROLE regress_other LOGIN;
CREATE TABLE deals_signed (id int);
SELECT ledger.create_ledger_table('deals_signed');

-- No participant exists yet.
SELECT count(*) AS participants FROM ledger.participants();
SELECT ledger.current_participants();
SELECT statement, outcome(statement) FROM (VALUES
    ('SELECT ledger.rotate_key(''nobody'', ''\x' || repeat('00', 32) || ''', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.revoke_participant(''nobody'')'),
    ('SELECT ledger.create_participant(''acme'', ''regress_acme'', ''\x00'', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.create_participant(''acme'', ''regress_acme'', ''\x' || repeat('00', 32) || ''', ''\x00'')'),
    ('SELECT ledger.create_participant(''acme'', ''regress_acme'', ''\x' || repeat('01', 32) || ''', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.create_participant(''acme'', ''regress_nobody'', ''\x' || repeat('01', 32) || ''', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.key_digest('''', 1, ''\x' || repeat('00', 32) || ''')'),
    ('SELECT ledger.key_digest(''acme'', 0, ''\x' || repeat('00', 32) || ''')'),
    ('SELECT ledger.ed25519_verify(''\x' || repeat('00', 31) || ''', ''\x'', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.ed25519_verify(''\x' || repeat('00', 32) || ''', ''\x'', ''\x' || repeat('00', 65) || ''')'),
    ('SELECT ledger.transaction_digest(''acme'')'),
    ('SELECT ledger.sign_transaction(''acme'', ''\x' || repeat('00', 64) || ''')'),
    ('SELECT ledger.sign_transaction(''acme'', ''\x00'')')
) AS t(statement);
-- A namesake schema made by someone else is never trusted as the participant registry.
CREATE SCHEMA ledger_identity AUTHORIZATION regress_other;
CREATE TABLE ledger_identity.participant_keys (participant text, member_role text, key_version int,
    event text, public_key bytea, proof bytea);
INSERT INTO ledger_identity.participant_keys VALUES ('acme', 'regress_other', 1, 'create', '\x00', NULL);
SELECT count(*) AS trusted_participants FROM ledger.participants();
SELECT outcome('SELECT ledger.create_participant(''acme'', ''regress_acme'', ''\x' || repeat('01', 32) || ''', ''\x' || repeat('00', 64) || ''')');
SELECT outcome('SELECT ledger.rotate_key(''acme'', ''\x' || repeat('01', 32) || ''', ''\x' || repeat('00', 64) || ''')');
-- As the refusal's hint says, the namesake may be renamed out of the way.
SELECT outcome('ALTER SCHEMA ledger_identity RENAME TO not_the_ledgers');
DROP SCHEMA not_the_ledgers CASCADE;

-- A transaction that must be signed and is not cannot commit.
SET ledger.required_signers = 'acme';
BEGIN;
INSERT INTO deals_signed VALUES (1);
COMMIT;
SELECT count(*) AS unsigned_rows_committed FROM deals_signed;
RESET ledger.required_signers;
INSERT INTO deals_signed VALUES (2);
SELECT outcome('SELECT ledger.create_participant(''a,b'', ''regress_acme'', ''\x' || repeat('01', 32) || ''', ''\x' || repeat('00', 64) || ''')');
SELECT ledger.ed25519_verify(('\x' || repeat('00', 32))::bytea, '\x', ('\x' || repeat('00', 64))::bytea) AS zero_signature_verifies;
SELECT ledger.signed_by('acme') AS signed_outside_a_transaction;
SELECT count(*) AS verified_signatures FROM ledger.verify_signatures();

-- Visibility rules.
CREATE TABLE deals (id int, buyer text, seller text, amount numeric, qty int);
CREATE TABLE plain_deals (id int, buyer text);
SELECT ledger.create_ledger_table('deals');
SELECT statement, outcome(statement) FROM (VALUES
    ('SELECT ledger.restrict_visibility(''plain_deals'', ARRAY[''buyer''])'),
    ('SELECT ledger.restrict_visibility(''deals'', ARRAY[]::text[])'),
    ('SELECT ledger.restrict_visibility(''deals'', ARRAY[''nope''])'),
    ('SELECT ledger.restrict_visibility(''deals'', ARRAY[''qty''])')
) AS t(statement);
-- Private columns: declared before the first row, on real columns only.
SELECT statement, outcome(statement) FROM (VALUES
    ('SELECT ledger.declare_private(''plain_deals'', ''buyer'')'),
    ('SELECT ledger.declare_private(''deals'', ''nope'')'),
    ('SELECT ledger.declare_private(''deals'', ''ledger_transaction_id'')'),
    ('SELECT ledger.declare_private(''deals'', ''amount'')'),
    ('SELECT ledger.declare_private(''deals'', ''amount'')')
) AS t(statement);
SELECT ledger.restrict_visibility('deals', ARRAY['buyer', 'seller']);
SELECT policyname, cmd, qual, with_check FROM pg_policies WHERE tablename = 'deals' ORDER BY policyname;
GRANT SELECT, INSERT ON deals TO regress_acme, regress_other;
INSERT INTO deals VALUES (1, 'acme', 'globex', 1500, 3), (2, 'globex', 'initech', NULL, 4);
SELECT outcome('SELECT ledger.declare_private(''deals'', ''qty'')');
SELECT column_name, count(*) AS salts, count(DISTINCT salt) AS distinct_salts
FROM ledger.private_salts s JOIN ledger.private_columns c USING (table_id, column_name) GROUP BY column_name;
SELECT ledger.seal() IS NOT NULL AS sealed;
SELECT table_name, rows_checked, ok, problem FROM ledger.verify('deals');

-- Revealing, checking and erasing.
SELECT statement, outcome(statement) FROM (VALUES
    ('SELECT ledger.reveal(''deals'', (SELECT ledger_transaction_id FROM deals WHERE id = 1), 1, ''qty'')'),
    ('SELECT ledger.reveal(''deals'', (SELECT ledger_transaction_id FROM deals WHERE id = 2), 2, ''amount'')'),
    ('SELECT ledger.reveal(''deals'', 0, 1, ''amount'')'),
    ('SELECT ledger.reveal(0, 1, 1, ''amount'')'),
    ('SELECT ledger.reveal(''pg_class'', 1, 1, ''relname'')'),
    ('SELECT ledger.commitment(1500::numeric, ''\x00'')'),
    ('SELECT ledger.commitment(''1500'', ''\x' || repeat('00', 32) || ''')'),
    ('SELECT ledger.erase_private(''deals'', 0, 1, ''amount'', ''no such row'')'),
    ('SELECT ledger.erase_private(''deals'', 0, 1, ''qty'', ''not private'')'),
    ('SELECT ledger.erase_private(''plain_deals'', 0, 1, ''buyer'', ''not a ledger table'')')
) AS t(statement);
SELECT r->>'value' AS value, r->>'type' AS type, r->>'commitment_matches' AS matches,
       ledger.commitment(1500::numeric, (r->>'salt')::bytea) = (r->>'commitment')::bytea AS anyone_can_check,
       ledger.commitment(1500.0::numeric, (r->>'salt')::bytea) = (r->>'commitment')::bytea AS other_scale_matches
FROM (SELECT ledger.reveal('deals', ledger_transaction_id, ledger_sequence_number, 'amount') AS r
      FROM deals WHERE id = 1) revealed;

-- A numeric is encoded as numeric_send sends it, though read straight from
-- the stored value: every header form (short, long for large weights and
-- scales, NaN and infinities), as stored in a table (short varlena header,
-- or compressed) and as computed (4-byte header).
CREATE TABLE numeric_samples (v numeric);
INSERT INTO numeric_samples
SELECT v FROM (VALUES (0::numeric), (-0.0), ('NaN'), ('Infinity'), ('-Infinity'), (1e300), (-1e-300),
                      (round(1::numeric, 100)), (0.000001), (-123456789012345678901234567890.123456789),
                      (9999), (10000), (-1e63 * 3), (1e-70),
                      -- 1001 digits of 9999: compressed when stored
                      (10::numeric ^ 4004 - 1)) AS fixed(v)
UNION ALL
SELECT power(10::numeric, g % 60 - 30) * ((g * 7919) % 100003 - 50001) / 7 FROM generate_series(1, 300) AS g
UNION ALL
SELECT round(((g * 104729) % 1000003 - 500001) / 100.0, g % 5) FROM generate_series(1, 300) AS g;
SELECT count(*) AS samples,
       count(*) FILTER (WHERE ledger.commitment(v, salt) IS DISTINCT FROM
           sha256('\x0501'::bytea || salt || '\x62'::bytea || int4send(octet_length(numeric_send(v))) || numeric_send(v)))
           AS stored_mismatches,
       count(*) FILTER (WHERE ledger.commitment(v + 0, salt) IS DISTINCT FROM
           sha256('\x0501'::bytea || salt || '\x62'::bytea || int4send(octet_length(numeric_send(v + 0))) || numeric_send(v + 0)))
           AS computed_mismatches
FROM numeric_samples, (SELECT decode(repeat('a5', 32), 'hex') AS salt) AS s;
SELECT count(*) FILTER (WHERE pg_column_compression(v) IS NOT NULL) AS compressed_samples FROM numeric_samples;
DROP TABLE numeric_samples;

-- As a participant's role: only rows naming a participant it acts for, and no EXPLAIN.
SET ROLE regress_acme;
SELECT ledger.current_participants();
SELECT count(*) AS visible_deals FROM deals;
SELECT outcome('EXPLAIN SELECT * FROM deals');
SELECT outcome('SELECT ledger.erase_private(''deals'', 1, 1, ''amount'', ''not the owner'')');
SELECT outcome('SELECT * FROM ledger.private_salts');
SELECT outcome('SELECT * FROM ledger.verify()');
RESET ROLE;
EXPLAIN (COSTS OFF) SELECT id FROM deals;

-- Erasure changes the private value and nothing else, whatever the table's
-- own UPDATE triggers would do.
CREATE FUNCTION zero_qty() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.qty := 0; RETURN NEW; END $$;
CREATE TRIGGER zero_qty BEFORE UPDATE ON deals FOR EACH ROW EXECUTE FUNCTION zero_qty();
SELECT outcome(format('SELECT ledger.erase_private(''deals'', %s, %s, ''amount'', ''with a trigger'')',
                      ledger_transaction_id, ledger_sequence_number))
FROM deals WHERE id = 1;
DROP TRIGGER zero_qty ON deals;
DROP FUNCTION zero_qty();

-- Erasure by the owner: the value and its salt go, the commitment stays.
SELECT ledger.erase_private('deals', ledger_transaction_id, ledger_sequence_number, 'amount', 'regress erasure')
FROM deals WHERE id = 1;
SELECT id, amount FROM deals ORDER BY id;
SELECT outcome('SELECT ledger.erase_private(''deals'', (SELECT ledger_transaction_id FROM deals WHERE id = 1), 1, ''amount'', ''twice'')');
SELECT outcome('SELECT ledger.reveal(''deals'', (SELECT ledger_transaction_id FROM deals WHERE id = 1), 1, ''amount'')');
SELECT outcome('UPDATE deals SET amount = NULL WHERE id = 2');
SELECT column_name, reason, requested_by = current_user AS requested_by_me FROM ledger_privacy.erasures;
SELECT table_name, ok, regexp_replace(problem, 'transaction \d+', 'transaction N') AS problem
FROM ledger.verify('deals') ORDER BY problem NULLS FIRST;

-- The ledger's own schemas keep their names, and their owner unless it is the
-- ledger's owner again, as a restore sets it.
SELECT statement, outcome(statement) FROM (VALUES
    ('ALTER SCHEMA ledger_privacy RENAME TO erasures'),
    ('ALTER SCHEMA ledger_privacy OWNER TO regress_other'),
    ('ALTER SCHEMA ledger_privacy OWNER TO CURRENT_USER')
) AS cases(statement);

DROP TABLE plain_deals;
REVOKE ALL ON deals FROM regress_acme, regress_other;
DROP ROLE regress_acme, regress_other;
