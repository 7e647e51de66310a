#include "core/merkle.hpp"

#include <cstddef>

namespace pgledger::core {
namespace {

std::size_t largest_power_of_two_below(std::size_t n) {
    std::size_t k = 1;
    while (k * 2 < n) {
        k *= 2;
    }
    return k;
}

Digest subtree_root(Sha256& hasher, const Digest* leaves, std::size_t count) {
    if (count == 1) {
        return leaves[0];
    }
    const std::size_t split = largest_power_of_two_below(count);
    const Digest left = subtree_root(hasher, leaves, split);
    const Digest right = subtree_root(hasher, leaves + split, count - split);
    hasher.update_byte(kMerkleNodePrefix);
    hasher.update(left.data(), left.size());
    hasher.update(right.data(), right.size());
    return hasher.finish();
}

}  // namespace

Digest merkle_root(const std::vector<Digest>& leaves) {
    Sha256 hasher;
    if (leaves.empty()) {
        return hasher.finish();
    }
    return subtree_root(hasher, leaves.data(), leaves.size());
}

}  // namespace pgledger::core
