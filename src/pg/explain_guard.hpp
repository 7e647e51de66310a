// EXPLAIN under row-level security: plans and row counts of a ledger table
// tell a role about rows it may not see.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/execdesc.h"
}

namespace pgledger::pg {

// refuse_explain_of_hidden_rows errors when the statement is being
// explained and reads a ledger table whose row-level security applies to
// the role that reads it. Called from the ExecutorStart hook.
void refuse_explain_of_hidden_rows(const QueryDesc* query, int executor_flags);

}  // namespace pgledger::pg
