// Signed ledger transactions: participants sign the rows a transaction
// appends, and the signature is checked when it is given and again at commit.
#pragma once

#include "core/pending_transaction.hpp"

namespace pgledger::pg {

// recheck_signatures refuses the commit if the transaction appended rows
// after any of its signatures was given, or lacks the signature of a
// participant that ledger.required_signers names. Requires SPI.
void recheck_signatures(const core::PendingTransaction& transaction);

}  // namespace pgledger::pg
