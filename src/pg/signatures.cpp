// Participants' Ed25519 signatures over ledger transactions, and the SQL
// functions that compute what they sign. What is signed is documented in
// core/signing.hpp and the README, so clients can recompute it.

#include "pg/signatures.hpp"

extern "C" {
#include "postgres.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/varlena.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <cstring>

#include "core/ed25519.hpp"
#include "core/row_index.hpp"
#include "core/signing.hpp"
#include "core/verifier.hpp"
#include "pg/catalog.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/errors.hpp"
#include "pg/internal_settings.hpp"
#include "pg/sealer.hpp"
#include "pg/settings.hpp"
#include "pg/spi_values.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

// signatures_table_id is the ledger id of ledger_identity.transaction_signatures,
// or 0 before the first participant exists. Its rows are the signatures
// themselves, so they are not part of what is signed.
std::uint64_t signatures_table_id() {
    static Oid cached_relid = InvalidOid;
    static std::uint64_t cached_table_id = 0;
    const Oid schema = ledger_schema_oid(kIdentitySchema);
    const Oid relid = OidIsValid(schema) ? get_relname_relid("transaction_signatures", schema) : InvalidOid;
    if (!OidIsValid(relid)) {
        return 0;
    }
    if (relid != cached_relid) {
        Relation relation = table_open(relid, AccessShareLock);
        cached_table_id = ledger_table_id(relation);
        table_close(relation, AccessShareLock);
        cached_relid = relid;
    }
    return cached_table_id;
}

// ledger_id is the genesis block's hash. Requires SPI.
core::LedgerId ledger_id() {
    spi_run("SELECT block_hash FROM ledger.blocks WHERE height = 0", SPI_OK_SELECT);
    core::LedgerId id{};
    const uint64 found = SPI_processed;
    if (found == 0) {
        refuse_snapshot_older_than_genesis();
    }
    if (found != 1 || !spi_digest(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, id)) {
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("the ledger's genesis block is missing or malformed"),
                        errdetail("Signed messages name the ledger by its genesis block's hash."),
                        errhint("Run SELECT * FROM ledger.verify() to see what was altered.")));
    }
    return id;
}

template <typename Key>
Key fixed_bytes(bytea* value, const char* what, const char* hint) {
    Key out{};
    const auto size = static_cast<std::size_t>(VARSIZE_ANY_EXHDR(value));
    if (size != out.size()) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("%s must be %zu bytes, not %zu", what, out.size(), size), errhint("%s", hint)));
    }
    std::memcpy(out.data(), VARDATA_ANY(value), out.size());
    return out;
}

core::Ed25519PublicKey public_key_argument(bytea* value) {
    return fixed_bytes<core::Ed25519PublicKey>(
        value, "an Ed25519 public key", "Pass the raw 32-byte key, as printed by pgledger-sign public-key.");
}

core::Ed25519Signature signature_argument(bytea* value) {
    return fixed_bytes<core::Ed25519Signature>(
        value, "an Ed25519 signature", "Pass the raw 64-byte signature, as printed by pgledger-sign sign.");
}

const char* participant_argument(text* value) {
    const char* name = text_to_cstring(value);
    if (name[0] == '\0' || std::strlen(name) > NAMEDATALEN - 1) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("invalid participant name"),
                        errhint("A participant name has 1 to %d bytes.", NAMEDATALEN - 1)));
    }
    return name;
}

// pending_digest covers what the current transaction appended so far,
// without the signatures it carries.
core::Digest pending_digest(const core::LedgerId& id, const core::PendingTransaction& transaction,
                            const char* participant) {
    const std::uint64_t excluded = signatures_table_id();
    const char* name = utf8_text(participant);
    const auto digest = call_cpp([&] {
        std::vector<core::SignedTable> tables;
        for (const auto& table : transaction.tables()) {
            const auto rows = core::PendingTransaction::stored_rows(table);
            if (table.table_id != excluded && !rows.empty()) {
                tables.push_back(core::SignedTable{table.table_id, static_cast<std::uint32_t>(rows.size()),
                                                   core::rows_root(rows)});
            }
        }
        // Not one expression: the vector is moved into the digest call.
        const bool appended = !tables.empty();
        return std::make_pair(
            appended, core::transaction_signing_digest(id, transaction.txn_id(), name, std::move(tables)));
    });
    if (!digest.first) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("this transaction has appended no ledger rows to sign"),
                        errhint("Insert the transaction's rows first, then sign it as its last step.")));
    }
    return digest.second;
}

