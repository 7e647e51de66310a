// The per-node configuration file (TOML), read once at start-up.
#pragma once

#include <string>
#include <vector>

#include "core/consensus.h"

namespace pgledger::agent {

struct PeerConfig {
    consensus::ReplicaId id = 0;
    std::string host;
    uint16_t port = 0;
    // The peer's self-signed certificate: it pins the TLS identity and
    // carries the Ed25519 key that checks the peer's votes.
    std::string certificate_path;
};

struct AgentConfig {
    std::string consensus = "bft";  // "bft" or "solo"
    consensus::ReplicaId id = 0;
    std::string data_dir;
    std::string listen_host = "127.0.0.1";
    uint16_t listen_port = 0;
    std::string client_host = "127.0.0.1";
    uint16_t client_port = 0;
    std::string metrics_host = "127.0.0.1";
    uint16_t metrics_port = 0;
    std::string private_key_path;  // Ed25519, PEM; signs votes and the TLS handshake
    std::string certificate_path;
    std::string log_level = "info";
    uint64_t tick_interval_ms = 5;
    consensus::BatchLimits batch;
    consensus::PoolLimits pool;
    consensus::Timeouts timeouts;
    std::vector<PeerConfig> peers;  // every replica, including this one, ordered by id
};

// Throws std::runtime_error with a message naming the bad key.
AgentConfig load_config(const std::string& path);

}  // namespace pgledger::agent
