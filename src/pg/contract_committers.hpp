// The last transaction that committed under each contract lock, kept in
// shared memory so that a REPEATABLE READ or SERIALIZABLE transaction can
// tell, before it commits, that its contract checks read a state that another
// transaction changed after its snapshot was taken.
#pragma once

#include <cstdint>

#include "core/pending_transaction.hpp"

namespace pgledger::pg {

// contract_lock_key names one contract lock: the contract's key in the high
// half and the state's in the low half, as the advisory lock is tagged.
inline std::uint64_t contract_lock_key(std::uint32_t contract_key, std::uint32_t state_key) {
    return (static_cast<std::uint64_t>(contract_key) << 32) | state_key;
}

// The fourth field of a contract lock's advisory lock tag (pg_locks.objsubid).
// PostgreSQL's own advisory locks use 1 (one int8 key) and 2 (two int4 keys):
// a value of our own keeps an application's pg_advisory_lock(int, int) from
// taking, or waiting for, a contract's lock, and keeps the recovered-prepared
// scan from recording an application's locks as contract locks.
inline constexpr std::uint16_t kContractLockTagKind = 0x7067;  // "pg", 28775

void request_committers_shared_memory();

// record_recovered_prepared records, once after startup (or a standby's
// promotion), the prepared transactions that hold contract locks: they
// survived the restart, their records in shared memory did not. It must run
// before any of them can commit, so COMMIT PREPARED calls it, and before
// the first check. May raise an error.
void record_recovered_prepared();

// check_no_unseen_committer raises 40001 when, under one of the contract
// locks the transaction holds, a transaction committed that its snapshot
// does not see. Only transaction snapshots (REPEATABLE READ, SERIALIZABLE)
// can be stale: READ COMMITTED checks see the latest commit under the lock.
void check_no_unseen_committer(const core::PendingTransaction& transaction);

// publish_committer records the transaction as the latest to commit (or to
// be prepared) under each contract lock it holds. Called once the commit or
// PREPARE is recorded and while the locks are still held, so that records
// under one lock are written in commit order. Never raises an error.
void publish_committer(const core::PendingTransaction& transaction, bool prepared);

}  // namespace pgledger::pg