const core::PendingTransaction& active_transaction() {
    const core::PendingTransaction* transaction = current_pending_transaction();
    if (transaction == nullptr) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("this transaction has appended no ledger rows to sign"),
                        errhint("Insert the transaction's rows first, then sign it as its last step.")));
    }
    return *transaction;
}

bool verifies(const core::Ed25519PublicKey& key, const core::Digest& message,
              const core::Ed25519Signature& signature) {
    return call_cpp([&] { return core::ed25519_verify(key, message.data(), message.size(), signature); });
}

struct CurrentKey {
    int32 version;
    core::Ed25519PublicKey key;
};

// current_key is the participant's newest key, from ledger._current_key(),
// which checks the participant's whole key history and refuses unknown and
// revoked participants. Requires SPI.
CurrentKey current_key(const char* participant) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(participant)};
    if (SPI_execute_with_args("SELECT key_version, public_key FROM ledger._current_key($1)", 1, types, values,
                              nullptr, false, 1) != SPI_OK_SELECT ||
        SPI_processed != 1) {
        elog(ERROR, "pgledger could not read the keys of participant \"%s\"", participant);
    }
    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc descriptor = SPI_tuptable->tupdesc;
    CurrentKey current{spi_int32(row, descriptor, 1, 0), {}};
    const char* key = nullptr;
    std::size_t size = 0;
    if (!spi_bytes(row, descriptor, 2, &key, &size) || size != current.key.size()) {
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("the current key of participant \"%s\" is malformed", participant),
                        errhint("Run SELECT * FROM ledger.verify_signatures().")));
    }
    std::memcpy(current.key.data(), key, size);
    return current;
}

// hold_key_steady takes, until the transaction ends, the participant's lock
// in share mode; rotation and revocation take it exclusively. So no key
// change commits between a signature and its transaction's commit, and the
// signature is sealed no later than any change of its key. Requires SPI.
void hold_key_steady(const char* participant) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(participant)};
    if (SPI_execute_with_args("SELECT pg_catalog.pg_advisory_xact_lock_shared(pg_catalog.hashtextextended("
                              "'pgledger participant ' || $1, 0))",
                              1, types, values, nullptr, false, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not lock participant \"%s\"", participant);
    }
}

// require_newest_key: under REPEATABLE READ the transaction's snapshot may
// predate a key change that committed before the lock was granted; a fresh
// snapshot tells. Requires SPI.
void require_newest_key(const char* participant, int32 version) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(participant)};
    SPIPlanPtr plan = SPI_prepare(
        "SELECT max(key_version) FROM ledger_identity.participant_keys WHERE participant = $1", 1, types);
    if (plan == nullptr || SPI_execute_snapshot(plan, values, nullptr, GetLatestSnapshot(), InvalidSnapshot,
                                                true, false, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the keys of participant \"%s\"", participant);
    }
    const int32 newest = spi_int32(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, 0);
    if (newest != version) {
        ereport(ERROR,
                (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                 errmsg("the key of participant \"%s\" changed while this transaction ran", participant),
                 errhint("Retry the transaction; it will be signed with the current key.")));
    }
}

[[noreturn]] void signature_refused(const char* participant, int32 version) {
    ereport(ERROR,
            (errcode(ERRCODE_LEDGER_INVALID_SIGNATURE),
             errmsg("the signature of participant \"%s\" does not verify for this transaction", participant),
             errdetail("It must be the Ed25519 signature, with key version %d, of "
                       "ledger.transaction_digest('%s') taken after the transaction's last insert.",
                       version, participant),
             errhint("Sign the digest of this transaction with the participant's current private key.")));
    pg_unreachable();
}

}  // namespace

