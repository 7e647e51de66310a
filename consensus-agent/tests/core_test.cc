// Unit tests of the protocol core's building blocks: quorum arithmetic, the
// codec, signatures and certificates, durable state and the solo orderer.
#include <gtest/gtest.h>

#include <random>

#include "core/certificates.h"
#include "core/consensus.h"
#include "core/request_pool.h"

namespace pgledger::consensus {
namespace {

std::unique_ptr<Ed25519Signer> signer_for(ReplicaId id) {
    std::array<uint8_t, 32> seed{};
    seed[0] = static_cast<uint8_t>(id + 1);
    return Ed25519Signer::from_seed(seed);
}

struct Cluster {
    explicit Cluster(uint32_t replica_count) {
        std::vector<PublicKey> keys;
        for (ReplicaId id = 0; id < replica_count; id++) {
            signers.push_back(signer_for(id));
            keys.push_back(signers.back()->public_key());
        }
        verifier = std::make_unique<Ed25519Verifier>(keys);
    }
    BlockCertificate certify(const BlockHeader& header, View view, std::vector<ReplicaId> signer_ids) const {
        BlockCertificate certificate{header, view, {}};
        for (ReplicaId id : signer_ids) {
            certificate.signatures.push_back(
                {id, signers[id]->sign(commit_signing_bytes(view, header.height, header.hash()))});
        }
        return certificate;
    }
    std::vector<std::unique_ptr<Ed25519Signer>> signers;
    std::unique_ptr<Ed25519Verifier> verifier;
};

DecidedBlock make_block(const Cluster& cluster, Height height, Hash previous_hash,
                        std::vector<ReplicaId> signers) {
    Proposal proposal{height, previous_hash, {Bytes(200, 0xab), Bytes{1, 2, 3}}};
    return DecidedBlock{cluster.certify(proposal.header(), 3, std::move(signers)), proposal.requests};
}

TEST(Quorum, FourReplicasTolerateOneFault) {
    EXPECT_EQ(max_faulty(4), 1u);
    EXPECT_EQ(quorum_size(4), 3u);
}

TEST(Quorum, SevenReplicasTolerateTwoFaults) {
    EXPECT_EQ(max_faulty(7), 2u);
    EXPECT_EQ(quorum_size(7), 5u);
}

TEST(Quorum, AnyTwoQuorumsShareAnHonestReplica) {
    for (uint32_t n = 1; n <= kReplicasMax; n++) {
        EXPECT_GE(2 * quorum_size(n), n + max_faulty(n) + 1) << "n=" << n;
        EXPECT_LE(quorum_size(n), n - max_faulty(n))
            << "quorum must be reachable without the faulty, n=" << n;
    }
}

std::vector<Message> sample_messages(const Cluster& cluster) {
    DecidedBlock block = make_block(cluster, 1, Hash{}, {0, 1, 2});
    Proposal proposal{2, block.certificate.header.hash(), {Bytes(10, 7)}};
    PreparedCertificate prepared{4, proposal, {{1, Signature{}}, {2, Signature{}}}};
    ViewData view_data{5, 2, block.certificate, prepared, Signature{}};
    return {
        Request{{Bytes(200, 0x11), Bytes(3, 0x12)}},
        PrePrepare{7, proposal},
        Prepare{7, 2, Hash{1}, Signature{2}},
        Commit{7, 2, Hash{3}, Signature{4}},
        Heartbeat{7, 1},
        ViewChange{8},
        view_data,
        NewView{5, {view_data, view_data}},
        FetchBlocks{1, 16},
        Blocks{{block, block}},
    };
}

TEST(Codec, EveryMessageRoundTrips) {
    Cluster cluster(4);
    for (const Message& message : sample_messages(cluster)) {
        Bytes bytes = encode(message);
        std::optional<Message> decoded = decode(bytes);
        ASSERT_TRUE(decoded) << message_type_name(message_type(message));
        EXPECT_EQ(message_type(*decoded), message_type(message));
        EXPECT_EQ(encode(*decoded), bytes) << message_type_name(message_type(message));
    }
}

TEST(Codec, RejectsEveryTruncationAndTrailingByte) {
    Cluster cluster(4);
    for (const Message& message : sample_messages(cluster)) {
        Bytes bytes = encode(message);
        for (size_t size = 0; size < bytes.size(); size++) {
            EXPECT_FALSE(decode(bytes.data(), size))
                << message_type_name(message_type(message)) << " cut at " << size;
        }
        bytes.push_back(0);
        EXPECT_FALSE(decode(bytes)) << message_type_name(message_type(message)) << " with a trailing byte";
    }
}

TEST(Codec, RejectsUnknownTypesAndHugeCounts) {
    EXPECT_FALSE(decode(Bytes{}));
    EXPECT_FALSE(decode(Bytes{0}));
    EXPECT_FALSE(decode(Bytes{11}));
    EXPECT_FALSE(decode(Bytes{255, 1, 2, 3}));
    // A request claiming 4 GiB of payload must fail before allocating it.
    EXPECT_FALSE(
        decode(Bytes{static_cast<uint8_t>(MessageType::kRequest), 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}));
    // A request longer than the limit, even if the bytes are there.
    Bytes oversized{static_cast<uint8_t>(MessageType::kRequest)};
    Writer writer(oversized);
    writer.u32(1);
    writer.bytes(Bytes(kRequestBytesMax + 1, 1));
    EXPECT_FALSE(decode(oversized));
    // Blocks claiming more entries than a fetch may return.
    Bytes many_blocks{static_cast<uint8_t>(MessageType::kBlocks)};
    Writer blocks_writer(many_blocks);
    blocks_writer.u32(kFetchBlocksMax + 1);
    many_blocks.resize(many_blocks.size() + 10000, 0);
    EXPECT_FALSE(decode(many_blocks));
    // A boolean that is neither 0 nor 1 is not canonical.
    Bytes view_data = encode(ViewData{});
    view_data[1 + 8 + 4] = 2;
    EXPECT_FALSE(decode(view_data));
}

TEST(Codec, RandomGarbageNeverCrashes) {
    std::mt19937_64 random(42);
    Cluster cluster(4);
    std::vector<Message> samples = sample_messages(cluster);
    for (int round = 0; round < 20000; round++) {
        Bytes bytes = encode(samples[round % samples.size()]);
        for (int flip = 0; flip < 3; flip++)
            bytes[random() % bytes.size()] ^= 1 << (random() % 8);
        std::optional<Message> decoded = decode(bytes);
        if (decoded) {
            EXPECT_EQ(encode(*decoded), bytes);
        }
    }
}

TEST(Signatures, VerifyOnlyTheSignerAndTheMessage) {
    Cluster cluster(4);
    Bytes message = commit_signing_bytes(1, 2, Hash{9});
    Signature signature = cluster.signers[1]->sign(message);
    EXPECT_TRUE(cluster.verifier->verify(1, message, signature));
    EXPECT_FALSE(cluster.verifier->verify(2, message, signature)) << "stolen signature";
    EXPECT_FALSE(cluster.verifier->verify(4, message, signature)) << "unknown signer";
    Bytes other = commit_signing_bytes(1, 3, Hash{9});
    EXPECT_FALSE(cluster.verifier->verify(1, other, signature));
    signature[10] ^= 1;
    EXPECT_FALSE(cluster.verifier->verify(1, message, signature));
    // A prepare signature is not a commit signature.
    Signature prepare = cluster.signers[1]->sign(prepare_signing_bytes(1, 2, Hash{9}));
    EXPECT_FALSE(cluster.verifier->verify(1, message, prepare));
}

TEST(Certificates, DecidedBlockNeedsQuorumOfDistinctValidSignatures) {
    Cluster cluster(4);
    EXPECT_TRUE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1, 2}), 4, *cluster.verifier));
    EXPECT_TRUE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1, 2, 3}), 4, *cluster.verifier));
    EXPECT_FALSE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1}), 4, *cluster.verifier));
    EXPECT_FALSE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1, 1}), 4, *cluster.verifier));

    DecidedBlock tampered = make_block(cluster, 1, Hash{}, {0, 1, 2});
    tampered.requests[1][0] ^= 1;
    EXPECT_FALSE(verify_decided_block(tampered, 4, *cluster.verifier)) << "payload does not match its hash";

    DecidedBlock moved = make_block(cluster, 1, Hash{}, {0, 1, 2});
    moved.certificate.view = 4;
    EXPECT_FALSE(verify_decided_block(moved, 4, *cluster.verifier)) << "signatures are for another view";

    DecidedBlock stolen = make_block(cluster, 1, Hash{}, {0, 1, 2});
    stolen.certificate.signatures[2].signer = 3;
    EXPECT_FALSE(verify_decided_block(stolen, 4, *cluster.verifier))
        << "signature attributed to another replica";
}

