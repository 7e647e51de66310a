#include "sim/simulator.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <map>
#include <random>
#include <set>

#include "core/certificates.h"
#include "core/consensus.h"
#include "core/invariant.h"

namespace pgledger::consensus::sim {
namespace {

constexpr uint64_t kTickIntervalMs = 10;
constexpr uint64_t kChaosIntervalMs = 100;
constexpr uint64_t kSubmitIntervalMs = 40;
constexpr uint64_t kHealSubmitIntervalMs = 50;
constexpr size_t kReplayBufferMax = 64;
constexpr size_t kStolenSignaturesMax = 64;
constexpr uint64_t kEventsMax = 50'000'000;
constexpr size_t kServeBytesMax = 8 << 20;
constexpr size_t kSimRequestBytes = 48;

enum Misbehaviour : uint32_t {
    kEquivocate = 1 << 0,
    kConflictingVotes = 1 << 1,
    kBadSignatures = 1 << 2,
    kStolenSignatures = 1 << 3,
    kReplay = 1 << 4,
    kGarbage = 1 << 5,
    kForgedBlocks = 1 << 6,
    kViewChangeSpam = 1 << 7,
    kMisbehaviourAll = (1 << 8) - 1,
};

struct Event {
    enum class Kind { kDeliver, kTick, kChaos, kSubmit, kHeal, kHealSubmit, kRestart, kHealPartition } kind;
    ReplicaId to = 0;
    ReplicaId from = 0;
    Bytes bytes;
};

struct Node {
    std::unique_ptr<Ed25519Signer> signer;
    std::unique_ptr<Consensus> replica;
    DurableState durable;
    std::optional<NewView> new_view;
    std::vector<DecidedBlock> store;
    bool up = true;
    bool byzantine = false;
    uint32_t misbehaviours = 0;
    uint64_t clock_offset_ms = 0;
    // Local clocks run fast or slow: timeouts must not assume agreement.
    double clock_rate = 1.0;
    std::deque<Bytes> seen;
    std::deque<VoteSignature> stolen;
};

class Simulation {
  public:
    explicit Simulation(const SimulationOptions& options) : options_(options), random_(options.seed) {
        PGLEDGER_INVARIANT(options.replica_count >= 1 && options.replica_count <= kReplicasMax);
        PGLEDGER_INVARIANT(options.byzantine_count <= max_faulty(options.replica_count));
        std::vector<PublicKey> keys;
        for (ReplicaId id = 0; id < options.replica_count; id++) {
            std::array<uint8_t, 32> seed{};
            seed[0] = static_cast<uint8_t>(id + 1);
            seed[1] = 0x5a;
            auto node = std::make_unique<Node>();
            node->signer = Ed25519Signer::from_seed(seed);
            keys.push_back(node->signer->public_key());
            node->clock_offset_ms = uniform(0, 1'000'000);
            node->clock_rate = 0.95 + 0.1 * unit();
            nodes_.push_back(std::move(node));
        }
        verifier_ = std::make_unique<Ed25519Verifier>(keys);
        std::vector<ReplicaId> ids;
        for (ReplicaId id = 0; id < options.replica_count; id++)
            ids.push_back(id);
        std::shuffle(ids.begin(), ids.end(), random_);
        for (uint32_t i = 0; i < options.byzantine_count; i++) {
            Node& node = *nodes_[ids[i]];
            node.byzantine = true;
            node.misbehaviours = static_cast<uint32_t>(uniform(1, kMisbehaviourAll));
        }
        config_.replica_count = options.replica_count;
        config_.timeouts.view_change_timeout_ms = 500;
        config_.timeouts.view_change_backoff_exponent_max = 4;
        for (ReplicaId id = 0; id < options.replica_count; id++)
            start_replica(id);
    }

    SimulationResult run() {
        for (ReplicaId id = 0; id < options_.replica_count; id++) {
            schedule(uniform(0, kTickIntervalMs), Event{Event::Kind::kTick, id, 0, {}});
        }
        if (options_.faults) {
            schedule(kChaosIntervalMs, Event{Event::Kind::kChaos, 0, 0, {}});
        } else {
            loss_rate_ = 0;
            duplicate_rate_ = 0;
        }
        schedule(kSubmitIntervalMs, Event{Event::Kind::kSubmit, 0, 0, {}});
        schedule(options_.fault_phase_ms, Event{Event::Kind::kHeal, 0, 0, {}});
        uint64_t processed = 0;
        while (result_.ok && !events_.empty() && processed++ < kEventsMax) {
            auto first = events_.begin();
            now_ms_ = first->first.first;
            Event event = std::move(first->second);
            events_.erase(first);
            uint64_t submission_span_ms = options_.requests_after_heal * kHealSubmitIntervalMs;
            if (healed_ && now_ms_ > heal_ms_ + submission_span_ms + options_.liveness_bound_ms) {
                fail("liveness: requests submitted after healing were not all decided within " +
                     std::to_string(options_.liveness_bound_ms) + " ms of the last one");
                break;
            }
            process(event);
            if (healed_ && heal_submitted_ == options_.requests_after_heal && all_heal_requests_decided())
                break;
        }
        if (result_.ok && !(healed_ && all_heal_requests_decided()))
            fail("simulation ended before liveness check");
        finish_result();
        return result_;
    }

