// The durable state file is read back at start-up; a torn or corrupted file
// must be rejected, not crash the agent.
#include <cstdlib>

#include "core/consensus.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace pgledger::consensus;
    Bytes bytes(data, data + size);
    std::optional<DurableState> state = decode_durable_state(bytes);
    if (state && encode_durable_state(*state) != bytes)
        std::abort();
    return 0;
}
