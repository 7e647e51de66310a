#include "pg/row_scan.hpp"

#include <cstring>

#include "pg/private_values.hpp"

extern "C" {
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/tableam.h"
#include "access/tupmacs.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace pgledger::pg {
namespace {

// layout_problem walks a stored tuple as heap_deform_tuple will, and says
// what is out of place, or nullptr. A tuple edited on disk can carry lengths
// that PostgreSQL, which trusts its own pages, would follow out of the page
// and crash on; verification is what runs after such an edit.
const char* layout_problem(HeapTuple tuple, TupleDesc descriptor) {
    const HeapTupleHeader header = tuple->t_data;
    const long tuple_length = static_cast<long>(tuple->t_len);
    if (header->t_hoff < SizeofHeapTupleHeader || header->t_hoff > tuple_length ||
        header->t_hoff != MAXALIGN(header->t_hoff)) {
        return "its header length is out of range";
    }
    const int stored_columns = HeapTupleHeaderGetNatts(header);
    if (stored_columns > descriptor->natts) {
        return "it stores more columns than the table has";
    }
    const bool has_nulls = HeapTupleHasNulls(tuple);
    if (has_nulls && SizeofHeapTupleHeader + BITMAPLEN(stored_columns) > header->t_hoff) {
        return "its null bitmap overlaps its values";
    }
    const char* data = reinterpret_cast<const char*>(header) + header->t_hoff;
    const long data_length = tuple_length - header->t_hoff;
    long offset = 0;
    for (int i = 0; i < stored_columns; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (has_nulls && att_isnull(i, header->t_bits)) {
            continue;
        }
        if (attribute->attlen > 0) {
            offset = att_align_nominal(offset, attribute->attalign);
            if (offset + attribute->attlen > data_length) {
                return "a fixed-width value runs past its end";
            }
            offset += attribute->attlen;
            continue;
        }
        if (attribute->attlen == -2) {
            if (offset >= data_length || std::memchr(data + offset, '\0', data_length - offset) == nullptr) {
                return "a string value has no end";
            }
            offset += static_cast<long>(std::strlen(data + offset)) + 1;
            continue;
        }
        // A one-byte header is never padded; peek at it before aligning.
        if (offset >= data_length) {
            return "a value starts past its end";
        }
        offset = att_align_pointer(offset, attribute->attalign, -1, data + offset);
        if (offset >= data_length) {
            return "a value starts past its end";
        }
        const char* value = data + offset;
        long size = 0;
        if (VARATT_IS_1B_E(value)) {
            if (offset + static_cast<long>(VARHDRSZ_EXTERNAL) > data_length ||
                VARTAG_EXTERNAL(value) != VARTAG_ONDISK) {
                return "a value's out-of-line pointer is malformed";
            }
            size = static_cast<long>(VARHDRSZ_EXTERNAL + sizeof(varatt_external));
        } else if (VARATT_IS_1B(value)) {
            size = static_cast<long>(VARSIZE_1B(value));
        } else {
            if (offset + static_cast<long>(VARHDRSZ) > data_length) {
                return "a value's length word runs past its end";
            }
            size = static_cast<long>(VARSIZE_4B(value));
            if (size < static_cast<long>(VARHDRSZ)) {
                return "a value's length word is too small";
            }
        }
        if (offset + size > data_length) {
            return "a value's length runs past its end";
        }
        offset += size;
    }
    return nullptr;
}

}  // namespace

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
        if (const char* problem = layout_problem(tuple, descriptor)) {
            ereport(
                ERROR,
                (errcode(ERRCODE_DATA_CORRUPTED),
                 errmsg("row (%u,%u) of \"%s\" is malformed on disk: %s",
                        ItemPointerGetBlockNumber(&tuple->t_self), ItemPointerGetOffsetNumber(&tuple->t_self),
                        RelationGetRelationName(relation), problem),
                 errhint("Restore the table from a backup: the ledger cannot verify a row it cannot "
                         "read.")));
        }
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