// carries_signature: the transaction holds a signature row of the
// participant (verified when it was given). Requires SPI.
bool carries_signature(std::uint64_t transaction_id, const char* participant) {
    Oid types[2] = {INT8OID, TEXTOID};
    Datum values[2] = {Int64GetDatum(static_cast<int64>(transaction_id)), CStringGetTextDatum(participant)};
    if (SPI_execute_with_args("SELECT 1 FROM ledger_identity.transaction_signatures "
                              "WHERE transaction_id = $1 AND participant = $2",
                              2, types, values, nullptr, false, 1) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the signatures of this transaction");
    }
    return SPI_processed > 0;
}

// signatures_table: signatures_table_id(), looked up once per commit.
namespace {

// Participants required for the rest of the session by
// ledger.require_signers_for_session(): unlike the setting, no statement can
// take them back, so a SQL file run between the requirement and the signing
// cannot commit unsigned rows by resetting it first.
List* session_signers = NIL;

List* participant_list(const char* list, const char* source) {
    List* names = nullptr;
    if (!SplitGUCList(pstrdup(list), ',', &names)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s is malformed", source),
                        errhint("Give a comma-separated list of participant names.")));
    }
    return names;
}

bool lists_participant(List* names, const char* participant) {
    ListCell* cell = nullptr;
    foreach (cell, names) {
        if (std::strcmp(static_cast<const char*>(lfirst(cell)), participant) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

void require_signers(const core::PendingTransaction& transaction, std::uint64_t signatures_table) {
    const bool by_setting = required_signers != nullptr && required_signers[0] != '\0';
    if (!by_setting && session_signers == NIL) {
        return;
    }
    List* names = by_setting ? participant_list(required_signers, "ledger.required_signers") : NIL;
    names = list_concat_copy(names, session_signers);
    const int nest_level = pin_internal_settings();
    ListCell* cell = nullptr;
    foreach (cell, names) {
        const char* participant = static_cast<const char*>(lfirst(cell));
        if (signatures_table == 0 || !carries_signature(transaction.txn_id(), participant)) {
            const bool by_session = lists_participant(session_signers, participant);
            ereport(ERROR,
                    (errcode(ERRCODE_LEDGER_SIGNATURE_REQUIRED),
                     errmsg("this transaction must be signed by participant \"%s\"", participant),
                     !by_session ? errdetail("ledger.required_signers is \"%s\".", required_signers)
                                 : errdetail("ledger.require_signers_for_session() required it for this "
                                             "session."),
                     errhint("Call ledger.sign_transaction() as the transaction's last step, before "
                             "COMMIT.")));
        }
    }
    unpin_internal_settings(nest_level);
}

void recheck_signatures(const core::PendingTransaction& transaction) {
    const std::uint64_t signatures = signatures_table_id();
    require_signers(transaction, signatures);
    bool signed_here = false;
    for (const auto& table : transaction.tables()) {
        signed_here = signed_here || (signatures != 0 && table.table_id == signatures);
    }
    if (!signed_here) {
        return;
    }
    const int nest_level = pin_internal_settings();
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(static_cast<int64>(transaction.txn_id()))};
    if (SPI_execute_with_args("SELECT s.participant, s.signature, k.public_key, s.key_version "
                              "FROM ledger_identity.transaction_signatures s LEFT JOIN "
                              "ledger_identity.participant_keys k USING (participant, key_version) "
                              "WHERE s.transaction_id = $1",
                              1, types, values, nullptr, false, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the signatures of this transaction");
    }
    SPITupleTable* table = SPI_tuptable;
    const uint64 count = SPI_processed;
    const core::LedgerId id = ledger_id();
    for (uint64 i = 0; i < count; ++i) {
        const char* participant = SPI_getvalue(table->vals[i], table->tupdesc, 1);
        const int32 version = spi_int32(table->vals[i], table->tupdesc, 4, 0);
        const char* signature_bytes = nullptr;
        const char* key_bytes = nullptr;
        std::size_t signature_size = 0;
        std::size_t key_size = 0;
        core::Ed25519Signature signature{};
        core::Ed25519PublicKey key{};
        const bool well_formed =
            participant != nullptr &&
            spi_bytes(table->vals[i], table->tupdesc, 2, &signature_bytes, &signature_size) &&
            signature_size == signature.size() &&
            spi_bytes(table->vals[i], table->tupdesc, 3, &key_bytes, &key_size) && key_size == key.size();
        if (!well_formed) {
            signature_refused(participant == nullptr ? "?" : participant, version);
        }
        std::memcpy(signature.data(), signature_bytes, signature.size());
        std::memcpy(key.data(), key_bytes, key.size());
        if (!verifies(key, pending_digest(id, transaction, participant), signature)) {
            ereport(ERROR, (errcode(ERRCODE_LEDGER_CHANGED_AFTER_SIGNING),
                            errmsg("participant \"%s\" did not sign the transaction as it would commit",
                                   participant),
                            errdetail("Rows were appended after the signature was given."),
                            errhint("Sign last: call ledger.sign_transaction() after the transaction's final "
                                    "insert.")));
        }
    }
    unpin_internal_settings(nest_level);
}

}  // namespace pgledger::pg

using namespace pgledger;
using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_ed25519_verify);
PG_FUNCTION_INFO_V1(pgledger_key_digest);
PG_FUNCTION_INFO_V1(pgledger_transaction_digest);
PG_FUNCTION_INFO_V1(pgledger_recorded_transaction_digest);
PG_FUNCTION_INFO_V1(pgledger_sign_transaction);
PG_FUNCTION_INFO_V1(pgledger_require_signers_for_session);
}

