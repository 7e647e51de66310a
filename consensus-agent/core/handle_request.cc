#include "core/replica.h"

namespace pgledger::consensus {

// A peer relays client requests so we can hold the leader to ordering them.
// Not relayed further: the submitting replica already sent them to everyone.
void Replica::handle_request(ReplicaId, const Request& message, uint64_t now_ms, Output& output) {
    for (const Bytes& payload : message.payloads)
        pool_.add(payload, now_ms);
    maybe_propose(now_ms, output);
}

void Replica::flush_relay(Output& output) {
    if (relay_.empty())
        return;
    send(kBroadcast, Request{std::move(relay_)}, output);
    relay_.clear();
    relay_bytes_ = 0;
}

}  // namespace pgledger::consensus
