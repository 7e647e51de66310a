#include "core/messages.h"

namespace pgledger::consensus {
namespace {

// Smallest encodings, used to reject element counts the input cannot hold.
constexpr size_t kRequestBytesMin = 4;
constexpr size_t kVoteSignatureBytes = 4 + 64;
constexpr size_t kBlockCertificateBytesMin = 8 + 32 + 32 + 8 + 4;
constexpr size_t kDecidedBlockBytesMin = kBlockCertificateBytesMin + 4;
constexpr size_t kViewDataBytesMin = 8 + 4 + 1 + 1 + 64;

void write_requests(Writer& writer, const std::vector<Bytes>& requests) {
    writer.u32(static_cast<uint32_t>(requests.size()));
    for (const Bytes& request : requests)
        writer.bytes(request);
}

void read_requests(Reader& reader, std::vector<Bytes>& requests) {
    uint32_t count = reader.count(kBlockRequestsMax, kRequestBytesMin);
    size_t total_bytes = 0;
    requests.reserve(count);
    for (uint32_t i = 0; i < count && reader.ok(); i++) {
        requests.push_back(reader.bytes(kRequestBytesMax));
        total_bytes += requests.back().size();
        if (total_bytes > kBlockPayloadBytesMax)
            reader.fail();
    }
}

void write_signatures(Writer& writer, const std::vector<VoteSignature>& signatures) {
    writer.u32(static_cast<uint32_t>(signatures.size()));
    for (const VoteSignature& vote : signatures) {
        writer.u32(vote.signer);
        writer.fixed(vote.signature);
    }
}

void read_signatures(Reader& reader, std::vector<VoteSignature>& signatures) {
    uint32_t count = reader.count(kReplicasMax, kVoteSignatureBytes);
    signatures.resize(count);
    for (VoteSignature& vote : signatures) {
        vote.signer = reader.u32();
        vote.signature = reader.fixed<64>();
    }
}

void write_header(Writer& writer, const BlockHeader& header) {
    writer.u64(header.height);
    writer.fixed(header.previous_hash);
    writer.fixed(header.payload_hash);
}

void read_header(Reader& reader, BlockHeader& header) {
    header.height = reader.u64();
    header.previous_hash = reader.fixed<32>();
    header.payload_hash = reader.fixed<32>();
}

void write_proposal(Writer& writer, const Proposal& proposal) {
    writer.u64(proposal.height);
    writer.fixed(proposal.previous_hash);
    write_requests(writer, proposal.requests);
}

void read_proposal(Reader& reader, Proposal& proposal) {
    proposal.height = reader.u64();
    proposal.previous_hash = reader.fixed<32>();
    read_requests(reader, proposal.requests);
}

void write_decided_block(Writer& writer, const DecidedBlock& block) {
    write_block_certificate(writer, block.certificate);
    write_requests(writer, block.requests);
}

void read_decided_block(Reader& reader, DecidedBlock& block) {
    read_block_certificate(reader, block.certificate);
    read_requests(reader, block.requests);
}

void write_view_data_unsigned(Writer& writer, const ViewData& view_data) {
    writer.u64(view_data.next_view);
    writer.u32(view_data.signer);
    writer.u8(view_data.last_decided ? 1 : 0);
    if (view_data.last_decided)
        write_block_certificate(writer, *view_data.last_decided);
    writer.u8(view_data.prepared ? 1 : 0);
    if (view_data.prepared)
        write_prepared_certificate(writer, *view_data.prepared);
}

void write_view_data(Writer& writer, const ViewData& view_data) {
    write_view_data_unsigned(writer, view_data);
    writer.fixed(view_data.signature);
}

void read_view_data(Reader& reader, ViewData& view_data) {
    view_data.next_view = reader.u64();
    view_data.signer = reader.u32();
    if (reader.boolean()) {
        view_data.last_decided.emplace();
        read_block_certificate(reader, *view_data.last_decided);
    }
    if (reader.boolean()) {
        view_data.prepared.emplace();
        read_prepared_certificate(reader, *view_data.prepared);
    }
    view_data.signature = reader.fixed<64>();
}

struct BodyWriter {
    Writer& writer;
    void operator()(const Request& message) { write_requests(writer, message.payloads); }
    void operator()(const PrePrepare& message) {
        writer.u64(message.view);
        write_proposal(writer, message.proposal);
    }
    void operator()(const Prepare& message) {
        writer.u64(message.view);
        writer.u64(message.height);
        writer.fixed(message.block_hash);
        writer.fixed(message.signature);
    }
    void operator()(const Commit& message) {
        writer.u64(message.view);
        writer.u64(message.height);
        writer.fixed(message.block_hash);
        writer.fixed(message.signature);
    }
    void operator()(const Heartbeat& message) {
        writer.u64(message.view);
        writer.u64(message.decided_height);
    }
    void operator()(const ViewChange& message) { writer.u64(message.next_view); }
    void operator()(const ViewData& message) { write_view_data(writer, message); }
    void operator()(const NewView& message) {
        writer.u64(message.view);
        writer.u32(static_cast<uint32_t>(message.view_data.size()));
        for (const ViewData& view_data : message.view_data)
            write_view_data(writer, view_data);
    }
    void operator()(const FetchBlocks& message) {
        writer.u64(message.from_height);
        writer.u32(message.count);
    }
    void operator()(const Blocks& message) {
        writer.u32(static_cast<uint32_t>(message.blocks.size()));
        for (const DecidedBlock& block : message.blocks)
            write_decided_block(writer, block);
    }
};

template <typename T>
std::optional<Message> finish(Reader& reader, T&& message) {
    if (!reader.at_end())
        return std::nullopt;
    return Message(std::forward<T>(message));
}

}  // namespace

Hash BlockHeader::hash() const {
    Bytes bytes;
    Writer writer(bytes);
    static const char kDomain[] = "pgledger.block.v1";
    writer.raw(kDomain, sizeof(kDomain));
    write_header(writer, *this);
    return sha256(bytes);
}

BlockHeader Proposal::header() const {
    return BlockHeader{height, previous_hash, sha256(encode_requests(requests))};
}

void write_block_certificate(Writer& writer, const BlockCertificate& certificate) {
    write_header(writer, certificate.header);
    writer.u64(certificate.view);
    write_signatures(writer, certificate.signatures);
}

void read_block_certificate(Reader& reader, BlockCertificate& certificate) {
    read_header(reader, certificate.header);
    certificate.view = reader.u64();
    read_signatures(reader, certificate.signatures);
}

void write_prepared_certificate(Writer& writer, const PreparedCertificate& certificate) {
    writer.u64(certificate.view);
    write_proposal(writer, certificate.proposal);
    write_signatures(writer, certificate.prepares);
}

void read_prepared_certificate(Reader& reader, PreparedCertificate& certificate) {
    certificate.view = reader.u64();
    read_proposal(reader, certificate.proposal);
    read_signatures(reader, certificate.prepares);
}

MessageType message_type(const Message& message) {
    return static_cast<MessageType>(message.index() + 1);
}

const char* message_type_name(MessageType type) {
    switch (type) {
        case MessageType::kRequest:
            return "request";
        case MessageType::kPrePrepare:
            return "pre-prepare";
        case MessageType::kPrepare:
            return "prepare";
        case MessageType::kCommit:
            return "commit";
        case MessageType::kHeartbeat:
            return "heartbeat";
        case MessageType::kViewChange:
            return "view-change";
        case MessageType::kViewData:
            return "view-data";
        case MessageType::kNewView:
            return "new-view";
        case MessageType::kFetchBlocks:
            return "fetch-blocks";
        case MessageType::kBlocks:
            return "blocks";
    }
    return "unknown";
}

Bytes encode(const Message& message) {
    Bytes bytes;
    Writer writer(bytes);
    writer.u8(static_cast<uint8_t>(message_type(message)));
    std::visit(BodyWriter{writer}, message);
    return bytes;
}

std::optional<Message> decode(const uint8_t* data, size_t size) {
    if (size > kMessageBytesMax)
        return std::nullopt;
    Reader reader(data, size);
    switch (static_cast<MessageType>(reader.u8())) {
        case MessageType::kRequest: {
            Request message;
            read_requests(reader, message.payloads);
            return finish(reader, std::move(message));
        }
        case MessageType::kPrePrepare: {
            PrePrepare message;
            message.view = reader.u64();
            read_proposal(reader, message.proposal);
            return finish(reader, std::move(message));
        }
        case MessageType::kPrepare: {
            Prepare message;
            message.view = reader.u64();
            message.height = reader.u64();
            message.block_hash = reader.fixed<32>();
            message.signature = reader.fixed<64>();
            return finish(reader, std::move(message));
        }
        case MessageType::kCommit: {
            Commit message;
            message.view = reader.u64();
            message.height = reader.u64();
            message.block_hash = reader.fixed<32>();
            message.signature = reader.fixed<64>();
            return finish(reader, std::move(message));
        }
        case MessageType::kHeartbeat: {
            Heartbeat message;
            message.view = reader.u64();
            message.decided_height = reader.u64();
            return finish(reader, std::move(message));
        }
        case MessageType::kViewChange: {
            ViewChange message;
            message.next_view = reader.u64();
            return finish(reader, std::move(message));
        }
        case MessageType::kViewData: {
            ViewData message;
            read_view_data(reader, message);
            return finish(reader, std::move(message));
        }
        case MessageType::kNewView: {
            NewView message;
            message.view = reader.u64();
            uint32_t count = reader.count(kReplicasMax, kViewDataBytesMin);
            message.view_data.resize(count);
            for (ViewData& view_data : message.view_data)
                read_view_data(reader, view_data);
            return finish(reader, std::move(message));
        }
        case MessageType::kFetchBlocks: {
            FetchBlocks message;
            message.from_height = reader.u64();
            message.count = reader.u32();
            return finish(reader, std::move(message));
        }
        case MessageType::kBlocks: {
            Blocks message;
            uint32_t count = reader.count(kFetchBlocksMax, kDecidedBlockBytesMin);
            message.blocks.resize(count);
            for (DecidedBlock& block : message.blocks)
                read_decided_block(reader, block);
            return finish(reader, std::move(message));
        }
    }
    return std::nullopt;
}

Bytes encode_requests(const std::vector<Bytes>& requests) {
    Bytes bytes;
    Writer writer(bytes);
    write_requests(writer, requests);
    return bytes;
}

Bytes encode_decided_block(const DecidedBlock& block) {
    Bytes bytes;
    Writer writer(bytes);
    write_decided_block(writer, block);
    return bytes;
}

std::optional<DecidedBlock> decode_decided_block(const uint8_t* data, size_t size) {
    Reader reader(data, size);
    DecidedBlock block;
    read_decided_block(reader, block);
    if (!reader.at_end())
        return std::nullopt;
    return block;
}

namespace {
Bytes vote_signing_bytes(const char* domain, size_t domain_size, View view, Height height,
                         const Hash& block_hash) {
    Bytes bytes;
    Writer writer(bytes);
    writer.raw(domain, domain_size);
    writer.u64(view);
    writer.u64(height);
    writer.fixed(block_hash);
    return bytes;
}
}  // namespace

Bytes prepare_signing_bytes(View view, Height height, const Hash& block_hash) {
    static const char kDomain[] = "pgledger.prepare.v1";
    return vote_signing_bytes(kDomain, sizeof(kDomain), view, height, block_hash);
}

Bytes commit_signing_bytes(View view, Height height, const Hash& block_hash) {
    static const char kDomain[] = "pgledger.commit.v1";
    return vote_signing_bytes(kDomain, sizeof(kDomain), view, height, block_hash);
}

Bytes view_data_signing_bytes(const ViewData& view_data) {
    Bytes bytes;
    Writer writer(bytes);
    static const char kDomain[] = "pgledger.view-data.v1";
    writer.raw(kDomain, sizeof(kDomain));
    write_view_data_unsigned(writer, view_data);
    return bytes;
}

}  // namespace pgledger::consensus
