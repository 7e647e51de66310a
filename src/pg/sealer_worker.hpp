// The background worker that seals committed transactions of one database
// every ledger.block_interval.
#pragma once

namespace pgledger::pg {

// register_sealer_workers starts one sealer per database in ledger.databases.
void register_sealer_workers();

}  // namespace pgledger::pg
