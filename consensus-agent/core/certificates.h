// Checks of everything that is self-verifying: decided blocks, prepared
// certificates and view data. Shared by the replica, catch-up and the
// simulator's safety checker, so all three agree on what "valid" means.
#pragma once

#include "core/messages.h"

namespace pgledger::consensus {

// At least quorum_size(n) distinct known signers, each with a valid commit
// signature over the certificate's view, height and block hash.
bool verify_block_certificate(const BlockCertificate& certificate, uint32_t replica_count,
                              const Verifier& verifier);

// The certificate is valid and the requests hash to the header's payload hash.
bool verify_decided_block(const DecidedBlock& block, uint32_t replica_count, const Verifier& verifier);

bool verify_prepared_certificate(const PreparedCertificate& certificate, uint32_t replica_count,
                                 const Verifier& verifier);

// Signature, embedded certificates, and that the prepared proposal (if any)
// sits right above the reported last decided block and comes from an earlier view.
bool verify_view_data(const ViewData& view_data, uint32_t replica_count, const Verifier& verifier);

// Structural limits a proposal must meet before anyone votes for it.
bool proposal_within_limits(const Proposal& proposal);

}  // namespace pgledger::consensus
