// Wire messages of the BFT protocol and the block structures they carry.
// Every decoder is bounded (see codec.h) and total: garbage yields nullopt.
#pragma once

#include <optional>
#include <variant>

#include "core/codec.h"
#include "core/crypto.h"

namespace pgledger::consensus {

// Numbers are part of the wire format: never reuse or renumber.
enum class MessageType : uint8_t {
    kRequest = 1,
    kPrePrepare = 2,
    kPrepare = 3,
    kCommit = 4,
    kHeartbeat = 5,
    kViewChange = 6,
    kViewData = 7,
    kNewView = 8,
    kFetchBlocks = 9,
    kBlocks = 10,
};

struct BlockHeader {
    Height height = 0;
    Hash previous_hash{};
    Hash payload_hash{};
    // SHA-256 of the canonical header encoding: what commit votes sign.
    Hash hash() const;
    bool operator==(const BlockHeader& other) const {
        return height == other.height && previous_hash == other.previous_hash &&
               payload_hash == other.payload_hash;
    }
};

struct VoteSignature {
    ReplicaId signer = 0;
    Signature signature{};
};

// Proof that a block was decided: 2f+1 commit signatures from one view.
struct BlockCertificate {
    BlockHeader header;
    View view = 0;
    std::vector<VoteSignature> signatures;
};

struct DecidedBlock {
    BlockCertificate certificate;
    std::vector<Bytes> requests;
};

struct Proposal {
    Height height = 0;
    Hash previous_hash{};
    std::vector<Bytes> requests;
    BlockHeader header() const;
};

// A proposal together with 2f+1 prepare signatures from one view: whoever
// holds it may have let the proposal be decided, so a new view must keep it.
struct PreparedCertificate {
    View view = 0;
    Proposal proposal;
    std::vector<VoteSignature> prepares;
};

// Client requests relayed by the replica that received them, a batch at a
// time so that relaying costs one message per tick, not one per request.
struct Request {
    std::vector<Bytes> payloads;
};
struct PrePrepare {
    View view = 0;
    Proposal proposal;
};
struct Prepare {
    View view = 0;
    Height height = 0;
    Hash block_hash{};
    Signature signature{};
};
struct Commit {
    View view = 0;
    Height height = 0;
    Hash block_hash{};
    Signature signature{};
};
struct Heartbeat {
    View view = 0;
    Height decided_height = 0;
};
struct ViewChange {
    View next_view = 0;
};
// Signed, because the new leader forwards it to everyone inside NewView.
struct ViewData {
    View next_view = 0;
    ReplicaId signer = 0;
    std::optional<BlockCertificate> last_decided;
    std::optional<PreparedCertificate> prepared;
    Signature signature{};
    Height decided_height() const { return last_decided ? last_decided->header.height : 0; }
};
struct NewView {
    View view = 0;
    std::vector<ViewData> view_data;
};
struct FetchBlocks {
    Height from_height = 0;
    uint32_t count = 0;
};
struct Blocks {
    std::vector<DecidedBlock> blocks;
};

using Message = std::variant<Request, PrePrepare, Prepare, Commit, Heartbeat, ViewChange, ViewData, NewView,
                             FetchBlocks, Blocks>;

MessageType message_type(const Message& message);
const char* message_type_name(MessageType type);

Bytes encode(const Message& message);
std::optional<Message> decode(const uint8_t* data, size_t size);
inline std::optional<Message> decode(const Bytes& data) {
    return decode(data.data(), data.size());
}

// Encodings of pieces that are stored or hashed on their own.
Bytes encode_requests(const std::vector<Bytes>& requests);
Bytes encode_decided_block(const DecidedBlock& block);
std::optional<DecidedBlock> decode_decided_block(const uint8_t* data, size_t size);
void write_prepared_certificate(Writer& writer, const PreparedCertificate& certificate);
void read_prepared_certificate(Reader& reader, PreparedCertificate& certificate);
void write_block_certificate(Writer& writer, const BlockCertificate& certificate);
void read_block_certificate(Reader& reader, BlockCertificate& certificate);

// What each signature covers. Domain tags keep a prepare signature from being
// replayed as a commit signature and vice versa.
Bytes prepare_signing_bytes(View view, Height height, const Hash& block_hash);
Bytes commit_signing_bytes(View view, Height height, const Hash& block_hash);
Bytes view_data_signing_bytes(const ViewData& view_data);

}  // namespace pgledger::consensus