  private:
    void process(Event& event) {
        switch (event.kind) {
            case Event::Kind::kDeliver:
                deliver(event);
                break;
            case Event::Kind::kTick:
                tick(event.to);
                break;
            case Event::Kind::kChaos:
                chaos();
                break;
            case Event::Kind::kSubmit:
                submit_during_faults();
                break;
            case Event::Kind::kHeal:
                heal();
                break;
            case Event::Kind::kHealSubmit:
                submit_after_heal();
                break;
            case Event::Kind::kRestart:
                restart(event.to);
                break;
            case Event::Kind::kHealPartition:
                partition_.clear();
                break;
        }
    }

    // ---- randomness and time ----
    uint64_t uniform(uint64_t low, uint64_t high) {
        return std::uniform_int_distribution<uint64_t>(low, high)(random_);
    }
    double unit() { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); }
    bool chance(double probability) { return unit() < probability; }
    uint64_t local_ms(ReplicaId id) const {
        const Node& node = *nodes_[id];
        return node.clock_offset_ms + static_cast<uint64_t>(static_cast<double>(now_ms_) * node.clock_rate);
    }
    void schedule(uint64_t delay_ms, Event event) {
        events_.emplace(std::make_pair(now_ms_ + delay_ms, next_sequence_++), std::move(event));
    }
    void fail(const std::string& why) {
        if (!result_.ok)
            return;
        result_.ok = false;
        result_.failure = why + " (at " + std::to_string(now_ms_) + " ms)";
    }
    void trace(const char* format, ...) __attribute__((format(printf, 2, 3))) {
        if (!options_.verbose)
            return;
        std::fprintf(stderr, "[%8llu] ", static_cast<unsigned long long>(now_ms_));
        va_list arguments;
        va_start(arguments, format);
        std::vfprintf(stderr, format, arguments);
        va_end(arguments);
        std::fputc('\n', stderr);
    }

    // ---- replicas ----
    void start_replica(ReplicaId id) {
        Node& node = *nodes_[id];
        ReplicaConfig config = config_;
        config.self = id;
        ChainTip tip;
        if (!node.store.empty())
            tip = node.store.back().certificate;
        node.replica =
            make_bft(config, *node.signer, *verifier_, node.durable, tip, local_ms(id), node.new_view);
        node.up = true;
    }

    void tick(ReplicaId id) {
        schedule(kTickIntervalMs, Event{Event::Kind::kTick, id, 0, {}});
        Node& node = *nodes_[id];
        if (!node.up)
            return;
        Output output;
        node.replica->on_tick(local_ms(id), output);
        apply(id, output);
        if (node.byzantine)
            misbehave(id);
    }

    void deliver(Event& event) {
        Node& node = *nodes_[event.to];
        if (!node.up)
            return;
        result_.messages_delivered++;
        if (node.byzantine && node.seen.size() < kReplayBufferMax)
            node.seen.push_back(event.bytes);
        std::optional<Message> message = decode(event.bytes);
        if (!message)
            return;
        if (node.byzantine)
            steal_signature(node, event.from, *message);
        Output output;
        node.replica->on_message(event.from, *message, local_ms(event.to), output);
        apply(event.to, output);
    }

    void apply(ReplicaId id, Output& output) {
        Node& node = *nodes_[id];
        for (DecidedBlock& block : output.decided)
            append_block(id, std::move(block));
        if (output.persist)
            node.durable = *output.persist;
        if (output.new_view)
            node.new_view = *output.new_view;
        for (const ServeBlocks& serve : output.serve)
            serve_blocks(id, serve);
        for (const Outgoing& outgoing : output.messages) {
            Bytes bytes = encode(outgoing.message);
            for (ReplicaId to = 0; to < options_.replica_count; to++) {
                if (to == id || (outgoing.to != kBroadcast && outgoing.to != to))
                    continue;
                if (node.byzantine) {
                    send(id, to, mutate(id, to, outgoing.message, bytes));
                } else {
                    send(id, to, bytes);
                }
            }
        }
    }