TEST(Certificates, SevenReplicasNeedFiveSignatures) {
    Cluster cluster(7);
    EXPECT_FALSE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1, 2, 3}), 7, *cluster.verifier));
    EXPECT_TRUE(verify_decided_block(make_block(cluster, 1, Hash{}, {0, 1, 2, 3, 6}), 7, *cluster.verifier));
}

TEST(Certificates, ViewDataMustBeSignedByItsSigner) {
    Cluster cluster(4);
    ViewData view_data;
    view_data.next_view = 3;
    view_data.signer = 2;
    view_data.last_decided = make_block(cluster, 1, Hash{}, {0, 1, 2}).certificate;
    view_data.signature = cluster.signers[2]->sign(view_data_signing_bytes(view_data));
    EXPECT_TRUE(verify_view_data(view_data, 4, *cluster.verifier));
    ViewData forged = view_data;
    forged.signer = 1;
    EXPECT_FALSE(verify_view_data(forged, 4, *cluster.verifier));
    ViewData moved = view_data;
    moved.next_view = 4;
    EXPECT_FALSE(verify_view_data(moved, 4, *cluster.verifier));
}

TEST(DurableState, RoundTripsAndRejectsCorruption) {
    DurableState state;
    state.view = 3;
    state.view_change_target = 4;
    state.prepare_view = 3;
    state.prepare_height = 9;
    state.prepare_block_hash = Hash{5};
    state.prepared = PreparedCertificate{3, Proposal{9, Hash{1}, {Bytes(5, 5)}}, {{0, Signature{}}}};
    state.view_floor_height = 8;
    state.view_carried_hash = Hash{7};
    Bytes bytes = encode_durable_state(state);
    std::optional<DurableState> decoded = decode_durable_state(bytes);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(encode_durable_state(*decoded), bytes);
    bytes.pop_back();
    EXPECT_FALSE(decode_durable_state(bytes));
}

