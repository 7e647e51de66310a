#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_pre_prepare(ReplicaId from, const PrePrepare& message, uint64_t now_ms, Output& output) {
    if (message.view != view_ || changing_view() || from != leader_of(view_))
        return;
    last_leader_activity_ms_ = now_ms;
    const Proposal& proposal = message.proposal;
    if (proposal.height > next_height()) {
        // The leader decided blocks we missed: fetch them, then vote on this.
        note_ahead(from, proposal.height - 1);
        buffered_pre_prepare_ = message;
        return;
    }
    // Older heights are retransmissions; a second proposal for this height
    // from the same leader is equivocation. Either way, the first one stands.
    if (proposal.height < next_height() || proposal_)
        return;
    if (proposal.previous_hash != tip_hash() || !proposal_within_limits(proposal))
        return;
    accept_proposal(proposal, now_ms, output);
}

}  // namespace pgledger::consensus
