#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_prepare(ReplicaId from, const Prepare& message, uint64_t, Output& output) {
    if (message.height > next_height())
        note_ahead(from, message.height - 1);
    if (message.view != view_ || changing_view() || message.height != next_height())
        return;
    if (prepares_.count(from) != 0)
        return;
    // Votes may arrive before the proposal, so they are kept by hash and
    // counted once the proposal they name is known.
    if (!verifier_.verify(from, prepare_signing_bytes(message.view, message.height, message.block_hash),
                          message.signature)) {
        return;
    }
    prepares_[from] = Vote{message.block_hash, message.signature};
    check_prepared(output);
}

}  // namespace pgledger::consensus
