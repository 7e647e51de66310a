#include "agent/client_server.h"

namespace pgledger::agent {
namespace {
// Handlers must not throw: a peer that resets a connection at the wrong moment
// would otherwise take the agent down. Socket calls use the error_code
// overloads; these errors need no action beyond what follows anyway.
std::error_code ignored_error;
// A client that does not read its answers is cut off rather than buffered forever.
constexpr size_t kClientOutputBytesMax = 16 << 20;
}  // namespace

std::string hex(const consensus::Hash& hash) {
    static const char kDigits[] = "0123456789abcdef";
    std::string text;
    text.reserve(hash.size() * 2);
    for (uint8_t byte : hash) {
        text.push_back(kDigits[byte >> 4]);
        text.push_back(kDigits[byte & 15]);
    }
    return text;
}

ClientConnection::ClientConnection(asio::ip::tcp::socket socket, OnRequest on_request)
    : socket_(std::move(socket)),
      input_(consensus::kRequestBytesMax + 1),
      on_request_(std::move(on_request)) {}

void ClientConnection::read_line() {
    asio::async_read_until(socket_, input_, '\n',
                           [self = shared_from_this()](std::error_code error, size_t size) {
                               if (error) {
                                   // Also reached when a line exceeds the request limit.
                                   self->socket_.close(ignored_error);
                                   return;
                               }
                               auto begin = asio::buffers_begin(self->input_.data());
                               consensus::Bytes request(begin, begin + static_cast<std::ptrdiff_t>(size - 1));
                               self->input_.consume(size);
                               self->on_request_(self, std::move(request));
                               self->read_line();
                           });
}

void ClientConnection::write_line(std::string line) {
    if (!socket_.is_open())
        return;
    if (output_bytes_ + line.size() > kClientOutputBytesMax) {
        socket_.close(ignored_error);
        return;
    }
    line.push_back('\n');
    output_bytes_ += line.size();
    output_.push_back(std::move(line));
    write_more();
}

void ClientConnection::write_more() {
    if (writing_ || output_.empty())
        return;
    writing_ = true;
    auto batch = std::make_shared<std::string>();
    while (!output_.empty() && batch->size() < 65536) {
        *batch += output_.front();
        output_.pop_front();
    }
    asio::async_write(socket_, asio::buffer(*batch),
                      [self = shared_from_this(), batch](std::error_code error, size_t) {
                          self->writing_ = false;
                          self->output_bytes_ -= batch->size();
                          if (error) {
                              self->socket_.close(ignored_error);
                              return;
                          }
                          self->write_more();
                      });
}

ClientServer::ClientServer(asio::io_context& io, const std::string& host, uint16_t port,
                           ClientConnection::OnRequest on_request)
    : acceptor_(io, asio::ip::tcp::endpoint(asio::ip::make_address(host), port)),
      on_request_(std::move(on_request)) {
    accept();
}

void ClientServer::accept() {
    acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
        if (!error) {
            socket.set_option(asio::ip::tcp::no_delay(true), ignored_error);
            std::make_shared<ClientConnection>(std::move(socket), on_request_)->start();
        }
        accept();
    });
}

}  // namespace pgledger::agent
