// Client requests and the leader's proposals.
#include "fuzz/fuzz_family.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using pgledger::consensus::MessageType;
    return pgledger::consensus::fuzz::fuzz_family(data, size,
                                                  {MessageType::kRequest, MessageType::kPrePrepare});
}
