#include "agent/agent.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace pgledger::agent {
namespace {

constexpr size_t kServeBytesMax = 8 << 20;
constexpr uint64_t kProgressLogIntervalMs = 5000;

const char* submit_error(consensus::SubmitResult result) {
    switch (result) {
        case consensus::SubmitResult::kAccepted:
            return "accepted";
        case consensus::SubmitResult::kDuplicate:
            return "duplicate";
        case consensus::SubmitResult::kInvalid:
            return "invalid";
        case consensus::SubmitResult::kPoolFull:
            return "pool-full";
    }
    return "unknown";
}

}  // namespace

Agent::Agent(AgentConfig config)
    : config_(std::move(config)),
      signer_(consensus::Ed25519Signer::from_pem_file(config_.private_key_path)),
      store_(config_.data_dir),
      tick_timer_(io_),
      signals_(io_, SIGINT, SIGTERM) {
    std::vector<consensus::PublicKey> keys;
    for (const PeerConfig& peer : config_.peers)
        keys.push_back(certificate_public_key(peer.certificate_path));
    if (keys[config_.id] != signer_->public_key()) {
        throw std::runtime_error("node.private_key does not match this node's certificate");
    }
    verifier_ = std::make_unique<consensus::Ed25519Verifier>(keys);
    if (config_.consensus == "solo") {
        consensus_ = consensus::make_solo(config_.batch, config_.pool, *signer_, store_.tip());
    } else {
        consensus::ReplicaConfig replica;
        replica.self = config_.id;
        replica.replica_count = static_cast<uint32_t>(config_.peers.size());
        replica.batch = config_.batch;
        replica.pool = config_.pool;
        replica.timeouts = config_.timeouts;
        consensus_ = consensus::make_bft(replica, *signer_, *verifier_, store_.state(), store_.tip(),
                                         now_ms(), store_.new_view());
        network_ = std::make_unique<PeerNetwork>(
            io_, config_, metrics_, [this](consensus::ReplicaId from, const consensus::Bytes& bytes) {
                on_peer_message(from, bytes);
            });
    }
    client_server_ = std::make_unique<ClientServer>(
        io_, config_.client_host, config_.client_port,
        [this](const std::shared_ptr<ClientConnection>& client, consensus::Bytes request) {
            on_client_request(client, std::move(request));
        });
    metrics_server_ = std::make_unique<MetricsServer>(io_, config_.metrics_host, config_.metrics_port,
                                                      metrics_, config_.id);
}

void Agent::run() {
    spdlog::info("replica {} of {} starting ({} consensus), height {}, view {}", config_.id,
                 config_.peers.size(), config_.consensus, store_.height(), store_.state().view);
    if (network_)
        network_->start();
    signals_.async_wait([this](std::error_code, int signal) {
        spdlog::info("signal {}: stopping", signal);
        io_.stop();
    });
    if (store_.tip())
        metrics_.tip_hash = hex(store_.tip()->header.hash());
    refresh_status();
    schedule_tick();
    io_.run();
}

