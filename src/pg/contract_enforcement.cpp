#include "pg/contract_enforcement.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <algorithm>
#include <cstring>

#include "pg/cache_lifetime.hpp"
#include "pg/contract_committers.hpp"
#include "pg/cpp_boundary.hpp"
#include "pg/errors.hpp"
#include "pg/internal_settings.hpp"
#include "pg/spi_values.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

// The state key of a contract without a lock column, locked as a whole.
constexpr uint32 kContractLockTag = 0x70676c64;  // "pgld"
// Each lock value a transaction touches holds a slot of the shared lock
// table until it ends; bounded well below what the default
// max_locks_per_transaction leaves for everything else.
constexpr std::size_t kMaxStateLocks = 1000;

struct AttachedContract {
    std::uint64_t contract_id;
    const char* name;
    int32 version;
    uint32 lock_key;
    // The column whose value names the state a row touches: rows with the
    // same value take turns, others run side by side. 0: the whole contract.
    AttrNumber lock_attnum;
    // Equal values must take the same lock: the type's hash function where
    // it has one (1.0 and 1.00 are equal numerics, printed differently;
    // a timestamptz prints in the session's time zone), else its output.
    bool lock_hashes;
    FmgrInfo lock_function;
    Oid lock_collation;
    bool has_row_check;
    FmgrInfo row_check;
};

struct TableContracts {
    Oid relid;  // hash key
    MemoryContext context;
    int count;
    AttachedContract* contracts;
};

HTAB* contracts_by_table = nullptr;
// The entry looked up last: the rows of a statement go to one table.
TableContracts* recent_contracts = nullptr;
MemoryContext contracts_context = nullptr;

void forget_on_invalidation(Datum, Oid) {
    forget_contracts();
}

uint32 lock_key_of(const char* contract_name) {
    return hash_bytes(reinterpret_cast<const unsigned char*>(contract_name),
                      static_cast<int>(std::strlen(contract_name)));
}

// lock_contract makes transactions checked by the same contract on the same
// state take turns: held until the transaction ends, so the next one sees
// this one's rows. Returns the lock's key.
std::uint64_t lock_contract(const AttachedContract& contract, HeapTuple row, TupleDesc descriptor,
                            const core::PendingTransaction& transaction) {
    uint32 state_key = kContractLockTag;
    if (contract.lock_attnum > 0) {
        bool is_null = false;
        const Datum value = heap_getattr(row, contract.lock_attnum, descriptor, &is_null);
        if (!is_null && contract.lock_hashes) {
            state_key = DatumGetUInt32(FunctionCall1Coll(const_cast<FmgrInfo*>(&contract.lock_function),
                                                         contract.lock_collation, value));
        } else if (!is_null) {
            // Printed under fixed formats: two sessions that print a float or
            // money differently must still take one lock for one value.
            const int nest_level = pin_definition_settings();
            const char* text = OutputFunctionCall(const_cast<FmgrInfo*>(&contract.lock_function), value);
            unpin_internal_settings(nest_level);
            state_key =
                hash_bytes(reinterpret_cast<const unsigned char*>(text), static_cast<int>(std::strlen(text)));
        }
    }
    const std::uint64_t key = contract_lock_key(contract.lock_key, state_key);
    const auto& held = transaction.locks();
    if (held.size() >= kMaxStateLocks && std::find(held.begin(), held.end(), key) == held.end()) {
        ereport(ERROR,
                (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                 errmsg("a transaction may touch at most %zu states checked by contracts", kMaxStateLocks),
                 errdetail(
                     "Each distinct value of a contract's lock column is locked until the transaction ends."),
                 errhint("Load in transactions of fewer rows.")));
    }
    LOCKTAG tag;
    SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, contract.lock_key, state_key, kContractLockTagKind);
    (void)LockAcquire(&tag, ExclusiveLock, false, false);
    return key;
}

