// Writing a row's ledger position into the slot that is about to store it.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/attnum.h"
#include "executor/tuptable.h"
}

namespace pgledger::pg {

// set_row_position gives the row in slot its ledger position, at the least
// cost the slot's state allows: in its values when no tuple is formed yet,
// in the formed tuple's bytes when the slot owns it and the position columns
// hold values (their default, 0), and else by forming the tuple again. All of
// the slot's values are valid afterwards.
void set_row_position(TupleTableSlot* slot, AttrNumber txn_attnum, int64 txn_id, AttrNumber seq_attnum,
                      int32 seq);

}  // namespace pgledger::pg