    // The checker: after every step, every honest replica's chain must agree
    // with every other's, link correctly and carry 2f+1 valid signatures.
    void append_block(ReplicaId id, DecidedBlock block) {
        Node& node = *nodes_[id];
        const BlockHeader& header = block.certificate.header;
        if (node.byzantine) {
            node.store.push_back(std::move(block));
            return;
        }
        Hash previous_hash = node.store.empty() ? Hash{} : node.store.back().certificate.header.hash();
        if (header.height != node.store.size() + 1 || header.previous_hash != previous_hash) {
            fail("safety: replica " + std::to_string(id) + " decided height " +
                 std::to_string(header.height) + " that does not extend its chain of " +
                 std::to_string(node.store.size()));
            return;
        }
        if (!verify_decided_block(block, options_.replica_count, *verifier_)) {
            fail("safety: replica " + std::to_string(id) + " decided height " +
                 std::to_string(header.height) + " without 2f+1 valid commit signatures");
            return;
        }
        Hash block_hash = header.hash();
        auto [canonical, inserted] = canonical_.emplace(header.height, block_hash);
        if (!inserted && canonical->second != block_hash) {
            fail("safety: two honest replicas decided different blocks at height " +
                 std::to_string(header.height) + " (replica " + std::to_string(id) + " in view " +
                 std::to_string(block.certificate.view) + " with " + std::to_string(block.requests.size()) +
                 " requests)");
            return;
        }
        trace("replica %u decided height %llu (%zu requests, view %llu)", id,
              static_cast<unsigned long long>(header.height), block.requests.size(),
              static_cast<unsigned long long>(block.certificate.view));
        for (const Bytes& request : block.requests) {
            auto pending = heal_requests_.find(sha256(request));
            if (pending != heal_requests_.end())
                pending->second.insert(id);
        }
        node.store.push_back(std::move(block));
    }

    void serve_blocks(ReplicaId id, const ServeBlocks& serve) {
        Node& node = *nodes_[id];
        Blocks response;
        size_t bytes = 0;
        for (Height height = serve.from_height;
             height < serve.from_height + serve.count && height <= node.store.size(); height++) {
            const DecidedBlock& block = node.store[height - 1];
            bytes += encode_decided_block(block).size();
            if (bytes > kServeBytesMax)
                break;
            response.blocks.push_back(block);
        }
        if (node.byzantine && (node.misbehaviours & kForgedBlocks) && !response.blocks.empty() &&
            chance(0.7)) {
            // Lie during catch-up: a changed request, or a block whose
            // signatures are someone else's.
            DecidedBlock& forged = response.blocks[uniform(0, response.blocks.size() - 1)];
            if (chance(0.5) && !forged.requests.empty()) {
                forged.requests[0][0] ^= 1;
            } else {
                forged.requests.push_back(Bytes(8, 0x42));
                forged.certificate.header.payload_hash = sha256(encode_requests(forged.requests));
            }
            result_.byzantine_messages++;
        }
        result_.blocks_served += response.blocks.size();
        Output output;
        output.messages.push_back(Outgoing{serve.to, std::move(response)});
        apply(id, output);
    }

    // ---- network ----
    void send(ReplicaId from, ReplicaId to, const Bytes& bytes) {
        if (!partition_.empty() && partition_[from] != partition_[to])
            return;
        if (chance(loss_rate_))
            return;
        int copies = chance(duplicate_rate_) ? 2 : 1;
        for (int copy = 0; copy < copies; copy++) {
            // Mostly short delays, sometimes long ones: messages overtake each other.
            uint64_t delay = uniform(1, 15) + (chance(0.05) ? uniform(0, 300) : 0);
            schedule(delay, Event{Event::Kind::kDeliver, to, from, bytes});
        }
    }

