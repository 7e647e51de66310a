// Hand-driven replica tests over a fake in-order network (NuRaft style):
// targeted scenarios that the randomized simulator hits only by chance.
#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <set>

#include "core/certificates.h"
#include "core/consensus.h"

namespace pgledger::consensus {
namespace {

struct Envelope {
    ReplicaId from;
    ReplicaId to;
    Message message;
};

class FakeCluster {
  public:
    explicit FakeCluster(uint32_t replica_count) : replica_count_(replica_count) {
        std::vector<PublicKey> keys;
        for (ReplicaId id = 0; id < replica_count; id++) {
            std::array<uint8_t, 32> seed{};
            seed[0] = static_cast<uint8_t>(id + 1);
            signers_.push_back(Ed25519Signer::from_seed(seed));
            keys.push_back(signers_.back()->public_key());
        }
        verifier_ = std::make_unique<Ed25519Verifier>(keys);
        durable_.resize(replica_count);
        new_views_.resize(replica_count);
        chains_.resize(replica_count);
        for (ReplicaId id = 0; id < replica_count; id++)
            restart(id);
    }

    void restart(ReplicaId id) {
        ReplicaConfig config;
        config.self = id;
        config.replica_count = replica_count_;
        ChainTip tip;
        if (!chains_[id].empty())
            tip = chains_[id].back().certificate;
        if (replicas_.size() <= id)
            replicas_.resize(replica_count_);
        replicas_[id] =
            make_bft(config, *signers_[id], *verifier_, durable_[id], tip, now_ms_, new_views_[id]);
    }

    void apply(ReplicaId id, Output& output) {
        if (output.new_view)
            new_views_[id] = *output.new_view;
        if (output.persist)
            durable_[id] = *output.persist;
        for (DecidedBlock& block : output.decided)
            chains_[id].push_back(std::move(block));
        for (const ServeBlocks& serve : output.serve) {
            Blocks response;
            for (Height height = serve.from_height;
                 height < serve.from_height + serve.count && height <= chains_[id].size(); height++) {
                response.blocks.push_back(chains_[id][height - 1]);
            }
            queue_.push_back(Envelope{id, serve.to, std::move(response)});
        }
        for (Outgoing& outgoing : output.messages) {
            for (ReplicaId to = 0; to < replica_count_; to++) {
                if (to != id && (outgoing.to == kBroadcast || outgoing.to == to)) {
                    queue_.push_back(Envelope{id, to, outgoing.message});
                }
            }
        }
    }

    void submit(ReplicaId id, Bytes request) {
        Output output;
        ASSERT_EQ(replicas_[id]->submit(std::move(request), now_ms_, output), SubmitResult::kAccepted);
        apply(id, output);
    }

    // Delivers queued messages (in order) and ticks everyone every 10 ms,
    // skipping replicas in `down`, until `duration_ms` has passed.
    void run(uint64_t duration_ms) {
        uint64_t end_ms = now_ms_ + duration_ms;
        while (now_ms_ < end_ms) {
            size_t budget = 100000;
            while (!queue_.empty() && budget-- > 0) {
                Envelope envelope = std::move(queue_.front());
                queue_.pop_front();
                if (down.count(envelope.to) != 0 || down.count(envelope.from) != 0 || lose(envelope))
                    continue;
                Output output;
                replicas_[envelope.to]->on_message(envelope.from, envelope.message, now_ms_, output);
                apply(envelope.to, output);
            }
            now_ms_ += 10;
            for (ReplicaId id = 0; id < replica_count_; id++) {
                if (down.count(id) != 0)
                    continue;
                Output output;
                replicas_[id]->on_tick(now_ms_, output);
                apply(id, output);
            }
        }
    }

    // Advances the clock and ticks one replica only.
    void tick_only(ReplicaId id, uint64_t delta_ms) {
        now_ms_ += delta_ms;
        Output output;
        replicas_[id]->on_tick(now_ms_, output);
        apply(id, output);
    }

    Consensus& replica(ReplicaId id) { return *replicas_[id]; }
    const std::vector<DecidedBlock>& chain(ReplicaId id) const { return chains_[id]; }
    DurableState& durable(ReplicaId id) { return durable_[id]; }
    const Signer& signer(ReplicaId id) const { return *signers_[id]; }
    const Verifier& verifier() const { return *verifier_; }
    std::deque<Envelope>& queue() { return queue_; }
    uint64_t now_ms() const { return now_ms_; }

    std::set<ReplicaId> down;
    // Messages this returns true for are lost.
    std::function<bool(const Envelope&)> lose = [](const Envelope&) { return false; };

