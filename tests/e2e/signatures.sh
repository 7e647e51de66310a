#!/usr/bin/env bash
# Participants' Ed25519 keys and transaction signatures, with openssl as an independent signer:
# registration proofs, signing and the refusals of forged, foreign, replayed and outdated
# signatures, rows appended after signing, savepoints, a contract that requires a signature,
# key rotation and revocation, bad input; then a signature altered behind the hooks and a key
# event forged by a superuser, each reported by verify() / verify_signatures() as it should be.
TEST_NAME=signatures
source "$(dirname "$0")/common.bash"

command -v openssl > /dev/null && command -v xxd > /dev/null || fail "this test needs openssl and xxd"

start_cluster
# Private keys stay with the client: psql (and its \!) runs as the invoking user, the server
# never reads them, so the directory stays private (mktemp -d makes it 0700).
KEYS=$(mktemp -d /tmp/pgledger-e2e-keys.XXXXXX)
trap 'cluster_remove; rm -f "$E2E_ERR"; rm -rf "$KEYS"' EXIT

# --- helpers --------------------------------------------------------------------------------

new_key() {
    openssl genpkey -algorithm ed25519 -out "$KEYS/$1.pem" 2> /dev/null || fail "openssl could not make key $1"
}

# pubkey NAME: the raw 32-byte public key, in hex.
pubkey() {
    local hex
    hex=$(openssl pkey -in "$KEYS/$1.pem" -pubout -outform DER | tail -c 32 | xxd -p -c 64)
    [[ $hex =~ ^[0-9a-f]{64}$ ]] || { echo "no public key for $1: [$hex]" >&2; return 1; }
    echo "$hex"
}

# sign_hex NAME HEX: NAME's Ed25519 signature of the bytes HEX, in hex.
sign_hex() {
    local sig
    echo -n "$2" | xxd -r -p > "$KEYS/message.bin"
    sig=$(openssl pkeyutl -sign -rawin -inkey "$KEYS/$1.pem" -in "$KEYS/message.bin" | xxd -p -c 128)
    [[ $sig =~ ^[0-9a-f]{128}$ ]] || { echo "openssl did not sign with $1: [$sig]" >&2; return 1; }
    echo "$sig"
}

# key_proof SIGNER PARTICIPANT VERSION PUBHEX: SIGNER's signature of the server's
# ledger.key_digest(PARTICIPANT, VERSION, PUBHEX).
key_proof() {
    local digest
    digest=$(sql "SELECT encode(ledger.key_digest('$2', $3, '\\x$4'), 'hex')")
    [[ $digest =~ ^[0-9a-f]{64}$ ]] || { echo "key_digest($2, $3) returned [$digest]" >&2; return 1; }
    sign_hex "$1" "$digest"
}

random_hex() {
    openssl rand -hex "$1"
}

