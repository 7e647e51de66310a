// What the current transaction appends to ledger tables: the ledger table
// access method hands each row over as it is stored, and its hash is kept;
// just before commit the transaction's entries are written to
// ledger.transactions, in the same transaction as the rows.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

#include <cstddef>
#include <cstdint>

#include "core/pending_transaction.hpp"

namespace pgledger::pg {

// capture_row gives a row about to be stored in a ledger table its ledger
// position (written into the slot), runs the table's contract row checks and
// keeps the row's hash for the transaction's entry. Rows of a table that is
// not (yet) a ledger table, as during a restore, are left alone.
void capture_row(Relation relation, TupleTableSlot* slot, core::RowState state);
// confirm_speculative_row: a speculative insertion captured earlier found no
// conflict and was stored.
void confirm_speculative_row(Relation relation, TupleTableSlot* slot);

struct RowCodec;

// record_entry writes one transaction's entry for one ledger table to
// ledger.transactions (requires SPI), with the columns codec declares.
void record_entry(std::uint64_t txn_id, const RowCodec* codec, const core::SealedRowHash* rows,
                  std::size_t count, const char* committed_by, const std::uint64_t* contract_ids,
                  std::size_t contract_count);

// current_pending_transaction: what this transaction appended so far, or
// nullptr if it appended nothing.
const core::PendingTransaction* current_pending_transaction();

void register_transaction_callbacks();

// InternalWrite marks the ledger's own writes to its tables, which the
// append-only guard lets through. Scoped by the caller around SPI calls.
bool internal_write_in_progress();
void begin_internal_write();
void end_internal_write();

// ContractCheck marks a contract's row or transaction check while it runs:
// what it reads must be what every node holds, never a session's own
// temporary table.
bool contract_check_in_progress();
void begin_contract_check();
void end_contract_check();

}  // namespace pgledger::pg
