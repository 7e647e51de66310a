// Entry point of the pgledger library: settings, hooks, callbacks and the
// sealer workers, all installed when the server preloads the library.

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "miscadmin.h"
}

#include "pg/contract_committers.hpp"
#include "pg/contract_enforcement.hpp"
#include "pg/guards.hpp"
#include "pg/sealer_worker.hpp"
#include "pg/settings.hpp"
#include "pg/transaction_log.hpp"

extern "C" {
PG_MODULE_MAGIC;
PGDLLEXPORT void _PG_init(void);
PG_FUNCTION_INFO_V1(pgledger_require_preload);
}

namespace {
bool preloaded = false;
}

extern "C" void _PG_init(void) {
    preloaded = process_shared_preload_libraries_in_progress;
    pgledger::pg::define_settings();
    // Loaded late, the library still guards this session; only preloading
    // guards every session and starts the sealers.
    pgledger::pg::install_guards();
    pgledger::pg::register_transaction_callbacks();
    if (preloaded) {
        // No sealer while pg_upgrade rebuilds the catalog: it would write
        // blocks into tables whose files the old cluster's then replace.
        if (!IsBinaryUpgrade) {
            pgledger::pg::register_sealer_workers();
        }
        pgledger::pg::request_committers_shared_memory();
        pgledger::pg::register_contract_cache_invalidation();
    }
}

// pgledger_require_preload refuses CREATE EXTENSION where the ledger could
// not be protected or sealed.
extern "C" Datum pgledger_require_preload(PG_FUNCTION_ARGS) {
    if (!preloaded) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("pgledger must be loaded via shared_preload_libraries"),
                        errdetail("Without it, ledger tables would not be protected in every session and no "
                                  "worker would seal their rows."),
                        errhint("Add pgledger to shared_preload_libraries in postgresql.conf and restart the "
                                "server.")));
    }
    pgledger::pg::require_sealed_database();
    PG_RETURN_VOID();
}
