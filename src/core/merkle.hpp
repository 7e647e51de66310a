// Merkle tree hashing (RFC 6962 shape) over digests that are already hashed
// with their own domain prefix (rows 0x00, entries 0x02).
#pragma once

#include <vector>

#include "core/digest.hpp"

namespace pgledger::core {

inline constexpr std::uint8_t kMerkleNodePrefix = 0x01;

// merkle_root of n leaves: SHA-256("") for n = 0, the leaf itself for n = 1,
// otherwise SHA-256(0x01 || root(first k) || root(rest)) where k is the
// largest power of two below n. The split keeps inclusion and consistency
// proofs possible, as in Certificate Transparency.
Digest merkle_root(const std::vector<Digest>& leaves);

}  // namespace pgledger::core
