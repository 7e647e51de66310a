// Reads the stored chain into the ledger core's representation.
#pragma once

#include "core/chain.hpp"

namespace pgledger::pg {

struct RecordedContracts;

// load_chain reads ledger.blocks (requires SPI). A block whose hash fields
// are malformed is loaded with zeroed hashes, which verification reports.
// With contracts, each block's list of contract versions in force is loaded.
void load_chain(core::Chain& chain, const RecordedContracts* contracts);

}  // namespace pgledger::pg
