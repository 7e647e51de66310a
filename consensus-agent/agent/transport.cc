#include "agent/transport.h"

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <spdlog/spdlog.h>

#include <stdexcept>

namespace pgledger::agent {
namespace {

using consensus::Bytes;
using consensus::Hash;
using consensus::ReplicaId;
using SslStream = asio::ssl::stream<asio::ip::tcp::socket>;

// Handlers must not throw: a peer that resets a connection at the wrong moment
// would otherwise take the agent down. Socket calls use the error_code
// overloads; these errors need no action beyond what follows anyway.
std::error_code ignored_error;
constexpr size_t kFrameHeaderBytes = 4;
// Per peer: beyond this the peer is not keeping up and new frames are dropped.
constexpr size_t kOutboundQueueBytesMax = 64 << 20;
constexpr size_t kWriteBatchFramesMax = 64;
constexpr size_t kHandshakesInProgressMax = 32;
constexpr auto kHandshakeTimeout = std::chrono::seconds(5);
constexpr uint64_t kReconnectDelayMsMax = 2000;

Hash fingerprint(X509* certificate) {
    Hash hash{};
    unsigned int size = 0;
    X509_digest(certificate, EVP_sha256(), hash.data(), &size);
    return hash;
}

X509* read_certificate(const std::string& path) {
    FILE* file = std::fopen(path.c_str(), "r");
    if (file == nullptr)
        throw std::runtime_error("cannot open certificate " + path);
    X509* certificate = PEM_read_X509(file, nullptr, nullptr, nullptr);
    std::fclose(file);
    if (certificate == nullptr)
        throw std::runtime_error("not a PEM certificate: " + path);
    return certificate;
}

// Which replica presented this certificate, if any.
std::optional<ReplicaId> identify(const std::vector<Hash>& fingerprints, X509* certificate) {
    if (certificate == nullptr)
        return std::nullopt;
    Hash presented = fingerprint(certificate);
    for (ReplicaId id = 0; id < fingerprints.size(); id++) {
        if (fingerprints[id] == presented)
            return id;
    }
    return std::nullopt;
}

std::optional<ReplicaId> peer_of(const std::vector<Hash>& fingerprints, SslStream& stream) {
    X509* certificate = SSL_get1_peer_certificate(stream.native_handle());
    std::optional<ReplicaId> id = identify(fingerprints, certificate);
    X509_free(certificate);
    return id;
}

}  // namespace

Frame make_frame(const Bytes& message) {
    auto frame = std::make_shared<Bytes>();
    frame->reserve(kFrameHeaderBytes + message.size());
    consensus::Writer writer(*frame);
    writer.u32(static_cast<uint32_t>(message.size()));
    frame->insert(frame->end(), message.begin(), message.end());
    return frame;
}

consensus::PublicKey certificate_public_key(const std::string& certificate_path) {
    X509* certificate = read_certificate(certificate_path);
    EVP_PKEY* key = X509_get0_pubkey(certificate);
    consensus::PublicKey raw{};
    size_t size = raw.size();
    bool ok = key != nullptr && EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 &&
              EVP_PKEY_get_raw_public_key(key, raw.data(), &size) == 1 && size == raw.size();
    X509_free(certificate);
    if (!ok)
        throw std::runtime_error("certificate does not hold an Ed25519 key: " + certificate_path);
    return raw;
}

struct PeerNetwork::Outbound {
    Outbound(asio::io_context& io, ReplicaId id) : id(id), retry(io) {}
    ReplicaId id;
    std::unique_ptr<SslStream> stream;
    bool connected = false;
    bool writing = false;
    std::deque<Frame> queue;
    size_t queued_bytes = 0;
    asio::steady_timer retry;
    uint32_t attempts = 0;
    // Frames handed to the current async_write, kept alive until it ends.
    std::vector<Frame> in_flight;
};

// One accepted connection: handshake, identify the peer by certificate, then
// read frames until the peer goes away or sends something out of bounds.
class PeerNetwork::Inbound : public std::enable_shared_from_this<PeerNetwork::Inbound> {
  public:
    Inbound(PeerNetwork& network, asio::ip::tcp::socket socket)
        : network_(network),
          stream_(std::move(socket), network.tls_),
          timer_(network.io_),
          alive_(network.alive_) {}

