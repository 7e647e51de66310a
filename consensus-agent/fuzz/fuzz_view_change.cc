// View data and new-view messages, which nest certificates.
#include "fuzz/fuzz_family.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using pgledger::consensus::MessageType;
    return pgledger::consensus::fuzz::fuzz_family(data, size,
                                                  {MessageType::kViewData, MessageType::kNewView});
}
