#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_commit(ReplicaId from, const Commit& message, uint64_t now_ms, Output& output) {
    if (message.height > next_height())
        note_ahead(from, message.height - 1);
    if (message.view != view_ || changing_view() || message.height != next_height())
        return;
    if (commits_.count(from) != 0)
        return;
    if (!verifier_.verify(from, commit_signing_bytes(message.view, message.height, message.block_hash),
                          message.signature)) {
        return;
    }
    commits_[from] = Vote{message.block_hash, message.signature};
    check_committed(now_ms, output);
}

}  // namespace pgledger::consensus
