#include "pg/explain_guard.hpp"

extern "C" {
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"
}

#include "pg/catalog.hpp"
#include "pg/errors.hpp"

namespace pgledger::pg {

void refuse_explain_of_hidden_rows(const QueryDesc* query, int executor_flags) {
    // Plain EXPLAIN estimates from statistics gathered over every row;
    // EXPLAIN ANALYZE counts the rows its filters removed, hidden ones too.
    const bool explained = (executor_flags & EXEC_FLAG_EXPLAIN_ONLY) != 0 || query->instrument_options != 0;
    if (!explained) {
        return;
    }
    ListCell* cell = nullptr;
    foreach (cell, query->plannedstmt->rtable) {
        const auto* entry = static_cast<const RangeTblEntry*>(lfirst(cell));
        if (entry->rtekind != RTE_RELATION || entry->relkind != RELKIND_RELATION) {
            continue;
        }
        if (check_enable_rls(entry->relid, entry->checkAsUser, true) == RLS_ENABLED &&
            is_ledger_table(entry->relid)) {
            ereport(
                ERROR,
                (errcode(ERRCODE_LEDGER_VISIBILITY),
                 errmsg("EXPLAIN is not allowed on ledger table \"%s\" under row-level security",
                        get_rel_name(entry->relid)),
                 errdetail("Its estimates and row counts would tell about rows this role may not see."),
                 errhint("Run the query without EXPLAIN, or ask a role that sees every row to explain it.")));
        }
    }
}

}  // namespace pgledger::pg
