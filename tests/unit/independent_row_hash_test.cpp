// Recomputes the row hashes of ledger tables independently of the extension,
// from nothing but what any libpq client can read, and compares them with the
// row hashes the ledger sealed. This pins down the canonical row encoding for
// every built-in type family:
//
//   row = 0x00 || 0x02 || u64 table_id || u64 txn_id || u32 seq ||
//         for each non-NULL, non-generated, non-ledger column in attnum order:
//           u16 ordinal || u8 len || name (UTF-8) || u8 kind || u32 len || value
//
//   ordinal = position among the table's non-dropped columns (attnum order,
//             the two ledger columns and generated columns counted too)
//   kind 'b': the value in PostgreSQL's binary send format (bytea: raw bytes;
//             a float NaN as the quiet NaN, whatever its sign and payload)
//   kind 't': the value's characters in UTF-8
//   kind 'o': the type's output text with DateStyle 'ISO, MDY', IntervalStyle
//             postgres, TimeZone UTC, extra_float_digits 1, bytea_output hex,
//             lc_monetary C, search_path pg_catalog, pg_temp, quote_all_identifiers
//             off; domains follow their
//             base type. "char" is kind 'b' (one byte), xml kind 'o' without
//             leading newlines.
//
// Needs a server: PGLEDGER_TEST_DSN is a libpq connection string to a database
// where pgledger can be created. Without it the tests skip, unless
// PGLEDGER_REQUIRE_DB=1 makes them fail (tests/unit/run_with_cluster.sh sets both).
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/canonical.hpp"
#include "core/digest.hpp"
#include "core/merkle.hpp"
#include "core/row_index.hpp"

namespace {

using pgledger::core::columns_hash;
using pgledger::core::DeclaredColumn;
using pgledger::core::decode_row_index;
using pgledger::core::Digest;
using pgledger::core::hash_prefix_of;
using pgledger::core::IndexedRow;
using pgledger::core::RowHasher;
using pgledger::core::RowHashPrefix;
using pgledger::core::to_hex;
using pgledger::core::TypeLevel;
using pgledger::core::ValueKind;
using pgledger::core::wide_merkle_root;

// Built-in type OIDs (pg_type.dat); as a client would, the test hard-codes
// them rather than including server headers. Row descriptions report a
// domain column with its base type's OID.
constexpr Oid kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
              kOid = 26, kJson = 114, kXml = 142, kCidr = 650, kFloat4 = 700, kFloat8 = 701, kMacaddr8 = 774,
              kMoney = 790, kMacaddr = 829, kInet = 869, kBpchar = 1042, kVarchar = 1043, kDate = 1082,
              kTime = 1083, kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266,
              kNumeric = 1700, kUuid = 2950;

ValueKind kind_of_type(Oid type) {
    static const std::set<Oid> binary = {kBool,    kInt2,     kInt4,   kInt8,      kOid,         kFloat4,
                                         kFloat8,  kDate,     kTime,   kTimestamp, kTimestamptz, kMoney,
                                         kNumeric, kInterval, kTimetz, kUuid,      kInet,        kCidr,
                                         kMacaddr, kMacaddr8, kBytea,  kChar};
    static const std::set<Oid> text = {kText, kVarchar, kBpchar, kName, kJson};
    if (binary.count(type) != 0) {
        return ValueKind::binary;
    }
    if (text.count(type) != 0) {
        return ValueKind::text;
    }
    return ValueKind::rendered;
}

// canonical_nan: the bytes a float4 or float8 NaN is hashed as (the quiet
// NaN, big-endian, whatever sign and payload the server sent), or "" for any
// other value.
std::string canonical_nan(Oid type, const char* value, int length) {
    const auto byte = [&](int i) { return static_cast<unsigned char>(value[i]); };
    if (type == kFloat4 && length == 4) {
        const bool all_ones_exponent = (byte(0) & 0x7f) == 0x7f && (byte(1) & 0x80) == 0x80;
        const bool mantissa = (byte(1) & 0x7f) != 0 || byte(2) != 0 || byte(3) != 0;
        return all_ones_exponent && mantissa ? std::string("\x7f\xc0\x00\x00", 4) : std::string();
    }
    if (type == kFloat8 && length == 8) {
        const bool all_ones_exponent = (byte(0) & 0x7f) == 0x7f && (byte(1) & 0xf0) == 0xf0;
        bool mantissa = (byte(1) & 0x0f) != 0;
        for (int i = 2; i < 8; ++i) {
            mantissa = mantissa || byte(i) != 0;
        }
        return all_ones_exponent && mantissa ? std::string("\x7f\xf8\x00\x00\x00\x00\x00\x00", 8)
                                             : std::string();
    }
    return std::string();
}

struct ResultDeleter {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnectionDeleter {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};

enum class Format { text = 0, binary = 1 };

class Connection {
  public:
    explicit Connection(const std::string& dsn) : connection_(PQconnectdb(dsn.c_str())) {
        if (PQstatus(connection_.get()) != CONNECTION_OK) {
            throw std::runtime_error("cannot connect with PGLEDGER_TEST_DSN: " +
                                     std::string(PQerrorMessage(connection_.get())));
        }
        // Text values are compared as UTF-8, whatever the server encoding.
        if (PQsetClientEncoding(connection_.get(), "UTF8") != 0) {
            throw std::runtime_error("cannot set client_encoding UTF8");
        }
    }

