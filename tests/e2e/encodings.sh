#!/usr/bin/env bash
# A ledger in a LATIN1 database, dumped and restored into a UTF-8 one. Every hash takes text as
# UTF-8 (values, column and type names, the committing role, contract texts), so the restored
# ledger verifies and still extends a digest taken before the dump.
TEST_NAME=encodings
source "$(dirname "$0")/common.bash"

# This script's text is UTF-8; the server converts it to each database's encoding.
export PGCLIENTENCODING=UTF8
start_cluster "ledger.databases = 'ledgertest,latin,utf,ascii'"
cluster_psql -d postgres > /dev/null << 'SQL'
CREATE DATABASE latin ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE utf ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
CREATE DATABASE ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
SQL
# Role names are shared by all databases and stored as the creating database encodes them: the
# committing role is created, and only used, in the LATIN1 database.
cluster_psql -d latin > /dev/null << 'SQL'
CREATE ROLE "rené" SUPERUSER;
CREATE EXTENSION pgledger;
CREATE TYPE "catégorie" AS ENUM ('épicerie', 'boulangerie');
CREATE TABLE prix ("désignation" text, "catégorie" "catégorie", montant numeric);
SELECT ledger.create_ledger_table('prix');
SELECT ledger.install_contract('prix_positif', $source$
-- vérifie que le montant est positif
CREATE FUNCTION positif(p public.prix) RETURNS text LANGUAGE sql AS
    $$ SELECT CASE WHEN p.montant < 0 THEN 'montant négatif' END $$;
$source$, '{"public.prix": {"row": "positif"}}');
SET ROLE "rené";
INSERT INTO prix VALUES ('crème brûlée', 'épicerie', 4.5), ('pain complet', 'boulangerie', 2.1);
RESET ROLE;
CREATE TABLE achats (id int, "coût" numeric);
SELECT ledger.create_ledger_table('achats');
SELECT ledger.declare_private('achats', 'coût');
INSERT INTO achats VALUES (1, 9.5), (2, 7.25);
SELECT ledger.seal();
SQL
# A private column with a non-ASCII name: its salts are found by the name the catalog gives.
read -r tx first second <<< "$(sql "SELECT min(ledger_transaction_id), min(ledger_sequence_number),
                                         max(ledger_sequence_number) FROM achats" -d latin -F ' ')"
[ "$(sql "SELECT ledger.reveal('achats', $tx, $second, 'coût') ->> 'value'" -d latin)" = 7.25 ] ||
    fail "reveal() of the private column coût did not give its value"
sql "SELECT ledger.erase_private('achats', $tx, $first, 'coût', 'demande du client')" -d latin > /dev/null ||
    fail "erase_private() of the private column coût failed"
[ "$(sql "SELECT committed_by FROM ledger.transactions JOIN ledger.tables USING (table_id)
          WHERE relation = 'prix'::regclass ORDER BY transaction_id DESC LIMIT 1" -d latin)" = "rené" ] ||
    fail "the rows of prix were not committed by rené"
[ "$(sql "SELECT count(*) FROM ledger.verify() WHERE NOT ok" -d latin)" = 0 ] ||
    fail "the LATIN1 ledger does not verify: $(sql "SELECT problem FROM ledger.verify() WHERE NOT ok" -d latin)"
digest=$(sql "SELECT ledger.digest()" -d latin)

dump=$CLUSTER_DIR/latin.dump
pg_dump -Fc -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -f "$dump" latin || fail "pg_dump failed"
restore_log=$CLUSTER_DIR/restore.log
pg_restore --exit-on-error -h "$CLUSTER_DIR" -p "$CLUSTER_PORT" -U postgres -d utf "$dump" > "$restore_log" 2>&1 ||
    fail "pg_restore into the UTF-8 database failed: $(cat "$restore_log")"

problems=$(sql "SELECT coalesce(table_name::text, 'chain') || ': ' || problem FROM ledger.verify() WHERE NOT ok" -d utf)
[ -z "$problems" ] || fail "the ledger restored into UTF-8 does not verify: $problems"
[ "$(sql "SELECT ledger.verify_digest('$digest')" -d utf)" = t ] ||
    fail "the ledger restored into UTF-8 does not extend the digest taken in LATIN1"
[ "$(sql "SELECT string_agg(\"désignation\", ',' ORDER BY montant) FROM prix" -d utf)" = "pain complet,crème brûlée" ] ||
    fail "the restored rows differ"
[ "$(sql "SELECT ledger.reveal('achats', $tx, $second, 'coût') ->> 'value'" -d utf)" = 7.25 ] ||
    fail "reveal() of the restored private column coût did not give its value"

# A SQL_ASCII database declares no encoding, so text there must be UTF-8 to be hashed. The role
# made above is named by the LATIN1 bytes of rené, which are not: its commit of ledger rows fails,
# rather than every round of the sealer after it.
cluster_psql -d ascii > /dev/null << 'SQL'
CREATE EXTENSION pgledger;
CREATE TABLE notes (note text);
SELECT ledger.create_ledger_table('notes');
SQL
out=$(printf 'SET ROLE "ren\xe9";\nINSERT INTO notes VALUES (%s);\n' "'by a role without a UTF-8 name'" |
    PGCLIENTENCODING=SQL_ASCII cluster_psql -d ascii 2>&1) && fail "a role without a UTF-8 name committed ledger rows"
grep -q 'invalid byte sequence for encoding "UTF8"' <<< "$out" || fail "the commit failed otherwise: $out"
[ "$(sql "SELECT count(*) FROM notes" -d ascii)" = 0 ] || fail "the refused rows are stored"
sql "INSERT INTO notes VALUES ('by postgres')" -d ascii > /dev/null
sql "SELECT ledger.seal()" -d ascii > /dev/null || fail "sealing the SQL_ASCII ledger failed"
[ "$(sql "SELECT count(*) FROM ledger.verify() WHERE NOT ok" -d ascii)" = 0 ] || fail "the SQL_ASCII ledger does not verify"

pass
