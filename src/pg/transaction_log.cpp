#include "pg/transaction_log.hpp"

extern "C" {
#include "postgres.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/tuptable.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "core/row_index.hpp"
#include "core/pending_transaction.hpp"
#include "core/verifier.hpp"
#include "pg/catalog.hpp"
#include "pg/contract_committers.hpp"
#include "pg/contract_enforcement.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/errors.hpp"
#include "pg/datum_conversion.hpp"
#include "pg/private_values.hpp"
#include "pg/row_codec.hpp"
#include "pg/row_position.hpp"
#include "pg/settings.hpp"
#include "pg/signatures.hpp"

namespace pgledger::pg {
namespace {

core::PendingTransaction* pending = nullptr;
int internal_write_depth = 0;
int contract_check_depth = 0;
// Per-row scratch memory of capture_row, reset at the start of a row: the
// table access method is called in the executor's per-query context, where
// allocations would pile up until the statement ends. Captures never nest
// (capture_depth guards it), so a reset never frees a row still captured.
MemoryContext capture_context = nullptr;
int capture_depth = 0;

core::PendingTransaction& pending_transaction() {
    if (pending == nullptr) {
        pending = call_cpp([] { return new core::PendingTransaction(); });
    }
    return *pending;
}

std::uint64_t start_ledger_transaction() {
    const Oid sequence = ledger_relation("transaction_id_seq");
    if (!OidIsValid(sequence)) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the pgledger extension is not installed in this database"),
                        errhint("Run CREATE EXTENSION pgledger.")));
    }
    // A copy of a ledger database (CREATE DATABASE ... TEMPLATE) is not
    // sealed unless it is listed too: its ledger tables take no rows.
    require_sealed_database();
    // Not checked against the inserting role: numbering is the ledger's job.
    const auto txn_id = static_cast<std::uint64_t>(nextval_internal(sequence, false));
    call_cpp([&] { pending_transaction().start(txn_id); });
    return txn_id;
}

struct EntryColumn {
    const char* name;
    Datum value;
};

// store_entry inserts one row into ledger.transactions and its indexes
// directly, as logical replication applies a row: planning and starting an
// executor for one INSERT would cost more than the whole entry. Columns not
// given are NULL (block_height: not yet sealed).
void store_entry(const EntryColumn* columns, std::size_t column_count) {
    Relation entries = table_open(ledger_relation("transactions"), RowExclusiveLock);
    const TupleDesc descriptor = RelationGetDescr(entries);
    EState* estate = CreateExecutorState();
    TupleTableSlot* slot = ExecInitExtraTupleSlot(estate, descriptor, &TTSOpsVirtual);
    ExecClearTuple(slot);
    std::memset(slot->tts_isnull, true, sizeof(bool) * descriptor->natts);
    for (std::size_t i = 0; i < column_count; ++i) {
        const int attnum = SPI_fnumber(descriptor, columns[i].name);
        if (attnum <= 0) {
            ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                            errmsg("ledger.transactions has no column \"%s\"", columns[i].name),
                            errhint("The ledger's own tables were altered; restore them from a backup.")));
        }
        slot->tts_values[attnum - 1] = columns[i].value;
        slot->tts_isnull[attnum - 1] = false;
    }
    for (int i = 0; i < descriptor->natts; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (slot->tts_isnull[i] && attribute->attnotnull && !attribute->attisdropped) {
            ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                            errmsg("ledger.transactions has an unexpected NOT NULL column \"%s\"",
                                   NameStr(attribute->attname)),
                            errhint("The ledger's own tables were altered; restore them from a backup.")));
        }
    }
    ExecStoreVirtualTuple(slot);
    ResultRelInfo* target = makeNode(ResultRelInfo);
    InitResultRelInfo(target, entries, 1, nullptr, 0);
    ExecOpenIndices(target, false);
    simple_table_tuple_insert(entries, slot);
    (void)ExecInsertIndexTuples(target, slot, estate, false, false, nullptr, NIL);
    ExecCloseIndices(target);
    ExecResetTupleTable(estate->es_tupleTable, false);
    FreeExecutorState(estate);
    table_close(entries, NoLock);
}

}  // namespace

