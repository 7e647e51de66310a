#include "core/merkle.hpp"

#include <algorithm>
#include <array>
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
    // One update per node: a node is hashed for every leaf, and each
    // OpenSSL call costs about as much as hashing the node's 65 bytes.
    std::array<std::uint8_t, 1 + 2 * sizeof(Digest)> node;
    node[0] = kMerkleNodePrefix;
    const Digest left = subtree_root(hasher, leaves, split);
    const Digest right = subtree_root(hasher, leaves + split, count - split);
    std::copy(left.begin(), left.end(), node.begin() + 1);
    std::copy(right.begin(), right.end(), node.begin() + 1 + left.size());
    hasher.update(node.data(), node.size());
    return hasher.finish();
}

Digest wide_subtree_root(Sha256& hasher, const Digest* leaves, std::size_t count) {
    if (count == 1) {
        return leaves[0];
    }
    std::size_t group = 1;
    while (group * kWideMerkleArity < count) {
        group *= kWideMerkleArity;
    }
    std::array<std::uint8_t, 1 + kWideMerkleArity * sizeof(Digest)> node;
    node[0] = kWideMerkleNodePrefix;
    std::size_t used = 1;
    for (std::size_t first = 0; first < count; first += group) {
        const Digest child = wide_subtree_root(hasher, leaves + first, std::min(group, count - first));
        std::copy(child.begin(), child.end(), node.begin() + used);
        used += child.size();
    }
    hasher.update(node.data(), used);
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

Digest wide_merkle_root(const std::vector<Digest>& leaves) {
    Sha256 hasher;
    if (leaves.empty()) {
        return hasher.finish();
    }
    return wide_subtree_root(hasher, leaves.data(), leaves.size());
}

}  // namespace pgledger::core
