// merkle_root against an independent implementation of the RFC 6962 tree
// hash, written here from the definition and hashing with OpenSSL directly.
#include <gtest/gtest.h>

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

class MerkleRootMatchesReference : public ::testing::TestWithParam<std::size_t> {};

TEST_P(MerkleRootMatchesReference, ForLeafCount) {
    const auto leaves = numbered_leaves(GetParam());
    EXPECT_EQ(to_hex(merkle_root(leaves)), to_hex(reference_root(leaves, 0, leaves.size())));
}

INSTANTIATE_TEST_SUITE_P(LeafCounts, MerkleRootMatchesReference,
                         ::testing::Values(0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 100));

TEST(MerkleRoot, EmptyTreeIsHashOfEmptyString) {
    EXPECT_EQ(to_hex(merkle_root({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(MerkleRoot, SingleLeafIsItsOwnRoot) {
    const Digest leaf = filled_digest(0x5a);
    EXPECT_EQ(merkle_root({leaf}), leaf);
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

}  // namespace
}  // namespace pgledger::core