// contracts_cache returns the cache, created anew if an invalidation
// dropped it (which can happen during any catalog access, SPI included).
HTAB* contracts_cache() {
    if (contracts_by_table == nullptr) {
        contracts_context =
            AllocSetContextCreate(CacheMemoryContext, "pgledger contracts", ALLOCSET_SMALL_SIZES);
        HASHCTL control{};
        control.keysize = sizeof(Oid);
        control.entrysize = sizeof(TableContracts);
        control.hcxt = contracts_context;
        contracts_by_table =
            hash_create("pgledger contracts by table", 16, &control, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    return contracts_by_table;
}

TableContracts* load_table_contracts(Relation relation, std::uint64_t table_id) {
    const Oid relid = RelationGetRelid(relation);
    if (recent_contracts != nullptr && recent_contracts->relid == relid) {
        return recent_contracts;
    }
    bool found = false;
    auto* entry = static_cast<TableContracts*>(hash_search(contracts_cache(), &relid, HASH_FIND, &found));
    if (found) {
        recent_contracts = entry;
        return entry;
    }
    // Built in a context of its own and entered into the cache only once
    // complete: invalidations processed meanwhile may drop the cache.
    MemoryContext built =
        AllocSetContextCreate(CacheMemoryContext, "pgledger contracts of a table", ALLOCSET_SMALL_SIZES);
    const int nest_level = pin_internal_settings();
    SPI_connect();
    Oid types[2] = {INT8OID, TEXTOID};
    Datum values[2] = {Int64GetDatum(static_cast<int64>(table_id)),
                       CStringGetTextDatum(format_type_be_qualified(relation->rd_rel->reltype))};
    const int result = SPI_execute_with_args(
        "SELECT c.contract_id, c.contract_name, c.version, "
        "CASE WHEN k->>'row_check' IS NOT NULL "
        "  THEN to_regprocedure(format('%I.%I(%s)', c.schema_name, k->>'row_check', $2))::oid END, "
        "k->>'lock_column' "
        "FROM (SELECT DISTINCT ON (contract_name) * FROM ledger.contracts ORDER BY contract_name, version "
        "DESC) c, "
        "jsonb_array_elements(c.checks) k WHERE (k->>'table_id')::bigint = $1 ORDER BY c.contract_name",
        2, types, values, nullptr, true, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the contracts of table %llu",
             static_cast<unsigned long long>(table_id));
    }
    const int count = static_cast<int>(SPI_processed);
    auto* contracts = static_cast<AttachedContract*>(
        MemoryContextAllocZero(built, sizeof(AttachedContract) * (SPI_processed + 1)));
    for (int i = 0; i < count; ++i) {
        HeapTuple tuple = SPI_tuptable->vals[i];
        TupleDesc descriptor = SPI_tuptable->tupdesc;
        AttachedContract& contract = contracts[i];
        contract.contract_id = static_cast<std::uint64_t>(spi_int64(tuple, descriptor, 1, 0));
        contract.name = MemoryContextStrdup(built, SPI_getvalue(tuple, descriptor, 2));
        contract.version = spi_int32(tuple, descriptor, 3, 0);
        contract.lock_key = lock_key_of(contract.name);
        bool is_null = false;
        const Oid row_check = DatumGetObjectId(SPI_getbinval(tuple, descriptor, 4, &is_null));
        contract.has_row_check = !is_null && OidIsValid(row_check);
        if (contract.has_row_check) {
            fmgr_info_cxt(row_check, &contract.row_check, built);
        }
        const char* lock_column = SPI_getvalue(tuple, descriptor, 5);
        contract.lock_attnum =
            lock_column != nullptr ? get_attnum(RelationGetRelid(relation), lock_column) : InvalidAttrNumber;
        if (contract.lock_attnum > 0) {
            const Form_pg_attribute column =
                TupleDescAttr(RelationGetDescr(relation), contract.lock_attnum - 1);
            const TypeCacheEntry* type = lookup_type_cache(column->atttypid, TYPECACHE_HASH_PROC);
            contract.lock_hashes = OidIsValid(type->hash_proc);
            contract.lock_collation = column->attcollation;
            if (contract.lock_hashes) {
                fmgr_info_cxt(type->hash_proc, &contract.lock_function, built);
            } else {
                Oid output = InvalidOid;
                bool is_varlena = false;
                getTypeOutputInfo(column->atttypid, &output, &is_varlena);
                fmgr_info_cxt(output, &contract.lock_function, built);
            }
        }
    }
    SPI_finish();
    unpin_internal_settings(nest_level);
    entry = static_cast<TableContracts*>(hash_search(contracts_cache(), &relid, HASH_ENTER, &found));
    if (found) {
        retire_context(entry->context);
    }
    entry->context = built;
    entry->count = count;
    entry->contracts = contracts;
    recent_contracts = entry;
    return entry;
}

// run_row_check returns the contract's reason for refusing the row, or NULL.
text* run_row_check(AttachedContract& contract, Datum row) {
    LOCAL_FCINFO(call, 1);
    InitFunctionCallInfoData(*call, &contract.row_check, 1, InvalidOid, nullptr, nullptr);
    call->args[0].value = row;
    call->args[0].isnull = false;
    const Datum reason = FunctionCallInvoke(call);
    return call->isnull ? nullptr : DatumGetTextPP(reason);
}

}  // namespace

