#include "client/signed_transaction.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

namespace pgledger::client {
namespace {

struct ConnectionFree {
    void operator()(PGconn* connection) const { PQfinish(connection); }
};
struct ResultFree {
    void operator()(PGresult* result) const { PQclear(result); }
};
using Connection = std::unique_ptr<PGconn, ConnectionFree>;
using Result = std::unique_ptr<PGresult, ResultFree>;

constexpr int kTextFormat = 0;
constexpr int kBinaryFormat = 1;

std::string trimmed(std::string message) {
    while (!message.empty() && message.back() == '\n') {
        message.pop_back();
    }
    return message;
}

// Throws the server's own message; a result without one (an empty query, an
// unexpected COPY) is named by its status.
Result checked(PGconn* connection, PGresult* raw, const char* step) {
    Result result(raw);
    if (!result) {
        throw std::runtime_error(std::string(step) + ": " + trimmed(PQerrorMessage(connection)));
    }
    const ExecStatusType status = PQresultStatus(result.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        const std::string message = trimmed(PQresultErrorMessage(result.get()));
        throw std::runtime_error(
            std::string(step) + ": " +
            (message.empty() ? std::string("unexpected result ") + PQresStatus(status) : message));
    }
    return result;
}

Result execute(PGconn* connection, const std::string& sql, const char* step) {
    return checked(connection, PQexec(connection, sql.c_str()), step);
}

core::Digest transaction_digest(PGconn* connection, const std::string& participant) {
    const char* values[] = {participant.c_str()};
    const Result result = checked(connection,
                                  PQexecParams(connection, "SELECT ledger.transaction_digest($1)", 1, nullptr,
                                               values, nullptr, nullptr, kBinaryFormat),
                                  "ledger.transaction_digest");
    core::Digest digest{};
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1 || PQgetisnull(result.get(), 0, 0) ||
        PQgetlength(result.get(), 0, 0) != static_cast<int>(digest.size())) {
        throw std::runtime_error("ledger.transaction_digest did not return one 32-byte digest");
    }
    const char* bytes = PQgetvalue(result.get(), 0, 0);
    std::copy(bytes, bytes + digest.size(), digest.begin());
    return digest;
}

void submit_signature(PGconn* connection, const std::string& participant,
                      const core::Ed25519Signature& signature) {
    const char* values[] = {participant.c_str(), reinterpret_cast<const char*>(signature.data())};
    const int lengths[] = {0, static_cast<int>(signature.size())};
    const int formats[] = {kTextFormat, kBinaryFormat};
    checked(connection,
            PQexecParams(connection, "SELECT ledger.sign_transaction($1, $2::bytea)", 2, nullptr, values,
                         lengths, formats, kTextFormat),
            "ledger.sign_transaction");
}

// With the participant required for the whole session, the server refuses
// every commit that lacks its signature: a COMMIT inside the SQL file then
// fails instead of committing rows unsigned, also after the file reset
// ledger.required_signers.
void require_signature(PGconn* connection, const std::string& participant) {
    const char* values[] = {participant.c_str()};
    checked(connection,
            PQexecParams(connection, "SELECT ledger.require_signers_for_session($1)", 1, nullptr, values,
                         nullptr, nullptr, kTextFormat),
            "ledger.require_signers_for_session");
}

// A COMMIT of a transaction that failed is answered with the tag ROLLBACK
// and no error.
void commit(PGconn* connection) {
    const Result result = execute(connection, "COMMIT", "COMMIT");
    if (std::string(PQcmdStatus(result.get())) != "COMMIT") {
        throw std::runtime_error("COMMIT: the server rolled the transaction back");
    }
}

void roll_back(PGconn* connection) {
    const PGTransactionStatusType status = PQtransactionStatus(connection);
    if (status == PQTRANS_INTRANS || status == PQTRANS_INERROR) {
        PQclear(PQexec(connection, "ROLLBACK"));
    }
}

}  // namespace

SignedTransaction run_signed_transaction(const std::string& conninfo, const std::string& sql,
                                         const std::string& participant, const SecretKey& key) {
    const Connection connection(PQconnectdb(conninfo.c_str()));
    if (!connection) {
        throw std::bad_alloc();
    }
    if (PQstatus(connection.get()) != CONNECTION_OK) {
        throw std::runtime_error("cannot connect: " + trimmed(PQerrorMessage(connection.get())));
    }
    require_signature(connection.get(), participant);
    execute(connection.get(), "BEGIN", "BEGIN");
    try {
        execute(connection.get(), sql, "SQL file");
        if (PQtransactionStatus(connection.get()) != PQTRANS_INTRANS) {
            throw std::runtime_error(
                "SQL file: it ended the transaction itself; remove its COMMIT or ROLLBACK, pgledger-sign "
                "commits after signing");
        }
        SignedTransaction signed_transaction{};
        signed_transaction.digest = transaction_digest(connection.get(), participant);
        signed_transaction.signature = core::ed25519_sign(key.bytes(), signed_transaction.digest.data(),
                                                          signed_transaction.digest.size());
        submit_signature(connection.get(), participant, signed_transaction.signature);
        commit(connection.get());
        return signed_transaction;
    } catch (...) {
        roll_back(connection.get());
        throw;
    }
}

}  // namespace pgledger::client
