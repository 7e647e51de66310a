// The pluggable consensus interface the agent host drives. Implementations
// are pure state machines: inputs are messages, client requests and the
// current time; outputs are an Output the host must carry out in order.
#pragma once

#include <memory>
#include <string>

#include "core/messages.h"

namespace pgledger::consensus {

constexpr ReplicaId kBroadcast = 0xffffffff;

// Everything a replica has promised to peers. The host must make it durable
// (fsync) before sending any message of the same Output, so that a replica
// that restarts never votes against its own earlier votes.
struct DurableState {
    View view = 0;
    // Highest view this replica asked to move to; it no longer takes part in
    // any view below it.
    View view_change_target = 0;
    // The one proposal this replica prepared at (view, height).
    View prepare_view = 0;
    Height prepare_height = 0;
    Hash prepare_block_hash{};
    // The newest proposal it saw 2f+1 prepares for (possibly decided by others).
    std::optional<PreparedCertificate> prepared;
    // What the NewView of `view` allows: no proposal below this height (it is
    // decided already), and at this height only the carried-over block.
    Height view_floor_height = 1;
    std::optional<Hash> view_carried_hash;
};

Bytes encode_durable_state(const DurableState& state);
std::optional<DurableState> decode_durable_state(const Bytes& bytes);

struct Outgoing {
    ReplicaId to = kBroadcast;
    Message message;
};

// The host answers a peer's fetch from its block store: the core holds only
// the latest block, and reading storage is I/O.
struct ServeBlocks {
    ReplicaId to = 0;
    Height from_height = 0;
    uint32_t count = 0;
};

// Carry out in this order: append decided blocks, persist, then send. Blocks
// go first because the state may already hold a vote for the height after
// them: a crash between the two must not leave a vote above a missing block,
// or the restarted replica could be asked to vote at that block's height again.
struct Output {
    std::optional<DurableState> persist;
    // The NewView this replica just sent as the new leader. Not a promise, so
    // it need not precede the sends, but keep it (its own file) and hand it
    // back to make_bft after a restart: it is the only proof of the view that
    // a replica which missed it will accept.
    std::optional<NewView> new_view;
    std::vector<DecidedBlock> decided;
    std::vector<Outgoing> messages;
    std::vector<ServeBlocks> serve;
};

struct Status {
    View view = 0;
    ReplicaId leader = 0;
    Height decided_height = 0;
    bool changing_view = false;
    size_t pending_requests = 0;
    uint64_t view_changes = 0;
};

enum class SubmitResult { kAccepted, kDuplicate, kInvalid, kPoolFull };

class Consensus {
  public:
    virtual ~Consensus() = default;
    // A request from a local client. Accepted requests are eventually decided
    // unless the pool drops them on restart (the pool is not durable: clients
    // resubmit what they have not seen decided).
    virtual SubmitResult submit(Bytes request, uint64_t now_ms, Output& output) = 0;
    virtual void on_message(ReplicaId from, const Message& message, uint64_t now_ms, Output& output) = 0;
    virtual void on_tick(uint64_t now_ms, Output& output) = 0;
    virtual Status status() const = 0;
};

struct BatchLimits {
    size_t requests_max = 2000;
    size_t bytes_max = 512 * 1024;
    // A partial batch is proposed once its oldest request waited this long.
    uint64_t timeout_ms = 2;
};

struct PoolLimits {
    size_t requests_max = 200000;
    size_t bytes_max = 256 << 20;
    // Ids of recently decided requests, remembered so late copies are dropped.
    size_t decided_ids_max = 400000;
};

struct Timeouts {
    uint64_t heartbeat_interval_ms = 100;
    uint64_t heartbeat_timeout_ms = 1000;
    // A pending request (or an open proposal) older than this makes a
    // follower suspect the leader of censorship.
    uint64_t request_timeout_ms = 2000;
    uint64_t view_change_timeout_ms = 1000;
    uint32_t view_change_backoff_exponent_max = 6;
    uint64_t retransmit_interval_ms = 200;
    uint64_t fetch_timeout_ms = 1000;
};

struct ReplicaConfig {
    ReplicaId self = 0;
    uint32_t replica_count = 4;
    BatchLimits batch;
    PoolLimits pool;
    Timeouts timeouts;
};

// The last decided block, or none before the first one.
using ChainTip = std::optional<BlockCertificate>;

// `own_new_view`: the last Output::new_view this replica produced, if any.
std::unique_ptr<Consensus> make_bft(const ReplicaConfig& config, const Signer& signer,
                                    const Verifier& verifier, DurableState durable, ChainTip tip,
                                    uint64_t now_ms, std::optional<NewView> own_new_view = std::nullopt);
// One node that orders alone: it signs each block itself, so the blocks are
// valid certificates for a one-replica group.
std::unique_ptr<Consensus> make_solo(const BatchLimits& batch, const PoolLimits& pool, const Signer& signer,
                                     ChainTip tip);

}  // namespace pgledger::consensus
