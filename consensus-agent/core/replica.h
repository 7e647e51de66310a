// The BFT replica: PBFT-style, non-pipelined, modelled on SmartBFT. One
// proposal at a time; each height goes pre-prepare -> prepare -> commit and is
// decided with 2f+1 commit signatures from one view. A pure state machine:
// handlers for each message type live in handle_<message>.cc.
#pragma once

#include <map>

#include "core/certificates.h"
#include "core/consensus.h"
#include "core/request_pool.h"

namespace pgledger::consensus {

class Replica final : public Consensus {
  public:
    Replica(const ReplicaConfig& config, const Signer& signer, const Verifier& verifier, DurableState durable,
            ChainTip tip, uint64_t now_ms, std::optional<NewView> own_new_view);

    SubmitResult submit(Bytes request, uint64_t now_ms, Output& output) override;
    void on_message(ReplicaId from, const Message& message, uint64_t now_ms, Output& output) override;
    void on_tick(uint64_t now_ms, Output& output) override;
    Status status() const override;

  private:
    // Votes for the current (view, height), at most one per replica: a second,
    // different vote from the same replica is equivocation and is ignored.
    struct Vote {
        Hash block_hash;
        Signature signature;
    };

    void handle_request(ReplicaId from, const Request& message, uint64_t now_ms, Output& output);
    void flush_relay(Output& output);
    void handle_pre_prepare(ReplicaId from, const PrePrepare& message, uint64_t now_ms, Output& output);
    void handle_prepare(ReplicaId from, const Prepare& message, uint64_t now_ms, Output& output);
    void handle_commit(ReplicaId from, const Commit& message, uint64_t now_ms, Output& output);
    void handle_heartbeat(ReplicaId from, const Heartbeat& message, uint64_t now_ms, Output& output);
    void handle_view_change(ReplicaId from, const ViewChange& message, uint64_t now_ms, Output& output);
    void handle_view_data(ReplicaId from, const ViewData& message, uint64_t now_ms, Output& output);
    void handle_new_view(ReplicaId from, const NewView& message, uint64_t now_ms, Output& output);
    void handle_fetch_blocks(ReplicaId from, const FetchBlocks& message, Output& output);
    void handle_blocks(ReplicaId from, const Blocks& message, uint64_t now_ms, Output& output);

    // Normal case.
    void maybe_propose(uint64_t now_ms, Output& output);
    void accept_proposal(const Proposal& proposal, uint64_t now_ms, Output& output);
    void check_prepared(Output& output);
    void check_committed(uint64_t now_ms, Output& output);
    void decide(BlockCertificate certificate, std::vector<Bytes> requests, uint64_t now_ms, Output& output);
    void reset_round(uint64_t now_ms);
    void retransmit(uint64_t now_ms, Output& output);
    void try_buffered_pre_prepare(uint64_t now_ms, Output& output);

    // View change.
    void suspect_leader(uint64_t now_ms, Output& output);
    void start_view_change(View target, uint64_t now_ms, Output& output);
    void check_view_change_votes(uint64_t now_ms, Output& output);
    void send_view_data(uint64_t now_ms, Output& output);
    void try_new_view(uint64_t now_ms, Output& output);
    void install_new_view(const NewView& new_view, uint64_t now_ms, Output& output);

    // Catch-up.
    void note_ahead(ReplicaId peer, Height height);
    // f+1 peers claim to be ahead, so at least one honest one is: a single
    // Byzantine claim must not silence the leader or the censorship check.
    bool surely_behind() const;
    void maybe_fetch(uint64_t now_ms, Output& output);

    // Marks durable state as changed; the public entry points attach it to
    // the Output once, after the last change of the step.
    void persist(Output&) { durable_dirty_ = true; }
    void finish_step(Output& output);
    void send(ReplicaId to, Message message, Output& output);
    ReplicaId leader_of(View view) const { return static_cast<ReplicaId>(view % config_.replica_count); }
    bool is_leader() const { return leader_of(view_) == config_.self; }
    bool changing_view() const { return durable_.view_change_target > view_; }
    Height decided_height() const { return tip_ ? tip_->header.height : 0; }
    Height next_height() const { return decided_height() + 1; }
    Hash tip_hash() const { return tip_ ? tip_->header.hash() : Hash{}; }
    uint32_t quorum() const { return quorum_size(config_.replica_count); }
    uint32_t faulty() const { return max_faulty(config_.replica_count); }

    const ReplicaConfig config_;
    const Signer& signer_;
    const Verifier& verifier_;
    DurableState durable_;
    bool durable_dirty_ = false;
    View view_;
    ChainTip tip_;
    RequestPool pool_;
    // Client requests accepted here and not yet relayed to the peers.
    std::vector<Bytes> relay_;
    size_t relay_bytes_ = 0;

    // Current round at (view_, next_height()).
    std::optional<Proposal> proposal_;
    BlockHeader proposal_header_;
    Hash proposal_hash_{};
    std::map<ReplicaId, Vote> prepares_;
    std::map<ReplicaId, Vote> commits_;
    bool commit_sent_ = false;
    std::optional<Prepare> own_prepare_;
    std::optional<Commit> own_commit_;
    uint64_t round_started_ms_ = 0;
    uint64_t last_retransmit_ms_ = 0;
    // A pre-prepare for a height we have not reached yet, kept (one only)
    // until catch-up brings us there.
    std::optional<PrePrepare> buffered_pre_prepare_;

    // Timers, all in host time.
    uint64_t last_leader_activity_ms_ = 0;
    uint64_t last_heartbeat_sent_ms_ = 0;
    // Requests that arrived before the current view started are aged from
    // its start: a new leader gets a full timeout.
    uint64_t censorship_epoch_ms_ = 0;
    uint64_t view_change_deadline_ms_ = 0;
    uint32_t view_change_attempts_ = 0;
    uint64_t view_changes_ = 0;

    // View change: the highest view each replica asked for, the view data
    // collected as the next leader, and our NewView to resend to stragglers.
    std::map<ReplicaId, View> requested_views_;
    View view_data_sent_for_ = 0;
    std::map<ReplicaId, ViewData> view_data_;
    std::optional<NewView> last_new_view_;
    // Resending a NewView is costly; a peer gets it at most once per interval.
    std::map<ReplicaId, uint64_t> new_view_resent_ms_;

    // Catch-up: peers that showed us a height above ours.
    std::map<ReplicaId, Height> ahead_;
    std::optional<ReplicaId> fetching_from_;
    uint64_t fetch_deadline_ms_ = 0;
    ReplicaId next_fetch_peer_ = 0;
};

}  // namespace pgledger::consensus
