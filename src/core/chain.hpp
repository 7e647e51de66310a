// Checks of the block chain itself: contiguous heights from genesis, every
// header hashing to its stored hash, every block linking to its predecessor.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/canonical.hpp"

namespace pgledger::core {

struct StoredBlock {
    BlockHeader header;
    Digest stored_hash{};
    // The contract versions the block lists as in force, when loaded; their
    // hash must be the header's contracts_hash.
    bool contracts_loaded = false;
    std::vector<ContractVersion> contracts_in_force;
    int unknown_contracts = 0;
};

using Chain = std::map<std::uint64_t, StoredBlock>;

std::vector<std::string> chain_problems(const Chain& chain);

// chain_extends: the chain is intact and still holds, recomputed, the block
// and the genesis that a digest taken earlier recorded.
bool chain_extends(const Chain& chain, std::uint64_t height, const Digest& block, const Digest& genesis);

}  // namespace pgledger::core
