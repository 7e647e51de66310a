// Erasing a private value (crypto-shredding): its salt is destroyed and the
// value overwritten with NULL, while its commitment stays, so the chain still
// verifies; each erasure is itself recorded as a ledger row.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/tuptable.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
}

#include <cstdint>

namespace pgledger::pg {

// take_erasure_permit: true once for the one UPDATE that ledger.erase_private
// runs on a ledger table; any other UPDATE of a ledger table stays refused.
bool take_erasure_permit(Oid relid);
// erasure_running: that UPDATE is executing (its statement trigger asks).
bool erasure_running(Oid relid);
// check_erasure_update refuses that UPDATE if it would change anything but
// the erased value, as a BEFORE UPDATE trigger of the table could.
void check_erasure_update(Relation relation, ItemPointer old_tid, TupleTableSlot* new_row);

using ErasureReport = void (*)(void* state, bool recorded, const char* text);

// report_erasures calls report for each erased value of a table: recorded
// in the erasure log, or erased behind the ledger. Requires SPI.
void report_erasures(std::uint64_t table_id, ErasureReport report, void* state);

}  // namespace pgledger::pg
