// The append-only guard: hooks that refuse, for every role including
// superusers, any statement that would change or remove ledger history.
#pragma once

namespace pgledger::pg {

void install_guards();

}  // namespace pgledger::pg