    void start() {
        network_.handshakes_in_progress_++;
        timer_.expires_after(kHandshakeTimeout);
        timer_.async_wait([self = shared_from_this()](std::error_code error) {
            if (!error)
                self->stream_.lowest_layer().close(ignored_error);
        });
        stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](
                                                                    std::error_code error) {
            if (self->alive_.expired())
                return;
            self->network_.handshakes_in_progress_--;
            self->timer_.cancel();
            std::optional<ReplicaId> peer =
                error ? std::nullopt : peer_of(self->network_.fingerprints_, self->stream_);
            if (!peer || *peer == self->network_.config_.id) {
                self->network_.metrics_.peer_connections_refused++;
                spdlog::warn("refused peer connection: {}", error ? error.message() : "unknown certificate");
                self->stream_.lowest_layer().close(ignored_error);
                return;
            }
            self->peer_ = *peer;
            spdlog::info("peer {} connected", self->peer_);
            self->read_header();
        });
    }

  private:
    void read_header() {
        asio::async_read(
            stream_, asio::buffer(header_), [self = shared_from_this()](std::error_code error, size_t) {
                if (self->alive_.expired())
                    return;
                if (error) {
                    spdlog::info("peer {} disconnected: {}", self->peer_, error.message());
                    return;
                }
                uint32_t length = self->header_[0] | self->header_[1] << 8 | self->header_[2] << 16 |
                                  static_cast<uint32_t>(self->header_[3]) << 24;
                if (length == 0 || length > consensus::kMessageBytesMax) {
                    spdlog::warn("peer {} sent a frame of {} bytes; closing", self->peer_, length);
                    self->stream_.lowest_layer().close(ignored_error);
                    return;
                }
                self->body_.resize(length);
                self->read_body();
            });
    }

    void read_body() {
        asio::async_read(stream_, asio::buffer(body_),
                         [self = shared_from_this()](std::error_code error, size_t) {
                             if (self->alive_.expired() || error)
                                 return;
                             self->network_.metrics_.bytes_received += kFrameHeaderBytes + self->body_.size();
                             self->network_.deliver_(self->peer_, self->body_);
                             self->read_header();
                         });
    }

    PeerNetwork& network_;
    SslStream stream_;
    asio::steady_timer timer_;
    std::weak_ptr<bool> alive_;
    ReplicaId peer_ = 0;
    std::array<uint8_t, kFrameHeaderBytes> header_{};
    Bytes body_;
};

PeerNetwork::PeerNetwork(asio::io_context& io, const AgentConfig& config, Metrics& metrics, Deliver deliver)
    : io_(io),
      config_(config),
      metrics_(metrics),
      deliver_(std::move(deliver)),
      tls_(asio::ssl::context::tls),
      acceptor_(io),
      alive_(std::make_shared<bool>(true)) {
    SSL_CTX_set_min_proto_version(tls_.native_handle(), TLS1_3_VERSION);
    tls_.use_certificate_file(config.certificate_path, asio::ssl::context::pem);
    tls_.use_private_key_file(config.private_key_path, asio::ssl::context::pem);
    for (const PeerConfig& peer : config.peers) {
        endpoints_.emplace_back(asio::ip::make_address(peer.host), peer.port);
        X509* certificate = read_certificate(peer.certificate_path);
        fingerprints_.push_back(fingerprint(certificate));
        X509_free(certificate);
    }
    // Certificates are self-signed and pinned: the chain check is replaced by
    // "is this exactly one of our peers' certificates".
    tls_.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    tls_.set_verify_callback([this](bool, asio::ssl::verify_context& context) {
        X509* certificate = X509_STORE_CTX_get_current_cert(context.native_handle());
        return identify(fingerprints_, certificate).has_value();
    });
    for (ReplicaId id = 0; id < config.peers.size(); id++)
        outbound_.push_back(std::make_unique<Outbound>(io, id));
}

