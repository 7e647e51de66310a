#include "pg/contract_committers.hpp"

extern "C" {
#include "postgres.h"
#include "access/transam.h"
#include "access/twophase.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lock.h"
#include "storage/lwlock.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/snapmgr.h"
}

#include <cstddef>

namespace pgledger::pg {
namespace {

// Locks tracked at once. A lock's record is dropped once every snapshot
// sees its last committer; only long-lived snapshots can fill the table.
constexpr long kTrackedLocks = 16384;
constexpr const char* kTrancheName = "pgledger contract committers";

// Exactly the advisory lock's fields: transactions with the same key take
// turns, so the records of one key are written in commit order.
struct LockKey {
    Oid database;
    uint32 contract_key;
    uint32 state_key;
};

struct LockRecord {
    LockKey key;
    // The last transaction that committed under the lock.
    FullTransactionId committed;
    // A prepared transaction that took the lock after it: until it is
    // resolved it holds the lock; a rollback must not erase `committed`.
    FullTransactionId prepared;
    // The newest prepared transaction that a later one displaced. It had
    // ended, committed or not, and the commit log is not read while
    // publishing: a snapshot that may not see it counts as stale.
    FullTransactionId displaced;
};

struct SharedCommitters {
    LWLock* lock;
    // The newest transaction that found no room for a record. A key
    // without a record may have been committed under by it, or before it.
    FullTransactionId newest_unrecorded;
    // The horizon of the last sweep: sweeping again before it moves would
    // find nothing more to drop.
    TransactionId swept_at;
    // Set once the locks of the prepared transactions recovered at startup
    // have their records; see record_recovered_prepared.
    pg_atomic_uint32 recovered_recorded;
};

SharedCommitters* shared = nullptr;
HTAB* records = nullptr;
shmem_request_hook_type previous_shmem_request = nullptr;
shmem_startup_hook_type previous_shmem_startup = nullptr;

void request_shared_memory() {
    if (previous_shmem_request != nullptr) {
        previous_shmem_request();
    }
    RequestAddinShmemSpace(MAXALIGN(sizeof(SharedCommitters)) +
                           hash_estimate_size(kTrackedLocks, sizeof(LockRecord)));
    RequestNamedLWLockTranche(kTrancheName, 1);
}

void attach_shared_memory() {
    if (previous_shmem_startup != nullptr) {
        previous_shmem_startup();
    }
    LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
    bool found = false;
    shared = static_cast<SharedCommitters*>(ShmemInitStruct(kTrancheName, sizeof(SharedCommitters), &found));
    if (!found) {
        shared->lock = &GetNamedLWLockTranche(kTrancheName)->lock;
        shared->newest_unrecorded = InvalidFullTransactionId;
        shared->swept_at = InvalidTransactionId;
        pg_atomic_init_u32(&shared->recovered_recorded, 0);
    }
    HASHCTL control{};
    control.keysize = sizeof(LockKey);
    control.entrysize = sizeof(LockRecord);
    records = ShmemInitHash("pgledger contract lock records", kTrackedLocks, kTrackedLocks, &control,
                            HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
    LWLockRelease(AddinShmemInitLock);
}

LockKey key_of(std::uint64_t lock) {
    LockKey key{};
    key.database = MyDatabaseId;
    key.contract_key = static_cast<uint32>(lock >> 32);
    key.state_key = static_cast<uint32>(lock);
    return key;
}

// widen gives a recent xid (a snapshot's xmin, a horizon: at most 2^31
// behind the next xid) its epoch.
FullTransactionId widen(TransactionId xid) {
    const FullTransactionId next = ReadNextFullTransactionId();
    const uint32 behind = XidFromFullTransactionId(next) - xid;
    return FullTransactionIdFromU64(U64FromFullTransactionId(next) - behind);
}

// ended_before: no transaction, or one that ended before `oldest_running`,
// the oldest xid still running when a snapshot (its xmin) or the horizon of
// all snapshots was taken. Those snapshots see it as ended.
bool ended_before(FullTransactionId xid, FullTransactionId oldest_running) {
    return !FullTransactionIdIsValid(xid) || FullTransactionIdPrecedes(xid, oldest_running);
}

FullTransactionId newer_of(FullTransactionId a, FullTransactionId b) {
    if (!FullTransactionIdIsValid(a)) {
        return b;
    }
    return FullTransactionIdIsValid(b) && FullTransactionIdPrecedes(a, b) ? b : a;
}

// note_prepared records that a prepared transaction holds the lock; the
// caller holds the records' lock exclusively.
void note_prepared(LockRecord* record, bool found, FullTransactionId xid) {
    if (!found) {
        record->committed = InvalidFullTransactionId;
        record->prepared = InvalidFullTransactionId;
        record->displaced = InvalidFullTransactionId;
    }
    record->displaced = newer_of(record->displaced, record->prepared);
    record->prepared = xid;
}

// make_room drops the records whose transactions every snapshot sees, once
// the table is full; the caller holds the lock exclusively.
void make_room() {
    const TransactionId horizon = GetOldestNonRemovableTransactionId(nullptr);
    if (TransactionIdEquals(horizon, shared->swept_at)) {
        return;
    }
    shared->swept_at = horizon;
    const FullTransactionId full_horizon = widen(horizon);
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, records);
    while (auto* record = static_cast<LockRecord*>(hash_seq_search(&scan))) {
        if (ended_before(record->committed, full_horizon) && ended_before(record->prepared, full_horizon) &&
            ended_before(record->displaced, full_horizon)) {
            (void)hash_search(records, &record->key, HASH_REMOVE, nullptr);
        }
    }
}

// committed_unseen: the transaction committed, and the snapshot, taken
// while it was still running, does not see it.
bool committed_unseen(FullTransactionId xid, FullTransactionId snapshot_xmin, Snapshot snapshot) {
    if (ended_before(xid, snapshot_xmin)) {
        return false;
    }
    const TransactionId short_xid = XidFromFullTransactionId(xid);
    return XidInMVCCSnapshot(short_xid, snapshot) && TransactionIdDidCommit(short_xid);
}

}  // namespace

void request_committers_shared_memory() {
    previous_shmem_request = shmem_request_hook;
    shmem_request_hook = request_shared_memory;
    previous_shmem_startup = shmem_startup_hook;
    shmem_startup_hook = attach_shared_memory;
}

void record_recovered_prepared() {
    if (shared == nullptr || pg_atomic_read_u32(&shared->recovered_recorded) != 0 || RecoveryInProgress()) {
        return;
    }
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    if (pg_atomic_read_u32(&shared->recovered_recorded) == 0) {
        // A prepared transaction is a PGPROC without a process (pid 0)
        // holding the locks it took; one recovered at startup has no
        // backend, and its local transaction id is its xid (PostgreSQL 15.5
        // and later give one prepared since startup its backend's ids).
        LockData* held = max_prepared_xacts > 0 ? GetLockStatusData() : nullptr;
        for (int i = 0; held != nullptr && i < held->nelements; ++i) {
            const LockInstanceData& instance = held->locks[i];
            const LOCKTAG& tag = instance.locktag;
            if (instance.pid != 0 || instance.backend != InvalidBackendId || instance.holdMask == 0 ||
                tag.locktag_type != LOCKTAG_ADVISORY || tag.locktag_field4 != kContractLockTagKind) {
                continue;
            }
            const FullTransactionId xid = widen(static_cast<TransactionId>(instance.lxid));
            const LockKey key{tag.locktag_field1, tag.locktag_field2, tag.locktag_field3};
            bool found = false;
            auto* record = static_cast<LockRecord*>(hash_search(records, &key, HASH_ENTER_NULL, &found));
            if (record == nullptr) {
                shared->newest_unrecorded = newer_of(shared->newest_unrecorded, xid);
            } else if (!found || !FullTransactionIdEquals(record->prepared, xid)) {
                // Before 15.5 a transaction prepared since startup looks
                // recovered too; its PREPARE recorded it already.
                note_prepared(record, found, xid);
            }
        }
        pg_atomic_write_u32(&shared->recovered_recorded, 1);
    }
    LWLockRelease(shared->lock);
}

void check_no_unseen_committer(const core::PendingTransaction& transaction) {
    if (!IsolationUsesXactSnapshot() || transaction.locks().empty()) {
        return;
    }
    if (shared == nullptr) {
        // Unreachable: without preloading, no ledger row gets this far (LG003).
        elog(ERROR, "pgledger has no shared memory to check contract locks in");
    }
    record_recovered_prepared();
    // Read under the lock, judged after it: the commit log may need I/O.
    auto* suspects =
        static_cast<FullTransactionId*>(palloc(sizeof(FullTransactionId) * 2 * transaction.locks().size()));
    FullTransactionId newest_displaced = InvalidFullTransactionId;
    std::size_t suspect_count = 0;
    bool unrecorded = false;
    LWLockAcquire(shared->lock, LW_SHARED);
    for (const auto lock : transaction.locks()) {
        const LockKey key = key_of(lock);
        const auto* record = static_cast<const LockRecord*>(hash_search(records, &key, HASH_FIND, nullptr));
        if (record != nullptr) {
            suspects[suspect_count++] = record->committed;
            suspects[suspect_count++] = record->prepared;
            newest_displaced = newer_of(newest_displaced, record->displaced);
        }
        // A record made by a PREPARE tells nothing of the commits before it.
        if (record == nullptr || !FullTransactionIdIsValid(record->committed)) {
            unrecorded = true;
        }
    }
    const FullTransactionId newest_unrecorded = shared->newest_unrecorded;
    LWLockRelease(shared->lock);

    const Snapshot snapshot = GetTransactionSnapshot();
    const FullTransactionId snapshot_xmin = widen(snapshot->xmin);
    bool stale = false;
    for (std::size_t i = 0; i < suspect_count; ++i) {
        stale = stale || committed_unseen(suspects[i], snapshot_xmin, snapshot);
    }
    // Without its record, a lock may have been committed under by any
    // transaction up to the newest that found no room: stale unless the
    // snapshot sees all of them.
    stale = stale || (unrecorded && !ended_before(newest_unrecorded, snapshot_xmin));
    stale = stale || !ended_before(newest_displaced, snapshot_xmin);
    if (stale) {
        ereport(ERROR,
                (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                 errmsg("could not serialize access to contract state due to a concurrent transaction"),
                 errdetail("A transaction checked by the same contract committed after this one's "
                           "snapshot was taken, so its checks saw a stale state."),
                 errhint("Retry the transaction.")));
    }
}

void publish_committer(const core::PendingTransaction& transaction, bool prepared) {
    const FullTransactionId self = GetTopFullTransactionIdIfAny();
    if (shared == nullptr || transaction.locks().empty() || !FullTransactionIdIsValid(self)) {
        return;
    }
    bool room_made = false;
    LWLockAcquire(shared->lock, LW_EXCLUSIVE);
    for (const auto lock : transaction.locks()) {
        const LockKey key = key_of(lock);
        bool found = false;
        auto* record = static_cast<LockRecord*>(hash_search(records, &key, HASH_ENTER_NULL, &found));
        if (record == nullptr && !room_made) {
            make_room();
            room_made = true;
            record = static_cast<LockRecord*>(hash_search(records, &key, HASH_ENTER_NULL, &found));
        }
        if (record == nullptr) {
            shared->newest_unrecorded = newer_of(shared->newest_unrecorded, self);
            continue;
        }
        if (prepared) {
            note_prepared(record, found, self);
        } else {
            // Whatever was prepared under the lock ended before this
            // transaction could take it: a snapshot that sees this commit
            // sees that one too.
            record->committed = self;
            record->prepared = InvalidFullTransactionId;
            record->displaced = InvalidFullTransactionId;
        }
    }
    LWLockRelease(shared->lock);
}

}  // namespace pgledger::pg