void record_entry(std::uint64_t txn_id, const RowCodec* codec, const core::SealedRowHash* rows,
                  std::size_t count, const char* committed_by, const std::uint64_t* contract_ids,
                  std::size_t contract_count) {
    core::Digest root{};
    auto* encoded = owned_by_context<std::vector<std::uint8_t>>(CurrentMemoryContext);
    call_cpp([&] {
        const std::vector<core::SealedRowHash> sealed(rows, rows + count);
        root = core::rows_root(sealed);
        *encoded = core::encode_row_index(sealed);
    });
    if (encoded->size() > MaxAllocSize - VARHDRSZ) {
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("a transaction appended %zu rows to one ledger table, more than its entry can "
                               "record",
                               count),
                        errdetail("The entry's row index, up to 12 bytes a row, must fit in one value of at "
                                  "most 1 GB."),
                        errhint("Load at most 80 million rows into one ledger table per transaction.")));
    }
    bytea* row_index = static_cast<bytea*>(palloc(VARHDRSZ + encoded->size()));
    SET_VARSIZE(row_index, VARHDRSZ + encoded->size());
    std::memcpy(VARDATA(row_index), encoded->data(), encoded->size());
    Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * (contract_count + 1)));
    for (std::size_t i = 0; i < contract_count; ++i) {
        ids[i] = Int64GetDatum(static_cast<int64>(contract_ids[i]));
    }
    const EntryColumn columns[] = {
        {"transaction_id", Int64GetDatum(static_cast<int64>(txn_id))},
        {"table_id", Int64GetDatum(static_cast<int64>(codec->table_id))},
        {"row_count", Int32GetDatum(static_cast<int32>(count))},
        {"rows_root", PointerGetDatum(digest_to_bytea(root))},
        {"column_count", Int32GetDatum(static_cast<int32>(codec->declaration_count))},
        {"columns_hash", PointerGetDatum(digest_to_bytea(codec->columns_hash))},
        {"row_index", PointerGetDatum(row_index)},
        {"committed_by", CStringGetTextDatum(committed_by)},
        {"contract_ids", PointerGetDatum(construct_array(ids, static_cast<int>(contract_count), INT8OID, 8,
                                                         true, TYPALIGN_DOUBLE))},
    };
    store_entry(columns, sizeof columns / sizeof columns[0]);
}

namespace {

void write_entries() {
    core::PendingTransaction& transaction = pending_transaction();
    const Oid entries_table = ledger_relation("transactions");
    if (!OidIsValid(entries_table)) {
        ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                        errmsg("ledger.transactions is missing; the transaction cannot be sealed")));
    }
    char* committed_by = GetUserNameFromId(GetUserId(), false);
    // The sealer hashes it as UTF-8: a name that has no UTF-8 form (bytes of
    // a SQL_ASCII database that are not UTF-8) must fail this commit, not
    // every round of the sealer after it.
    (void)utf8_text(committed_by);
    // Commit has released the statement's snapshot; SPI needs one.
    PushActiveSnapshot(GetTransactionSnapshot());
    SPI_connect();
    // Transaction checks run as the committing role, after every deferred
    // trigger, so they see the transaction as it will commit.
    check_transaction(transaction);
    // Written as the ledger's owner: applications may insert into ledger
    // tables but never write the ledger's own record of what they inserted.
    const SavedUser committer = become_owner_of(entries_table);
    // As the owner too: the committing role may not read the signatures.
    recheck_signatures(transaction);
    for (const auto& table : transaction.tables()) {
        // Huge: a bulk load's rows can need more than palloc's 1 GB.
        auto* rows = static_cast<core::SealedRowHash*>(
            palloc_extended(sizeof(core::SealedRowHash) * (table.rows.size() + 1), MCXT_ALLOC_HUGE));
        const std::size_t count = call_cpp([&] {
            const auto stored = core::PendingTransaction::stored_rows(table);
            std::copy(stored.begin(), stored.end(), rows);
            return stored.size();
        });
        if (count > 0) {
            // The columns as they are at commit: a column added after some of
            // the rows were captured is NULL in those rows.
            Relation relation = table_open(table.relation_id, AccessShareLock);
            const RowCodec* codec = ledger_row_codec(relation);
            if (codec == nullptr || codec->table_id != table.table_id) {
                ereport(ERROR, (errcode(ERRCODE_LEDGER_PROTECTED_OBJECT),
                                errmsg("\"%s\" is no longer ledger table %llu, whose rows this transaction "
                                       "appended",
                                       RelationGetRelationName(relation),
                                       static_cast<unsigned long long>(table.table_id)),
                                errhint("Its ledger guard trigger was changed in this transaction.")));
            }
            record_entry(transaction.txn_id(), codec, rows, count, committed_by, table.contract_ids.data(),
                         table.contract_ids.size());
            table_close(relation, AccessShareLock);
        }
    }
    SPI_finish();
    PopActiveSnapshot();
    restore_user(committer);
}

