// Peer transport: TCP with mutual TLS 1.3. Each replica dials every peer for
// its outgoing messages and accepts the peers' connections for incoming ones,
// so each direction has one connection and no tie-breaking is needed. A peer
// is identified by its pinned certificate; any other certificate is refused.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <set>

#include "agent/config.h"
#include "agent/metrics.h"

namespace pgledger::agent {

using Frame = std::shared_ptr<const consensus::Bytes>;

// Length-prefixed frame: 4-byte little-endian length, then the message.
Frame make_frame(const consensus::Bytes& message);

consensus::PublicKey certificate_public_key(const std::string& certificate_path);

class PeerNetwork {
  public:
    using Deliver = std::function<void(consensus::ReplicaId from, const consensus::Bytes& message)>;

    PeerNetwork(asio::io_context& io, const AgentConfig& config, Metrics& metrics, Deliver deliver);
    ~PeerNetwork();
    void start();
    // Never blocks: if the peer is down or too far behind, the frame is
    // dropped and the protocol's retransmission takes over.
    void send(consensus::ReplicaId to, const Frame& frame);

  private:
    struct Outbound;
    class Inbound;

    void accept();
    void connect(Outbound& peer);
    void schedule_reconnect(Outbound& peer);
    void write_more(Outbound& peer);
    void drop_connection(Outbound& peer);

    asio::io_context& io_;
    const AgentConfig& config_;
    Metrics& metrics_;
    Deliver deliver_;
    asio::ssl::context tls_;
    asio::ip::tcp::acceptor acceptor_;
    std::vector<consensus::Hash> fingerprints_;  // by replica id
    // Parsed at start-up, so a bad address fails there, not in a handler.
    std::vector<asio::ip::tcp::endpoint> endpoints_;
    std::vector<std::unique_ptr<Outbound>> outbound_;
    size_t handshakes_in_progress_ = 0;
    std::shared_ptr<bool> alive_;
};

}  // namespace pgledger::agent
