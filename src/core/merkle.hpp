// Merkle tree hashing over digests that are already hashed with their own
// domain prefix (rows 0x00, entries 0x02). Two shapes: the binary RFC 6962
// tree over a block's entries, and a 16-ary tree over a transaction's rows.
#pragma once

#include <cstddef>
#include <vector>

#include "core/digest.hpp"

namespace pgledger::core {

inline constexpr std::uint8_t kMerkleNodePrefix = 0x01;
inline constexpr std::uint8_t kWideMerkleNodePrefix = 0x06;
inline constexpr std::size_t kWideMerkleArity = 16;

// merkle_root of n leaves: SHA-256("") for n = 0, the leaf itself for n = 1,
// otherwise SHA-256(0x01 || root(first k) || root(rest)) where k is the
// largest power of two below n. The split keeps inclusion and consistency
// proofs possible, as in Certificate Transparency.
Digest merkle_root(const std::vector<Digest>& leaves);

// wide_merkle_root of n leaves: SHA-256("") for n = 0, the leaf itself for
// n = 1, otherwise SHA-256(0x06 || root(group 1) || ... || root(group m))
// where the leaves are cut, in order, into groups of k leaves (the last
// may be shorter), k the largest power of 16 below n, so 2 <= m <= 16.
// It hashes about half as many bytes as the binary tree and makes one hash
// per 16 leaves instead of one per leaf; proofs of inclusion stay
// logarithmic (15 siblings a level).
Digest wide_merkle_root(const std::vector<Digest>& leaves);

}  // namespace pgledger::core