void on_transaction_event(XactEvent event, void*) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
        case XACT_EVENT_PRE_PREPARE:
            if (pending != nullptr && pending->active()) {
                write_entries();
            }
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_PREPARE:
            if (pending != nullptr && pending->active()) {
                publish_committer(*pending, event == XACT_EVENT_PREPARE);
            }
            [[fallthrough]];
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_COMMIT:
        case XACT_EVENT_PARALLEL_ABORT:
            internal_write_depth = 0;
            contract_check_depth = 0;
            capture_depth = 0;
            if (pending != nullptr) {
                pending->clear();
            }
            break;
        default:
            break;
    }
}

// The nesting counters as each open subtransaction found them. An error
// caught by a savepoint skips the code that would have counted back down:
// an internal write left counted would let anyone write the ledger's own
// tables for the rest of the transaction, and a contract check or a capture
// left counted would refuse the transaction's own rows.
struct SavedDepths {
    int internal_write;
    int contract_check;
    int capture;
};
SavedDepths* saved_depths = nullptr;  // by transaction nest level
int saved_depths_size = 0;

void save_depths_for_subtransaction() {
    const int level = GetCurrentTransactionNestLevel();
    if (level >= saved_depths_size) {
        const int size = std::max(level + 1, 2 * saved_depths_size);
        saved_depths = static_cast<SavedDepths*>(
            saved_depths == nullptr ? MemoryContextAlloc(TopMemoryContext, sizeof(SavedDepths) * size)
                                    : repalloc(saved_depths, sizeof(SavedDepths) * size));
        saved_depths_size = size;
    }
    saved_depths[level] = SavedDepths{internal_write_depth, contract_check_depth, capture_depth};
}

void restore_depths_of_aborted_subtransaction() {
    const int level = GetCurrentTransactionNestLevel();
    if (level < saved_depths_size) {
        internal_write_depth = saved_depths[level].internal_write;
        contract_check_depth = saved_depths[level].contract_check;
        capture_depth = saved_depths[level].capture;
    }
}

void on_subtransaction_event(SubXactEvent event, SubTransactionId subtransaction, SubTransactionId parent,
                             void*) {
    if (event == SUBXACT_EVENT_START_SUB) {
        save_depths_for_subtransaction();
    } else if (event == SUBXACT_EVENT_ABORT_SUB) {
        restore_depths_of_aborted_subtransaction();
    }
    if (pending == nullptr || !pending->active()) {
        return;
    }
    if (event == SUBXACT_EVENT_COMMIT_SUB) {
        call_cpp([&] { pending->commit_subtransaction(subtransaction, parent); });
    } else if (event == SUBXACT_EVENT_ABORT_SUB) {
        call_cpp([&] { pending->abort_subtransaction(subtransaction); });
    }
}

}  // namespace

const core::PendingTransaction* current_pending_transaction() {
    return pending != nullptr && pending->active() ? pending : nullptr;
}

bool internal_write_in_progress() {
    return internal_write_depth > 0;
}
void begin_internal_write() {
    ++internal_write_depth;
}
void end_internal_write() {
    --internal_write_depth;
}

bool contract_check_in_progress() {
    return contract_check_depth > 0;
}
void begin_contract_check() {
    ++contract_check_depth;
}
void end_contract_check() {
    --contract_check_depth;
}

void register_transaction_callbacks() {
    RegisterXactCallback(on_transaction_event, nullptr);
    RegisterSubXactCallback(on_subtransaction_event, nullptr);
}

namespace {

// A row's encoding allocates its array of encoded values, and a kilobyte
// or so for each value a send or output function encodes. The capture
// memory keeps one block that holds the rows of dozens of captures, and is
// reset only once they overflow it: a reset per row cost more than the
// allocations it freed.
constexpr Size kCaptureBlockSize = 64 * 1024;

MemoryContext capture_memory() {
    if (capture_context == nullptr) {
        capture_context = AllocSetContextCreate(TopMemoryContext, "pgledger row capture", kCaptureBlockSize,
                                                kCaptureBlockSize, kCaptureBlockSize);
    } else if (MemoryContextMemAllocated(capture_context, false) > kCaptureBlockSize) {
        MemoryContextReset(capture_context);
    }
    return capture_context;
}

}  // namespace

