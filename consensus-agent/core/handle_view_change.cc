#include <algorithm>
#include "core/invariant.h"

#include "core/replica.h"

namespace pgledger::consensus {

void Replica::suspect_leader(uint64_t now_ms, Output& output) {
    if (changing_view())
        return;
    start_view_change(view_ + 1, now_ms, output);
}

void Replica::start_view_change(View target, uint64_t now_ms, Output& output) {
    if (target <= durable_.view_change_target || target <= view_)
        return;
    // Persisted before the ViewChange leaves: once asked, we never go back
    // to voting in a lower view, even after a restart.
    durable_.view_change_target = target;
    persist(output);
    reset_round(now_ms);
    buffered_pre_prepare_.reset();
    // Armed only once 2f+1 replicas want to leave: escalating alone would
    // strand us in a view nobody else will ever reach.
    view_change_deadline_ms_ = 0;
    requested_views_[config_.self] = target;
    send(kBroadcast, ViewChange{target}, output);
    check_view_change_votes(now_ms, output);
}

void Replica::check_view_change_votes(uint64_t now_ms, Output& output) {
    std::vector<View> requested;
    for (const auto& [peer, view] : requested_views_) {
        if (view > view_)
            requested.push_back(view);
    }
    std::sort(requested.rbegin(), requested.rend());
    // f+1 replicas, so at least one honest, want at least this view: join them.
    if (requested.size() >= faulty() + 1 && requested[faulty()] > durable_.view_change_target) {
        start_view_change(requested[faulty()], now_ms, output);
        return;
    }
    if (!changing_view() || requested.size() < quorum())
        return;
    View target = durable_.view_change_target;
    if (requested[quorum() - 1] < target || view_data_sent_for_ == target)
        return;
    uint32_t exponent = std::min(view_change_attempts_, config_.timeouts.view_change_backoff_exponent_max);
    view_change_attempts_++;
    view_change_deadline_ms_ = now_ms + (config_.timeouts.view_change_timeout_ms << exponent);
    send_view_data(now_ms, output);
}

void Replica::send_view_data(uint64_t now_ms, Output& output) {
    View target = durable_.view_change_target;
    ViewData view_data;
    view_data.next_view = target;
    view_data.signer = config_.self;
    view_data.last_decided = tip_;
    const std::optional<PreparedCertificate>& prepared = durable_.prepared;
    if (prepared && prepared->proposal.height == next_height() && prepared->view < target) {
        PGLEDGER_INVARIANT(prepared->proposal.previous_hash == tip_hash());
        view_data.prepared = prepared;
    }
    view_data.signature = signer_.sign(view_data_signing_bytes(view_data));
    view_data_sent_for_ = target;
    if (leader_of(target) == config_.self) {
        view_data_[config_.self] = std::move(view_data);
        try_new_view(now_ms, output);
    } else {
        send(leader_of(target), std::move(view_data), output);
    }
}

void Replica::handle_view_change(ReplicaId from, const ViewChange& message, uint64_t now_ms, Output& output) {
    if (message.next_view <= view_) {
        // A straggler still in an older view: show it the view we are in.
        bool resend_due = now_ms >= new_view_resent_ms_[from] + config_.timeouts.retransmit_interval_ms;
        if (!changing_view() && is_leader() && last_new_view_ && resend_due) {
            new_view_resent_ms_[from] = now_ms;
            send(from, *last_new_view_, output);
        }
        return;
    }
    View& requested = requested_views_[from];
    requested = std::max(requested, message.next_view);
    check_view_change_votes(now_ms, output);
}

}  // namespace pgledger::consensus