    // run executes sql, throwing with the server's message on any error.
    Result run(const std::string& sql, const std::vector<std::string>& parameters = {},
               Format format = Format::text) {
        std::vector<const char*> values;
        for (const auto& parameter : parameters) {
            values.push_back(parameter.c_str());
        }
        Result result(PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, static_cast<int>(format)));
        const ExecStatusType status = PQresultStatus(result.get());
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            throw std::runtime_error("SQL failed: " + sql + "\n" + PQresultErrorMessage(result.get()));
        }
        return result;
    }

    // run_script executes several ;-separated statements (no parameters).
    void run_script(const std::string& sql) {
        Result result(PQexec(connection_.get(), sql.c_str()));
        if (PQresultStatus(result.get()) != PGRES_COMMAND_OK &&
            PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
            throw std::runtime_error("SQL failed: " + sql + "\n" + PQresultErrorMessage(result.get()));
        }
    }

    std::string value(const std::string& sql, const std::vector<std::string>& parameters = {}) {
        const Result result = run(sql, parameters);
        if (PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1 || PQgetisnull(result.get(), 0, 0)) {
            throw std::runtime_error("expected one non-NULL value from: " + sql);
        }
        return PQgetvalue(result.get(), 0, 0);
    }

    std::string identifier(const std::string& name) {
        char* quoted = PQescapeIdentifier(connection_.get(), name.c_str(), name.size());
        std::string out = quoted;
        PQfreemem(quoted);
        return out;
    }

  private:
    std::unique_ptr<PGconn, ConnectionDeleter> connection_;
};

std::string preview(const char* value, int length) {
    std::string shown;
    for (int i = 0; i < length && i < 48; ++i) {
        const auto byte = static_cast<unsigned char>(value[i]);
        if (byte >= 0x20 && byte < 0x7f) {
            shown += static_cast<char>(byte);
        } else {
            char escaped[5];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
            shown += escaped;
        }
    }
    return length > 48 ? shown + "... (" + std::to_string(length) + " bytes)" : shown;
}

struct Comparison {
    std::size_t rows = 0;
    std::size_t sealed = 0;
    std::vector<std::string> mismatches;  // one description per row whose hash differs
};

// The settings under which kind 'o' values are rendered.
constexpr const char* kPinnedSettings =
    "SET DateStyle = 'ISO, MDY'; SET IntervalStyle = postgres; SET TimeZone = 'UTC'; "
    "SET extra_float_digits = 1; SET bytea_output = hex; SET lc_monetary = 'C'; SET search_path = "
    "pg_catalog, pg_temp";

// Settings that differ from every pinned one, for the inserting session:
// the sealed hashes must not depend on them.
constexpr const char* kUnusualSettings =
    "SET DateStyle = 'SQL, DMY'; SET IntervalStyle = sql_standard; SET TimeZone = 'Asia/Kathmandu'; "
    "SET extra_float_digits = 0; SET bytea_output = escape; SET lc_monetary = 'C.utf8'";

