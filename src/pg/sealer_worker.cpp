#include "pg/sealer_worker.hpp"

extern "C" {
#include "postgres.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
#include "utils/wait_event.h"
}

#include <algorithm>
#include <cstring>

#include "pg/catalog.hpp"
#include "pg/contract_committers.hpp"
#include "pg/internal_settings.hpp"
#include "pg/sealer.hpp"
#include "pg/settings.hpp"

namespace pgledger::pg {
namespace {

constexpr int kRestartSeconds = 5;
// CREATE DATABASE ... TEMPLATE, and DROP, RENAME or SET TABLESPACE of a
// database, wait 5 s for every other session to leave it: the sealer looks
// at least this often whether one waits.
constexpr long kLongestWaitMs = 1000;

// database_operation_waiting: some session holds a lock on this database
// that a new connection would wait for. CREATE DATABASE takes one on its
// template, DROP, RENAME and SET TABLESPACE on the database they change,
// and each then waits for the database's other sessions to leave.
bool database_operation_waiting() {
    LOCKTAG database;
    SET_LOCKTAG_OBJECT(database, InvalidOid, DatabaseRelationId, MyDatabaseId, 0);
    if (LockAcquire(&database, RowExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL) {
        return true;
    }
    LockRelease(&database, RowExclusiveLock, true);
    return false;
}

// step_aside_for_database_operations: the sealer leaves, rather than make
// such an operation fail. The postmaster starts it again kRestartSeconds
// later; its connection waits until the operation ends.
void step_aside_for_database_operations(const char* database) {
    if (database_operation_waiting()) {
        ereport(LOG, (errmsg("pgledger sealer leaves database \"%s\" for a database operation that waits for "
                             "its sessions; it starts again in %d s",
                             database, kRestartSeconds)));
        proc_exit(1);
    }
}

// seal_round seals what committed since the last round into one block, and
// into more only while blocks fill up (ledger.max_block_entries): under a
// steady load that is one block, one transaction, per interval.
void seal_round(const char* database) {
    for (;;) {
        // Also between the blocks of a backlog, which can take longer than
        // such an operation waits.
        step_aside_for_database_operations(database);
        SetCurrentStatementStartTimestamp();
        StartTransactionCommand();
        // Each statement must see the chain as the lock on it left it, even
        // where default_transaction_isolation says otherwise.
        XactIsoLevel = XACT_READ_COMMITTED;
        PushActiveSnapshot(GetTransactionSnapshot());
        // Early, before a subscription's apply worker can commit a
        // recovered prepared transaction without COMMIT PREPARED.
        record_recovered_prepared();
        uint64 sealed_entries = 0;
        if (OidIsValid(get_extension_oid(kExtension, true))) {
            pgstat_report_activity(STATE_RUNNING, "pgledger: sealing a block");
            const int nest_level = pin_internal_settings();
            SPI_connect();
            (void)seal_pending(max_block_entries, &sealed_entries);
            SPI_finish();
            unpin_internal_settings(nest_level);
        }
        PopActiveSnapshot();
        CommitTransactionCommand();
        pgstat_report_activity(STATE_IDLE, nullptr);
        if (sealed_entries < static_cast<uint64>(max_block_entries)) {
            return;
        }
    }
}

// wait_for_next_round sleeps ledger.block_interval, looking at least every
// kLongestWaitMs whether to step aside. A configuration reload ends the
// sleep, as the interval may have changed.
void wait_for_next_round(const char* database) {
    const TimestampTz due = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), block_interval_ms);
    for (;;) {
        const long remaining_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), due);
        if (remaining_ms <= 0) {
            return;  // seal_round looks first
        }
        step_aside_for_database_operations(database);
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        std::min(remaining_ms, kLongestWaitMs), PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            return;
        }
    }
}

}  // namespace

void register_sealer_workers() {
    char* names = pstrdup(sealed_databases != nullptr ? sealed_databases : "");
    List* list = nullptr;
    if (!SplitIdentifierString(names, ',', &list)) {
        ereport(FATAL,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("ledger.databases is not a valid list"),
                 errhint("Write database names separated by commas.")));
    }
    ListCell* cell = nullptr;
    foreach (cell, list) {
        const char* database = static_cast<const char*>(lfirst(cell));
        BackgroundWorker worker{};
        worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
        worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
        worker.bgw_restart_time = kRestartSeconds;
        snprintf(worker.bgw_library_name, BGW_MAXLEN, "pgledger");
        snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgledger_sealer_main");
        snprintf(worker.bgw_name, BGW_MAXLEN, "pgledger sealer for database %s", database);
        snprintf(worker.bgw_type, BGW_MAXLEN, "pgledger sealer");
        snprintf(worker.bgw_extra, BGW_EXTRALEN, "%s", database);
        RegisterBackgroundWorker(&worker);
    }
}

}  // namespace pgledger::pg

extern "C" PGDLLEXPORT void pgledger_sealer_main(Datum);

extern "C" void pgledger_sealer_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    char database[BGW_EXTRALEN];
    std::memcpy(database, MyBgworkerEntry->bgw_extra, BGW_EXTRALEN);
    database[BGW_EXTRALEN - 1] = '\0';
    BackgroundWorkerInitializeConnection(database, nullptr, 0);
    pgstat_report_appname("pgledger sealer");
    elog(LOG, "pgledger sealer started for database \"%s\", sealing every %d ms", database,
         pgledger::pg::block_interval_ms);
    for (;;) {
        // Seal first: after a restart, commits from before the crash are
        // sealed at once rather than one interval later.
        pgledger::pg::seal_round(database);
        pgledger::pg::wait_for_next_round(database);
    }
}
