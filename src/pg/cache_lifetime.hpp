// Caches rebuilt on invalidation must not free memory that a caller higher
// up the stack is still reading: invalidations are processed whenever a
// lock is taken, which a trigger or output function may do at any time.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "utils/memutils.h"
}

namespace pgledger::pg {

// retire_context frees an invalidated cache's memory at the end of the
// transaction, or at once outside of one.
inline void retire_context(MemoryContext context) {
    if (IsTransactionState()) {
        MemoryContextSetParent(context, TopTransactionContext);
    } else {
        MemoryContextDelete(context);
    }
}

}  // namespace pgledger::pg
