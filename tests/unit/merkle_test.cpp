// merkle_root against an independent implementation of the RFC 6962 tree
// hash, and wide_merkle_root against one of its 16-ary definition; both
// written here from the definitions and hashing with OpenSSL directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <tuple>
#include <vector>

#include "core/merkle.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::Bytes;
using test::filled_digest;
using test::put_digest;
using test::reference_sha256;

// MTH(D[n]) of RFC 6962 section 2.1, with leaves that are already hashes:
// the empty tree hashes the empty string, a single leaf is its own root,
// and n > 1 leaves split at the largest power of two k < n.
Digest reference_root(const std::vector<Digest>& leaves, std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    if (n == 0) {
        return reference_sha256(Bytes{});
    }
    if (n == 1) {
        return leaves[begin];
    }
    std::size_t k = 1;
    while (k < n) {
        k <<= 1;
    }
    k >>= 1;  // now the largest power of two strictly below n
    Bytes node{0x01};
    put_digest(node, reference_root(leaves, begin, begin + k));
    put_digest(node, reference_root(leaves, begin + k, end));
    return reference_sha256(node);
}

std::vector<Digest> numbered_leaves(std::size_t count) {
    std::vector<Digest> leaves;
    for (std::size_t i = 0; i < count; ++i) {
        leaves.push_back(reference_sha256(Bytes{0x00, static_cast<std::uint8_t>(i)}));
    }
    return leaves;
}

Digest node(const Digest& left, const Digest& right) {
    Bytes bytes{0x01};
    put_digest(bytes, left);
    put_digest(bytes, right);
    return reference_sha256(bytes);
}

TEST(MerkleRoot, SingleLeafIsItsOwnRoot) {
    const Digest leaf = filled_digest(0x5a);
    EXPECT_EQ(merkle_root({leaf}), leaf);
    EXPECT_EQ(wide_merkle_root({leaf}), leaf);
}

TEST(MerkleRoot, ThreeLeavesSplitTwoThenOne) {
    const Digest a = filled_digest(0xa1), b = filled_digest(0xb2), c = filled_digest(0xc3);
    // Hand-built: the left subtree takes the largest power of two below 3.
    EXPECT_EQ(merkle_root({a, b, c}), node(node(a, b), c));
    EXPECT_NE(merkle_root({a, b, c}), node(a, node(b, c)));
}

TEST(MerkleRoot, FiveLeavesSplitFourThenOne) {
    const auto l = numbered_leaves(5);
    EXPECT_EQ(merkle_root(l), node(node(node(l[0], l[1]), node(l[2], l[3])), l[4]));
}

TEST(MerkleRoot, LeafOrderMatters) {
    const Digest a = filled_digest(1), b = filled_digest(2);
    EXPECT_NE(merkle_root({a, b}), merkle_root({b, a}));
}

TEST(MerkleRoot, DuplicatingTheLastLeafChangesTheRoot) {
    // Bitcoin-style trees pad odd levels by duplication, which makes
    // [a, b, c] and [a, b, c, c] collide; the RFC 6962 shape must not.
    const Digest a = filled_digest(1), b = filled_digest(2), c = filled_digest(3);
    EXPECT_NE(merkle_root({a, b, c}), merkle_root({a, b, c, c}));
}

Digest wide_node(const std::vector<Digest>& children) {
    Bytes bytes{0x06};
    for (const auto& child : children) {
        put_digest(bytes, child);
    }
    return reference_sha256(bytes);
}

// The 16-ary tree from its definition: groups of k leaves, k the largest
// power of 16 strictly below n, each group's root in one 0x06 node. The
// empty tree and a single leaf are as in RFC 6962.
Digest reference_wide_root(const std::vector<Digest>& leaves, std::size_t begin, std::size_t end) {
    const std::size_t n = end - begin;
    if (n <= 1) {
        return reference_root(leaves, begin, end);
    }
    std::size_t k = 1;
    while (k * 16 < n) {
        k *= 16;
    }
    std::vector<Digest> children;
    for (std::size_t first = begin; first < end; first += k) {
        children.push_back(reference_wide_root(leaves, first, std::min(first + k, end)));
    }
    return wide_node(children);
}

// Each tree shape against its reference, over leaf counts around the
// powers of its arity.
struct TreeShape {
    const char* name;
    Digest (*root)(const std::vector<Digest>&);
    Digest (*reference)(const std::vector<Digest>&, std::size_t, std::size_t);
};
const TreeShape kBinaryTree{"binary", merkle_root, reference_root};
const TreeShape kWideTree{"16-ary", wide_merkle_root, reference_wide_root};

class RootMatchesReference : public ::testing::TestWithParam<std::tuple<TreeShape, std::size_t>> {};

TEST_P(RootMatchesReference, ForLeafCount) {
    const auto& [shape, count] = GetParam();
    const auto leaves = numbered_leaves(count);
    EXPECT_EQ(to_hex(shape.root(leaves)), to_hex(shape.reference(leaves, 0, leaves.size())))
        << shape.name << " tree of " << count << " leaves";
}

INSTANTIATE_TEST_SUITE_P(LeafCounts, RootMatchesReference,
                         ::testing::Combine(::testing::Values(kBinaryTree, kWideTree),
                                            ::testing::Values(0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32,
                                                              33, 100, 255, 256, 257, 4096, 4097, 5000)));

TEST(MerkleRoot, EmptyTreeIsHashOfEmptyString) {
    for (const TreeShape& shape : {kBinaryTree, kWideTree}) {
        EXPECT_EQ(to_hex(shape.root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
            << shape.name;
    }
}

TEST(WideMerkleRoot, UpToSixteenLeavesAreOneNode) {
    const auto l = numbered_leaves(16);
    EXPECT_EQ(wide_merkle_root(l), wide_node(l));
    const std::vector<Digest> two(l.begin(), l.begin() + 2);
    EXPECT_EQ(wide_merkle_root(two), wide_node(two));
    // The binary tree's node of two leaves has another prefix.
    EXPECT_NE(wide_merkle_root(two), merkle_root(two));
}

TEST(WideMerkleRoot, SeventeenLeavesAreSixteenThenOne) {
    const auto l = numbered_leaves(17);
    const std::vector<Digest> first(l.begin(), l.begin() + 16);
    EXPECT_EQ(wide_merkle_root(l), wide_node({wide_node(first), l[16]}));
}

TEST(WideMerkleRoot, AHundredLeavesAreSixFullGroupsAndOneOfFour) {
    const auto l = numbered_leaves(100);
    std::vector<Digest> groups;
    for (std::size_t first = 0; first < 100; first += 16) {
        groups.push_back(wide_node(
            std::vector<Digest>(l.begin() + first, l.begin() + std::min<std::size_t>(first + 16, 100))));
    }
    EXPECT_EQ(groups.size(), 7u);
    EXPECT_EQ(wide_merkle_root(l), wide_node(groups));
}

TEST(WideMerkleRoot, EveryLeafAndItsPlaceMatter) {
    const auto l = numbered_leaves(300);
    const Digest root = wide_merkle_root(l);
    for (std::size_t i = 0; i < l.size(); ++i) {
        auto changed = l;
        changed[i][0] ^= 1;
        ASSERT_NE(wide_merkle_root(changed), root) << "leaf " << i;
    }
    auto swapped = l;
    std::swap(swapped[17], swapped[18]);
    EXPECT_NE(wide_merkle_root(swapped), root);
    auto duplicated = l;
    duplicated.push_back(l.back());
    EXPECT_NE(wide_merkle_root(duplicated), root);
}

}  // namespace
}  // namespace pgledger::core
