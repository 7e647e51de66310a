// Load client for the agent's line protocol: submits fixed-size requests to
// several agents, keeps a bounded window outstanding on each, and reports
// decided requests per second and submission-to-decision latency.
// Used by the benchmark and by the multi-process test (exit status 0 only if
// every request was decided before the deadline).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/crypto.h"

namespace {

using Clock = std::chrono::steady_clock;

std::string hex(const pgledger::consensus::Hash& hash) {
    static const char kDigits[] = "0123456789abcdef";
    std::string text;
    for (uint8_t byte : hash) {
        text.push_back(kDigits[byte >> 4]);
        text.push_back(kDigits[byte & 15]);
    }
    return text;
}

struct Connection {
    int fd = -1;
    std::string input;
    std::string output;
    size_t outstanding = 0;
};

int connect_to(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        std::perror("connect");
        std::exit(2);
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"pgledger-agent load client"};
    std::vector<uint16_t> ports;
    uint64_t request_count = 10000;
    size_t request_bytes = 200;
    size_t window = 2000;
    double timeout_s = 60;
    std::string tag = std::to_string(::getpid());
    app.add_option("--ports", ports, "Client ports of the agents to submit to")->required()->delimiter(',');
    app.add_option("--requests", request_count, "Requests to submit in total");
    app.add_option("--size", request_bytes, "Bytes per request")->check(CLI::Range(32, 4096));
    app.add_option("--window", window, "Requests outstanding per agent");
    app.add_option("--timeout", timeout_s, "Seconds before giving up");
    app.add_option("--tag", tag, "Makes requests unique across runs");
    CLI11_PARSE(app, argc, argv);

    std::vector<Connection> connections(ports.size());
    for (size_t i = 0; i < ports.size(); i++)
        connections[i].fd = connect_to(ports[i]);
    std::map<std::string, Clock::time_point> submitted_at;
    std::vector<double> latencies_ms;
    uint64_t next_request = 0;
    uint64_t rejected = 0;
    Clock::time_point start = Clock::now();
    Clock::time_point deadline = start + std::chrono::microseconds(static_cast<int64_t>(timeout_s * 1e6));

    while (latencies_ms.size() + rejected < request_count && Clock::now() < deadline) {
        for (Connection& connection : connections) {
            while (next_request < request_count && connection.outstanding < window &&
                   connection.output.size() < (1 << 20)) {
                std::string request = "req-" + tag + "-" + std::to_string(next_request++) + "-";
                request.resize(request_bytes, 'x');
                pgledger::consensus::Hash id = pgledger::consensus::sha256(
                    reinterpret_cast<const uint8_t*>(request.data()), request.size());
                submitted_at[hex(id)] = Clock::now();
                connection.output += request;
                connection.output += '\n';
                connection.outstanding++;
            }
        }
        std::vector<pollfd> fds;
        for (Connection& connection : connections) {
            short events = POLLIN;
            if (!connection.output.empty())
                events |= POLLOUT;
            fds.push_back(pollfd{connection.fd, events, 0});
        }
        ::poll(fds.data(), fds.size(), 10);
        for (size_t i = 0; i < connections.size(); i++) {
            Connection& connection = connections[i];
            if (fds[i].revents & POLLOUT) {
                ssize_t written =
                    ::send(connection.fd, connection.output.data(), connection.output.size(), 0);
                if (written > 0)
                    connection.output.erase(0, static_cast<size_t>(written));
            }
            if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                char buffer[65536];
                ssize_t got = ::recv(connection.fd, buffer, sizeof(buffer), 0);
                if (got <= 0) {
                    std::fprintf(stderr, "agent on port %u closed the connection\n", ports[i]);
                    return 1;
                }
                connection.input.append(buffer, static_cast<size_t>(got));
                size_t newline;
                while ((newline = connection.input.find('\n')) != std::string::npos) {
                    std::string line = connection.input.substr(0, newline);
                    connection.input.erase(0, newline + 1);
                    std::string id = line.substr(line.rfind(' ') + 1);
                    auto found = submitted_at.find(id);
                    if (found == submitted_at.end())
                        continue;
                    connection.outstanding--;
                    if (line[0] == 'D') {
                        latencies_ms.push_back(
                            std::chrono::duration<double, std::milli>(Clock::now() - found->second).count());
                    } else {
                        rejected++;
                        std::fprintf(stderr, "rejected: %s\n", line.c_str());
                    }
                    submitted_at.erase(found);
                }
            }
        }
    }
    double elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto percentile = [&](double p) {
        return latencies_ms.empty() ? 0.0 : latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))];
    };
    std::printf(
        "decided %zu of %llu requests (%llu rejected) in %.2f s: %.0f requests/s, latency p50 %.1f ms, "
        "p99 %.1f ms\n",
        latencies_ms.size(), static_cast<unsigned long long>(request_count),
        static_cast<unsigned long long>(rejected), elapsed_s, latencies_ms.size() / elapsed_s,
        percentile(0.5), percentile(0.99));
    for (Connection& connection : connections)
        ::close(connection.fd);
    return latencies_ms.size() == request_count ? 0 : 1;
}