class IndependentRowHash : public ::testing::Test {
  protected:
    void SetUp() override {
        const char* dsn = std::getenv("PGLEDGER_TEST_DSN");
        if (dsn == nullptr || *dsn == '\0') {
            const char* require = std::getenv("PGLEDGER_REQUIRE_DB");
            if (require != nullptr && std::string(require) == "1") {
                FAIL() << "PGLEDGER_TEST_DSN is not set, but PGLEDGER_REQUIRE_DB=1 requires a database: "
                          "run tests/unit/run_with_cluster.sh, or set PGLEDGER_TEST_DSN to a libpq "
                          "connection string of a server with pgledger preloaded";
            }
            GTEST_SKIP() << "PGLEDGER_TEST_DSN is not set: no server to recompute row hashes against";
        }
        writer_ = std::make_unique<Connection>(dsn);
        reader_ = std::make_unique<Connection>(dsn);
        writer_->run_script("SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS pgledger");
        // A schema of its own per test, so runs against one database never collide.
        schema_ = "row_hash_" + writer_->value("SELECT pg_backend_pid()") + "_" +
                  writer_->value("SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint");
        writer_->run("CREATE SCHEMA " + schema_);
        writer_->run_script("SET search_path = " + schema_ + ", public; " + kUnusualSettings);
        writer_->run_script(
            "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');"
            "CREATE TYPE pair AS (n int, label text, at timestamptz, ratio float8);"
            "CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);"
            "CREATE DOMAIN short_text AS varchar(10);"
            "CREATE DOMAIN stamp AS timestamptz;");
        reader_->run_script("SET search_path = " + schema_ + ", public; " + std::string(kPinnedSettings));
    }

    bool server_has_xml() {
        try {
            reader_->run("SELECT '<a/>'::xml");
            return true;
        } catch (const std::runtime_error&) {
            return false;  // built without libxml
        }
    }

