// Deterministic, seeded simulation of a whole cluster in one process. The
// network carries encoded bytes, so every decoder is on the path; faults and
// Byzantine behaviour are drawn from one PRNG, so a seed replays exactly.
#pragma once

#include <cstdint>
#include <string>

namespace pgledger::consensus::sim {

struct SimulationOptions {
    uint64_t seed = 1;
    uint32_t replica_count = 4;
    // Replicas that misbehave (at most f). Chosen from the seed.
    uint32_t byzantine_count = 1;
    // Faults (loss, duplication, partitions, crashes) happen only in this
    // phase; afterwards they heal and liveness is checked.
    uint64_t fault_phase_ms = 6000;
    // Every request submitted after healing must be decided by every honest
    // replica within this long after the last one was submitted.
    uint64_t liveness_bound_ms = 60000;
    uint32_t requests_after_heal = 20;
    // Off: a calm network (no loss, partitions or crashes) to check the
    // normal case decides quickly.
    bool faults = true;
    bool verbose = false;
};

struct SimulationResult {
    bool ok = true;
    std::string failure;
    uint64_t decided_height_min = 0;
    uint64_t decided_height_max = 0;
    uint64_t view_changes = 0;
    uint64_t messages_delivered = 0;
    uint64_t crashes = 0;
    uint64_t partitions = 0;
    uint64_t byzantine_messages = 0;
    uint64_t blocks_served = 0;
};

SimulationResult run_simulation(const SimulationOptions& options);

}  // namespace pgledger::consensus::sim
