#include "pg/settings.hpp"

extern "C" {
#include "postgres.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/varlena.h"
}

#include <cstring>

#include "pg/errors.hpp"

namespace pgledger::pg {

int block_interval_ms = 1000;
int max_block_entries = 10000;
char* sealed_databases = nullptr;
char* required_signers = nullptr;

void define_settings() {
    DefineCustomIntVariable("ledger.block_interval", "Longest time from a commit until its block is sealed.",
                            "The sealer worker wakes this often and seals every committed transaction.",
                            &block_interval_ms, 1000, 10, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
                            nullptr, nullptr);
    DefineCustomIntVariable("ledger.max_block_entries", "Most transaction entries sealed into one block.",
                            "More pending entries are sealed into further blocks in the same round.",
                            &max_block_entries, 10000, 1, 1000000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "ledger.required_signers",
        "Participants whose signature every transaction appending ledger rows must carry.",
        "A comma-separated list of participant names; a commit without one of their "
        "signatures is refused. Empty: no signature is required.",
        &required_signers, "", PGC_USERSET, GUC_LIST_INPUT, nullptr, nullptr, nullptr);
    // A postmaster setting can only be defined while the server preloads
    // the library; loaded later, the library refuses to install anyway.
    if (process_shared_preload_libraries_in_progress) {
        DefineCustomStringVariable("ledger.databases", "Databases whose ledgers a sealer worker seals.",
                                   "A comma-separated list; CREATE EXTENSION pgledger is refused elsewhere.",
                                   &sealed_databases, "postgres", PGC_POSTMASTER, GUC_LIST_INPUT, nullptr,
                                   nullptr, nullptr);
    }
    MarkGUCPrefixReserved("ledger");
}

namespace {

bool is_sealed_database(const char* database) {
    char* names = pstrdup(sealed_databases != nullptr ? sealed_databases : "");
    List* list = nullptr;
    if (!SplitIdentifierString(names, ',', &list)) {
        return false;
    }
    ListCell* cell = nullptr;
    foreach (cell, list) {
        if (std::strcmp(static_cast<const char*>(lfirst(cell)), database) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

void require_sealed_database() {
    // A session's database keeps its name while the session is connected
    // (RENAME refuses a database that has sessions), and ledger.databases
    // changes only with a restart: one check per session is enough.
    static bool sealed = false;
    if (sealed) {
        return;
    }
    const char* database = get_database_name(MyDatabaseId);
    if (database == nullptr || !is_sealed_database(database)) {
        const char* shown = database != nullptr ? database : "?";
        ereport(ERROR,
                (errcode(ERRCODE_LEDGER_NOT_SEALED_HERE),
                 errmsg("no pgledger sealer runs for database \"%s\"", shown),
                 errhint("List it in ledger.databases in postgresql.conf (ledger.databases = '%s') and "
                         "restart the server.",
                         quote_identifier(shown))));
    }
    sealed = true;
}

}  // namespace pgledger::pg
