// What the current transaction appends to ledger tables: the row trigger
// records each row's hash; just before commit the transaction's entries are
// written to ledger.transactions, in the same transaction as the rows.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/pending_transaction.hpp"

namespace pgledger::pg {

// record_entry writes one transaction's entry for one ledger table to
// ledger.transactions (requires SPI).
void record_entry(std::uint64_t txn_id, std::uint64_t table_id, const core::SealedRowHash* rows,
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

}  // namespace pgledger::pg