    void chaos() {
        if (healed_)
            return;
        schedule(kChaosIntervalMs, Event{Event::Kind::kChaos, 0, 0, {}});
        if (chance(0.05)) {
            static const double kLossRates[] = {0.0, 0.02, 0.1, 0.3};
            loss_rate_ = kLossRates[uniform(0, 3)];
            duplicate_rate_ = chance(0.5) ? 0.05 : 0.0;
        }
        if (partition_.empty() && chance(0.03)) {
            partition_.resize(options_.replica_count);
            for (int& side : partition_)
                side = static_cast<int>(uniform(0, 1));
            result_.partitions++;
            trace("partition");
            schedule(uniform(200, 2000), Event{Event::Kind::kHealPartition, 0, 0, {}});
        }
        if (chance(0.03)) {
            ReplicaId victim = static_cast<ReplicaId>(uniform(0, options_.replica_count - 1));
            Node& node = *nodes_[victim];
            uint32_t down = 0;
            for (const auto& other : nodes_)
                down += other->up ? 0 : 1;
            if (node.up && !node.byzantine && down < max_faulty(options_.replica_count) + 1) {
                // A crash loses everything not persisted: the pool, the
                // round, the timers. Durable state and blocks survive.
                node.up = false;
                node.replica.reset();
                result_.crashes++;
                trace("crash replica %u", victim);
                schedule(uniform(100, 3000), Event{Event::Kind::kRestart, victim, 0, {}});
            }
        }
    }

    void restart(ReplicaId id) {
        if (nodes_[id]->up)
            return;
        trace("restart replica %u", id);
        start_replica(id);
    }

    Bytes make_request(const char* phase, uint64_t number) {
        std::string text =
            std::string(phase) + "-" + std::to_string(options_.seed) + "-" + std::to_string(number);
        text.resize(kSimRequestBytes, '.');
        return Bytes(text.begin(), text.end());
    }

    void submit_to(ReplicaId id, Bytes request) {
        Node& node = *nodes_[id];
        if (!node.up)
            return;
        Output output;
        node.replica->submit(std::move(request), local_ms(id), output);
        apply(id, output);
    }

    void submit_during_faults() {
        if (healed_)
            return;
        schedule(kSubmitIntervalMs, Event{Event::Kind::kSubmit, 0, 0, {}});
        ReplicaId id = static_cast<ReplicaId>(uniform(0, options_.replica_count - 1));
        submit_to(id, make_request("fault", submitted_++));
    }

    void heal() {
        healed_ = true;
        heal_ms_ = now_ms_;
        loss_rate_ = 0;
        duplicate_rate_ = 0;
        partition_.clear();
        trace("heal");
        for (ReplicaId id = 0; id < options_.replica_count; id++) {
            if (!nodes_[id]->up)
                start_replica(id);
        }
        schedule(kHealSubmitIntervalMs, Event{Event::Kind::kHealSubmit, 0, 0, {}});
    }

    void submit_after_heal() {
        std::vector<ReplicaId> honest;
        for (ReplicaId id = 0; id < options_.replica_count; id++) {
            if (!nodes_[id]->byzantine)
                honest.push_back(id);
        }
        Bytes request = make_request("heal", heal_submitted_++);
        heal_requests_[sha256(request)];
        submit_to(honest[uniform(0, honest.size() - 1)], std::move(request));
        if (heal_submitted_ < options_.requests_after_heal) {
            schedule(kHealSubmitIntervalMs, Event{Event::Kind::kHealSubmit, 0, 0, {}});
        }
    }

    bool all_heal_requests_decided() const {
        uint32_t honest = options_.replica_count - options_.byzantine_count;
        for (const auto& [id, deciders] : heal_requests_) {
            if (deciders.size() < honest)
                return false;
        }
        return true;
    }

    // ---- Byzantine behaviour ----
    void steal_signature(Node& node, ReplicaId from, const Message& message) {
        const Signature* signature = nullptr;
        if (auto* prepare = std::get_if<Prepare>(&message))
            signature = &prepare->signature;
        if (auto* commit = std::get_if<Commit>(&message))
            signature = &commit->signature;
        if (signature == nullptr)
            return;
        node.stolen.push_back(VoteSignature{from, *signature});
        if (node.stolen.size() > kStolenSignaturesMax)
            node.stolen.pop_front();
    }

    Bytes mutate(ReplicaId id, ReplicaId to, const Message& message, const Bytes& honest_bytes) {
        Node& node = *nodes_[id];
        uint32_t misbehaviours = node.misbehaviours;
        Message changed = message;
        bool mutated = false;
        if (auto* pre_prepare = std::get_if<PrePrepare>(&changed)) {
            if ((misbehaviours & kEquivocate) && chance(0.5)) {
                // A different block for this follower.
                pre_prepare->proposal.requests.push_back(make_request("equivocation", to));
                mutated = true;
            }
        }
        auto mutate_vote = [&](auto& vote, Bytes (*signing_bytes)(View, Height, const Hash&)) {
            if ((misbehaviours & kConflictingVotes) && chance(0.5)) {
                vote.block_hash[uniform(0, 31)] ^= 0x80;
                vote.signature = node.signer->sign(signing_bytes(vote.view, vote.height, vote.block_hash));
                mutated = true;
            } else if ((misbehaviours & kBadSignatures) && chance(0.3)) {
                vote.signature[uniform(0, 63)] ^= 1;
                mutated = true;
            } else if ((misbehaviours & kStolenSignatures) && !node.stolen.empty() && chance(0.3)) {
                vote.signature = node.stolen[uniform(0, node.stolen.size() - 1)].signature;
                mutated = true;
            }
        };
        if (auto* prepare = std::get_if<Prepare>(&changed))
            mutate_vote(*prepare, prepare_signing_bytes);
        if (auto* commit = std::get_if<Commit>(&changed))
            mutate_vote(*commit, commit_signing_bytes);
        if (!mutated)
            return honest_bytes;
        result_.byzantine_messages++;
        return encode(changed);
    }

