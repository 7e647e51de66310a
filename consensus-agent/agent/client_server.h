// Local client interface, a line protocol on a loopback port: each line a
// client sends is one request (at most 4096 bytes, no newline inside). The
// agent answers each request exactly once, when it is decided or refused:
//   D <height> <sha256 of the request, hex>
//   R <reason> <sha256 of the request, hex>
// The PostgreSQL side (network mode) will replace this with its outbox.
#pragma once

#include <asio.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "core/types.h"

namespace pgledger::agent {

class ClientConnection : public std::enable_shared_from_this<ClientConnection> {
  public:
    using OnRequest = std::function<void(const std::shared_ptr<ClientConnection>&, consensus::Bytes)>;
    ClientConnection(asio::ip::tcp::socket socket, OnRequest on_request);
    void start() { read_line(); }
    void write_line(std::string line);

  private:
    void read_line();
    void write_more();

    asio::ip::tcp::socket socket_;
    asio::streambuf input_;
    OnRequest on_request_;
    std::deque<std::string> output_;
    size_t output_bytes_ = 0;
    bool writing_ = false;
};

class ClientServer {
  public:
    ClientServer(asio::io_context& io, const std::string& host, uint16_t port,
                 ClientConnection::OnRequest on_request);

  private:
    void accept();
    asio::ip::tcp::acceptor acceptor_;
    ClientConnection::OnRequest on_request_;
};

std::string hex(const consensus::Hash& hash);

}  // namespace pgledger::agent