    // Seals every committed transaction of the table. The background sealer
    // may be sealing them concurrently, in which case ledger.seal() finds
    // nothing pending; wait until the entries carry a block.
    void seal(const std::string& table) {
        writer_->run("SELECT ledger.seal()");
        const std::string unsealed =
            "SELECT count(*) FROM ledger.transactions t JOIN ledger.tables l USING (table_id) "
            "WHERE l.relation = $1::regclass AND t.block_height IS NULL";
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (reader_->value(unsealed, {qualified(table)}) != "0") {
            if (std::chrono::steady_clock::now() > deadline) {
                throw std::runtime_error("transactions of " + table + " were not sealed within 30 s");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            writer_->run("SELECT ledger.seal()");
        }
    }

    std::string qualified(const std::string& table) const { return schema_ + "." + table; }

    // declared_columns reads each column's type chain from the catalog: a
    // domain's base type, an array's element type, down to a named type.
    static std::vector<DeclaredColumn> declared_columns(Connection& db, const std::string& relation) {
        const Result levels = db.run(
            "WITH RECURSIVE chain AS ("
            "  SELECT attnum, attname, 1 AS level, atttypid AS type FROM pg_attribute"
            "   WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped"
            "  UNION ALL"
            "  SELECT c.attnum, c.attname, c.level + 1, CASE t.typtype WHEN 'd' THEN t.typbasetype ELSE "
            "t.typelem END"
            "    FROM chain c JOIN pg_type t ON t.oid = c.type"
            "   WHERE t.typtype = 'd' OR (t.typelem <> 0 AND t.typsubscript = "
            "'array_subscript_handler'::regproc))"
            "SELECT c.attnum, c.attname, CASE WHEN t.typtype = 'd' THEN 'd' WHEN t.typelem <> 0 AND "
            "t.typsubscript = 'array_subscript_handler'::regproc THEN 'a' ELSE 't' END, n.nspname, t.typname"
            "  FROM chain c JOIN pg_type t ON t.oid = c.type JOIN pg_namespace n ON n.oid = t.typnamespace"
            " ORDER BY c.attnum, c.level",
            {relation});
        std::vector<DeclaredColumn> declared;
        std::string attnum;
        for (int i = 0; i < PQntuples(levels.get()); ++i) {
            if (attnum != PQgetvalue(levels.get(), i, 0)) {
                attnum = PQgetvalue(levels.get(), i, 0);
                declared.push_back({PQgetvalue(levels.get(), i, 1), {}});
            }
            const auto kind = static_cast<TypeLevel::Kind>(PQgetvalue(levels.get(), i, 2)[0]);
            const bool array = kind == TypeLevel::Kind::array;
            declared.back().type.push_back({kind, array ? "" : PQgetvalue(levels.get(), i, 3),
                                            array ? "" : PQgetvalue(levels.get(), i, 4)});
        }
        return declared;
    }

    // recompute reads every row of table and its sealed row hashes through
    // libpq and recomputes each hash from the encoding rules alone.
    Comparison recompute(const std::string& table) {
        Connection& db = *reader_;
        const std::string relation = qualified(table);
        const std::uint64_t table_id = std::stoull(
            db.value("SELECT table_id FROM ledger.tables WHERE relation = $1::regclass", {relation}));

        struct Column {
            std::string name;
            std::uint32_t ordinal;
        };
        std::vector<Column> columns;
        const Result attributes = db.run(
            "SELECT attname, attgenerated <> '' FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > "
            "0 AND NOT attisdropped ORDER BY attnum",
            {relation});
        const std::vector<DeclaredColumn> declared = declared_columns(db, relation);
        for (int i = 0; i < PQntuples(attributes.get()); ++i) {
            const std::string name = PQgetvalue(attributes.get(), i, 0);
            const bool generated = std::strcmp(PQgetvalue(attributes.get(), i, 1), "t") == 0;
            const auto ordinal = static_cast<std::uint32_t>(i + 1);
            if (!generated && name != "ledger_transaction_id" && name != "ledger_sequence_number") {
                columns.push_back(Column{name, ordinal});
            }
        }

        std::string select = "SELECT ledger_transaction_id::text, ledger_sequence_number::text";
        for (const auto& column : columns) {
            select += ", " + db.identifier(column.name);
        }
        select += " FROM " + relation + " ORDER BY ledger_transaction_id, ledger_sequence_number";
        // Both renderings of the same rows: nothing else writes the table now.
        const Result as_text = db.run(select, {}, Format::text);
        const Result as_binary = db.run(select, {}, Format::binary);
        EXPECT_EQ(PQntuples(as_text.get()), PQntuples(as_binary.get()));

        // Per sealed transaction: its rows root, and the short hash of each row.
        std::map<std::uint64_t, Digest> sealed_roots;
        std::map<std::pair<std::uint64_t, std::uint32_t>, RowHashPrefix> sealed;
        const Result entries = db.run(
            "SELECT transaction_id::text, rows_root, row_index, column_count::text, columns_hash FROM "
            "ledger.transactions WHERE table_id = $1 AND block_height IS NOT NULL",
            {std::to_string(table_id)}, Format::binary);
        Comparison comparison;
        for (int i = 0; i < PQntuples(entries.get()); ++i) {
            const std::uint64_t txn_id = std::stoull(PQgetvalue(entries.get(), i, 0));
            // The entry binds the names and types of the columns it had:
            // schema and name of each column's type, as the catalog reads.
            const std::size_t column_count = std::stoul(PQgetvalue(entries.get(), i, 3));
            const std::string recorded(PQgetvalue(entries.get(), i, 4),
                                       static_cast<std::size_t>(PQgetlength(entries.get(), i, 4)));
            const Digest expected = columns_hash(declared, std::min(column_count, declared.size()));
            if (column_count > declared.size() || recorded != std::string(expected.begin(), expected.end())) {
                comparison.mismatches.push_back("transaction " + std::to_string(txn_id) +
                                                ": the recorded columns hash of its " +
                                                std::to_string(column_count) + " columns does not recompute");
            }
            Digest root{};
            EXPECT_EQ(PQgetlength(entries.get(), i, 1), static_cast<int>(root.size()));
            std::memcpy(root.data(), PQgetvalue(entries.get(), i, 1), root.size());
            sealed_roots[txn_id] = root;
            std::vector<IndexedRow> index;
            EXPECT_TRUE(
                decode_row_index(reinterpret_cast<const std::uint8_t*>(PQgetvalue(entries.get(), i, 2)),
                                 static_cast<std::size_t>(PQgetlength(entries.get(), i, 2)), index))
                << "the row index of transaction " << txn_id << " is malformed";
            for (const auto& row : index) {
                sealed[{txn_id, row.seq}] = row.hash_prefix;
            }
        }
        // The recomputed full hashes of each transaction, in row order.
        std::map<std::uint64_t, std::vector<Digest>> recomputed_rows;

        comparison.sealed = sealed.size();
        RowHasher hasher;
        for (int row = 0; row < PQntuples(as_text.get()); ++row) {
            const std::uint64_t txn_id = std::stoull(PQgetvalue(as_text.get(), row, 0));
            const auto seq = static_cast<std::uint32_t>(std::stoul(PQgetvalue(as_text.get(), row, 1)));
            ++comparison.rows;
            hasher.begin(table_id, txn_id, seq);
            std::ostringstream encoded;
            for (std::size_t c = 0; c < columns.size(); ++c) {
                const int field = static_cast<int>(c) + 2;
                if (PQgetisnull(as_text.get(), row, field)) {
                    continue;
                }
                const ValueKind kind = kind_of_type(PQftype(as_text.get(), field));
                const PGresult* source = kind == ValueKind::binary ? as_binary.get() : as_text.get();
                const char* value = PQgetvalue(source, row, field);
                int length = PQgetlength(source, row, field);
                const std::string canonical = canonical_nan(PQftype(as_text.get(), field), value, length);
                if (!canonical.empty()) {
                    value = canonical.data();
                }
                while (PQftype(as_text.get(), field) == kXml && length > 0 && *value == '\n') {
                    ++value;
                    --length;
                }
                hasher.add_column(columns[c].ordinal, columns[c].name, kind, value,
                                  static_cast<std::size_t>(length));
                encoded << "\n    " << columns[c].ordinal << " " << columns[c].name << " type "
                        << PQftype(as_text.get(), field) << " kind '" << static_cast<char>(kind)
                        << "': " << preview(value, length);
            }
            const Digest recomputed = hasher.finish();
            recomputed_rows[txn_id].push_back(recomputed);
            const auto found = sealed.find({txn_id, seq});
            if (found == sealed.end()) {
                comparison.mismatches.push_back("row (transaction " + std::to_string(txn_id) + ", row " +
                                                std::to_string(seq) + ") has no sealed hash");
            } else if (found->second != hash_prefix_of(recomputed)) {
                comparison.mismatches.push_back(
                    "row (transaction " + std::to_string(txn_id) + ", row " + std::to_string(seq) +
                    "): recomputed " + to_hex(recomputed) + ", sealed short hash " +
                    to_hex(found->second.data(), found->second.size()) + encoded.str());
            }
        }
        // The short hashes name rows; the rows roots prove all 32 bytes of
        // every recomputed hash.
        for (const auto& [txn_id, root] : sealed_roots) {
            if (wide_merkle_root(recomputed_rows[txn_id]) != root) {
                comparison.mismatches.push_back(
                    "transaction " + std::to_string(txn_id) +
                    ": the recomputed row hashes do not give its sealed rows root");
            }
        }
        return comparison;
    }

    // expect_all_rows_match asserts that each row's recomputed hash is its
    // sealed hash and that the sealed record holds exactly these rows.
    void expect_all_rows_match(const std::string& table, std::size_t expected_rows) {
        const Comparison comparison = recompute(table);
        EXPECT_EQ(comparison.rows, expected_rows);
        EXPECT_EQ(comparison.sealed, expected_rows);
        for (const auto& mismatch : comparison.mismatches) {
            ADD_FAILURE() << table << ": " << mismatch;
        }
    }

    std::unique_ptr<Connection> writer_;
    std::unique_ptr<Connection> reader_;
    std::string schema_;
};

TEST_F(IndependentRowHash, EveryTypeFamilyInOneTable) {
    const bool xml = server_has_xml();
    const std::string xml_column = xml ? "c_xml xml," : "";
    writer_->run_script(
        "CREATE TABLE everything ("
        "  id int,"
        "  dropped_before_ledger text,"  // dropped below: ordinals skip it
        "  c_bool bool, c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,"
        "  c_float4 float4, c_float8 float8, c_numeric numeric, c_money money,"
        "  c_date date, c_time time, c_timetz timetz, c_timestamp timestamp, c_timestamptz timestamptz,"
        "  c_interval interval, c_uuid uuid, c_inet inet, c_cidr cidr, c_macaddr macaddr,"
        "  c_macaddr8 macaddr8, c_bytea bytea,"
        "  c_text text, c_varchar varchar(40), c_bpchar char(8), c_name name, c_char \"char\","
        "  c_json json, c_jsonb jsonb, " +
        xml_column +
        "  c_enum mood, c_int_array int[], c_text_array text[], c_composite pair, c_range int4range,"
        "  c_domain positive_int, c_text_domain short_text, c_point point,"
        "  c_float8_array float8[], c_timestamptz_array timestamptz[], c_interval_array interval[],"
        "  c_bytea_array bytea[], c_money_array money[], c_stamp_domain stamp,"
        "  \"prix ünit\" numeric(10, 2),"
        "  c_generated int GENERATED ALWAYS AS (id * 2) STORED"
        ");"
        "ALTER TABLE everything DROP COLUMN dropped_before_ledger;"
        // A row that exists before the table becomes a ledger table is sealed
        // by ledger.create_ledger_table() itself.
        "INSERT INTO everything (id, c_text, c_float8) VALUES (0, 'before the ledger', 0.3333333333333333);"
        "SELECT ledger.create_ledger_table('everything');");

    const std::string xml_value = xml ? "'<doc a=\"1\"><p>caf\u00e9 &amp; \u00fc</p></doc>', " : "";
    const std::string columns =
        "id, c_bool, c_int2, c_int4, c_int8, c_oid, c_float4, c_float8, c_numeric, c_money, c_date, c_time, "
        "c_timetz, c_timestamp, c_timestamptz, c_interval, c_uuid, c_inet, c_cidr, c_macaddr, c_macaddr8, "
        "c_bytea, c_text, c_varchar, c_bpchar, c_name, c_char, c_json, c_jsonb, " +
        std::string(xml ? "c_xml, " : "") +
        "c_enum, c_int_array, c_text_array, c_composite, c_range, c_domain, c_text_domain, c_point, "
        "c_float8_array, c_timestamptz_array, c_interval_array, c_bytea_array, c_money_array, "
        "c_stamp_domain, "
        "\"prix ünit\"";
    writer_->run(
        "INSERT INTO everything (" + columns +
        ") VALUES "
        "(1, true, -32768, -2147483648, -9223372036854775808, 4294967295, 3.4028235e38, 0.3333333333333333,"
        " -12345.678900, -92233720368547758.08, '2026-01-31', '23:59:59.999999', '12:34:56.5+05:30',"
        " '2026-11-26 21:30:00.123456', '2026-11-26 21:30:00+02', '1 year 2 mons 3 days 04:05:06.789',"
        " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03',"
        " '08:00:2b:01:02:03:04:05', '\\x00ff10', 'd\u00e9j\u00e0 vu \u2713 \U0001F600', 'varchar',"
        " 'ab', 'a name', 'x', '{\"b\": 1,  \"a\": [1, 2.50]}', '{\"b\": 1, \"a\": [1, 2.50]}', " +
        xml_value +
        " 'happy', '{1,2,NULL,3}', '{\"a b\",\"c,d\",NULL,\"\",\"\u00fc\"}',"
        " ROW(7, 'x y', '2026-01-01 00:00:00+05', 0.1)::pair, '[1,10)', 7, 'short', '(1.5,-2.25)',"
        " '{0.1,0.3333333333333333,-0,NaN,Infinity}', '{\"2026-01-01 00:00:00+05\",\"2026-07-01 "
        "12:00:00+00\"}',"
        " '{\"1 day -02:00:00\",\"-1 year\"}', '{\"\\\\x00ff\",\"\\\\x\"}', '{12.34,-0.01}',"
        " '2026-03-29 01:30:00+00', 1234.50),"
        "(2, false, 0, 0, 0, 0, 'NaN', '-Infinity', 'NaN', 0, 'infinity', '00:00', '00:00:00-12',"
        " '-infinity', 'infinity', '-1 day', '00000000-0000-0000-0000-000000000000', '::1', '2001:db8::/32',"
        " 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00', '', '', '', 'ab      ', '', '', '[]', '[]', " +
        std::string(xml ? "'', " : "") +
        " 'sad', '{{1,2},{3,4}}', '{}', ROW(NULL, NULL, NULL, NULL)::pair, 'empty', 2147483647, '', '(0,0)',"
        " '{}', '{}', '{}', '{}', '{}', '1970-01-01 00:00:00+00', 0)");
    writer_->run("INSERT INTO everything (id) VALUES (3)");  // every other column NULL

    // Older rows keep their hashes when a nullable column is added.
    writer_->run("ALTER TABLE everything ADD COLUMN added_later text");
    writer_->run(
        "INSERT INTO everything (id, c_text, added_later) "
        "SELECT 4, string_agg(md5(n::text), '') , 'added after the first rows' FROM generate_series(1, 4000) "
        "n");
    writer_->run("INSERT INTO everything (id, c_int_array, added_later) VALUES (5, '[0:1]={5,6}', NULL)");
    // A multi-row transaction with a rolled-back savepoint in between.
    writer_->run_script(
        "BEGIN;"
        "INSERT INTO everything (id, c_text) VALUES (6, 'kept');"
        "SAVEPOINT s;"
        "INSERT INTO everything (id, c_text) VALUES (7, 'rolled back');"
        "ROLLBACK TO SAVEPOINT s;"
        "INSERT INTO everything (id, c_text, added_later) VALUES (8, 'kept too', 'x');"
        "COMMIT;");
    seal("everything");

    // The long value really lives out of line in the TOAST table.
    EXPECT_EQ(reader_->value("SELECT length(c_text) FROM " + qualified("everything") + " WHERE id = 4"),
              "128000");
    const std::string toast_table =
        reader_->value("SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = $1::regclass",
                       {qualified("everything")});
    EXPECT_NE(reader_->value("SELECT count(*) FROM " + toast_table), "0");

    expect_all_rows_match("everything", 8);
    EXPECT_EQ(reader_->value("SELECT count(*) FROM ledger.verify($1::regclass) WHERE NOT ok",
                             {qualified("everything")}),
              "0");
}

// reg* types render object names qualified or not depending on search_path,
// which the pinned settings do not cover: the hash must still not depend on
// the session that inserted or verifies the row.
// reg* values render their names qualified and quoted as the settings say:
// rows inserted under any search_path or quote_all_identifiers verify.
TEST_F(IndependentRowHash, RegclassRowsVerifyUnderAnySearchPathOrQuoting) {
    const std::string refs = qualified("refs");
    writer_->run_script(
        "CREATE TABLE referenced (x int);"
        "CREATE TABLE refs (id int, r regclass, t regtype);"
        "SELECT ledger.create_ledger_table('refs');"
        "INSERT INTO refs VALUES (1, 'referenced', 'mood');"
        "SET search_path = public;"
        "INSERT INTO " +
        refs + " VALUES (2, '" + qualified("referenced") + "', '" + qualified("mood") +
        "');"
        "SET search_path = " +
        schema_ +
        ", public;"
        "SET quote_all_identifiers = on;"
        "INSERT INTO refs VALUES (3, 'referenced', 'mood');"
        "RESET quote_all_identifiers;");
    seal("refs");
    for (const std::string& search_path :
         {schema_ + ", public", std::string("public"), std::string("pg_catalog")}) {
        reader_->run("SELECT set_config('search_path', $1, false)", {search_path});
        const Result problems =
            reader_->run("SELECT problem FROM ledger.verify($1::regclass) WHERE NOT ok", {qualified("refs")});
        for (int i = 0; i < PQntuples(problems.get()); ++i) {
            ADD_FAILURE() << "with search_path = " << search_path << ": " << PQgetvalue(problems.get(), i, 0);
        }
    }
}

struct TypeCase {
    std::string name;
    std::string type;
    std::vector<std::string> literals;
};

std::ostream& operator<<(std::ostream& out, const TypeCase& type_case) {
    return out << type_case.name;
}

class IndependentRowHashPerType : public IndependentRowHash,
                                  public ::testing::WithParamInterface<TypeCase> {};

// One small ledger table per type, so that a mismatch names its type.
TEST_P(IndependentRowHashPerType, SealedHashesRecompute) {
    const TypeCase& type_case = GetParam();
    if (type_case.type == "xml" && !server_has_xml()) {
        GTEST_SKIP() << "the server was built without libxml";
    }
    const std::string table = "t_" + type_case.name;
    writer_->run_script("CREATE TABLE " + table + " (id int, v " + type_case.type + ");" +
                        "SELECT ledger.create_ledger_table('" + table + "')");
    int id = 0;
    for (const auto& literal : type_case.literals) {
        writer_->run("INSERT INTO " + table + " (id, v) VALUES (" + std::to_string(++id) + ", " + literal +
                     ")");
    }
    writer_->run("INSERT INTO " + table + " (id, v) VALUES (" + std::to_string(++id) + ", NULL)");
    seal(table);
    expect_all_rows_match(table, type_case.literals.size() + 1);
    // The extension's own verifier, in a session with the pinned settings,
    // must agree with what it sealed.
    EXPECT_EQ(
        reader_->value("SELECT count(*) FROM ledger.verify($1::regclass) WHERE NOT ok", {qualified(table)}),
        "0");
}

INSTANTIATE_TEST_SUITE_P(
    TypeFamilies, IndependentRowHashPerType,
    ::testing::Values(
        TypeCase{"bool", "bool", {"true", "false"}}, TypeCase{"int2", "int2", {"-32768", "0", "32767"}},
        TypeCase{"int4", "int4", {"-2147483648", "42"}},
        TypeCase{"int8", "int8", {"-9223372036854775808", "9223372036854775807"}},
        TypeCase{"oid", "oid", {"0", "4294967295"}},
        TypeCase{
            "float4", "float4", {"1.5", "'-0'", "'NaN'", "-'NaN'::float4", "'Infinity'", "1e-45", "0.1"}},
        TypeCase{
            "float8",
            "float8",
            {"0.1", "'-0'", "'NaN'", "-'NaN'::float8", "'inf'::float8 - 'inf'", "'-Infinity'", "4.9e-324"}},
        TypeCase{"numeric", "numeric", {"0", "-12345.678900", "'NaN'", "'Infinity'", "1e100", "0.000001"}},
        TypeCase{"numeric_typmod", "numeric(12, 2)", {"10.5", "-0.01"}},
        TypeCase{"money", "money", {"12.34", "'-$1,000.00'"}},
        TypeCase{"date", "date", {"'2026-01-31'", "'infinity'", "'4713-01-01 BC'"}},
        TypeCase{"time", "time", {"'23:59:59.999999'", "'00:00'"}},
        TypeCase{"timetz", "timetz", {"'12:34:56+05:30'", "'00:00-12'"}},
        TypeCase{"timestamp", "timestamp", {"'2026-11-26 21:30:00.123456'", "'infinity'", "'-infinity'"}},
        TypeCase{"timestamptz", "timestamptz", {"'2026-11-26 21:30:00+02'", "'1900-01-01 00:00:00'"}},
        TypeCase{"interval", "interval", {"'1 year 2 mons 3 days 04:05:06.789'", "'-1 day'", "'0'"}},
        TypeCase{"uuid", "uuid", {"'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"}},
        TypeCase{"inet", "inet", {"'192.168.0.1/24'", "'::1'", "'10.0.0.1'"}},
        TypeCase{"cidr", "cidr", {"'10.0.0.0/8'", "'2001:db8::/32'"}},
        TypeCase{"macaddr", "macaddr", {"'08:00:2b:01:02:03'"}},
        TypeCase{"macaddr8", "macaddr8", {"'08:00:2b:01:02:03:04:05'"}},
        TypeCase{"bytea", "bytea", {"'\\x00ff10'", "''", "decode(repeat('ab', 100000), 'hex')"}},
        TypeCase{"text", "text", {"'plain'", "'d\u00e9j\u00e0 vu \U0001F600'", "''", "E'tab\\tnewline\\n'"}},
        TypeCase{"text_toasted",
                 "text",
                 {"(SELECT string_agg(md5(n::text), '') FROM generate_series(1, 4000) n)"}},
        TypeCase{"varchar", "varchar(20)", {"'short'", "'\u00fcber'"}},
        TypeCase{"bpchar", "char(8)", {"'ab'", "'\u00e9'", "''"}},
        TypeCase{"name", "name", {"'a name'", "'\u00fc'"}}, TypeCase{"char", "\"char\"", {"'x'", "''"}},
        TypeCase{"json", "json", {"'{\"b\": 1,  \"a\": [1, 2.50]}'", "'\"\u00fc\"'"}},
        TypeCase{"jsonb", "jsonb", {"'{\"b\": 1,  \"a\": [1, 2.50]}'", "'\"\u00fc\"'"}},
        TypeCase{"xml", "xml", {"'<a x=\"1\">text</a>'", "'caf\u00e9'", "E'\\n\\n<b/>'"}},
        TypeCase{"enum", "mood", {"'happy'", "'sad'"}},
        TypeCase{"int_array", "int[]", {"'{1,2,NULL,3}'", "'{{1,2},{3,4}}'", "'[0:1]={5,6}'", "'{}'"}},
        TypeCase{"text_array", "text[]", {"'{\"a b\",\"c,d\",NULL,\"\"}'"}},
        TypeCase{"composite", "pair", {"ROW(1, 'x y', '2026-01-01 00:00:00+05', 0.1)::pair"}},
        TypeCase{"int4range", "int4range", {"'[1,10)'", "'empty'", "'(,5]'"}},
        TypeCase{"int_domain", "positive_int", {"7"}},
        TypeCase{"timestamptz_domain", "stamp", {"'2026-11-26 21:30:00+02'"}},
        TypeCase{"point", "point", {"'(1.5,-2.25)'", "'(0.3333333333333333,1e300)'"}},
        TypeCase{"float8_array", "float8[]", {"'{0.1,0.3333333333333333}'"}},
        TypeCase{"timestamptz_array", "timestamptz[]", {"'{\"2026-01-01 00:00:00+05\"}'"}},
        TypeCase{"interval_array", "interval[]", {"'{\"1 day -02:00:00\"}'"}},
        TypeCase{"bytea_array", "bytea[]", {"'{\"\\\\x00ff\"}'"}}),
    [](const ::testing::TestParamInfo<TypeCase>& info) { return info.param.name; });

// Values a client cannot see as stored: xml_out drops an XML declaration
// that only restates the defaults (and any encoding attribute), so xml is
// hashed as rendered ('o'); charout renders a "char" byte >= 0x80 as an
// octal escape such as \200, so "char" is hashed as its one binary byte.
INSTANTIATE_TEST_SUITE_P(TextKindEdgeCases, IndependentRowHashPerType,
                         ::testing::Values(TypeCase{"xml_with_declaration",
                                                    "xml",
                                                    {"'<?xml version=\"1.0\"?><root/>'",
                                                     "'<?xml version=\"1.0\" encoding=\"UTF-8\"?><root/>'"}},
                                           TypeCase{"char_high_bit", "\"char\"", {"'\\200'"}}),
                         [](const ::testing::TestParamInfo<TypeCase>& info) { return info.param.name; });

}  // namespace
