#include "pg/row_scan.hpp"

#include "pg/private_values.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace pgledger::pg {

void scan_ledger_rows(Relation relation, const RowCodec* codec, const RecordedSalts* salts, Snapshot snapshot,
                      RowVisitor visit, void* state) {
    const TupleDesc descriptor = RelationGetDescr(relation);
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * descriptor->natts));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * descriptor->natts));
    MemoryContext per_row =
        AllocSetContextCreate(CurrentMemoryContext, "pgledger row scan", ALLOCSET_DEFAULT_SIZES);
    TupleTableSlot* slot = table_slot_create(relation, nullptr);
    TableScanDesc scan = table_beginscan(relation, snapshot, 0, nullptr);
    while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        CHECK_FOR_INTERRUPTS();
        MemoryContext caller = MemoryContextSwitchTo(per_row);
        bool should_free = false;
        HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
        heap_deform_tuple(tuple, descriptor, values, nulls);
        ScannedRow row{};
        row.tid = tuple->t_self;
        const int txn_index = codec->txn_attnum - 1;
        const int seq_index = codec->seq_attnum - 1;
        row.has_position = !nulls[txn_index] && !nulls[seq_index] && DatumGetInt64(values[txn_index]) > 0 &&
                           DatumGetInt32(values[seq_index]) > 0;
        if (row.has_position) {
            row.txn_id = static_cast<std::uint64_t>(DatumGetInt64(values[txn_index]));
            row.seq = static_cast<std::uint32_t>(DatumGetInt32(values[seq_index]));
        }
        PrivateValue* private_values = nullptr;
        if (codec->private_count > 0) {
            private_values = static_cast<PrivateValue*>(palloc0(sizeof(PrivateValue) * codec->column_count));
            if (salts != nullptr && row.has_position) {
                recorded_private_values(salts, codec, row.txn_id, row.seq, private_values);
            }
        }
        row.hash = hash_row(codec, values, nulls, row.txn_id, row.seq, private_values);
        visit(state, row);
        MemoryContextSwitchTo(caller);
        MemoryContextReset(per_row);
    }
    table_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    MemoryContextDelete(per_row);
}

}  // namespace pgledger::pg
