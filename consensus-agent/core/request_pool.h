// Pending client requests, in arrival order, bounded in count and bytes.
#pragma once

#include <cstring>
#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "core/consensus.h"

namespace pgledger::consensus {

// Request ids are SHA-256 digests: any eight of their bytes are already a
// uniformly distributed hash. Only lookups use these containers; anything
// iterated is ordered, so runs stay deterministic.
struct RequestIdHash {
    size_t operator()(const Hash& id) const {
        size_t value;
        std::memcpy(&value, id.data(), sizeof(value));
        return value;
    }
};

class RequestPool {
  public:
    explicit RequestPool(const PoolLimits& limits) : limits_(limits) {}

    SubmitResult add(Bytes request, uint64_t now_ms);
    // The oldest requests that fit the batch limits, left in the pool until decided.
    std::vector<Bytes> next_batch(const BatchLimits& limits) const;
    bool batch_ready(const BatchLimits& limits, uint64_t now_ms) const;
    void remove_decided(const std::vector<Bytes>& requests, uint64_t now_ms);

    bool empty() const { return by_id_.empty(); }
    size_t size() const { return by_id_.size(); }
    uint64_t oldest_arrival_ms() const;
    // Since when the current oldest request has been the oldest. Under a
    // backlog the head keeps changing as blocks are decided; a request that
    // stays at the head is one the leader is skipping.
    uint64_t head_since_ms() const { return head_since_ms_; }

  private:
    struct Entry {
        Bytes request;
        uint64_t sequence;
        uint64_t arrival_ms;
    };

    PoolLimits limits_;
    std::unordered_map<Hash, Entry, RequestIdHash> by_id_;
    std::map<uint64_t, Hash> by_arrival_;
    uint64_t next_sequence_ = 0;
    size_t bytes_ = 0;
    uint64_t head_since_ms_ = 0;
    std::unordered_set<Hash, RequestIdHash> decided_ids_;
    std::deque<Hash> decided_order_;
};

}  // namespace pgledger::consensus
