// What the current transaction appends to ledger tables: the row trigger
// records each row's hash; just before commit the transaction's entries are
// written to ledger.transactions, in the same transaction as the rows.
#pragma once

namespace pgledger::pg {

void register_transaction_callbacks();

// InternalWrite marks the ledger's own writes to its tables, which the
// append-only guard lets through. Scoped by the caller around SPI calls.
bool internal_write_in_progress();
void begin_internal_write();
void end_internal_write();

}  // namespace pgledger::pg
