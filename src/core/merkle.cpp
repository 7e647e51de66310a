#include "core/merkle.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace pgledger::core {
namespace {

// TreeShape: how many children a node has at most, and the prefix of its
// hash. The binary RFC 6962 tree is the shape of arity 2: cutting n leaves
// into groups of the largest power of two below n always gives two groups.
struct TreeShape {
    std::size_t arity;
    std::uint8_t node_prefix;
};

constexpr TreeShape kBinaryTree{2, kMerkleNodePrefix};
constexpr TreeShape kWideTree{kWideMerkleArity, kWideMerkleNodePrefix};

Digest subtree_root(Sha256& hasher, const TreeShape& shape, const Digest* leaves, std::size_t count) {
    if (count == 1) {
        return leaves[0];
    }
    std::size_t group = 1;  // the largest power of the arity below count
    while (group * shape.arity < count) {
        group *= shape.arity;
    }
    // One update per node: each OpenSSL call costs about as much as hashing
    // a binary node's 65 bytes.
    std::array<std::uint8_t, 1 + kWideMerkleArity * sizeof(Digest)> node;
    node[0] = shape.node_prefix;
    std::size_t used = 1;
    for (std::size_t first = 0; first < count; first += group) {
        const Digest child = subtree_root(hasher, shape, leaves + first, std::min(group, count - first));
        std::copy(child.begin(), child.end(), node.begin() + used);
        used += child.size();
    }
    hasher.update(node.data(), used);
    return hasher.finish();
}

Digest tree_root(const TreeShape& shape, const std::vector<Digest>& leaves) {
    Sha256 hasher;
    if (leaves.empty()) {
        return hasher.finish();
    }
    return subtree_root(hasher, shape, leaves.data(), leaves.size());
}

}  // namespace

Digest merkle_root(const std::vector<Digest>& leaves) {
    return tree_root(kBinaryTree, leaves);
}

Digest wide_merkle_root(const std::vector<Digest>& leaves) {
    return tree_root(kWideTree, leaves);
}

}  // namespace pgledger::core
