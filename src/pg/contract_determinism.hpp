// Contracts must give the same result for the same transactions in the same
// order on every node, so their code may not read the clock, chance, or
// anything else that differs between nodes.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pgledger::pg {

// check_deterministic refuses (42P13) a function body that calls a
// volatile function, reads the clock or runs dynamic SQL. Functions of the
// contract's own schema are checked on their own and may call each other.
void check_deterministic(const char* function_name, const char* body, Oid contract_schema);

}  // namespace pgledger::pg