uint64_t Agent::now_ms() const {
    using namespace std::chrono;
    return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

void Agent::schedule_tick() {
    tick_timer_.expires_after(std::chrono::milliseconds(config_.tick_interval_ms));
    tick_timer_.async_wait([this](std::error_code error) {
        if (error)
            return;
        consensus::Output output;
        consensus_->on_tick(now_ms(), output);
        execute(output);
        schedule_tick();
    });
}

void Agent::on_peer_message(consensus::ReplicaId from, const consensus::Bytes& bytes) {
    metrics_.messages_received++;
    std::optional<consensus::Message> message = consensus::decode(bytes);
    if (!message) {
        metrics_.messages_rejected++;
        spdlog::debug("undecodable message of {} bytes from peer {}", bytes.size(), from);
        return;
    }
    consensus::Output output;
    consensus_->on_message(from, *message, now_ms(), output);
    execute(output);
}

void Agent::on_client_request(const std::shared_ptr<ClientConnection>& client, consensus::Bytes request) {
    consensus::Hash id = consensus::sha256(request);
    if (waiting_clients_.size() >= config_.pool.requests_max) {
        metrics_.rejected_requests++;
        client->write_line(std::string("R ") + submit_error(consensus::SubmitResult::kPoolFull) + " " +
                           hex(id));
        return;
    }
    consensus::Output output;
    consensus::SubmitResult result = consensus_->submit(std::move(request), now_ms(), output);
    if (result != consensus::SubmitResult::kAccepted) {
        metrics_.rejected_requests++;
        client->write_line(std::string("R ") + submit_error(result) + " " + hex(id));
        return;
    }
    metrics_.submitted_requests++;
    waiting_clients_[id] = client;
    execute(output);
}

void Agent::execute(consensus::Output& output) {
    if (!output.decided.empty()) {
        store_.append_blocks(output.decided);
        metrics_.fsyncs++;
        metrics_.tip_hash = hex(store_.tip()->header.hash());
        for (const consensus::DecidedBlock& block : output.decided) {
            metrics_.decided_blocks++;
            metrics_.decided_requests += block.requests.size();
            decided_since_log_ += block.requests.size();
            std::string height = std::to_string(block.certificate.header.height);
            spdlog::debug("decided height {} with {} requests in view {}", height, block.requests.size(),
                          block.certificate.view);
            for (const consensus::Bytes& request : block.requests) {
                auto waiting = waiting_clients_.find(consensus::sha256(request));
                if (waiting == waiting_clients_.end())
                    continue;
                if (auto client = waiting->second.lock())
                    client->write_line("D " + height + " " + hex(waiting->first));
                waiting_clients_.erase(waiting);
            }
        }
    }
    // After the blocks: see the order documented on consensus::Output.
    if (output.persist) {
        store_.save_state(*output.persist);
        metrics_.fsyncs++;
    }
    if (output.new_view) {
        store_.save_new_view(*output.new_view);
        metrics_.fsyncs++;
    }
    for (const consensus::Outgoing& outgoing : output.messages) {
        Frame frame = make_frame(consensus::encode(outgoing.message));
        for (consensus::ReplicaId to = 0; to < config_.peers.size(); to++) {
            if (to == config_.id || (outgoing.to != consensus::kBroadcast && outgoing.to != to))
                continue;
            network_->send(to, frame);
        }
    }
    for (const consensus::ServeBlocks& serve : output.serve) {
        consensus::Blocks response{store_.read_blocks(serve.from_height, serve.count, kServeBytesMax)};
        spdlog::debug("serving {} blocks from height {} to peer {}", response.blocks.size(),
                      serve.from_height, serve.to);
        network_->send(serve.to, make_frame(consensus::encode(response)));
    }
    refresh_status();
}

void Agent::refresh_status() {
    consensus::Status status = consensus_->status();
    metrics_.view = status.view;
    metrics_.leader = status.leader;
    metrics_.height = status.decided_height;
    metrics_.pending_requests = status.pending_requests;
    metrics_.changing_view = status.changing_view ? 1 : 0;
    metrics_.view_changes = status.view_changes;
    if (status.changing_view && !last_status_.changing_view) {
        spdlog::warn("suspecting leader {} of view {}: changing view (height {})", status.leader, status.view,
                     status.decided_height);
    }
    if (status.view != last_status_.view) {
        spdlog::info("installed view {}, leader {}, height {}", status.view, status.leader,
                     status.decided_height);
    }
    last_status_ = status;
    uint64_t now = now_ms();
    if (now >= last_progress_log_ms_ + kProgressLogIntervalMs) {
        if (last_progress_log_ms_ != 0) {
            spdlog::info("height {} view {} leader {}{}, {} requests decided in the last {} s, {} pending",
                         status.decided_height, status.view, status.leader,
                         status.changing_view ? " (changing)" : "", decided_since_log_,
                         (now - last_progress_log_ms_) / 1000, status.pending_requests);
        }
        last_progress_log_ms_ = now;
        decided_since_log_ = 0;
    }
}

}  // namespace pgledger::agent
