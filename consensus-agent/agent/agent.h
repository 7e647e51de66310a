// The agent host: owns the I/O around one consensus instance. It feeds the
// core messages, client requests and clock ticks, and carries out its Output
// in the required order: fsync state, fsync blocks, then send.
#pragma once

#include <asio.hpp>
#include <map>
#include <memory>

#include "agent/client_server.h"
#include "agent/config.h"
#include "agent/metrics.h"
#include "agent/storage.h"
#include "agent/transport.h"
#include "core/request_pool.h"

namespace pgledger::agent {

class Agent {
  public:
    explicit Agent(AgentConfig config);
    // Runs until SIGINT or SIGTERM.
    void run();

  private:
    void on_peer_message(consensus::ReplicaId from, const consensus::Bytes& bytes);
    void on_client_request(const std::shared_ptr<ClientConnection>& client, consensus::Bytes request);
    void schedule_tick();
    void execute(consensus::Output& output);
    void refresh_status();
    uint64_t now_ms() const;

    AgentConfig config_;
    asio::io_context io_;
    Metrics metrics_;
    std::unique_ptr<consensus::Ed25519Signer> signer_;
    std::unique_ptr<consensus::Ed25519Verifier> verifier_;
    FileStore store_;
    std::unique_ptr<consensus::Consensus> consensus_;
    std::unique_ptr<PeerNetwork> network_;
    std::unique_ptr<ClientServer> client_server_;
    std::unique_ptr<MetricsServer> metrics_server_;
    asio::steady_timer tick_timer_;
    asio::signal_set signals_;
    // Who to tell when a request is decided; bounded like the pool.
    std::unordered_map<consensus::Hash, std::weak_ptr<ClientConnection>, consensus::RequestIdHash>
        waiting_clients_;
    consensus::Status last_status_;
    uint64_t last_progress_log_ms_ = 0;
    uint64_t decided_since_log_ = 0;
};

}  // namespace pgledger::agent