extern "C" Datum pgledger_require_signers_for_session(PG_FUNCTION_ARGS) {
    List* names = participant_list(text_to_cstring(PG_GETARG_TEXT_PP(0)), "the list of participants");
    MemoryContext caller = MemoryContextSwitchTo(TopMemoryContext);
    ListCell* cell = nullptr;
    foreach (cell, names) {
        const char* participant = static_cast<const char*>(lfirst(cell));
        if (!lists_participant(session_signers, participant)) {
            session_signers = lappend(session_signers, pstrdup(participant));
        }
    }
    MemoryContextSwitchTo(caller);
    PG_RETURN_VOID();
}

extern "C" Datum pgledger_ed25519_verify(PG_FUNCTION_ARGS) {
    const core::Ed25519PublicKey key = public_key_argument(PG_GETARG_BYTEA_PP(0));
    bytea* message = PG_GETARG_BYTEA_PP(1);
    const core::Ed25519Signature signature = signature_argument(PG_GETARG_BYTEA_PP(2));
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(VARDATA_ANY(message));
    const auto size = static_cast<std::size_t>(VARSIZE_ANY_EXHDR(message));
    PG_RETURN_BOOL(call_cpp([&] { return core::ed25519_verify(key, bytes, size, signature); }));
}

// pgledger_key_digest: what a key's holder signs to register or rotate it.
extern "C" Datum pgledger_key_digest(PG_FUNCTION_ARGS) {
    const char* participant = participant_argument(PG_GETARG_TEXT_PP(0));
    const int32 version = PG_GETARG_INT32(1);
    const core::Ed25519PublicKey key = public_key_argument(PG_GETARG_BYTEA_PP(2));
    if (version < 1) {
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("key version %d is invalid", version),
                 errhint("A participant's first key is version 1; each rotation adds one.")));
    }
    SPI_connect();
    ensure_genesis();
    const core::LedgerId id = ledger_id();
    SPI_finish();
    const char* name = utf8_text(participant);
    const core::Digest digest =
        call_cpp([&] { return core::key_event_digest(id, name, static_cast<std::uint32_t>(version), key); });
    PG_RETURN_BYTEA_P(digest_to_bytea(digest));
}

// pgledger_transaction_digest: what a participant signs for the current
// transaction, over the rows it appended so far.
extern "C" Datum pgledger_transaction_digest(PG_FUNCTION_ARGS) {
    const char* participant = participant_argument(PG_GETARG_TEXT_PP(0));
    const core::PendingTransaction& transaction = active_transaction();
    SPI_connect();
    const core::LedgerId id = ledger_id();
    SPI_finish();
    PG_RETURN_BYTEA_P(digest_to_bytea(pending_digest(id, transaction, participant)));
}

