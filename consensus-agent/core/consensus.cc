#include "core/consensus.h"

#include "core/replica.h"

namespace pgledger::consensus {

namespace {
constexpr uint32_t kDurableStateVersion = 2;
}

Bytes encode_durable_state(const DurableState& state) {
    Bytes bytes;
    Writer writer(bytes);
    writer.u32(kDurableStateVersion);
    writer.u64(state.view);
    writer.u64(state.view_change_target);
    writer.u64(state.prepare_view);
    writer.u64(state.prepare_height);
    writer.fixed(state.prepare_block_hash);
    writer.u8(state.prepared ? 1 : 0);
    if (state.prepared)
        write_prepared_certificate(writer, *state.prepared);
    writer.u64(state.view_floor_height);
    writer.u8(state.view_carried_hash ? 1 : 0);
    if (state.view_carried_hash)
        writer.fixed(*state.view_carried_hash);
    return bytes;
}

std::optional<DurableState> decode_durable_state(const Bytes& bytes) {
    Reader reader(bytes.data(), bytes.size());
    if (reader.u32() != kDurableStateVersion)
        return std::nullopt;
    DurableState state;
    state.view = reader.u64();
    state.view_change_target = reader.u64();
    state.prepare_view = reader.u64();
    state.prepare_height = reader.u64();
    state.prepare_block_hash = reader.fixed<32>();
    if (reader.boolean()) {
        state.prepared.emplace();
        read_prepared_certificate(reader, *state.prepared);
    }
    state.view_floor_height = reader.u64();
    if (reader.boolean())
        state.view_carried_hash = reader.fixed<32>();
    if (!reader.at_end() || state.view_change_target < state.view)
        return std::nullopt;
    return state;
}

std::unique_ptr<Consensus> make_bft(const ReplicaConfig& config, const Signer& signer,
                                    const Verifier& verifier, DurableState durable, ChainTip tip,
                                    uint64_t now_ms, std::optional<NewView> own_new_view) {
    return std::make_unique<Replica>(config, signer, verifier, std::move(durable), std::move(tip), now_ms,
                                     std::move(own_new_view));
}

}  // namespace pgledger::consensus
