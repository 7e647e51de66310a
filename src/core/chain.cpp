#include "core/chain.hpp"

#include <optional>

namespace pgledger::core {

std::vector<std::string> chain_problems(const Chain& chain) {
    std::vector<std::string> problems;
    std::optional<Digest> previous_recomputed;
    std::uint64_t expected_height = 0;
    for (const auto& [height, block] : chain) {
        const std::string name = "block " + std::to_string(height);
        if (height != expected_height) {
            problems.push_back(expected_height + 1 == height
                                   ? "block " + std::to_string(expected_height) + " is missing"
                                   : "blocks " + std::to_string(expected_height) + " to " +
                                         std::to_string(height - 1) + " are missing");
            previous_recomputed.reset();
        }
        const Digest recomputed = block_hash(block.header);
        if (recomputed != block.stored_hash) {
            problems.push_back(name + " was altered: its header no longer hashes to its stored block hash");
        }
        if (height == 0) {
            if (block.header.previous_hash != Digest{}) {
                problems.push_back("block 0 (genesis) was altered: its previous hash must be all zeros");
            }
        } else if (previous_recomputed && block.header.previous_hash != *previous_recomputed) {
            problems.push_back(name + " does not link to block " + std::to_string(height - 1) +
                               ": its previous hash differs from that block's recomputed hash");
        }
        if (block.contracts_loaded &&
            (block.unknown_contracts > 0 ||
             contracts_hash(block.contracts_in_force) != block.header.contracts_hash)) {
            problems.push_back(name +
                               " was altered: the contract versions it lists as in force no longer hash to "
                               "its contracts hash");
        }
        previous_recomputed = recomputed;
        expected_height = height + 1;
    }
    return problems;
}

bool chain_extends(const Chain& chain, std::uint64_t height, const Digest& block, const Digest& genesis) {
    if (!chain_problems(chain).empty()) {
        return false;
    }
    const auto digested = chain.find(height);
    const auto first = chain.find(0);
    return digested != chain.end() && first != chain.end() && block_hash(digested->second.header) == block &&
           block_hash(first->second.header) == genesis;
}

}  // namespace pgledger::core
