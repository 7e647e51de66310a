// pgledger-sign: the participant's side of signed ledger transactions. Keys
// are made, kept and used here, never sent to the server.
#include <CLI/CLI.hpp>

#include <array>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "client/digest_argument.hpp"
#include "client/key_file.hpp"
#include "client/signed_transaction.hpp"
#include "core/digest.hpp"
#include "core/ed25519.hpp"

namespace pgledger::client {
namespace {

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
    return core::to_hex(bytes.data(), bytes.size());
}

std::string read_sql_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw std::runtime_error("cannot open SQL file " + path);
    }
    std::ostringstream content;
    content << file.rdbuf();
    if (file.bad()) {
        throw std::runtime_error("cannot read SQL file " + path);
    }
    if (content.str().find_first_not_of(" \t\r\n") == std::string::npos) {
        throw std::runtime_error("SQL file " + path + " has no statements to sign");
    }
    return content.str();
}

void print_public_key(const std::string& key_path) {
    const SecretKey key = read_key_file(key_path);
    std::cout << hex(core::ed25519_public_key(key.bytes())) << '\n';
}

void print_signature(const std::string& key_path, const std::string& digest_argument) {
    const core::Digest digest = parse_digest_argument(digest_argument);
    const SecretKey key = read_key_file(key_path);
    std::cout << hex(core::ed25519_sign(key.bytes(), digest.data(), digest.size())) << '\n';
}

void run_and_sign(const std::string& key_path, const std::string& participant, const std::string& conninfo,
                  const std::string& sql_path) {
    const std::string sql = read_sql_file(sql_path);
    const SecretKey key = read_key_file(key_path);
    const SignedTransaction signed_transaction = run_signed_transaction(conninfo, sql, participant, key);
    std::cout << "digest " << hex(signed_transaction.digest) << '\n'
              << "signature " << hex(signed_transaction.signature) << '\n';
}

}  // namespace
}  // namespace pgledger::client

int main(int argc, char** argv) {
    using namespace pgledger::client;

    CLI::App app{"Make Ed25519 keys for a pgledger participant and sign ledger transactions with them."};
    app.require_subcommand(1);
    std::string key_path;

    CLI::App* keygen = app.add_subcommand(
        "keygen", "Write a new private key to a new PEM file (mode 0600) and print its public key in hex.");
    keygen->add_option("--key", key_path, "File to create; an existing file is never replaced")->required();

    CLI::App* public_key =
        app.add_subcommand("public-key", "Print the public key of a PEM private key in hex.");
    public_key->add_option("--key", key_path, "PEM private key file")->required();

    std::string digest_argument;
    CLI::App* sign = app.add_subcommand(
        "sign",
        "Sign a 32-byte digest, as printed by ledger.transaction_digest, and print the signature in hex.");
    sign->add_option("--key", key_path, "PEM private key file")->required();
    sign->add_option("digest", digest_argument, "64 hex digits, optionally prefixed by \\x")->required();

    std::string participant;
    std::string conninfo;
    std::string sql_path;
    CLI::App* run = app.add_subcommand(
        "run", "Run a SQL file as one transaction, sign it as the participant and commit it.");
    run->add_option("--key", key_path, "PEM private key file")->required();
    run->add_option("--participant", participant, "Participant name registered in the ledger")->required();
    run->add_option("--dbname", conninfo,
                    "libpq connection string; empty uses the PG* environment variables");
    run->add_option("sqlfile", sql_path, "SQL statements to run before signing")->required();

    CLI11_PARSE(app, argc, argv);

    try {
        if (keygen->parsed()) {
            std::cout << hex(create_key_file(key_path)) << '\n';
        } else if (public_key->parsed()) {
            print_public_key(key_path);
        } else if (sign->parsed()) {
            print_signature(key_path, digest_argument);
        } else {
            run_and_sign(key_path, participant, conninfo, sql_path);
        }
    } catch (const std::exception& error) {
        std::cerr << "pgledger-sign: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