    // Unprompted traffic from a Byzantine replica, a little on every tick.
    void misbehave(ReplicaId id) {
        Node& node = *nodes_[id];
        uint32_t misbehaviours = node.misbehaviours;
        ReplicaId to = static_cast<ReplicaId>(uniform(0, options_.replica_count - 1));
        if (to == id)
            return;
        if ((misbehaviours & kReplay) && !node.seen.empty() && chance(0.2)) {
            send(id, to, node.seen[uniform(0, node.seen.size() - 1)]);
            result_.byzantine_messages++;
        }
        if ((misbehaviours & kGarbage) && chance(0.2)) {
            Bytes garbage;
            if (!node.seen.empty() && chance(0.5)) {
                // Almost valid: a real message with flipped bits or cut short.
                garbage = node.seen[uniform(0, node.seen.size() - 1)];
                if (chance(0.5)) {
                    garbage.resize(uniform(0, garbage.size()));
                } else if (!garbage.empty()) {
                    for (int flip = 0; flip < 4; flip++)
                        garbage[uniform(0, garbage.size() - 1)] ^= 1 << uniform(0, 7);
                }
            } else {
                garbage.resize(uniform(0, 256));
                for (uint8_t& byte : garbage)
                    byte = static_cast<uint8_t>(uniform(0, 255));
            }
            send(id, to, garbage);
            result_.byzantine_messages++;
        }
        if ((misbehaviours & kViewChangeSpam) && chance(0.05)) {
            Status status = node.replica->status();
            if (chance(0.5)) {
                send(id, to, encode(ViewChange{status.view + uniform(1, 1000)}));
            } else {
                // View data claiming a decided block it cannot prove.
                ViewData view_data;
                view_data.next_view = status.view + 1;
                view_data.signer = id;
                BlockCertificate fake;
                fake.header.height = status.decided_height + 5;
                fake.view = status.view;
                for (const VoteSignature& stolen : node.stolen) {
                    if (fake.signatures.size() < quorum_size(options_.replica_count))
                        fake.signatures.push_back(stolen);
                }
                view_data.last_decided = fake;
                view_data.signature = node.signer->sign(view_data_signing_bytes(view_data));
                NewView new_view{view_data.next_view, {view_data, view_data, view_data}};
                send(id, to, encode(chance(0.5) ? Message(view_data) : Message(new_view)));
            }
            result_.byzantine_messages++;
        }
    }

    void finish_result() {
        bool first = true;
        for (const auto& node : nodes_) {
            if (node->byzantine)
                continue;
            uint64_t height = node->store.size();
            result_.decided_height_min = first ? height : std::min(result_.decided_height_min, height);
            result_.decided_height_max = std::max(result_.decided_height_max, height);
            if (node->replica)
                result_.view_changes = std::max(result_.view_changes, node->replica->status().view_changes);
            first = false;
        }
    }

    const SimulationOptions options_;
    std::mt19937_64 random_;
    std::vector<std::unique_ptr<Node>> nodes_;
    std::unique_ptr<Ed25519Verifier> verifier_;
    ReplicaConfig config_;
    std::map<std::pair<uint64_t, uint64_t>, Event> events_;
    uint64_t next_sequence_ = 0;
    uint64_t now_ms_ = 0;
    double loss_rate_ = 0.02;
    double duplicate_rate_ = 0.02;
    std::vector<int> partition_;
    std::map<Height, Hash> canonical_;
    uint64_t submitted_ = 0;
    bool healed_ = false;
    uint64_t heal_ms_ = 0;
    uint32_t heal_submitted_ = 0;
    std::map<Hash, std::set<ReplicaId>> heal_requests_;
    SimulationResult result_;
};

}  // namespace

SimulationResult run_simulation(const SimulationOptions& options) {
    return Simulation(options).run();
}

}  // namespace pgledger::consensus::sim
