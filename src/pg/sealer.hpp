// Sealing: committed transaction entries become the next block of the chain.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pgledger::pg {

// refuse_snapshot_older_than_genesis raises 40001 when the transaction's
// snapshot, held for the whole transaction (REPEATABLE READ, SERIALIZABLE),
// cannot see a genesis block that another transaction committed since: the
// ledger it would build on or name is not the one that exists. Requires SPI.
void refuse_snapshot_older_than_genesis();

// ensure_genesis creates block 0 if the chain is empty. Requires SPI.
void ensure_genesis();

// seal_pending seals up to max_entries unsealed entries into one block and
// returns its height, or -1 when nothing was pending; *sealed_entries tells
// how many it sealed. Requires SPI and a transaction; serialised against
// other sealers by a lock on ledger.blocks.
int64 seal_pending(int max_entries, uint64* sealed_entries);

}  // namespace pgledger::pg
