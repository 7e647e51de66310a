#include "agent/config.h"

#include <filesystem>
#include <stdexcept>
#include <toml++/toml.h>

namespace pgledger::agent {
namespace {

template <typename T>
T required(const toml::node_view<const toml::node>& node, const std::string& key) {
    std::optional<T> value = node.value<T>();
    if (!value)
        throw std::runtime_error("config: missing or invalid '" + key + "'");
    return *value;
}

template <typename T>
void optional_into(const toml::node_view<const toml::node>& node, T& target) {
    if (std::optional<T> value = node.value<T>())
        target = *value;
}

uint16_t port(const toml::node_view<const toml::node>& node, const std::string& key) {
    int64_t value = required<int64_t>(node, key);
    if (value <= 0 || value > 65535)
        throw std::runtime_error("config: '" + key + "' is not a TCP port");
    return static_cast<uint16_t>(value);
}

// Relative paths are relative to the config file, so a generated directory
// of configs and keys can be moved as a whole.
std::string resolve(const std::filesystem::path& base, const std::string& path) {
    std::filesystem::path candidate(path);
    return candidate.is_absolute() ? path : (base / candidate).lexically_normal().string();
}

}  // namespace

AgentConfig load_config(const std::string& path) {
    toml::table table;
    try {
        table = toml::parse_file(path);
    } catch (const toml::parse_error& error) {
        throw std::runtime_error("config: " + path + ": " + std::string(error.description()));
    }
    std::filesystem::path base = std::filesystem::path(path).parent_path();
    const toml::table& root = table;
    auto node = root["node"];
    AgentConfig config;
    optional_into(node["consensus"], config.consensus);
    if (config.consensus != "bft" && config.consensus != "solo") {
        throw std::runtime_error("config: node.consensus must be \"bft\" or \"solo\"");
    }
    config.id = static_cast<consensus::ReplicaId>(required<int64_t>(node["id"], "node.id"));
    config.data_dir = resolve(base, required<std::string>(node["data_dir"], "node.data_dir"));
    config.private_key_path = resolve(base, required<std::string>(node["private_key"], "node.private_key"));
    config.certificate_path = resolve(base, required<std::string>(node["certificate"], "node.certificate"));
    config.client_port = port(node["client_port"], "node.client_port");
    config.metrics_port = port(node["metrics_port"], "node.metrics_port");
    optional_into(node["log_level"], config.log_level);
    int64_t tick_ms = static_cast<int64_t>(config.tick_interval_ms);
    optional_into(node["tick_interval_ms"], tick_ms);
    if (tick_ms < 1 || tick_ms > 1000)
        throw std::runtime_error("config: node.tick_interval_ms out of range");
    config.tick_interval_ms = static_cast<uint64_t>(tick_ms);

    auto batch = root["batch"];
    int64_t value = 0;
    if ((value = batch["requests_max"].value_or<int64_t>(0)) > 0)
        config.batch.requests_max = value;
    if ((value = batch["bytes_max"].value_or<int64_t>(0)) > 0)
        config.batch.bytes_max = value;
    if ((value = batch["timeout_ms"].value_or<int64_t>(-1)) >= 0)
        config.batch.timeout_ms = value;
    auto timeouts = root["timeouts"];
    if ((value = timeouts["heartbeat_interval_ms"].value_or<int64_t>(0)) > 0)
        config.timeouts.heartbeat_interval_ms = value;
    if ((value = timeouts["heartbeat_timeout_ms"].value_or<int64_t>(0)) > 0)
        config.timeouts.heartbeat_timeout_ms = value;
    if ((value = timeouts["request_timeout_ms"].value_or<int64_t>(0)) > 0)
        config.timeouts.request_timeout_ms = value;
    if ((value = timeouts["view_change_timeout_ms"].value_or<int64_t>(0)) > 0)
        config.timeouts.view_change_timeout_ms = value;

    const toml::array* peers = root["peers"].as_array();
    if (peers == nullptr || peers->empty())
        throw std::runtime_error("config: no [[peers]]");
    for (const toml::node& entry : *peers) {
        const toml::table* peer_table = entry.as_table();
        if (peer_table == nullptr)
            throw std::runtime_error("config: [[peers]] entries must be tables");
        auto peer_node = toml::node_view<const toml::node>(peer_table);
        PeerConfig peer;
        peer.id = static_cast<consensus::ReplicaId>(required<int64_t>(peer_node["id"], "peers.id"));
        peer.host = required<std::string>(peer_node["host"], "peers.host");
        peer.port = port(peer_node["port"], "peers.port");
        peer.certificate_path =
            resolve(base, required<std::string>(peer_node["certificate"], "peers.certificate"));
        if (peer.id != config.peers.size())
            throw std::runtime_error("config: peers must be listed by id 0, 1, 2, ...");
        config.peers.push_back(peer);
    }
    if (config.peers.size() > consensus::kReplicasMax)
        throw std::runtime_error("config: too many peers");
    if (config.id >= config.peers.size())
        throw std::runtime_error("config: node.id is not among the peers");
    config.listen_host = config.peers[config.id].host;
    config.listen_port = config.peers[config.id].port;
    if (config.consensus == "solo" && config.peers.size() != 1) {
        throw std::runtime_error("config: solo consensus takes exactly one peer (itself)");
    }
    return config;
}

}  // namespace pgledger::agent
