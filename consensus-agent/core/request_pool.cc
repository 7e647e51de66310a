#include "core/request_pool.h"

#include <algorithm>

#include "core/invariant.h"

namespace pgledger::consensus {

SubmitResult RequestPool::add(Bytes request, uint64_t now_ms) {
    if (request.empty() || request.size() > kRequestBytesMax)
        return SubmitResult::kInvalid;
    Hash id = sha256(request);
    if (by_id_.count(id) != 0 || decided_ids_.count(id) != 0)
        return SubmitResult::kDuplicate;
    if (by_id_.size() >= limits_.requests_max || bytes_ + request.size() > limits_.bytes_max) {
        return SubmitResult::kPoolFull;
    }
    if (by_id_.empty())
        head_since_ms_ = now_ms;
    uint64_t sequence = next_sequence_++;
    bytes_ += request.size();
    by_arrival_.emplace(sequence, id);
    by_id_.emplace(id, Entry{std::move(request), sequence, now_ms});
    return SubmitResult::kAccepted;
}

std::vector<Bytes> RequestPool::next_batch(const BatchLimits& limits) const {
    std::vector<Bytes> batch;
    size_t batch_bytes = 0;
    for (const auto& [sequence, id] : by_arrival_) {
        const Bytes& request = by_id_.at(id).request;
        if (batch.size() >= limits.requests_max || batch.size() >= kBlockRequestsMax)
            break;
        if (batch_bytes + request.size() > std::min(limits.bytes_max, kBlockPayloadBytesMax))
            break;
        batch_bytes += request.size();
        batch.push_back(request);
    }
    return batch;
}

bool RequestPool::batch_ready(const BatchLimits& limits, uint64_t now_ms) const {
    if (by_id_.empty())
        return false;
    if (by_id_.size() >= limits.requests_max || bytes_ >= limits.bytes_max)
        return true;
    return now_ms >= oldest_arrival_ms() + limits.timeout_ms;
}

void RequestPool::remove_decided(const std::vector<Bytes>& requests, uint64_t now_ms) {
    uint64_t head_before = by_arrival_.empty() ? 0 : by_arrival_.begin()->first;
    for (const Bytes& request : requests) {
        Hash id = sha256(request);
        auto found = by_id_.find(id);
        if (found != by_id_.end()) {
            bytes_ -= found->second.request.size();
            by_arrival_.erase(found->second.sequence);
            by_id_.erase(found);
        }
        if (decided_ids_.insert(id).second) {
            decided_order_.push_back(id);
            if (decided_order_.size() > limits_.decided_ids_max) {
                decided_ids_.erase(decided_order_.front());
                decided_order_.pop_front();
            }
        }
    }
    PGLEDGER_INVARIANT(by_id_.size() == by_arrival_.size());
    if (!by_arrival_.empty() && by_arrival_.begin()->first != head_before)
        head_since_ms_ = std::max(now_ms, by_id_.at(by_arrival_.begin()->second).arrival_ms);
}

uint64_t RequestPool::oldest_arrival_ms() const {
    if (by_arrival_.empty())
        return 0;
    return by_id_.at(by_arrival_.begin()->second).arrival_ms;
}

}  // namespace pgledger::consensus
