#include "agent/metrics.h"

#include <memory>

namespace pgledger::agent {
namespace {

// Handlers must not throw: a peer that resets a connection at the wrong moment
// would otherwise take the agent down. Socket calls use the error_code
// overloads; these errors need no action beyond what follows anyway.
std::error_code ignored_error;
constexpr size_t kHttpRequestBytesMax = 8192;
constexpr size_t kOpenConnectionsMax = 16;
constexpr auto kRequestTimeout = std::chrono::seconds(5);

// Counts itself among the open connections for as long as it lives.
struct ConnectionSlot {
    explicit ConnectionSlot(std::shared_ptr<size_t> open) : open(std::move(open)) { ++*this->open; }
    ~ConnectionSlot() { --*open; }
    std::shared_ptr<size_t> open;
};

void line(std::string& out, const char* name, const char* type, const char* help, uint64_t value,
          const std::string& labels) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
    out += name;
    out += labels;
    out += ' ';
    out += std::to_string(value);
    out += '\n';
}

}  // namespace

std::string Metrics::render(uint32_t replica_id) const {
    std::string labels = "{replica=\"" + std::to_string(replica_id) + "\"}";
    std::string out;
    line(out, "pgledger_agent_decided_blocks_total", "counter", "Blocks decided by this replica.",
         decided_blocks, labels);
    line(out, "pgledger_agent_decided_requests_total", "counter", "Requests in decided blocks.",
         decided_requests, labels);
    line(out, "pgledger_agent_view_changes_total", "counter", "Views installed after a view change.",
         view_changes, labels);
    line(out, "pgledger_agent_submitted_requests_total", "counter", "Requests accepted from local clients.",
         submitted_requests, labels);
    line(out, "pgledger_agent_rejected_requests_total", "counter", "Client requests refused (invalid, full).",
         rejected_requests, labels);
    line(out, "pgledger_agent_messages_received_total", "counter", "Peer messages received.",
         messages_received, labels);
    line(out, "pgledger_agent_messages_rejected_total", "counter", "Peer messages that failed to decode.",
         messages_rejected, labels);
    line(out, "pgledger_agent_messages_sent_total", "counter", "Peer messages queued for sending.",
         messages_sent, labels);
    line(out, "pgledger_agent_messages_dropped_total", "counter",
         "Peer messages dropped (peer down or slow).", messages_dropped, labels);
    line(out, "pgledger_agent_bytes_received_total", "counter", "Bytes received from peers.", bytes_received,
         labels);
    line(out, "pgledger_agent_bytes_sent_total", "counter", "Bytes sent to peers.", bytes_sent, labels);
    line(out, "pgledger_agent_peer_connections_refused_total", "counter",
         "Connections refused for an unknown certificate or a failed handshake.", peer_connections_refused,
         labels);
    line(out, "pgledger_agent_fsyncs_total", "counter", "Durable writes (fsync) of state and blocks.", fsyncs,
         labels);
    line(out, "pgledger_agent_view", "gauge", "Current view.", view, labels);
    line(out, "pgledger_agent_leader", "gauge", "Leader of the current view.", leader, labels);
    line(out, "pgledger_agent_height", "gauge", "Height of the last decided block.", height, labels);
    line(out, "pgledger_agent_pending_requests", "gauge", "Requests waiting to be ordered.", pending_requests,
         labels);
    line(out, "pgledger_agent_changing_view", "gauge", "1 while a view change is in progress.", changing_view,
         labels);
    out += "# HELP pgledger_agent_tip Height of the last decided block, labelled with its hash.\n";
    out += "# TYPE pgledger_agent_tip gauge\n";
    out += "pgledger_agent_tip{replica=\"" + std::to_string(replica_id) + "\",hash=\"" + tip_hash + "\"} " +
           std::to_string(height) + "\n";
    return out;
}

MetricsServer::MetricsServer(asio::io_context& io, const std::string& host, uint16_t port,
                             const Metrics& metrics, uint32_t replica_id)
    : acceptor_(io, asio::ip::tcp::endpoint(asio::ip::make_address(host), port)),
      metrics_(metrics),
      replica_id_(replica_id) {
    accept();
}

void MetricsServer::accept() {
    acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
        if (!error && *open_connections_ < kOpenConnectionsMax) {
            auto slot = std::make_shared<ConnectionSlot>(open_connections_);
            auto connection = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
            auto request = std::make_shared<asio::streambuf>(kHttpRequestBytesMax);
            // A scraper that never finishes its request is cut off.
            auto deadline = std::make_shared<asio::steady_timer>(acceptor_.get_executor(), kRequestTimeout);
            deadline->async_wait([connection](std::error_code error) {
                if (!error)
                    connection->close(ignored_error);
            });
            asio::async_read_until(
                *connection, *request, "\r\n\r\n",
                [this, slot, connection, request, deadline](std::error_code read_error, size_t) {
                    if (read_error) {
                        deadline->cancel();
                        return;
                    }
                    std::string body = metrics_.render(replica_id_);
                    auto response = std::make_shared<std::string>(
                        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                        "Content-Length: " +
                        std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
                    asio::async_write(*connection, asio::buffer(*response),
                                      [slot, connection, response, deadline](std::error_code, size_t) {
                                          deadline->cancel();
                                      });
                });
        }
        accept();
    });
}

}  // namespace pgledger::agent