void capture_row(Relation relation, TupleTableSlot* slot, core::RowState state) {
    const RowCodec* codec = ledger_row_codec(relation);
    if (codec == nullptr) {
        return;  // not (or not yet, in a restore) a ledger table: stored as is
    }
    // Checks run for the tables a transaction wrote, each once: a row a check
    // added would skip the checks that had already run, and its own table's
    // transaction check when that table had no rows yet.
    if (contract_check_in_progress()) {
        ereport(
            ERROR,
            (errcode(ERRCODE_LEDGER_CONTRACT_WROTE_LEDGER),
             errmsg("a contract check inserted into ledger table \"%s\"", RelationGetRelationName(relation)),
             errdetail("A check decides whether its transaction may commit; it does not add to the "
                       "ledger."),
             errhint("Insert the rows in the transaction itself, before it commits.")));
    }
    // User code runs inside a capture: a row check, the lock column's hash
    // function, a type's output function. None may insert into a ledger
    // table meanwhile.
    if (capture_depth > 0) {
        ereport(
            ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("a row of ledger table \"%s\" was inserted while another ledger row was being captured",
                    RelationGetRelationName(relation)),
             errdetail("A function that runs while a ledger row is hashed and checked may not insert "
                       "into a ledger table."),
             errhint("Insert the rows in the transaction itself.")));
    }
    const std::uint64_t table_id = codec->table_id;
    core::PendingTransaction& transaction = pending_transaction();
    const std::uint64_t txn_id = transaction.active() ? transaction.txn_id() : start_ledger_transaction();
    const std::uint32_t seq = call_cpp([&] { return transaction.next_seq(); });

    set_row_position(slot, codec->txn_attnum, static_cast<int64>(txn_id), codec->seq_attnum,
                     static_cast<int32>(seq));
    MemoryContext caller = MemoryContextSwitchTo(capture_memory());
    ++capture_depth;
    const bool* nulls = slot->tts_isnull;
    PrivateValue* private_values = nullptr;
    if (codec->private_count > 0) {
        private_values = static_cast<PrivateValue*>(palloc0(sizeof(PrivateValue) * codec->column_count));
        draw_salts(codec, nulls, private_values);
    }
    const core::Digest hash = hash_row(codec, slot->tts_values, nulls, txn_id, seq, private_values);
    check_row(relation, table_id, slot, transaction);
    if (private_values != nullptr) {
        record_salts(codec, nulls, private_values, txn_id, seq);
    }
    --capture_depth;
    MemoryContextSwitchTo(caller);
    call_cpp([&] {
        transaction.add_row(table_id, RelationGetRelid(relation), seq, hash, GetCurrentSubTransactionId(),
                            state);
    });
}

void confirm_speculative_row(Relation relation, TupleTableSlot* slot) {
    const RowCodec* codec = ledger_row_codec(relation);
    if (codec == nullptr || pending == nullptr || !pending->active()) {
        return;
    }
    bool is_null = true;
    const Datum seq = slot_getattr(slot, codec->seq_attnum, &is_null);
    if (is_null) {
        return;
    }
    const bool confirmed = call_cpp([&] {
        return pending->confirm_stored(codec->table_id, static_cast<std::uint32_t>(DatumGetInt32(seq)));
    });
    if (!confirmed) {
        // The row is stored; without its hash the entry would leave it out.
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("pgledger has no record of row %d it captured for \"%s\"", DatumGetInt32(seq),
                               RelationGetRelationName(relation)),
                        errhint("The transaction is rolled back so that no row goes unsealed; please report "
                                "this.")));
    }
}

}  // namespace pgledger::pg

using namespace pgledger::pg;

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_now);
PG_FUNCTION_INFO_V1(pgledger_current_transaction_id);
}

// pgledger_now is the clock contracts may read: on a single node the start
// of the transaction, the same for every row and check in it.
extern "C" Datum pgledger_now(PG_FUNCTION_ARGS) {
    (void)fcinfo;
    PG_RETURN_TIMESTAMPTZ(GetCurrentTransactionStartTimestamp());
}

extern "C" Datum pgledger_current_transaction_id(PG_FUNCTION_ARGS) {
    if (pending == nullptr || !pending->active()) {
        PG_RETURN_NULL();
    }
    PG_RETURN_INT64(static_cast<int64>(pending->txn_id()));
}
