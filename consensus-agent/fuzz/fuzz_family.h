// Shared body of the per-family fuzz targets: the first input byte picks a
// message type of the family, the rest is the encoded body. A decoded message
// must re-encode to the same bytes (the encoding is canonical) and must be
// handled by a live replica without crashing.
#pragma once

#include <cstdlib>
#include <initializer_list>

#include "core/consensus.h"

namespace pgledger::consensus::fuzz {

inline Consensus& fuzz_replica() {
    static std::unique_ptr<Ed25519Signer> signers[4];
    static std::unique_ptr<Ed25519Verifier> verifier;
    static std::unique_ptr<Consensus> replica;
    if (!replica) {
        std::vector<PublicKey> keys;
        for (uint8_t id = 0; id < 4; id++) {
            std::array<uint8_t, 32> seed{};
            seed[0] = static_cast<uint8_t>(id + 1);
            signers[id] = Ed25519Signer::from_seed(seed);
            keys.push_back(signers[id]->public_key());
        }
        verifier = std::make_unique<Ed25519Verifier>(keys);
        ReplicaConfig config;
        config.self = 1;
        replica = make_bft(config, *signers[1], *verifier, DurableState{}, std::nullopt, 0);
    }
    return *replica;
}

inline int fuzz_family(const uint8_t* data, size_t size, std::initializer_list<MessageType> family) {
    if (size == 0)
        return 0;
    MessageType type = family.begin()[data[0] % family.size()];
    Bytes bytes{static_cast<uint8_t>(type)};
    bytes.insert(bytes.end(), data + 1, data + size);
    std::optional<Message> message = decode(bytes);
    if (!message)
        return 0;
    if (encode(*message) != bytes)
        std::abort();
    static uint64_t now_ms = 0;
    now_ms += 7;
    Output output;
    // Sender 0 is the leader of view 0, so leader-only handlers are reached.
    fuzz_replica().on_message(data[0] % 2 == 0 ? 0 : 2, *message, now_ms, output);
    fuzz_replica().on_tick(now_ms, output);
    return 0;
}

}  // namespace pgledger::consensus::fuzz
