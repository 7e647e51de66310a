#include "pg/row_position.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/tupmacs.h"
#include "utils/memutils.h"
}

#include <cstring>

namespace pgledger::pg {
namespace {

// holds_only_values: the slot's row is its values array, with no tuple
// formed yet; COPY fills slots this way.
bool holds_only_values(const TupleTableSlot* slot) {
    if (TTS_IS_VIRTUAL(slot)) {
        return true;
    }
    if (TTS_IS_BUFFERTUPLE(slot)) {
        return reinterpret_cast<const BufferHeapTupleTableSlot*>(slot)->base.tuple == nullptr;
    }
    if (TTS_IS_HEAPTUPLE(slot)) {
        return reinterpret_cast<const HeapTupleTableSlot*>(slot)->tuple == nullptr;
    }
    return false;
}

// owned_tuple: the formed tuple the slot holds in memory of its own, which
// may be written to; nullptr otherwise. INSERT materializes its slot so.
HeapTuple owned_tuple(const TupleTableSlot* slot) {
    if (!TTS_SHOULDFREE(slot)) {
        return nullptr;
    }
    if (TTS_IS_BUFFERTUPLE(slot)) {
        return reinterpret_cast<const BufferHeapTupleTableSlot*>(slot)->base.tuple;
    }
    if (TTS_IS_HEAPTUPLE(slot)) {
        return reinterpret_cast<const HeapTupleTableSlot*>(slot)->tuple;
    }
    return nullptr;
}

// value_offset: where the value of attribute attnum starts in the tuple's
// data, or -1 if the tuple stores no value for it (NULL, or added later).
long value_offset(HeapTuple tuple, TupleDesc descriptor, AttrNumber attnum) {
    const HeapTupleHeader header = tuple->t_data;
    if (attnum > HeapTupleHeaderGetNatts(header)) {
        return -1;
    }
    const bool has_nulls = HeapTupleHasNulls(tuple);
    if (has_nulls && att_isnull(attnum - 1, header->t_bits)) {
        return -1;
    }
    // The last attribute, fixed-width, ends the data: create_ledger_table
    // adds the position columns last, so this is the usual case.
    const Form_pg_attribute wanted = TupleDescAttr(descriptor, attnum - 1);
    if (attnum == HeapTupleHeaderGetNatts(header) && wanted->attlen > 0) {
        return static_cast<long>(tuple->t_len - header->t_hoff) - wanted->attlen;
    }
    const char* data = reinterpret_cast<const char*>(header) + header->t_hoff;
    long offset = 0;
    for (int i = 0; i < attnum; ++i) {
        const Form_pg_attribute attribute = TupleDescAttr(descriptor, i);
        if (has_nulls && att_isnull(i, header->t_bits)) {
            if (i == attnum - 1) {
                return -1;
            }
            continue;
        }
        offset = att_align_pointer(offset, attribute->attalign, attribute->attlen, data + offset);
        if (i == attnum - 1) {
            return offset;
        }
        offset = att_addlength_pointer(offset, attribute->attlen, data + offset);
    }
    return -1;
}

void set_values(TupleTableSlot* slot, AttrNumber txn_attnum, int64 txn_id, AttrNumber seq_attnum, int32 seq) {
    slot->tts_values[txn_attnum - 1] = Int64GetDatum(txn_id);
    slot->tts_isnull[txn_attnum - 1] = false;
    slot->tts_values[seq_attnum - 1] = Int32GetDatum(seq);
    slot->tts_isnull[seq_attnum - 1] = false;
}

}  // namespace

void set_row_position(TupleTableSlot* slot, AttrNumber txn_attnum, int64 txn_id, AttrNumber seq_attnum,
                      int32 seq) {
    slot_getallattrs(slot);
    if (holds_only_values(slot)) {
        set_values(slot, txn_attnum, txn_id, seq_attnum, seq);
        return;
    }
    const TupleDesc descriptor = slot->tts_tupleDescriptor;
    HeapTuple tuple = owned_tuple(slot);
    if (tuple != nullptr) {
        const long seq_offset = value_offset(tuple, descriptor, seq_attnum);
        // Right before the row number when it directly follows: an 8-byte
        // value ending where a 4-byte one starts is aligned for both.
        const bool adjacent =
            seq_offset >= 8 && txn_attnum + 1 == seq_attnum &&
            !(HeapTupleHasNulls(tuple) && att_isnull(txn_attnum - 1, tuple->t_data->t_bits));
        const long txn_offset = adjacent ? seq_offset - 8 : value_offset(tuple, descriptor, txn_attnum);
        if (txn_offset >= 0 && seq_offset >= 0) {
            char* data = reinterpret_cast<char*>(tuple->t_data) + tuple->t_data->t_hoff;
            std::memcpy(data + txn_offset, &txn_id, sizeof txn_id);
            std::memcpy(data + seq_offset, &seq, sizeof seq);
            set_values(slot, txn_attnum, txn_id, seq_attnum, seq);
            return;
        }
    }
    // A position column is NULL, or the slot does not own its tuple: the
    // tuple is formed again, in the slot's memory, which the slot frees.
    MemoryContext caller = MemoryContextSwitchTo(slot->tts_mcxt);
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * descriptor->natts));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * descriptor->natts));
    std::memcpy(values, slot->tts_values, sizeof(Datum) * descriptor->natts);
    std::memcpy(nulls, slot->tts_isnull, sizeof(bool) * descriptor->natts);
    values[txn_attnum - 1] = Int64GetDatum(txn_id);
    nulls[txn_attnum - 1] = false;
    values[seq_attnum - 1] = Int32GetDatum(seq);
    nulls[seq_attnum - 1] = false;
    HeapTuple formed = heap_form_tuple(descriptor, values, nulls);
    pfree(values);
    pfree(nulls);
    MemoryContextSwitchTo(caller);
    ExecForceStoreHeapTuple(formed, slot, true);
    slot_getallattrs(slot);
}

}  // namespace pgledger::pg