# sign_as PARTICIPANT KEY [DIGEST_OF]: psql lines, for a session script, that take the open
# transaction's ledger.transaction_digest(DIGEST_OF) (default PARTICIPANT), sign it with KEY's
# private key through openssl and attach it with ledger.sign_transaction(PARTICIPANT, ...).
# The digest is left in :digest, the signature (hex) in :sig.
sign_as() {
    local participant=$1 key=$2 of=${3:-$1}
    cat << EOF
SELECT encode(ledger.transaction_digest('$of'), 'hex') AS digest \gset
\setenv DIGEST :digest
\! rm -f $KEYS/sig.hex; echo -n "\$DIGEST" | xxd -r -p > $KEYS/digest.bin && openssl pkeyutl -sign -rawin -inkey $KEYS/$key.pem -in $KEYS/digest.bin | xxd -p -c 128 > $KEYS/sig.hex
\set sig \`cat $KEYS/sig.hex\`
SELECT CASE WHEN :'sig' ~ '^[0-9a-f]{128}\$' THEN true ELSE ('openssl did not sign: ' || :'sig')::boolean END AS signed_ok \gset
SELECT ledger.sign_transaction('$participant', decode(:'sig', 'hex'));
EOF
}

# session EXPECTED_SQLSTATE WHAT: run the psql script on stdin in one session, which stops at
# its first error (an open transaction is then rolled back). The SQLSTATE of that error, or
# 00000 without one, must be EXPECTED_SQLSTATE. Output lines are left in $SESSION_OUT, the
# error in $SESSION_ERR.
session() {
    local expected=$1 what=$2 state
    if SESSION_OUT=$( { echo '\set VERBOSITY verbose'; cat; } | cluster_psql -At 2> "$KEYS/session.err"); then
        state=00000
    else
        state=$(sed -n 's/^.*\(ERROR\|FATAL\|PANIC\):  \([0-9A-Z]\{5\}\): .*$/\2/p' "$KEYS/session.err" | head -1)
        state=${state:-"(none)"}
    fi
    SESSION_ERR=$(cat "$KEYS/session.err")
    [ "$state" = "$expected" ] ||
        fail "$what: expected SQLSTATE $expected, got $state${SESSION_ERR:+: $SESSION_ERR}"
}

# expect_sql EXPECTED_SQLSTATE WHAT SQL: the same for SQL given as an argument.
expect_sql() {
    local expected=$1 what=$2
    session "$expected" "$what" <<< "$3"
}

# out_value TAG: the value printed as "TAG=value" by the last session.
out_value() {
    sed -n "s/^$1=//p" <<< "$SESSION_OUT" | head -1
}

# same ACTUAL EXPECTED WHAT
same() {
    [ "$1" = "$2" ] || fail "$3: expected [$2], got [$1]"
}

# The whole report of verify_signatures(), one line per row, in its order. Key rows omit their
# transaction (the test does not track the key events' ledger transactions).
SIGNATURES_REPORT="SELECT concat_ws('|', kind, participant, key_version,
                                   CASE WHEN kind = 'signature' THEN transaction_id::text END,
                                   ok, coalesce(problem, '-'))
                     FROM ledger.verify_signatures()"

# --- setup ----------------------------------------------------------------------------------

for k in acme globex acme2 mallory; do new_key $k; done
ACME=$(pubkey acme) || fail "pubkey acme"
GLOBEX=$(pubkey globex) || fail "pubkey globex"
ACME2=$(pubkey acme2) || fail "pubkey acme2"
MALLORY=$(pubkey mallory) || fail "pubkey mallory"

cluster_psql > /dev/null << 'SQL'
CREATE EXTENSION pgledger;
CREATE ROLE acme_role;
CREATE ROLE globex_role;
CREATE ROLE clerk IN ROLE acme_role;
CREATE ROLE both_parties IN ROLE acme_role, globex_role;
CREATE ROLE nobody;
CREATE TABLE t (id int, party text, amount numeric);
CREATE TABLE notes (id int, note text);
CREATE TABLE orders (id int, item text);
SELECT ledger.create_ledger_table('public.t');
SELECT ledger.create_ledger_table('public.notes');
SELECT ledger.create_ledger_table('public.orders');
GRANT SELECT ON t TO clerk, both_parties, nobody;
SQL

# No participant yet: nothing to report, no identity tables, no one has signed.
same "$(sql "SELECT count(*) FROM ledger.participants()")" 0 "participants() before any participant"
same "$(sql "SELECT count(*) FROM ledger.verify_signatures()")" 0 "verify_signatures() before any participant"
same "$(sql "SELECT ledger.signed_by('acme')")" f "signed_by() before any participant"

# --- registration ---------------------------------------------------------------------------

proof_acme=$(key_proof acme acme 1 "$ACME") || fail "proof for acme"
proof_by_globex=$(key_proof globex acme 1 "$ACME") || fail "proof for acme by globex's key"
proof_for_name_globex=$(key_proof acme globex 1 "$ACME") || fail "proof of acme's key for the name globex"
proof_for_version_2=$(key_proof acme acme 2 "$ACME") || fail "proof of acme's key for version 2"

expect_sql LG201 "create_participant with a proof made by another key" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$proof_by_globex')"
expect_sql LG201 "create_participant with a proof made for another participant's name" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$proof_for_name_globex')"
expect_sql LG201 "create_participant with a proof made for key version 2" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$proof_for_version_2')"
expect_sql LG201 "create_participant with a random proof" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$(random_hex 64)')"
expect_sql 22023 "create_participant with a 31-byte key" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x${ACME:2}', '\\x$proof_acme')"
expect_sql 22023 "create_participant with a 33-byte key" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x${ACME}00', '\\x$proof_acme')"
expect_sql 22023 "create_participant with a 63-byte proof" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x${proof_acme:2}')"
expect_sql 22023 "create_participant with an empty name" \
    "SELECT ledger.create_participant('', 'acme_role', '\\x$ACME', '\\x$proof_acme')"
expect_sql 22023 "key_digest of key version 0" "SELECT ledger.key_digest('acme', 0, '\\x$ACME')"
same "$(sql "SELECT count(*) FROM ledger.participants()")" 0 "participants() after refused registrations"

proof_globex=$(key_proof globex globex 1 "$GLOBEX") || fail "proof for globex"
expect_sql 00000 "create_participant acme" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$proof_acme')"
expect_sql 00000 "create_participant globex" \
    "SELECT ledger.create_participant('globex', 'globex_role', '\\x$GLOBEX', '\\x$proof_globex')"
expect_sql 42710 "create_participant acme again (with a valid proof)" \
    "SELECT ledger.create_participant('acme', 'acme_role', '\\x$ACME', '\\x$proof_acme')"
same "$(sql "SELECT string_agg(concat_ws('|', participant, member_role, key_version, encode(public_key, 'hex'), revoked),
                               ' ' ORDER BY participant) FROM ledger.participants()")" \
    "acme|acme_role|1|$ACME|f globex|globex_role|1|$GLOBEX|f" "participants() after registration"
same "$(sql "SELECT count(*) FROM ledger.tables WHERE relation IN
               ('ledger_identity.participant_keys'::regclass, 'ledger_identity.transaction_signatures'::regclass)")" \
    2 "the identity tables are ledger tables"
same "$(sql "SET ROLE clerk; SELECT ledger.current_participants()")" "{acme}" "current_participants() as clerk"
same "$(sql "SET ROLE both_parties; SELECT ledger.current_participants()")" "{acme,globex}" \
    "current_participants() as both_parties"
same "$(sql "SET ROLE nobody; SELECT ledger.current_participants()")" "{}" "current_participants() as nobody"

# --- signing --------------------------------------------------------------------------------

# acme signs a transaction; the digest it signed is the one the ledger recorded, and openssl
# itself verifies the stored signature against it.
session 00000 "a transaction signed by acme" << EOF
BEGIN;
INSERT INTO t VALUES (1, 'acme', 5);
SELECT 'before=' || ledger.signed_by('acme');
$(sign_as acme acme)
SELECT 'after=' || ledger.signed_by('acme') || ',' || ledger.signed_by('globex');
SELECT 'tx=' || ledger.current_transaction_id();
SELECT 'digest=' || :'digest';
COMMIT;
EOF
tx1=$(out_value tx)
digest1=$(out_value digest)
same "$(out_value before)" false "signed_by('acme') before signing"
same "$(out_value after)" true,false "signed_by('acme'), signed_by('globex') after acme signed"
same "$(sql "SELECT string_agg(concat_ws('|', transaction_id, participant, key_version), ' ')
               FROM ledger_identity.transaction_signatures")" "$tx1|acme|1" "the stored signature of transaction 1"
same "$(sql "SELECT encode(ledger._recorded_transaction_digest($tx1, 'acme'), 'hex')")" "$digest1" \
    "the digest recomputed from the recorded rows is not the one acme signed"
sig1=$(sql "SELECT encode(signature, 'hex') FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx1")
openssl pkey -in "$KEYS/acme.pem" -pubout -out "$KEYS/acme.pub.pem"
echo -n "$digest1" | xxd -r -p > "$KEYS/check.bin"
echo -n "$sig1" | xxd -r -p > "$KEYS/check.sig"
openssl pkeyutl -verify -rawin -pubin -inkey "$KEYS/acme.pub.pem" -in "$KEYS/check.bin" -sigfile "$KEYS/check.sig" > /dev/null ||
    fail "openssl does not verify acme's stored signature of transaction $tx1"

# The commit-time signature checks follow no caller's search_path: with an operator that makes
# every bigint equal first on it, acme's signature of transaction 1 would stand for this one.
cluster_psql > /dev/null << 'SQL' || fail "creating the hijacking operator failed"
CREATE SCHEMA hijack;
CREATE FUNCTION hijack.always_equal(bigint, bigint) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE OPERATOR hijack.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = hijack.always_equal);
SQL
session LG205 "an unsigned commit under a search_path whose = makes every transaction id equal" << 'EOF'
SET search_path = hijack, pg_catalog, public;
SET ledger.required_signers = 'acme';
INSERT INTO t VALUES (50, 'unsigned', 1);
EOF
grep -qF 'this transaction must be signed by participant "acme"' <<< "$SESSION_ERR" ||
    fail "the hijacked unsigned commit was refused with another message: $SESSION_ERR"

# acme and globex both sign one transaction.
session 00000 "a transaction signed by acme and globex" << EOF
BEGIN;
INSERT INTO t VALUES (2, 'acme and globex', 7);
INSERT INTO notes VALUES (2, 'co-signed');
$(sign_as acme acme)
$(sign_as globex globex)
SELECT 'signed=' || ledger.signed_by('acme') || ',' || ledger.signed_by('globex');
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx2=$(out_value tx)
same "$(out_value signed)" true,true "signed_by() in the co-signed transaction"
same "$(sql "SELECT string_agg(participant || '|' || key_version, ' ' ORDER BY participant)
               FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx2")" \
    "acme|1 globex|1" "the signatures of the co-signed transaction"
# Who signed what is for the signer: clerk acts for acme and sees acme's signatures only.
same "$(sql "SET ROLE clerk; SELECT string_agg(DISTINCT participant, ',') FROM ledger_identity.transaction_signatures")" \
    acme "the signatures visible to clerk"

session 42710 "acme signing the same transaction twice" << EOF
BEGIN;
INSERT INTO t VALUES (3, 'twice', 1);
$(sign_as acme acme)
$(sign_as acme acme)
COMMIT;
EOF

# --- a contract that requires acme's signature ----------------------------------------------

sql "SELECT ledger.install_contract('acme_signs', \$source\$
CREATE FUNCTION require_acme() RETURNS text LANGUAGE sql AS \$\$
    SELECT CASE WHEN NOT ledger.signed_by('acme') THEN 'acme has not signed the order' END \$\$;
\$source\$, '{\"public.orders\": {\"transaction\": \"require_acme\"}}')" > /dev/null ||
    fail "installing the contract acme_signs failed"
expect_sql LG102 "an unsigned order" "INSERT INTO orders VALUES (1, 'unsigned')"
grep -qF 'contract "acme_signs" version 1 refused the transaction: acme has not signed the order' <<< "$SESSION_ERR" ||
    fail "the unsigned order was refused with another message: $SESSION_ERR"
session LG102 "an order signed by globex only" << EOF
BEGIN;
INSERT INTO orders VALUES (2, 'signed by globex');
$(sign_as globex globex)
COMMIT;
EOF
session 00000 "an order signed by acme" << EOF
BEGIN;
INSERT INTO orders VALUES (3, 'signed by acme');
$(sign_as acme acme)
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx_order=$(out_value tx)
same "$(sql "SELECT string_agg(id || ' ' || item, ',') FROM orders")" "3 signed by acme" "the orders stored"

# --- refused signatures ---------------------------------------------------------------------

session LG201 "a forged (random) signature" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'forged', 1);
SELECT ledger.sign_transaction('acme', '\\x$(random_hex 64)');
COMMIT;
EOF
session LG201 "a signature made with globex's key, given as acme" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'globex key', 1);
$(sign_as acme globex)
COMMIT;
EOF
session LG201 "acme's signature of globex's digest, given as acme" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'other digest', 1);
$(sign_as acme acme globex)
COMMIT;
EOF
# Replay: transaction 1's signature, in a new transaction with the same rows.
session LG201 "transaction $tx1's signature replayed in a new transaction with identical rows" << EOF
BEGIN;
INSERT INTO t VALUES (1, 'acme', 5);
SELECT 'digest=' || encode(ledger.transaction_digest('acme'), 'hex');
SELECT ledger.sign_transaction('acme', '\\x$sig1');
COMMIT;
EOF
[ -n "$(out_value digest)" ] && [ "$(out_value digest)" != "$digest1" ] ||
    fail "the replayed transaction's digest [$(out_value digest)] should differ from transaction $tx1's [$digest1]"
session 22023 "a 63-byte signature" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'short', 1);
SELECT ledger.sign_transaction('acme', '\\x${sig1:2}');
COMMIT;
EOF
session 22023 "a 65-byte signature" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'long', 1);
SELECT ledger.sign_transaction('acme', '\\x${sig1}00');
COMMIT;
EOF
session 42704 "a signature by an unknown participant" << EOF
BEGIN;
INSERT INTO t VALUES (4, 'initech', 1);
SELECT ledger.sign_transaction('initech', '\\x$sig1');
COMMIT;
EOF
session 55000 "signing a transaction that appended no ledger rows" << EOF
BEGIN;
SELECT ledger.sign_transaction('acme', '\\x$sig1');
COMMIT;
EOF
session 55000 "the digest of a transaction that appended no ledger rows" << EOF
BEGIN;
SELECT ledger.transaction_digest('acme');
COMMIT;
EOF
expect_sql 55000 "the digest outside a transaction block" "SELECT ledger.transaction_digest('acme')"

# Rows appended after signing make the commit fail, with nothing of the transaction kept.
session LG203 "a row appended to the same table after signing" << EOF
BEGIN;
INSERT INTO t VALUES (10, 'signed', 1);
$(sign_as acme acme)
INSERT INTO t VALUES (11, 'after signing', 1);
SELECT 'late=' || count(*) FROM t WHERE id = 11;
COMMIT;
EOF
same "$(out_value late)" 1 "the row appended after signing (the refusal must come at COMMIT)"
session LG203 "a row appended to another ledger table after signing" << EOF
BEGIN;
INSERT INTO t VALUES (10, 'signed', 1);
$(sign_as acme acme)
INSERT INTO notes VALUES (11, 'after signing');
SELECT 'late=' || count(*) FROM notes WHERE id = 11;
COMMIT;
EOF
same "$(out_value late)" 1 "the row appended to notes after signing (the refusal must come at COMMIT)"
same "$(sql "SELECT count(*) FROM t WHERE id NOT IN (1, 2)")" 0 "rows of refused transactions in t"
same "$(sql "SELECT count(*) FROM notes WHERE id <> 2")" 0 "rows of refused transactions in notes"
same "$(sql "SELECT string_agg(transaction_id || '|' || participant, ' ' ORDER BY transaction_id, participant)
               FROM ledger_identity.transaction_signatures")" \
    "$tx1|acme $tx2|acme $tx2|globex $tx_order|acme" "the signatures stored after the refusals"

# A row appended after signing but rolled back to a savepoint is not part of the transaction.
session 00000 "a row appended after signing, rolled back to a savepoint" << EOF
BEGIN;
INSERT INTO t VALUES (12, 'signed', 1);
$(sign_as acme acme)
SAVEPOINT extra;
INSERT INTO t VALUES (13, 'rolled back', 1);
ROLLBACK TO SAVEPOINT extra;
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx_sp_rows=$(out_value tx)
same "$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM t WHERE id IN (12, 13)")" 12 \
    "rows of the transaction whose late row was rolled back"

# A signature given in a savepoint that rolls back is gone; acme may sign again after it.
session 00000 "a signature rolled back to a savepoint" << EOF
BEGIN;
INSERT INTO t VALUES (20, 'unsigned in the end', 1);
SAVEPOINT s;
$(sign_as acme acme)
SELECT 'inside=' || ledger.signed_by('acme');
ROLLBACK TO SAVEPOINT s;
SELECT 'after=' || ledger.signed_by('acme');
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx_sp_gone=$(out_value tx)
same "$(out_value inside)" true "signed_by('acme') inside the savepoint"
same "$(out_value after)" false "signed_by('acme') after rolling back the savepoint"
same "$(sql "SELECT count(*) FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx_sp_gone")" 0 \
    "signatures of the transaction whose signature was rolled back"
same "$(sql "SELECT count(*) FROM t WHERE id = 20")" 1 "the row of the transaction whose signature was rolled back"
session 00000 "signing again after a signature was rolled back to a savepoint" << EOF
BEGIN;
INSERT INTO t VALUES (21, 'signed again', 1);
SAVEPOINT s;
$(sign_as acme acme)
ROLLBACK TO SAVEPOINT s;
$(sign_as acme acme)
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx_sp_again=$(out_value tx)
same "$(sql "SELECT count(*) FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx_sp_again")" 1 \
    "signatures of the transaction signed again after a rollback"

# --- key rotation ---------------------------------------------------------------------------

auth_self=$(key_proof acme2 acme 2 "$ACME2") || fail "self-signed authorisation"
auth_globex=$(key_proof globex acme 2 "$ACME2") || fail "authorisation by globex"
auth_v3=$(key_proof acme acme 3 "$ACME2") || fail "authorisation for version 3"
auth_mallory_key=$(key_proof acme acme 2 "$MALLORY") || fail "authorisation of mallory's key"
auth_acme2=$(key_proof acme acme 2 "$ACME2") || fail "authorisation of acme2"
expect_sql LG201 "a rotation authorised by the new key itself" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_self')"
expect_sql LG201 "a rotation authorised by globex's key" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_globex')"
expect_sql LG201 "a rotation authorised for key version 3" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_v3')"
expect_sql LG201 "a rotation to another key than the one authorised" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_mallory_key')"
expect_sql 42704 "rotating the key of an unknown participant" \
    "SELECT ledger.rotate_key('initech', '\\x$ACME2', '\\x$auth_acme2')"
expect_sql 22023 "a rotation to a 31-byte key" \
    "SELECT ledger.rotate_key('acme', '\\x${ACME2:2}', '\\x$auth_acme2')"
expect_sql 22023 "a rotation with a 63-byte authorisation" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x${auth_acme2:2}')"
same "$(sql "SELECT key_version FROM ledger.participants() WHERE participant = 'acme'")" 1 \
    "acme's key version after refused rotations"
same "$(sql "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_acme2')")" 2 "rotate_key's new version"
same "$(sql "SELECT concat_ws('|', member_role, key_version, encode(public_key, 'hex'), revoked)
               FROM ledger.participants() WHERE participant = 'acme'")" "acme_role|2|$ACME2|f" "acme after rotation"
expect_sql LG201 "replaying the rotation's authorisation" \
    "SELECT ledger.rotate_key('acme', '\\x$ACME2', '\\x$auth_acme2')"

session LG201 "signing with acme's old key after the rotation" << EOF
BEGIN;
INSERT INTO t VALUES (30, 'old key', 1);
$(sign_as acme acme)
COMMIT;
EOF
session 00000 "signing with acme's new key" << EOF
BEGIN;
INSERT INTO t VALUES (31, 'new key', 1);
$(sign_as acme acme2)
SELECT 'tx=' || ledger.current_transaction_id();
COMMIT;
EOF
tx_new_key=$(out_value tx)
same "$(sql "SELECT key_version FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx_new_key")" 2 \
    "the key version recorded with the new key's signature"

# --- the participants' schema keeps its name and its owner ---------------------------------
expect_sql LG002 "renaming ledger_identity" "ALTER SCHEMA ledger_identity RENAME TO identities"
expect_sql LG002 "giving ledger_identity to another owner" "ALTER SCHEMA ledger_identity OWNER TO clerk"
expect_sql 00000 "giving ledger_identity to the ledger's owner again" "ALTER SCHEMA ledger_identity OWNER TO postgres"

# --- an open signing transaction does not hold up sealing ---------------------------------
# Signing reads the ledger id, which the genesis block gives. It locks the chain only while
# creating a genesis, so a signer that has not committed yet cannot stall the sealer.
cluster_psql -At > "$KEYS/open_signer.out" 2>&1 << EOF &
BEGIN;
SELECT length(ledger.key_digest('acme', 1, decode('$ACME', 'hex')));
SELECT pg_sleep(4);
COMMIT;
EOF
signer=$!
wait_for "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(4)%'" 1 10
sql "INSERT INTO notes VALUES (90, 'sealed while a signer is open')" > /dev/null
out=$(cluster_psql -At -c "SET lock_timeout = '2s'" -c "SELECT ledger.seal()" 2>&1) ||
    fail "seal() waited for a signing transaction that had not committed: $out"
wait "$signer" || fail "the open signing transaction failed: $(cat "$KEYS/open_signer.out")"

# --- revocation -----------------------------------------------------------------------------

auth_globex_v2=$(key_proof globex globex 2 "$MALLORY") || fail "globex's authorisation for version 2"
expect_sql 42704 "revoking an unknown participant" "SELECT ledger.revoke_participant('initech')"
expect_sql 00000 "revoking globex" "SELECT ledger.revoke_participant('globex')"
expect_sql LG202 "revoking globex again" "SELECT ledger.revoke_participant('globex')"
same "$(sql "SELECT concat_ws('|', member_role, key_version, coalesce(encode(public_key, 'hex'), '-'), revoked)
               FROM ledger.participants() WHERE participant = 'globex'")" "globex_role|2|-|t" "globex after revocation"
same "$(sql "SET ROLE both_parties; SELECT ledger.current_participants()")" "{acme}" \
    "current_participants() as both_parties after globex's revocation"
session LG202 "a signature by revoked globex" << EOF
BEGIN;
INSERT INTO t VALUES (40, 'revoked', 1);
$(sign_as globex globex)
COMMIT;
EOF
expect_sql LG202 "rotating revoked globex's key with a valid authorisation" \
    "SELECT ledger.rotate_key('globex', '\\x$MALLORY', '\\x$auth_globex_v2')"
expect_sql 42710 "re-creating revoked globex" \
    "SELECT ledger.create_participant('globex', 'globex_role', '\\x$GLOBEX', '\\x$proof_globex')"

# --- NULLs: the functions are STRICT, nothing is stored --------------------------------------

counts="SELECT (SELECT count(*) FROM ledger_identity.participant_keys) || ' '
            || (SELECT count(*) FROM ledger_identity.transaction_signatures) || ' '
            || (SELECT count(*) FROM t)"
before=$(sql "$counts")
session 00000 "STRICT functions called with NULL" << EOF
SELECT 'create=' || (ledger.create_participant(NULL, 'acme_role', '\\x$ACME', '\\x$proof_acme') IS NULL);
SELECT 'create_key=' || (ledger.create_participant('nullco', 'acme_role', NULL, '\\x$proof_acme') IS NULL);
SELECT 'create_proof=' || (ledger.create_participant('nullco', 'acme_role', '\\x$ACME', NULL) IS NULL);
SELECT 'rotate=' || (ledger.rotate_key('acme', NULL, '\\x$auth_acme2') IS NULL);
SELECT 'rotate_auth=' || (ledger.rotate_key('acme', '\\x$MALLORY', NULL) IS NULL);
SELECT 'revoke=' || (ledger.revoke_participant(NULL) IS NULL);
SELECT 'key_digest=' || (ledger.key_digest('acme', NULL, '\\x$ACME') IS NULL);
SELECT 'signed_by=' || (ledger.signed_by(NULL) IS NULL);
BEGIN;
INSERT INTO t VALUES (50, 'null signature', 1);
SELECT 'digest=' || (ledger.transaction_digest(NULL) IS NULL);
SELECT 'sign=' || (ledger.sign_transaction('acme', NULL) IS NULL);
SELECT 'sign_who=' || (ledger.sign_transaction(NULL, '\\x$sig1') IS NULL);
SELECT 'signed=' || ledger.signed_by('acme');
COMMIT;
EOF
for tag in create create_key create_proof rotate rotate_auth revoke key_digest signed_by digest sign sign_who; do
    same "$(out_value $tag)" true "the $tag call with a NULL argument returns NULL"
done
same "$(out_value signed)" false "signed_by('acme') after sign_transaction('acme', NULL)"
same "$(sql "$counts")" "${before% *} $(( ${before##* } + 1 ))" \
    "key events, signatures, rows of t after the NULL calls (only row 50 is new)"
same "$(sql "SELECT concat_ws('|', key_version, encode(public_key, 'hex')) FROM ledger.participants() WHERE participant = 'acme'")" \
    "2|$ACME2" "acme's key after the NULL calls"

# --- every key event and signature re-verifies ----------------------------------------------

sql "SELECT ledger.seal()" > /dev/null
cluster_wait_sealed 15 || fail "not everything was sealed"
expected_report() {
    # $1: the problem of acme's key version 3 ("" if it does not exist),
    # $2: the problem of acme's signature of transaction 1 ("" if none).
    local s1=t p1=- line
    [ -n "$2" ] && s1=f p1=$2
    printf '%s\n' "key|acme|1|t|-" "key|acme|2|t|-"
    [ -n "$1" ] && printf '%s\n' "key|acme|3|f|$1"
    printf '%s\n' "key|globex|1|t|-" "key|globex|2|t|-"
    for line in "$tx1|acme|1|$s1|$p1" "$tx2|acme|1|t|-" "$tx2|globex|1|t|-" "$tx_order|acme|1|t|-" \
        "$tx_sp_rows|acme|1|t|-" "$tx_sp_again|acme|1|t|-" "$tx_new_key|acme|2|t|-"; do
        IFS='|' read -r tx who version ok problem <<< "$line"
        echo "signature|$who|$version|$tx|$ok|$problem"
    done | sort -t '|' -k4,4n -k2,2
}
same "$(sql "$SIGNATURES_REPORT")" "$(expected_report "" "")" "verify_signatures() after rotation and revocation"
same "$(sql "SELECT count(*) FROM ledger.verify_signatures() WHERE block_height IS NULL")" 0 \
    "verify_signatures() rows without a block"
assert_verify_ok

# --- tampering ------------------------------------------------------------------------------

# (b) A superuser forges a key event through the normal path (appending to a ledger table is
# allowed): acme "rotates" to mallory's key with a random authorisation. It is a well-formed,
# sealed ledger row, so verify() is fine; verify_signatures() is not.
if tampering_skipped b; then
    echo "(E2E_SKIP_TAMPER=${E2E_SKIP_TAMPER}: not tampering in case b)"
else
    sql "INSERT INTO ledger_identity.participant_keys (participant, member_role, key_version, event, public_key, proof)
         VALUES ('acme', 'acme_role', 3, 'rotate', '\\x$MALLORY', '\\x$(random_hex 64)')" > /dev/null ||
        fail "the superuser's INSERT of a forged key event failed"
fi
sql "SELECT ledger.seal()" > /dev/null
cluster_wait_sealed 15 || fail "not everything was sealed"
assert_verify_ok
same "$(sql "$SIGNATURES_REPORT")" \
    "$(expected_report "the rotation is not authorised by key version 2" "")" "verify_signatures() after a forged key event"
# The forger gains nothing: acme's key history no longer verifies, so no key of acme signs.
if ! tampering_skipped b; then
    session LG201 "a signature with the forged key" << EOF
BEGIN;
INSERT INTO t VALUES (9, 'forged key', 1);
$(sign_as acme mallory)
COMMIT;
EOF
    [[ $SESSION_ERR == *"key history of participant \"acme\" does not verify at version 3"* ]] ||
        fail "signing with the forged key was refused for another reason: $SESSION_ERR"
fi

# (a) Behind the hooks, alter the bytes of acme's signature of transaction 1.
read -r sig_tx sig_seq sig_block <<< "$(sql "SELECT s.ledger_transaction_id, s.ledger_sequence_number, x.block_height
      FROM ledger_identity.transaction_signatures s JOIN ledger.transactions x
        ON x.transaction_id = s.ledger_transaction_id AND x.table_id =
           (SELECT table_id FROM ledger.tables WHERE relation = 'ledger_identity.transaction_signatures'::regclass)
     WHERE s.transaction_id = $tx1 AND s.participant = 'acme'" -F ' ')"
[ "$sig_tx" = "$tx1" ] && [ -n "$sig_block" ] ||
    fail "acme's signature of transaction $tx1 is not recorded in that transaction, sealed [$sig_tx $sig_seq $sig_block]"
behind_hooks a << SQL
ALTER TABLE ledger_identity.transaction_signatures DISABLE TRIGGER ALL;
UPDATE ledger_identity.transaction_signatures SET signature = set_byte(signature, 0, get_byte(signature, 0) # 1)
 WHERE transaction_id = $tx1 AND participant = 'acme';
ALTER TABLE ledger_identity.transaction_signatures ENABLE TRIGGER ALL;
SQL
ctid=$(sql "SELECT ctid FROM ledger_identity.transaction_signatures WHERE transaction_id = $tx1 AND participant = 'acme'")
assert_problems ledger_identity.transaction_signatures \
    "row $ctid (transaction $sig_tx, row $sig_seq) in block $sig_block was changed: its values no longer hash to the sealed row hash"
assert_problems ledger_identity.participant_keys
assert_problems chain
for table in t notes orders; do assert_problems $table; done
same "$(sql "$SIGNATURES_REPORT")" \
    "$(expected_report "the rotation is not authorised by key version 2" \
        "the signature does not verify against the rows its transaction recorded")" \
    "verify_signatures() after a signature was altered"


# --- a key change waits for a signed transaction that is still open --------------------------
# Signing holds the participant's lock in share mode until commit and a rotation takes it
# exclusively, so the rotation commits, and is sealed, no earlier than the signature.
new_key initech
new_key initech2
INITECH=$(pubkey initech) || fail "pubkey initech"
INITECH2=$(pubkey initech2) || fail "pubkey initech2"
sql "CREATE ROLE initech_role" > /dev/null
sql "SELECT ledger.create_participant('initech', 'initech_role', '\\x$INITECH', '\\x$(key_proof initech initech 1 "$INITECH")')" \
    > /dev/null || fail "could not register initech"
initech_auth=$(key_proof initech initech 2 "$INITECH2") || fail "authorisation of initech's second key"
{
    echo "BEGIN;"
    echo "INSERT INTO t VALUES (9001, 'held open', 1);"
    sign_as initech initech
    echo "SELECT pg_sleep(3);"
    echo "COMMIT;"
} | cluster_psql -At > "$KEYS/held.out" 2>&1 &
held=$!
wait_for "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted" 1 10
sql "SELECT ledger.rotate_key('initech', '\\x$INITECH2', '\\x$initech_auth')" > "$KEYS/rotate.out" 2>&1 &
rotation=$!
wait_for "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND NOT granted" 1 10
[ "$(sql "SELECT count(*) FROM t WHERE id = 9001")" = 0 ] || fail "the held transaction committed too early for this test"
wait "$held" || fail "the held signed transaction failed: $(cat "$KEYS/held.out")"
wait "$rotation" || fail "the rotation failed: $(cat "$KEYS/rotate.out")"
sql "SELECT ledger.seal()" > /dev/null
same "$(sql "SELECT kind || '|' || key_version || '|' || ok FROM ledger.verify_signatures()
              WHERE participant = 'initech' ORDER BY kind, key_version")" \
    "key|1|true
key|2|true
signature|1|true" "initech's signature made while its key was being rotated"

# Under REPEATABLE READ a transaction's snapshot can predate a rotation that committed before
# it signed: the signature is refused as a serialization failure, to be retried.
new_key initech3
initech_auth=$(key_proof initech2 initech 3 "$(pubkey initech3)") || fail "authorisation of initech's third key"
{
    echo "BEGIN ISOLATION LEVEL REPEATABLE READ;"
    echo "SELECT count(*) FROM t;"
    echo "SELECT pg_sleep(2);"
    echo "INSERT INTO t VALUES (9002, 'old snapshot', 1);"
    sign_as initech initech2
    echo "COMMIT;"
} | { echo '\set VERBOSITY verbose'; cat; } | cluster_psql -At > "$KEYS/rr.out" 2>&1 &
reader=$!
sleep 0.5
sql "SELECT ledger.rotate_key('initech', '\\x$(pubkey initech3)', '\\x$initech_auth')" > /dev/null ||
    fail "the third rotation failed"
wait "$reader" && fail "a signature with a key rotated away after the snapshot was accepted: $(cat "$KEYS/rr.out")"
grep -q '40001' "$KEYS/rr.out" || fail "the stale-snapshot signature was not refused with 40001: $(cat "$KEYS/rr.out")"
[ "$(sql "SELECT count(*) FROM t WHERE id = 9002")" = 0 ] || fail "the refused transaction's row was committed"

pass
