#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_view_data(ReplicaId from, const ViewData& message, uint64_t now_ms, Output& output) {
    if (message.signer != from || message.next_view <= view_ ||
        leader_of(message.next_view) != config_.self) {
        return;
    }
    if (message.next_view < durable_.view_change_target)
        return;
    auto existing = view_data_.find(from);
    if (existing != view_data_.end() && existing->second.next_view >= message.next_view)
        return;
    if (!verify_view_data(message, config_.replica_count, verifier_))
        return;
    view_data_[from] = message;
    try_new_view(now_ms, output);
}

void Replica::try_new_view(uint64_t now_ms, Output& output) {
    View target = durable_.view_change_target;
    if (!changing_view() || leader_of(target) != config_.self || view_data_sent_for_ != target)
        return;
    NewView new_view{target, {}};
    for (const auto& [signer, view_data] : view_data_) {
        if (view_data.next_view == target && new_view.view_data.size() < quorum()) {
            new_view.view_data.push_back(view_data);
        }
    }
    if (new_view.view_data.size() < quorum())
        return;
    last_new_view_ = new_view;
    output.new_view = new_view;
    send(kBroadcast, new_view, output);
    install_new_view(new_view, now_ms, output);
}

}  // namespace pgledger::consensus
