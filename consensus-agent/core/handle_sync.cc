#include <algorithm>

#include "core/replica.h"

namespace pgledger::consensus {

void Replica::note_ahead(ReplicaId peer, Height height) {
    if (height <= decided_height())
        return;
    Height& known = ahead_[peer];
    known = std::max(known, height);
}

bool Replica::surely_behind() const {
    uint32_t peers_ahead = 0;
    for (const auto& [peer, height] : ahead_) {
        if (height > decided_height())
            peers_ahead++;
    }
    return peers_ahead >= faulty() + 1;
}

void Replica::maybe_fetch(uint64_t now_ms, Output& output) {
    if (fetching_from_) {
        if (now_ms < fetch_deadline_ms_)
            return;
        // Slow or lying: try someone else.
        ahead_.erase(*fetching_from_);
        fetching_from_.reset();
    }
    for (auto it = ahead_.begin(); it != ahead_.end();) {
        it = it->second <= decided_height() ? ahead_.erase(it) : std::next(it);
    }
    if (ahead_.empty())
        return;
    // Rotate among the peers ahead so one that stalls cannot hold us back.
    auto peer = ahead_.lower_bound(next_fetch_peer_);
    if (peer == ahead_.end())
        peer = ahead_.begin();
    next_fetch_peer_ = peer->first + 1;
    fetching_from_ = peer->first;
    fetch_deadline_ms_ = now_ms + config_.timeouts.fetch_timeout_ms;
    send(peer->first, FetchBlocks{next_height(), kFetchBlocksMax}, output);
}

void Replica::handle_fetch_blocks(ReplicaId from, const FetchBlocks& message, Output& output) {
    if (message.from_height == 0 || message.from_height > decided_height() || message.count == 0)
        return;
    uint32_t count = std::min(message.count, kFetchBlocksMax);
    output.serve.push_back(ServeBlocks{from, message.from_height, count});
}

// Each fetched block proves itself: it must extend our chain and carry 2f+1
// valid commit signatures, so it does not matter which peer sent it.
void Replica::handle_blocks(ReplicaId from, const Blocks& message, uint64_t now_ms, Output& output) {
    if (!fetching_from_ || *fetching_from_ != from)
        return;
    fetching_from_.reset();
    bool progressed = false;
    for (const DecidedBlock& block : message.blocks) {
        const BlockHeader& header = block.certificate.header;
        if (header.height < next_height())
            continue;
        if (header.height != next_height() || header.previous_hash != tip_hash() ||
            !verify_decided_block(block, config_.replica_count, verifier_)) {
            break;
        }
        decide(block.certificate, block.requests, now_ms, output);
        progressed = true;
    }
    if (!progressed)
        ahead_.erase(from);
}

}  // namespace pgledger::consensus
