#include "core/replica.h"

#include <algorithm>
#include "core/invariant.h"

namespace pgledger::consensus {
namespace {
// Relayed requests wait for the next tick unless this many pile up first.
constexpr size_t kRelayRequestsMax = 1024;
constexpr size_t kRelayBytesMax = 256 * 1024;
}  // namespace

Replica::Replica(const ReplicaConfig& config, const Signer& signer, const Verifier& verifier,
                 DurableState durable, ChainTip tip, uint64_t now_ms, std::optional<NewView> own_new_view)
    : config_(config),
      signer_(signer),
      verifier_(verifier),
      durable_(std::move(durable)),
      view_(durable_.view),
      tip_(std::move(tip)),
      pool_(config.pool) {
    PGLEDGER_INVARIANT(config_.replica_count >= 1 && config_.replica_count <= kReplicasMax);
    PGLEDGER_INVARIANT(config_.self < config_.replica_count);
    PGLEDGER_INVARIANT(durable_.view_change_target >= durable_.view);
    last_leader_activity_ms_ = now_ms;
    censorship_epoch_ms_ = now_ms;
    reset_round(now_ms);
    // Only the proof of the view we are leading is worth keeping.
    if (own_new_view && own_new_view->view == view_ && is_leader())
        last_new_view_ = std::move(own_new_view);
}

SubmitResult Replica::submit(Bytes request, uint64_t now_ms, Output& output) {
    SubmitResult result = pool_.add(request, now_ms);
    if (result != SubmitResult::kAccepted)
        return result;
    // Every replica must hold the request so that each can tell when the
    // leader fails to order it.
    relay_bytes_ += request.size();
    relay_.push_back(std::move(request));
    if (relay_.size() >= kRelayRequestsMax || relay_bytes_ >= kRelayBytesMax)
        flush_relay(output);
    maybe_propose(now_ms, output);
    finish_step(output);
    return result;
}

void Replica::finish_step(Output& output) {
    if (!durable_dirty_)
        return;
    durable_dirty_ = false;
    output.persist = durable_;
}

void Replica::on_message(ReplicaId from, const Message& message, uint64_t now_ms, Output& output) {
    if (from >= config_.replica_count || from == config_.self)
        return;
    switch (message_type(message)) {
        case MessageType::kRequest:
            handle_request(from, std::get<Request>(message), now_ms, output);
            break;
        case MessageType::kPrePrepare:
            handle_pre_prepare(from, std::get<PrePrepare>(message), now_ms, output);
            break;
        case MessageType::kPrepare:
            handle_prepare(from, std::get<Prepare>(message), now_ms, output);
            break;
        case MessageType::kCommit:
            handle_commit(from, std::get<Commit>(message), now_ms, output);
            break;
        case MessageType::kHeartbeat:
            handle_heartbeat(from, std::get<Heartbeat>(message), now_ms, output);
            break;
        case MessageType::kViewChange:
            handle_view_change(from, std::get<ViewChange>(message), now_ms, output);
            break;
        case MessageType::kViewData:
            handle_view_data(from, std::get<ViewData>(message), now_ms, output);
            break;
        case MessageType::kNewView:
            handle_new_view(from, std::get<NewView>(message), now_ms, output);
            break;
        case MessageType::kFetchBlocks:
            handle_fetch_blocks(from, std::get<FetchBlocks>(message), output);
            break;
        case MessageType::kBlocks:
            handle_blocks(from, std::get<Blocks>(message), now_ms, output);
            break;
    }
    maybe_fetch(now_ms, output);
    finish_step(output);
}

void Replica::on_tick(uint64_t now_ms, Output& output) {
    const Timeouts& timeouts = config_.timeouts;
    flush_relay(output);
    if (changing_view()) {
        if (view_change_deadline_ms_ != 0 && now_ms >= view_change_deadline_ms_) {
            start_view_change(durable_.view_change_target + 1, now_ms, output);
        } else if (now_ms >= last_retransmit_ms_ + timeouts.retransmit_interval_ms) {
            // Until 2f+1 replicas agree to leave the view, keep asking: the
            // first request may have been lost.
            last_retransmit_ms_ = now_ms;
            send(kBroadcast, ViewChange{durable_.view_change_target}, output);
            if (view_data_sent_for_ == durable_.view_change_target)
                send_view_data(now_ms, output);
        }
    } else if (is_leader()) {
        if (now_ms >= last_heartbeat_sent_ms_ + timeouts.heartbeat_interval_ms) {
            last_heartbeat_sent_ms_ = now_ms;
            send(kBroadcast, Heartbeat{view_, decided_height()}, output);
        }
        maybe_propose(now_ms, output);
    } else {
        uint64_t oldest_request_ms = std::max(pool_.head_since_ms(), censorship_epoch_ms_);
        bool leader_silent = now_ms > last_leader_activity_ms_ + timeouts.heartbeat_timeout_ms;
        // While we are behind, our pending requests may already be decided.
        bool censored =
            !surely_behind() && !pool_.empty() && now_ms > oldest_request_ms + timeouts.request_timeout_ms;
        bool round_stuck = proposal_ && now_ms > round_started_ms_ + timeouts.request_timeout_ms;
        if (leader_silent || censored || round_stuck)
            suspect_leader(now_ms, output);
    }
    if (!changing_view() && proposal_ && now_ms >= last_retransmit_ms_ + timeouts.retransmit_interval_ms) {
        retransmit(now_ms, output);
    }
    maybe_fetch(now_ms, output);
    finish_step(output);
}

Status Replica::status() const {
    Status status;
    status.view = view_;
    status.leader = leader_of(view_);
    status.decided_height = decided_height();
    status.changing_view = changing_view();
    status.pending_requests = pool_.size();
    status.view_changes = view_changes_;
    return status;
}

void Replica::send(ReplicaId to, Message message, Output& output) {
    PGLEDGER_INVARIANT(to == kBroadcast || (to < config_.replica_count && to != config_.self));
    output.messages.push_back(Outgoing{to, std::move(message)});
}

void Replica::reset_round(uint64_t now_ms) {
    proposal_.reset();
    prepares_.clear();
    commits_.clear();
    commit_sent_ = false;
    own_prepare_.reset();
    own_commit_.reset();
    round_started_ms_ = now_ms;
    last_retransmit_ms_ = now_ms;
}

void Replica::retransmit(uint64_t now_ms, Output& output) {
    last_retransmit_ms_ = now_ms;
    if (is_leader() && proposal_)
        send(kBroadcast, PrePrepare{view_, *proposal_}, output);
    if (own_prepare_)
        send(kBroadcast, *own_prepare_, output);
    if (own_commit_)
        send(kBroadcast, *own_commit_, output);
}

void Replica::maybe_propose(uint64_t now_ms, Output& output) {
    if (!is_leader() || changing_view() || proposal_)
        return;
    // A leader that is behind would propose at a height already decided.
    if (surely_behind() || next_height() < durable_.view_floor_height)
        return;
    // The carried-over block comes from the NewView, never from the pool.
    if (next_height() == durable_.view_floor_height && durable_.view_carried_hash)
        return;
    if (!pool_.batch_ready(config_.batch, now_ms))
        return;
    Proposal proposal{next_height(), tip_hash(), pool_.next_batch(config_.batch)};
    if (proposal.requests.empty())
        return;
    accept_proposal(proposal, now_ms, output);
    if (proposal_)
        send(kBroadcast, PrePrepare{view_, *proposal_}, output);
}

void Replica::accept_proposal(const Proposal& proposal, uint64_t now_ms, Output& output) {
    PGLEDGER_INVARIANT(!proposal_ && !changing_view());
    PGLEDGER_INVARIANT(proposal.height == next_height() && proposal.previous_hash == tip_hash());
    BlockHeader header = proposal.header();
    Hash block_hash = header.hash();
    if (proposal.height < durable_.view_floor_height)
        return;
    if (proposal.height == durable_.view_floor_height && durable_.view_carried_hash &&
        *durable_.view_carried_hash != block_hash) {
        return;
    }
    bool voted_here = durable_.prepare_view == view_ && durable_.prepare_height == proposal.height;
    // After a restart we may meet a different proposal for a (view, height)
    // we already voted on: voting again would equivocate.
    if (voted_here && durable_.prepare_block_hash != block_hash)
        return;
    proposal_ = proposal;
    proposal_header_ = header;
    proposal_hash_ = block_hash;
    round_started_ms_ = now_ms;
    if (!voted_here) {
        durable_.prepare_view = view_;
        durable_.prepare_height = proposal.height;
        durable_.prepare_block_hash = block_hash;
        persist(output);
    }
    Prepare prepare{view_, proposal.height, block_hash, {}};
    prepare.signature = signer_.sign(prepare_signing_bytes(view_, proposal.height, block_hash));
    prepares_[config_.self] = Vote{block_hash, prepare.signature};
    own_prepare_ = prepare;
    send(kBroadcast, prepare, output);
    check_prepared(output);
    check_committed(now_ms, output);
}

void Replica::check_prepared(Output& output) {
    if (!proposal_ || commit_sent_)
        return;
    // Count first: building the certificate copies the whole proposal.
    std::vector<VoteSignature> prepares;
    for (const auto& [signer, vote] : prepares_) {
        if (vote.block_hash == proposal_hash_ && prepares.size() < quorum())
            prepares.push_back({signer, vote.signature});
    }
    if (prepares.size() < quorum())
        return;
    PreparedCertificate certificate{view_, *proposal_, std::move(prepares)};
    durable_.prepared = std::move(certificate);
    persist(output);
    commit_sent_ = true;
    Commit commit{view_, proposal_->height, proposal_hash_, {}};
    commit.signature = signer_.sign(commit_signing_bytes(view_, proposal_->height, proposal_hash_));
    commits_[config_.self] = Vote{proposal_hash_, commit.signature};
    own_commit_ = commit;
    send(kBroadcast, commit, output);
}

void Replica::check_committed(uint64_t now_ms, Output& output) {
    if (!proposal_)
        return;
    std::vector<VoteSignature> commits;
    for (const auto& [signer, vote] : commits_) {
        if (vote.block_hash == proposal_hash_ && commits.size() < quorum())
            commits.push_back({signer, vote.signature});
    }
    if (commits.size() < quorum())
        return;
    BlockCertificate certificate{proposal_header_, view_, std::move(commits)};
    std::vector<Bytes> requests = std::move(proposal_->requests);
    decide(std::move(certificate), std::move(requests), now_ms, output);
}

void Replica::decide(BlockCertificate certificate, std::vector<Bytes> requests, uint64_t now_ms,
                     Output& output) {
    PGLEDGER_INVARIANT(certificate.header.height == next_height());
    PGLEDGER_INVARIANT(certificate.header.previous_hash == tip_hash());
    pool_.remove_decided(requests, now_ms);
    output.decided.push_back(DecidedBlock{certificate, std::move(requests)});
    tip_ = std::move(certificate);
    view_change_attempts_ = 0;
    reset_round(now_ms);
    for (auto it = ahead_.begin(); it != ahead_.end();) {
        it = it->second <= decided_height() ? ahead_.erase(it) : std::next(it);
    }
    if (changing_view())
        return;
    try_buffered_pre_prepare(now_ms, output);
    maybe_propose(now_ms, output);
}

void Replica::try_buffered_pre_prepare(uint64_t now_ms, Output& output) {
    if (!buffered_pre_prepare_)
        return;
    PrePrepare buffered = std::move(*buffered_pre_prepare_);
    buffered_pre_prepare_.reset();
    if (buffered.view == view_ && buffered.proposal.height == next_height()) {
        handle_pre_prepare(leader_of(view_), buffered, now_ms, output);
    }
}

}  // namespace pgledger::consensus