void register_contract_cache_invalidation() {
    CacheRegisterRelcacheCallback(forget_on_invalidation, 0);
}

void forget_contracts() {
    recent_contracts = nullptr;
    if (contracts_by_table == nullptr) {
        return;
    }
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, contracts_by_table);
    while (auto* entry = static_cast<TableContracts*>(hash_seq_search(&scan))) {
        retire_context(entry->context);
    }
    retire_context(contracts_context);
    contracts_context = nullptr;
    contracts_by_table = nullptr;
}

void check_row(Relation relation, std::uint64_t table_id, TupleTableSlot* slot,
               core::PendingTransaction& transaction) {
    TableContracts* attached = load_table_contracts(relation, table_id);
    if (attached->count == 0) {
        return;
    }
    HeapTuple row = ExecCopySlotHeapTuple(slot);
    const Datum row_value = heap_copy_tuple_as_datum(row, RelationGetDescr(relation));
    for (int i = 0; i < attached->count; ++i) {
        AttachedContract& contract = attached->contracts[i];
        const std::uint64_t lock = lock_contract(contract, row, RelationGetDescr(relation), transaction);
        call_cpp([&] {
            transaction.note_lock(lock, GetCurrentSubTransactionId());
            transaction.note_contract(table_id, contract.contract_id, GetCurrentSubTransactionId());
        });
        if (!contract.has_row_check) {
            continue;
        }
        // Under READ COMMITTED the statement's snapshot predates the wait for
        // the lock: a check that reads with it (a STABLE function) would miss
        // the rows of the transaction it waited for. The statement's command
        // id stays, so that whether such a check sees the statement's earlier
        // rows does not depend on what else ran in it (a VOLATILE check takes
        // a snapshot of its own for each query, and sees them). Under
        // REPEATABLE READ the commit fails with 40001 instead.
        const bool fresh_snapshot = !IsolationUsesXactSnapshot();
        if (fresh_snapshot) {
            const CommandId statement_command =
                ActiveSnapshotSet() ? GetActiveSnapshot()->curcid : GetCurrentCommandId(false);
            PushCopiedSnapshot(GetLatestSnapshot());
            GetActiveSnapshot()->curcid = statement_command;
        }
        begin_contract_check();
        text* reason = run_row_check(contract, row_value);
        end_contract_check();
        if (fresh_snapshot) {
            PopActiveSnapshot();
        }
        if (reason != nullptr) {
            ereport(ERROR,
                    (errcode(ERRCODE_LEDGER_CONTRACT_ROW_REFUSED),
                     errmsg("contract \"%s\" version %d refused a row of \"%s\": %s", contract.name,
                            contract.version, RelationGetRelationName(relation), text_to_cstring(reason)),
                     errhint("Nothing of this transaction is committed; correct the row and retry.")));
        }
    }
}

