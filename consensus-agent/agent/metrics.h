// Counters and gauges, exported in the Prometheus text format. Written by
// hand: prometheus-cpp is not packaged in Debian 12, and the format is a few
// lines of text.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <string>

namespace pgledger::agent {

struct Metrics {
    uint64_t decided_blocks = 0;
    uint64_t decided_requests = 0;
    uint64_t view_changes = 0;
    uint64_t submitted_requests = 0;
    uint64_t rejected_requests = 0;
    uint64_t messages_received = 0;
    uint64_t messages_rejected = 0;
    uint64_t messages_sent = 0;
    uint64_t bytes_received = 0;
    uint64_t bytes_sent = 0;
    uint64_t messages_dropped = 0;
    uint64_t peer_connections_refused = 0;
    uint64_t fsyncs = 0;
    // Gauges, refreshed from the consensus status.
    uint64_t view = 0;
    uint64_t leader = 0;
    uint64_t height = 0;
    uint64_t pending_requests = 0;
    uint64_t changing_view = 0;
    // Hex hash of the last decided block header, so operators (and the
    // multi-process test) can see that replicas agree.
    std::string tip_hash;

    std::string render(uint32_t replica_id) const;
};

// Answers every HTTP request on a loopback port with the current metrics.
class MetricsServer {
  public:
    MetricsServer(asio::io_context& io, const std::string& host, uint16_t port, const Metrics& metrics,
                  uint32_t replica_id);

  private:
    void accept();

    asio::ip::tcp::acceptor acceptor_;
    const Metrics& metrics_;
    uint32_t replica_id_;
    // Scrapers are few; a bound keeps idle connections from piling up.
    std::shared_ptr<size_t> open_connections_ = std::make_shared<size_t>(0);
};

}  // namespace pgledger::agent
