#include "core/consensus.h"
#include "core/request_pool.h"

namespace pgledger::consensus {
namespace {

// Orders alone: no peers, no votes. Blocks have the same shape as BFT ones,
// signed by the single replica, so storage and verification are shared.
class Solo final : public Consensus {
  public:
    Solo(const BatchLimits& batch, const PoolLimits& pool, const Signer& signer, ChainTip tip)
        : batch_(batch), pool_(pool), signer_(signer), tip_(std::move(tip)) {}

    SubmitResult submit(Bytes request, uint64_t now_ms, Output& output) override {
        SubmitResult result = pool_.add(std::move(request), now_ms);
        if (result == SubmitResult::kAccepted)
            on_tick(now_ms, output);
        return result;
    }

    void on_message(ReplicaId, const Message&, uint64_t, Output&) override {}

    void on_tick(uint64_t now_ms, Output& output) override {
        if (!pool_.batch_ready(batch_, now_ms))
            return;
        Proposal proposal{decided_height() + 1, tip_ ? tip_->header.hash() : Hash{},
                          pool_.next_batch(batch_)};
        BlockCertificate certificate{proposal.header(), 0, {}};
        Hash block_hash = certificate.header.hash();
        certificate.signatures.push_back(
            {0, signer_.sign(commit_signing_bytes(0, certificate.header.height, block_hash))});
        pool_.remove_decided(proposal.requests, now_ms);
        output.decided.push_back(DecidedBlock{certificate, std::move(proposal.requests)});
        tip_ = std::move(certificate);
    }

    Status status() const override {
        Status status;
        status.decided_height = decided_height();
        status.pending_requests = pool_.size();
        return status;
    }

  private:
    Height decided_height() const { return tip_ ? tip_->header.height : 0; }

    BatchLimits batch_;
    RequestPool pool_;
    const Signer& signer_;
    ChainTip tip_;
};

}  // namespace

std::unique_ptr<Consensus> make_solo(const BatchLimits& batch, const PoolLimits& pool, const Signer& signer,
                                     ChainTip tip) {
    return std::make_unique<Solo>(batch, pool, signer, std::move(tip));
}

}  // namespace pgledger::consensus
