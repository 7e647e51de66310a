#include <set>

#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_new_view(ReplicaId from, const NewView& message, uint64_t now_ms, Output& output) {
    if (from != leader_of(message.view) || message.view <= view_)
        return;
    if (message.view < durable_.view_change_target)
        return;
    if (message.view_data.size() < quorum())
        return;
    std::set<ReplicaId> signers;
    for (const ViewData& view_data : message.view_data) {
        if (view_data.next_view != message.view || !signers.insert(view_data.signer).second)
            return;
        if (!verify_view_data(view_data, config_.replica_count, verifier_))
            return;
    }
    install_new_view(message, now_ms, output);
}

// Every replica derives the same starting point from the same 2f+1 view data:
// the highest decided block, and above it the prepared proposal from the
// highest view. If any honest replica decided a block at that height, at least
// one of the 2f+1 holds its prepared certificate, and none can hold a
// certificate for another proposal from a higher view, so the block survives.
void Replica::install_new_view(const NewView& new_view, uint64_t now_ms, Output& output) {
    const ViewData* highest = &new_view.view_data.front();
    for (const ViewData& view_data : new_view.view_data) {
        if (view_data.decided_height() > highest->decided_height())
            highest = &view_data;
    }
    Height highest_decided = highest->decided_height();
    Hash highest_hash = highest->last_decided ? highest->last_decided->header.hash() : Hash{};
    const PreparedCertificate* carried = nullptr;
    for (const ViewData& view_data : new_view.view_data) {
        if (!view_data.prepared)
            continue;
        const PreparedCertificate& prepared = *view_data.prepared;
        if (prepared.proposal.height != highest_decided + 1 ||
            prepared.proposal.previous_hash != highest_hash) {
            continue;
        }
        if (carried == nullptr || prepared.view > carried->view ||
            (prepared.view == carried->view &&
             prepared.proposal.header().hash() < carried->proposal.header().hash())) {
            carried = &prepared;
        }
    }

    view_ = new_view.view;
    durable_.view = view_;
    durable_.view_change_target = view_;
    durable_.view_floor_height = highest_decided + 1;
    durable_.view_carried_hash.reset();
    if (carried != nullptr)
        durable_.view_carried_hash = carried->proposal.header().hash();
    persist(output);
    view_changes_++;
    reset_round(now_ms);
    buffered_pre_prepare_.reset();
    for (auto it = requested_views_.begin(); it != requested_views_.end();) {
        it = it->second <= view_ ? requested_views_.erase(it) : std::next(it);
    }
    for (auto it = view_data_.begin(); it != view_data_.end();) {
        it = it->second.next_view <= view_ ? view_data_.erase(it) : std::next(it);
    }
    if (!is_leader())
        last_new_view_.reset();
    last_leader_activity_ms_ = now_ms;
    censorship_epoch_ms_ = now_ms;
    view_change_deadline_ms_ = 0;
    if (highest_decided > decided_height())
        note_ahead(highest->signer, highest_decided);

    if (carried != nullptr) {
        if (carried->proposal.height == next_height() && carried->proposal.previous_hash == tip_hash()) {
            accept_proposal(carried->proposal, now_ms, output);
        } else if (carried->proposal.height > next_height()) {
            buffered_pre_prepare_ = PrePrepare{view_, carried->proposal};
        }
    }
    maybe_propose(now_ms, output);
}

}  // namespace pgledger::consensus