TEST(RequestPool, CensorshipClockFollowsTheHeadOfTheQueue) {
    RequestPool pool(PoolLimits{});
    EXPECT_EQ(pool.add(Bytes(10, 'a'), 0), SubmitResult::kAccepted);
    EXPECT_EQ(pool.add(Bytes(10, 'b'), 10), SubmitResult::kAccepted);
    EXPECT_EQ(pool.head_since_ms(), 0u);
    // Deciding something else leaves the head waiting: the clock runs on.
    pool.remove_decided({Bytes(10, 'b')}, 500);
    EXPECT_EQ(pool.head_since_ms(), 0u);
    EXPECT_EQ(pool.add(Bytes(10, 'c'), 600), SubmitResult::kAccepted);
    // The head is decided: the next request's wait starts now, not at its arrival.
    pool.remove_decided({Bytes(10, 'a')}, 1000);
    EXPECT_EQ(pool.head_since_ms(), 1000u);
    EXPECT_EQ(pool.size(), 1u);
    EXPECT_EQ(pool.add(Bytes(10, 'a'), 1100), SubmitResult::kDuplicate) << "decided requests are remembered";
}

TEST(RequestPool, RefusesBeyondItsLimits) {
    PoolLimits limits;
    limits.requests_max = 2;
    RequestPool pool(limits);
    EXPECT_EQ(pool.add(Bytes(10, 'a'), 0), SubmitResult::kAccepted);
    EXPECT_EQ(pool.add(Bytes(10, 'b'), 0), SubmitResult::kAccepted);
    EXPECT_EQ(pool.add(Bytes(10, 'c'), 0), SubmitResult::kPoolFull);
    EXPECT_EQ(pool.add(Bytes{}, 0), SubmitResult::kInvalid);
    EXPECT_EQ(pool.add(Bytes(kRequestBytesMax + 1, 'x'), 0), SubmitResult::kInvalid);
}

TEST(Solo, OrdersLocallyIntoSelfVerifyingBlocks) {
    Cluster cluster(1);
    BatchLimits batch;
    batch.requests_max = 3;
    std::unique_ptr<Consensus> solo = make_solo(batch, PoolLimits{}, *cluster.signers[0], std::nullopt);
    Output output;
    for (uint8_t i = 1; i <= 7; i++)
        EXPECT_EQ(solo->submit(Bytes(200, i), 0, output), SubmitResult::kAccepted);
    EXPECT_EQ(solo->submit(Bytes(200, 7), 0, output), SubmitResult::kDuplicate);
    solo->on_tick(100, output);
    ASSERT_EQ(output.decided.size(), 3u);
    EXPECT_TRUE(output.messages.empty());
    Hash previous_hash{};
    for (const DecidedBlock& block : output.decided) {
        EXPECT_TRUE(verify_decided_block(block, 1, *cluster.verifier));
        EXPECT_EQ(block.certificate.header.previous_hash, previous_hash);
        previous_hash = block.certificate.header.hash();
    }
    EXPECT_EQ(solo->status().decided_height, 3u);
}

}  // namespace
}  // namespace pgledger::consensus
