// sha256_speed: how fast pgledger's row-hashing code runs, outside PostgreSQL.
//
// Measures the pure C++ core that the ledger table access method and
// ledger.verify() call for every row:
//   - core::Sha256 (update + finish) on 64-byte and 16 KiB buffers: the raw
//     speed of OpenSSL's SHA-256 through the EVP context the extension reuses;
//   - core::sha256(), the one-shot helper (thread_local Sha256);
//   - core::RowHasher on realistic rows, exactly the calls hash_row() makes
//     (begin, one add_column per non-NULL column, finish);
//   - for comparison, the same canonical row bytes encoded into one buffer and
//     hashed with a single update: the difference is the cost of the many
//     small EVP_DigestUpdate calls RowHasher makes (five or six per column).
//
// Each case runs for SHA_BENCH_SECONDS (default 0.5) per repetition, three
// repetitions, and the median rate is printed. Rates: ops/s (rows/s for row
// cases) and MB/s with MB = 10^6 bytes of SHA-256 input. This is not a test:
// there is no threshold, only numbers.
//
// Build (what sha256_speed.sh does):
//   g++ -std=c++17 -O2 -Isrc bench/sha256_speed.cpp src/core/digest.cpp src/core/canonical.cpp -lcrypto

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/crypto.h>

#include "core/canonical.hpp"
#include "core/digest.hpp"

namespace core = pgledger::core;

namespace {

// Keeps the compiler from discarding digests nobody reads.
volatile std::uint8_t sink = 0;
void consume(const core::Digest& digest) {
    sink = static_cast<std::uint8_t>(sink ^ digest[0] ^ digest[31]);
}

double seconds_per_repetition() {
    const char* text = std::getenv("SHA_BENCH_SECONDS");
    const double value = text != nullptr ? std::atof(text) : 0.5;
    // Bounded: a typo must not make the benchmark run for hours.
    return std::clamp(value, 0.05, 30.0);
}

// run_for calls op in batches until `seconds` have passed; returns ops/s.
double run_for(double seconds, const std::function<void()>& op) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto deadline = start + std::chrono::duration<double>(seconds);
    std::uint64_t ops = 0;
    auto now = start;
    do {
        for (int i = 0; i < 256; ++i) {
            op();
        }
        ops += 256;
        now = clock::now();
    } while (now < deadline);
    return static_cast<double>(ops) / std::chrono::duration<double>(now - start).count();
}

double median_rate(double seconds, const std::function<void()>& op) {
    run_for(seconds / 5, op);  // warm-up: caches, branch predictors, CPU clock
    std::vector<double> rates;
    for (int repetition = 0; repetition < 3; ++repetition) {
        rates.push_back(run_for(seconds, op));
    }
    std::sort(rates.begin(), rates.end());
    return rates[1];
}

void report(const char* name, std::size_t bytes_per_op, double ops_per_second, const char* unit) {
    std::printf("%-54s %8zu %14.0f %-7s %10.1f\n", name, bytes_per_op, ops_per_second, unit,
                ops_per_second * static_cast<double>(bytes_per_op) / 1e6);
}

// A column value as hash_row() passes it to RowHasher::add_column.
struct Column {
    std::uint32_t ordinal;
    std::string name;
    core::ValueKind kind;
    std::vector<std::uint8_t> value;
};

std::vector<std::uint8_t> big_endian(std::uint64_t value, int size) {
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * (size - 1 - i)));
    }
    return bytes;
}