  private:
    uint32_t replica_count_;
    uint64_t now_ms_ = 1000;
    std::vector<std::unique_ptr<Ed25519Signer>> signers_;
    std::unique_ptr<Ed25519Verifier> verifier_;
    std::vector<std::unique_ptr<Consensus>> replicas_;
    std::vector<DurableState> durable_;
    std::vector<std::optional<NewView>> new_views_;
    std::vector<std::vector<DecidedBlock>> chains_;
    std::deque<Envelope> queue_;
};

TEST(Replica, NormalCaseDecidesOnEveryReplicaWithQuorumSignatures) {
    FakeCluster cluster(4);
    cluster.submit(2, Bytes(200, 'a'));
    cluster.run(200);
    for (ReplicaId id = 0; id < 4; id++) {
        ASSERT_EQ(cluster.chain(id).size(), 1u) << "replica " << id;
        const DecidedBlock& block = cluster.chain(id)[0];
        EXPECT_TRUE(verify_decided_block(block, 4, cluster.verifier()));
        EXPECT_EQ(block.certificate.signatures.size(), 3u);
        EXPECT_EQ(block.requests, std::vector<Bytes>{Bytes(200, 'a')});
        EXPECT_EQ(block.certificate.header.hash(), cluster.chain(0)[0].certificate.header.hash());
    }
}

TEST(Replica, SilentLeaderIsReplacedAndRequestsAreStillDecided) {
    FakeCluster cluster(4);
    cluster.down.insert(0);
    cluster.submit(1, Bytes(200, 'b'));
    cluster.run(10000);
    for (ReplicaId id = 1; id < 4; id++) {
        EXPECT_GE(cluster.replica(id).status().view, 1u) << "replica " << id;
        ASSERT_EQ(cluster.chain(id).size(), 1u) << "replica " << id;
        EXPECT_TRUE(verify_decided_block(cluster.chain(id)[0], 4, cluster.verifier()));
    }
}

TEST(Replica, RestartedLeaderStillShowsItsViewToAStraggler) {
    FakeCluster cluster(4);
    cluster.down.insert(0);
    cluster.run(5000);
    ASSERT_EQ(cluster.replica(1).status().view, 1u);
    ASSERT_EQ(cluster.replica(0).status().view, 0u);
    // The new leader restarts: its NewView must come back from storage,
    // because replica 0 accepts view 1 only with that proof.
    cluster.restart(1);
    cluster.down.erase(0);
    cluster.run(3000);
    EXPECT_EQ(cluster.replica(0).status().view, 1u);
    EXPECT_FALSE(cluster.replica(0).status().changing_view);
}

TEST(Replica, RestartedReplicaNeverPreparesASecondProposalAtTheSameViewAndHeight) {
    FakeCluster cluster(4);
    Proposal first{1, Hash{}, {Bytes(10, 'x')}};
    Proposal second{1, Hash{}, {Bytes(10, 'y')}};
    Output output;
    cluster.replica(1).on_message(0, PrePrepare{0, first}, cluster.now_ms(), output);
    ASSERT_TRUE(output.persist) << "the prepare vote must be persisted before it is sent";
    EXPECT_EQ(output.persist->prepare_block_hash, first.header().hash());
    cluster.apply(1, output);
    cluster.queue().clear();

    cluster.restart(1);
    Output after_restart;
    cluster.replica(1).on_message(0, PrePrepare{0, second}, cluster.now_ms(), after_restart);
    for (const Outgoing& outgoing : after_restart.messages) {
        EXPECT_NE(message_type(outgoing.message), MessageType::kPrepare) << "equivocated after a restart";
    }
    // The same proposal again is fine: re-sending the same vote is not equivocation.
    Output same_again;
    cluster.replica(1).on_message(0, PrePrepare{0, first}, cluster.now_ms(), same_again);
    ASSERT_EQ(same_again.messages.size(), 1u);
    EXPECT_EQ(std::get<Prepare>(same_again.messages[0].message).block_hash, first.header().hash());
}

TEST(Replica, PreparedProposalSurvivesViewChange) {
    FakeCluster cluster(4);
    cluster.submit(0, Bytes(50, 'p'));
    cluster.tick_only(0, 10);  // the batch timeout expires: the leader proposes
    // Let pre-prepare and prepares through, then lose every commit: the
    // proposal is prepared everywhere but decided nowhere.
    for (size_t step = 0; step < 10000 && !cluster.queue().empty(); step++) {
        Envelope envelope = std::move(cluster.queue().front());
        cluster.queue().pop_front();
        if (message_type(envelope.message) == MessageType::kCommit)
            continue;
        Output output;
        cluster.replica(envelope.to).on_message(envelope.from, envelope.message, cluster.now_ms(), output);
        cluster.apply(envelope.to, output);
    }
    for (ReplicaId id = 0; id < 4; id++) {
        ASSERT_TRUE(cluster.durable(id).prepared) << "replica " << id;
        EXPECT_TRUE(cluster.chain(id).empty());
    }
    Hash prepared_hash = cluster.durable(1).prepared->proposal.header().hash();
    // The leader dies and commits of view 0 stay lost; the new view must
    // decide the very same block.
    cluster.down.insert(0);
    cluster.lose = [](const Envelope& envelope) {
        const Commit* commit = std::get_if<Commit>(&envelope.message);
        return commit != nullptr && commit->view == 0;
    };
    cluster.run(10000);
    for (ReplicaId id = 1; id < 4; id++) {
        ASSERT_GE(cluster.chain(id).size(), 1u) << "replica " << id;
        EXPECT_EQ(cluster.chain(id)[0].certificate.header.hash(), prepared_hash) << "replica " << id;
        EXPECT_GE(cluster.chain(id)[0].certificate.view, 1u);
    }
}

TEST(Replica, LaggingReplicaCatchesUpByFetchingBlocks) {
    FakeCluster cluster(4);
    cluster.down.insert(3);
    for (int i = 0; i < 5; i++) {
        cluster.submit(1, Bytes(20, static_cast<uint8_t>('0' + i)));
        cluster.run(100);
    }
    ASSERT_EQ(cluster.chain(0).size(), 5u);
    EXPECT_TRUE(cluster.chain(3).empty());
    cluster.down.erase(3);
    cluster.submit(1, Bytes(20, 'z'));
    cluster.run(3000);
    ASSERT_EQ(cluster.chain(3).size(), cluster.chain(0).size())
        << "view " << cluster.replica(3).status().view << " changing "
        << cluster.replica(3).status().changing_view << " height "
        << cluster.replica(3).status().decided_height;
    for (size_t i = 0; i < cluster.chain(0).size(); i++) {
        EXPECT_EQ(cluster.chain(3)[i].certificate.header.hash(),
                  cluster.chain(0)[i].certificate.header.hash());
    }
}

}  // namespace
}  // namespace pgledger::consensus
