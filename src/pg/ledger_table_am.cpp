// The ledger table access method: heap storage, with every row handed to the
// ledger as it is stored. Rows are captured after all BEFORE triggers,
// defaults, generated columns and constraints, whatever inserts them: INSERT,
// COPY (in batches), MERGE, logical replication; updates and deletes are
// refused. Everything else is heap's.

extern "C" {
#include "postgres.h"
#include "access/heapam.h"
#include "access/tableam.h"
#include "fmgr.h"
#include "utils/rel.h"
}

#include "pg/erasure.hpp"
#include "pg/guards.hpp"
#include "pg/row_codec.hpp"
#include "pg/transaction_log.hpp"

namespace pgledger::pg {
namespace {

TableAmRoutine ledger_methods;

const TableAmRoutine* heap_methods() {
    return GetHeapamTableAmRoutine();
}

void ledger_tuple_insert(Relation relation, TupleTableSlot* slot, CommandId command, int options,
                         BulkInsertState bulk_state) {
    capture_row(relation, slot, core::RowState::stored);
    heap_methods()->tuple_insert(relation, slot, command, options, bulk_state);
}

void ledger_tuple_insert_speculative(Relation relation, TupleTableSlot* slot, CommandId command, int options,
                                     BulkInsertState bulk_state, uint32 token) {
    capture_row(relation, slot, core::RowState::speculative);
    heap_methods()->tuple_insert_speculative(relation, slot, command, options, bulk_state, token);
}

void ledger_tuple_complete_speculative(Relation relation, TupleTableSlot* slot, uint32 token,
                                       bool succeeded) {
    heap_methods()->tuple_complete_speculative(relation, slot, token, succeeded);
    if (succeeded) {
        confirm_speculative_row(relation, slot);
    }
}

void ledger_multi_insert(Relation relation, TupleTableSlot** slots, int count, CommandId command, int options,
                         BulkInsertState bulk_state) {
    for (int i = 0; i < count; ++i) {
        capture_row(relation, slots[i], core::RowState::stored);
    }
    heap_methods()->multi_insert(relation, slots, count, command, options, bulk_state);
}

// Rows of a ledger table are never updated or deleted, whichever path asks:
// the executor hook refuses statements, and this also covers what bypasses
// the executor, such as logical replication applying a publisher's UPDATE.
// The one exception is ledger.erase_private's UPDATE.
TM_Result ledger_tuple_update(Relation relation, ItemPointer old_tid, TupleTableSlot* slot, CommandId command,
                              Snapshot snapshot, Snapshot crosscheck, bool wait, TM_FailureData* failure,
                              LockTupleMode* lock_mode, bool* update_indexes) {
    if (ledger_row_codec(relation) != nullptr) {
        if (!erasure_running(RelationGetRelid(relation))) {
            refuse_history_change(RelationGetRelid(relation), "UPDATE");
        }
        check_erasure_update(relation, old_tid, slot);
    }
    return heap_methods()->tuple_update(relation, old_tid, slot, command, snapshot, crosscheck, wait, failure,
                                        lock_mode, update_indexes);
}

TM_Result ledger_tuple_delete(Relation relation, ItemPointer tid, CommandId command, Snapshot snapshot,
                              Snapshot crosscheck, bool wait, TM_FailureData* failure, bool changing_part) {
    if (ledger_row_codec(relation) != nullptr) {
        refuse_history_change(RelationGetRelid(relation), "DELETE");
    }
    return heap_methods()->tuple_delete(relation, tid, command, snapshot, crosscheck, wait, failure,
                                        changing_part);
}

// Heap's index builds read the table with heap_getnext(), which refuses any
// relation whose routine is not heap's own, even one that delegates to it.
// under_heap_routine runs such a scan with heap's routine and gives the
// table ours back after, also on error.
template <typename Scan>
void under_heap_routine(Relation table, Scan scan) {
    const TableAmRoutine* own = table->rd_tableam;
    table->rd_tableam = heap_methods();
    PG_TRY();
    { scan(); }
    PG_FINALLY();
    { table->rd_tableam = own; }
    PG_END_TRY();
}

double ledger_index_build_range_scan(Relation table, Relation index, IndexInfo* index_info, bool allow_sync,
                                     bool any_visible, bool progress, BlockNumber start_block,
                                     BlockNumber block_count, IndexBuildCallback callback,
                                     void* callback_state, TableScanDesc scan) {
    double tuples = 0;
    under_heap_routine(table, [&] {
        tuples = heap_methods()->index_build_range_scan(table, index, index_info, allow_sync, any_visible,
                                                        progress, start_block, block_count, callback,
                                                        callback_state, scan);
    });
    return tuples;
}

void ledger_index_validate_scan(Relation table, Relation index, IndexInfo* index_info, Snapshot snapshot,
                                ValidateIndexState* state) {
    under_heap_routine(
        table, [&] { heap_methods()->index_validate_scan(table, index, index_info, snapshot, state); });
}

const TableAmRoutine* ledger_table_methods() {
    if (ledger_methods.type != T_TableAmRoutine) {
        ledger_methods = *heap_methods();
        ledger_methods.tuple_insert = ledger_tuple_insert;
        ledger_methods.tuple_insert_speculative = ledger_tuple_insert_speculative;
        ledger_methods.tuple_complete_speculative = ledger_tuple_complete_speculative;
        ledger_methods.multi_insert = ledger_multi_insert;
        ledger_methods.tuple_update = ledger_tuple_update;
        ledger_methods.tuple_delete = ledger_tuple_delete;
        ledger_methods.index_build_range_scan = ledger_index_build_range_scan;
        ledger_methods.index_validate_scan = ledger_index_validate_scan;
    }
    return &ledger_methods;
}

}  // namespace
}  // namespace pgledger::pg

extern "C" {
PG_FUNCTION_INFO_V1(pgledger_table_am_handler);
}

extern "C" Datum pgledger_table_am_handler(PG_FUNCTION_ARGS) {
    (void)fcinfo;
    PG_RETURN_POINTER(pgledger::pg::ledger_table_methods());
}
