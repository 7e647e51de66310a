#include "core/certificates.h"

#include <set>

namespace pgledger::consensus {
namespace {

template <typename SigningBytes>
bool verify_quorum(const std::vector<VoteSignature>& votes, uint32_t replica_count, const Verifier& verifier,
                   const SigningBytes& signing_bytes) {
    if (votes.size() > replica_count)
        return false;
    std::set<ReplicaId> signers;
    for (const VoteSignature& vote : votes) {
        if (vote.signer >= replica_count || !signers.insert(vote.signer).second)
            return false;
        if (!verifier.verify(vote.signer, signing_bytes, vote.signature))
            return false;
    }
    return signers.size() >= quorum_size(replica_count);
}

}  // namespace

bool verify_block_certificate(const BlockCertificate& certificate, uint32_t replica_count,
                              const Verifier& verifier) {
    if (certificate.header.height == 0)
        return false;
    Bytes signing_bytes =
        commit_signing_bytes(certificate.view, certificate.header.height, certificate.header.hash());
    return verify_quorum(certificate.signatures, replica_count, verifier, signing_bytes);
}

bool verify_decided_block(const DecidedBlock& block, uint32_t replica_count, const Verifier& verifier) {
    return sha256(encode_requests(block.requests)) == block.certificate.header.payload_hash &&
           verify_block_certificate(block.certificate, replica_count, verifier);
}

bool verify_prepared_certificate(const PreparedCertificate& certificate, uint32_t replica_count,
                                 const Verifier& verifier) {
    if (!proposal_within_limits(certificate.proposal))
        return false;
    Bytes signing_bytes = prepare_signing_bytes(certificate.view, certificate.proposal.height,
                                                certificate.proposal.header().hash());
    return verify_quorum(certificate.prepares, replica_count, verifier, signing_bytes);
}

bool verify_view_data(const ViewData& view_data, uint32_t replica_count, const Verifier& verifier) {
    if (view_data.signer >= replica_count)
        return false;
    if (view_data.last_decided &&
        !verify_block_certificate(*view_data.last_decided, replica_count, verifier)) {
        return false;
    }
    if (view_data.prepared) {
        const PreparedCertificate& prepared = *view_data.prepared;
        if (prepared.view >= view_data.next_view)
            return false;
        if (prepared.proposal.height != view_data.decided_height() + 1)
            return false;
        Hash decided_hash = view_data.last_decided ? view_data.last_decided->header.hash() : Hash{};
        if (prepared.proposal.previous_hash != decided_hash)
            return false;
        if (!verify_prepared_certificate(prepared, replica_count, verifier))
            return false;
    }
    return verifier.verify(view_data.signer, view_data_signing_bytes(view_data), view_data.signature);
}

bool proposal_within_limits(const Proposal& proposal) {
    if (proposal.requests.empty() || proposal.requests.size() > kBlockRequestsMax)
        return false;
    size_t total_bytes = 0;
    for (const Bytes& request : proposal.requests) {
        if (request.empty() || request.size() > kRequestBytesMax)
            return false;
        total_bytes += request.size();
    }
    return total_bytes <= kBlockPayloadBytesMax;
}

}  // namespace pgledger::consensus
