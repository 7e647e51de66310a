// Reads the stored chain into the ledger core's representation.
#pragma once

#include "core/chain.hpp"

namespace pgledger::pg {

// load_chain reads ledger.blocks (requires SPI). A block whose hash fields
// are malformed is loaded with zeroed hashes, which verification reports.
void load_chain(core::Chain& chain);

}  // namespace pgledger::pg