PeerNetwork::~PeerNetwork() {
    alive_.reset();
}

void PeerNetwork::start() {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address(config_.listen_host), config_.listen_port);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    accept();
    for (auto& peer : outbound_) {
        if (peer->id != config_.id)
            connect(*peer);
    }
}

void PeerNetwork::accept() {
    acceptor_.async_accept([this](std::error_code error, asio::ip::tcp::socket socket) {
        if (!error) {
            if (handshakes_in_progress_ >= kHandshakesInProgressMax) {
                metrics_.peer_connections_refused++;
            } else {
                socket.set_option(asio::ip::tcp::no_delay(true), ignored_error);
                std::make_shared<Inbound>(*this, std::move(socket))->start();
            }
        }
        accept();
    });
}

void PeerNetwork::connect(Outbound& peer) {
    peer.stream = std::make_unique<SslStream>(io_, tls_);
    peer.stream->lowest_layer().async_connect(endpoints_[peer.id], [this, &peer](std::error_code error) {
        if (error) {
            schedule_reconnect(peer);
            return;
        }
        peer.stream->lowest_layer().set_option(asio::ip::tcp::no_delay(true), ignored_error);
        peer.stream->async_handshake(
            asio::ssl::stream_base::client, [this, &peer](std::error_code handshake_error) {
                if (handshake_error || peer_of(fingerprints_, *peer.stream) != peer.id) {
                    metrics_.peer_connections_refused++;
                    spdlog::warn("TLS handshake with peer {} failed: {}", peer.id,
                                 handshake_error ? handshake_error.message() : "wrong certificate");
                    schedule_reconnect(peer);
                    return;
                }
                peer.connected = true;
                peer.attempts = 0;
                spdlog::info("connected to peer {}", peer.id);
                write_more(peer);
            });
    });
}

void PeerNetwork::schedule_reconnect(Outbound& peer) {
    peer.connected = false;
    if (peer.stream)
        peer.stream->lowest_layer().close(ignored_error);
    uint64_t delay_ms =
        std::min<uint64_t>(kReconnectDelayMsMax, 50ull << std::min<uint32_t>(peer.attempts, 6));
    peer.attempts++;
    peer.retry.expires_after(std::chrono::milliseconds(delay_ms));
    peer.retry.async_wait([this, &peer](std::error_code error) {
        if (!error)
            connect(peer);
    });
}

void PeerNetwork::send(ReplicaId to, const Frame& frame) {
    Outbound& peer = *outbound_.at(to);
    if (!peer.connected || peer.queued_bytes + frame->size() > kOutboundQueueBytesMax) {
        metrics_.messages_dropped++;
        return;
    }
    metrics_.messages_sent++;
    peer.queued_bytes += frame->size();
    peer.queue.push_back(frame);
    write_more(peer);
}

void PeerNetwork::write_more(Outbound& peer) {
    if (!peer.connected || peer.writing || peer.queue.empty())
        return;
    std::vector<asio::const_buffer> buffers;
    while (!peer.queue.empty() && peer.in_flight.size() < kWriteBatchFramesMax) {
        peer.in_flight.push_back(std::move(peer.queue.front()));
        peer.queue.pop_front();
        buffers.push_back(asio::buffer(*peer.in_flight.back()));
    }
    peer.writing = true;
    asio::async_write(*peer.stream, buffers, [this, &peer](std::error_code error, size_t written) {
        peer.writing = false;
        for (const Frame& frame : peer.in_flight)
            peer.queued_bytes -= frame->size();
        peer.in_flight.clear();
        if (error) {
            spdlog::info("lost connection to peer {}: {}", peer.id, error.message());
            drop_connection(peer);
            return;
        }
        metrics_.bytes_sent += written;
        write_more(peer);
    });
}

void PeerNetwork::drop_connection(Outbound& peer) {
    metrics_.messages_dropped += peer.queue.size();
    peer.queue.clear();
    peer.queued_bytes = 0;
    schedule_reconnect(peer);
}

}  // namespace pgledger::agent