std::vector<std::uint8_t> text(std::string_view s) {
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

// numeric_send of 1234.56: ndigits 2, weight 0, sign +, dscale 2, digits 1234 5600.
std::vector<std::uint8_t> numeric_1234_56() {
    std::vector<std::uint8_t> out;
    for (const std::uint16_t word : {2, 0, 0, 2, 1234, 5600}) {
        out.push_back(static_cast<std::uint8_t>(word >> 8));
        out.push_back(static_cast<std::uint8_t>(word));
    }
    return out;
}

// The row of bench/insert_throughput.sh's table: (id bigint, account text,
// amount numeric, note text, created timestamptz). The ledger position
// columns are not columns of the encoding: they go into begin().
std::vector<Column> payment_row() {
    return {
        {1, "id", core::ValueKind::binary, big_endian(123456789, 8)},
        {2, "account", core::ValueKind::text, text("acct-000042")},
        {3, "amount", core::ValueKind::binary, numeric_1234_56()},
        {4, "note", core::ValueKind::text, text("invoice 2026-11-26 settled by bank transfer")},
        {5, "created", core::ValueKind::binary, big_endian(0x0002'E3C1'5A6B'7C00ULL, 8)},
    };
}

// A wider row: bench/verify_speed.sh's table plus a few more typical columns
// (12 columns, ~300 bytes of values, including a jsonb rendered as text).
std::vector<Column> wide_row() {
    std::vector<Column> row = payment_row();
    row.push_back({6, "currency", core::ValueKind::text, text("EUR")});
    row.push_back({7, "counterparty", core::ValueKind::text, text("ACME Industrial Supplies GmbH & Co. KG")});
    row.push_back({8, "iban", core::ValueKind::text, text("DE89370400440532013000")});
    row.push_back({9, "booked_on", core::ValueKind::binary, big_endian(9826, 4)});
    row.push_back({10, "reversal", core::ValueKind::binary, big_endian(0, 1)});
    row.push_back({11, "reference", core::ValueKind::binary, std::vector<std::uint8_t>(16, 0xab)});  // uuid
    row.push_back(
        {12, "metadata", core::ValueKind::rendered,
         text(
             R"({"batch": 17, "channel": "sepa", "tags": ["monthly", "supplier"], "approved_by": "jdoe"})")});
    return row;
}

// The canonical encoding RowHasher feeds to SHA-256 (README.md, "Canonical
// encoding"), built into one buffer: used to count the bytes hashed per row
// and for the single-update comparison.
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    core::append_u32(out, v);
}

std::vector<std::uint8_t> encode_row(const std::vector<Column>& row, std::uint64_t table_id,
                                     std::uint64_t txn, std::uint32_t seq) {
    std::vector<std::uint8_t> out{core::kRowPrefix, core::kRowEncodingVersion};
    core::append_u64(out, table_id);
    core::append_u64(out, txn);
    put_u32(out, seq);
    for (const Column& column : row) {
        out.push_back(static_cast<std::uint8_t>(column.ordinal >> 8));
        out.push_back(static_cast<std::uint8_t>(column.ordinal));
        out.push_back(static_cast<std::uint8_t>(column.name.size()));
        out.insert(out.end(), column.name.begin(), column.name.end());
        out.push_back(static_cast<std::uint8_t>(column.kind));
        put_u32(out, static_cast<std::uint32_t>(column.value.size()));
        out.insert(out.end(), column.value.begin(), column.value.end());
    }
    return out;
}

void bench_row(const char* label, const std::vector<Column>& row, double seconds) {
    core::RowHasher hasher;
    std::uint32_t seq = 0;
    const auto hash_with_row_hasher = [&] {
        hasher.begin(7, 1000, ++seq);
        for (const Column& column : row) {
            hasher.add_column(column.ordinal, column.name, column.kind, column.value.data(),
                              column.value.size());
        }
        consume(hasher.finish());
    };

    // Sanity: the buffer encoding must be what RowHasher hashes, or the
    // byte counts and the single-update comparison would be meaningless.
    hasher.begin(7, 1000, 1);
    for (const Column& column : row) {
        hasher.add_column(column.ordinal, column.name, column.kind, column.value.data(), column.value.size());
    }
    const std::vector<std::uint8_t> encoded = encode_row(row, 7, 1000, 1);
    if (hasher.finish() != core::sha256(encoded.data(), encoded.size())) {
        std::fprintf(stderr, "encode_row() does not match RowHasher: fix the benchmark\n");
        std::exit(1);
    }

    const std::string name = std::string("RowHasher, ") + label;
    report(name.c_str(), encoded.size(), median_rate(seconds, hash_with_row_hasher), "rows/s");

    core::Sha256 sha;
    const std::string single = std::string("  same bytes, one Sha256::update, ") + label;
    report(single.c_str(), encoded.size(),
           median_rate(seconds,
                       [&] {
                           sha.update(encoded.data(), encoded.size());
                           consume(sha.finish());
                       }),
           "rows/s");
}

}  // namespace

int main() {
    const double seconds = seconds_per_repetition();
    std::printf("OpenSSL: %s\n", OpenSSL_version(OPENSSL_VERSION));
    const char* cap = std::getenv("OPENSSL_ia32cap");
    std::printf("OPENSSL_ia32cap: %s\n", cap != nullptr ? cap : "(unset: OpenSSL uses every CPU feature)");
    std::printf("per case: 3 x %.2f s, median reported; MB = 10^6 bytes of SHA-256 input\n\n", seconds);
    std::printf("%-54s %8s %14s %-7s %10s\n", "case", "bytes/op", "rate", "unit", "MB/s");

    std::vector<std::uint8_t> small(64, 0x5a);
    std::vector<std::uint8_t> large(16 * 1024, 0xa5);
    core::Sha256 sha;
    report("Sha256 update+finish, 64 B", small.size(),
           median_rate(seconds,
                       [&] {
                           sha.update(small.data(), small.size());
                           consume(sha.finish());
                       }),
           "ops/s");
    report("Sha256 update+finish, 16 KiB", large.size(),
           median_rate(seconds,
                       [&] {
                           sha.update(large.data(), large.size());
                           consume(sha.finish());
                       }),
           "ops/s");
    report("sha256() one-shot, 64 B", small.size(),
           median_rate(seconds, [&] { consume(core::sha256(small.data(), small.size())); }), "ops/s");

    bench_row("5-column payment row", payment_row(), seconds);
    bench_row("12-column wide row", wide_row(), seconds);
    return 0;
}
