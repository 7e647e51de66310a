// The append-only guard: hooks that refuse, for every role including
// superusers, any statement that would change or remove ledger history.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace pgledger::pg {

void install_guards();

// refuse_history_change raises LG001 for a statement (what: "UPDATE", ...)
// that would change or remove rows of ledger table relid.
[[noreturn]] void refuse_history_change(Oid relid, const char* what);

}  // namespace pgledger::pg
