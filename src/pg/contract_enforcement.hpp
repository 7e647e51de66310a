// Enforcing contracts inside the transaction: row checks as rows are stored,
// transaction checks just before commit, and the locking that makes two
// transactions that check the same contract take turns.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

#include <cstdint>

#include "core/pending_transaction.hpp"

namespace pgledger::pg {

// register_contract_cache_invalidation makes a new contract version reach
// every session's cache of the contracts attached to each table.
void register_contract_cache_invalidation();

// check_row runs the row checks of every contract attached to the table on
// the row about to be stored, and notes each contract version in the
// pending transaction. Raises LG101 with the contract's reason on refusal.
void check_row(Relation relation, std::uint64_t table_id, TupleTableSlot* row,
               core::PendingTransaction& transaction);

// check_transaction runs, once each, the transaction checks of the contract
// versions the transaction noted (requires SPI). Raises LG102 on refusal,
// 40001 when a concurrent transaction checked by the same contract
// committed after this transaction's snapshot was taken.
void check_transaction(const core::PendingTransaction& transaction);

// forget_contracts drops the cached contract lists (a new version was
// installed).
void forget_contracts();

}  // namespace pgledger::pg
