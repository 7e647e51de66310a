// Basic value types and the hard limits every decoder and queue enforces.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pgledger::consensus {

using Bytes = std::vector<uint8_t>;
using Hash = std::array<uint8_t, 32>;
using Signature = std::array<uint8_t, 64>;
using PublicKey = std::array<uint8_t, 32>;
using ReplicaId = uint32_t;
using View = uint64_t;
using Height = uint64_t;

// Limits on anything a peer can make us hold. Each one bounds both the decoder
// and the in-memory structures fed from it.
constexpr uint32_t kReplicasMax = 16;
constexpr size_t kRequestBytesMax = 4096;
constexpr size_t kBlockRequestsMax = 8192;
constexpr size_t kBlockPayloadBytesMax = 1 << 20;
constexpr uint32_t kFetchBlocksMax = 16;
// A NewView carries up to a quorum of view data, each possibly with a full
// prepared proposal, so the frame limit must exceed quorum * payload.
constexpr size_t kMessageBytesMax = 24 << 20;

// Quorum arithmetic for n replicas tolerating f Byzantine ones.
inline uint32_t max_faulty(uint32_t replica_count) {
    return (replica_count - 1) / 3;
}
// Two quorums intersect in at least f+1 replicas, so in at least one honest one.
inline uint32_t quorum_size(uint32_t replica_count) {
    return (replica_count + max_faulty(replica_count) + 2) / 2;
}

}  // namespace pgledger::consensus