void check_transaction(const core::PendingTransaction& transaction) {
    // Contract ids and the tables whose rows each contract checked.
    int id_count = 0;
    for (const auto& table : transaction.tables()) {
        id_count += static_cast<int>(table.contract_ids.size());
    }
    if (id_count == 0) {
        return;
    }
    Datum* ids = static_cast<Datum*>(palloc(sizeof(Datum) * id_count));
    Datum* tables = static_cast<Datum*>(palloc(sizeof(Datum) * id_count));
    int filled = 0;
    for (const auto& table : transaction.tables()) {
        for (const auto id : table.contract_ids) {
            ids[filled] = Int64GetDatum(static_cast<int64>(id));
            tables[filled] = Int64GetDatum(static_cast<int64>(table.table_id));
            ++filled;
        }
    }
    Oid types[2] = {INT8ARRAYOID, INT8ARRAYOID};
    Datum values[2] = {PointerGetDatum(construct_array(ids, id_count, INT8OID, 8, true, TYPALIGN_DOUBLE)),
                       PointerGetDatum(construct_array(tables, id_count, INT8OID, 8, true, TYPALIGN_DOUBLE))};
    // One row per distinct transaction check of the contract versions, for
    // the tables the transaction wrote to: each runs once.
    const int nest_level = pin_internal_settings();
    const int result = SPI_execute_with_args(
        "SELECT DISTINCT c.contract_name, c.version, "
        "CASE WHEN k->>'transaction_check' IS NOT NULL "
        "  THEN format('SELECT %I.%I()', c.schema_name, k->>'transaction_check') END AS call "
        "FROM ledger.contracts c, jsonb_array_elements(c.checks) k, unnest($1, $2) AS noted(contract_id, "
        "table_id) "
        "WHERE c.contract_id = noted.contract_id AND (k->>'table_id')::bigint = noted.table_id "
        "ORDER BY 1, 3",
        2, types, values, nullptr, false, 0);
    if (result != SPI_OK_SELECT) {
        elog(ERROR, "pgledger could not read the contracts to check");
    }
    // First, so that a transaction check reading a stale state fails as a
    // retryable 40001 rather than refusing the transaction.
    check_no_unseen_committer(transaction);
    SPITupleTable* contracts = SPI_tuptable;
    const uint64 count = SPI_processed;
    for (uint64 i = 0; i < count; ++i) {
        const char* name = SPI_getvalue(contracts->vals[i], contracts->tupdesc, 1);
        const int32 version = spi_int32(contracts->vals[i], contracts->tupdesc, 2, 0);
        const char* call = SPI_getvalue(contracts->vals[i], contracts->tupdesc, 3);
        if (call == nullptr) {
            continue;
        }
        // Transaction checks only read: PostgreSQL has fired the deferred
        // triggers by now, so one that a check's write queued would never
        // run. An error ends the transaction, which resets the flag.
        const bool was_read_only = XactReadOnly;
        XactReadOnly = true;
        begin_contract_check();
        if (SPI_execute(call, false, 0) != SPI_OK_SELECT || SPI_processed != 1) {
            elog(ERROR, "pgledger: transaction check of contract \"%s\" returned no result", name);
        }
        end_contract_check();
        XactReadOnly = was_read_only;
        const char* reason = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
        if (reason != nullptr) {
            ereport(ERROR,
                    (errcode(ERRCODE_LEDGER_CONTRACT_TRANSACTION_REFUSED),
                     errmsg("contract \"%s\" version %d refused the transaction: %s", name, version, reason),
                     errhint("Nothing of this transaction is committed; complete it and retry.")));
        }
    }
    unpin_internal_settings(nest_level);
}

}  // namespace pgledger::pg
