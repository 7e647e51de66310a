#include "core/replica.h"

namespace pgledger::consensus {

void Replica::handle_heartbeat(ReplicaId from, const Heartbeat& message, uint64_t now_ms, Output& output) {
    if (message.decided_height > decided_height())
        note_ahead(from, message.decided_height);
    if (message.view > view_ && from == leader_of(message.view) &&
        message.view >= durable_.view_change_target) {
        // The others moved to a view whose NewView we missed. Asking its
        // leader to move there makes it resend the NewView, which proves the
        // view is legitimate.
        send(from, ViewChange{message.view}, output);
        return;
    }
    if (message.view != view_ || from != leader_of(view_) || changing_view())
        return;
    last_leader_activity_ms_ = now_ms;
    // A leader behind us would propose decided heights forever: tell it.
    if (message.decided_height < decided_height())
        send(from, Heartbeat{view_, decided_height()}, output);
}

}  // namespace pgledger::consensus