// pgledger_recorded_transaction_digest recomputes what a participant signed
// from the entries the ledger recorded for a committed transaction.
extern "C" Datum pgledger_recorded_transaction_digest(PG_FUNCTION_ARGS) {
    const int64 transaction_id = PG_GETARG_INT64(0);
    const char* participant = participant_argument(PG_GETARG_TEXT_PP(1));
    const std::uint64_t excluded = signatures_table_id();
    // Made before SPI_connect: it must outlive SPI's memory.
    auto* tables = owned_by_context<std::vector<core::SignedTable>>(CurrentMemoryContext);
    SPI_connect();
    const core::LedgerId id = ledger_id();
    Oid types[2] = {INT8OID, INT8OID};
    Datum values[2] = {Int64GetDatum(transaction_id), Int64GetDatum(static_cast<int64>(excluded))};
    if (SPI_execute_with_args(
            "SELECT table_id, row_count, rows_root FROM ledger.transactions WHERE transaction_id = $1 "
            "AND table_id <> $2 ORDER BY table_id",
            2, types, values, nullptr, true, 0) != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read ledger transaction %lld",
             static_cast<long long>(transaction_id));
    }
    const uint64 count = SPI_processed;
    bool well_formed = count > 0;
    for (uint64 i = 0; i < count && well_formed; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        const auto table_id = static_cast<std::uint64_t>(spi_int64(tuple, SPI_tuptable->tupdesc, 1, 0));
        const int32 row_count = spi_int32(tuple, SPI_tuptable->tupdesc, 2, -1);
        core::Digest root{};
        well_formed = row_count >= 0 && spi_digest(tuple, SPI_tuptable->tupdesc, 3, root);
        call_cpp([&] {
            tables->push_back(core::SignedTable{table_id, static_cast<std::uint32_t>(row_count), root});
        });
    }
    SPI_finish();
    if (!well_formed) {
        PG_RETURN_NULL();
    }
    const char* name = utf8_text(participant);
    const core::Digest digest = call_cpp([&] {
        return core::transaction_signing_digest(id, static_cast<std::uint64_t>(transaction_id), name,
                                                *tables);
    });
    PG_RETURN_BYTEA_P(digest_to_bytea(digest));
}

extern "C" Datum pgledger_sign_transaction(PG_FUNCTION_ARGS) {
    const char* participant = participant_argument(PG_GETARG_TEXT_PP(0));
    const core::Ed25519Signature signature = signature_argument(PG_GETARG_BYTEA_PP(1));
    const core::PendingTransaction& transaction = active_transaction();
    SPI_connect();
    hold_key_steady(participant);
    const CurrentKey current = current_key(participant);
    require_newest_key(participant, current.version);
    const core::Digest digest = pending_digest(ledger_id(), transaction, participant);
    if (!verifies(current.key, digest, signature)) {
        signature_refused(participant, current.version);
    }
    if (carries_signature(transaction.txn_id(), participant)) {
        ereport(ERROR, (errcode(ERRCODE_DUPLICATE_OBJECT),
                        errmsg("participant \"%s\" has already signed this transaction", participant),
                        errhint("Each participant signs a transaction once, as its last step.")));
    }
    Oid types[4] = {INT8OID, TEXTOID, INT4OID, BYTEAOID};
    Datum values[4] = {Int64GetDatum(static_cast<int64>(transaction.txn_id())),
                       CStringGetTextDatum(participant), Int32GetDatum(current.version),
                       PointerGetDatum(PG_GETARG_BYTEA_PP(1))};
    if (SPI_execute_with_args(
            "INSERT INTO ledger_identity.transaction_signatures (transaction_id, participant, "
            "key_version, signature) VALUES ($1, $2, $3, $4)",
            4, types, values, nullptr, false, 0) != SPI_OK_INSERT) {
        elog(ERROR, "pgledger could not record the signature of participant \"%s\"", participant);
    }
    SPI_finish();
    PG_RETURN_VOID();
}
