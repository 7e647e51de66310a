#include "core/replica.h"

namespace pgledger::consensus {

// A peer relays a client request so we can hold the leader to ordering it.
// Not relayed further: the submitting replica already sent it to everyone.
void Replica::handle_request(ReplicaId, const Request& message, uint64_t now_ms, Output& output) {
    if (pool_.add(message.payload, now_ms) == SubmitResult::kAccepted)
        maybe_propose(now_ms, output);
}

}  // namespace pgledger::consensus
