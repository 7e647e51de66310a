// Runs the deterministic simulator over many seeds. A failing seed prints
// itself; SIM_SEED=<n> replays exactly that seed with a trace.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "sim/simulator.h"

namespace pgledger::consensus::sim {
namespace {

uint64_t env_or(const char* name, uint64_t fallback) {
    const char* value = std::getenv(name);
    return value == nullptr ? fallback : std::strtoull(value, nullptr, 10);
}

// Totals over a run of seeds, to prove the faults were actually exercised:
// a simulator that never crashed anything would pass vacuously.
struct Coverage {
    uint64_t view_changes = 0;
    uint64_t crashes = 0;
    uint64_t partitions = 0;
    uint64_t byzantine_messages = 0;
    uint64_t blocks_served = 0;
};

Coverage run_seeds(uint32_t replica_count, uint64_t first_seed, uint64_t seed_count) {
    Coverage coverage;
    uint64_t replay_seed = env_or("SIM_SEED", 0);
    if (replay_seed != 0) {
        first_seed = replay_seed;
        seed_count = 1;
    }
    for (uint64_t seed = first_seed; seed < first_seed + seed_count; seed++) {
        SimulationOptions options;
        options.seed = seed;
        options.replica_count = replica_count;
        options.byzantine_count = (replica_count - 1) / 3;
        options.verbose = replay_seed != 0;
        SimulationResult result = run_simulation(options);
        if (replay_seed != 0 || !result.ok) {
            std::printf(
                "n=%u seed=%llu ok=%d heights %llu..%llu view changes %llu crashes %llu partitions %llu "
                "byzantine messages %llu delivered %llu\n",
                replica_count, static_cast<unsigned long long>(seed), result.ok,
                static_cast<unsigned long long>(result.decided_height_min),
                static_cast<unsigned long long>(result.decided_height_max),
                static_cast<unsigned long long>(result.view_changes),
                static_cast<unsigned long long>(result.crashes),
                static_cast<unsigned long long>(result.partitions),
                static_cast<unsigned long long>(result.byzantine_messages),
                static_cast<unsigned long long>(result.messages_delivered));
        }
        coverage.view_changes += result.view_changes;
        coverage.crashes += result.crashes;
        coverage.partitions += result.partitions;
        coverage.byzantine_messages += result.byzantine_messages;
        coverage.blocks_served += result.blocks_served;
        if (!result.ok) {
            const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
            ADD_FAILURE() << "seed " << seed << " failed: " << result.failure
                          << "\nreplay with: SIM_SEED=" << seed << " " << ::testing::internal::GetArgvs()[0]
                          << " --gtest_filter=" << test->test_suite_name() << "." << test->name();
            break;
        }
    }
    return coverage;
}

void expect_faults_exercised(const Coverage& coverage) {
    if (std::getenv("SIM_SEED") != nullptr)
        return;
    EXPECT_GT(coverage.view_changes, 0u);
    EXPECT_GT(coverage.crashes, 0u);
    EXPECT_GT(coverage.partitions, 0u);
    EXPECT_GT(coverage.byzantine_messages, 0u);
    EXPECT_GT(coverage.blocks_served, 0u) << "no replica ever caught up by fetching blocks";
}

TEST(Simulation, CalmNetworkDecidesEveryRequestQuickly) {
    SimulationOptions options;
    options.byzantine_count = 0;
    options.faults = false;
    options.liveness_bound_ms = 1000;
    SimulationResult result = run_simulation(options);
    ASSERT_TRUE(result.ok) << result.failure;
    EXPECT_EQ(result.view_changes, 0u);
    EXPECT_EQ(result.decided_height_min, result.decided_height_max);
    EXPECT_GT(result.decided_height_min, 100u);
}

TEST(Simulation, FourReplicasManySeeds) {
    expect_faults_exercised(run_seeds(4, 1, env_or("SIM_SEEDS", 200)));
}

TEST(Simulation, SevenReplicasManySeeds) {
    expect_faults_exercised(run_seeds(7, 100001, env_or("SIM_SEEDS", 200) / 4));
}

}  // namespace
}  // namespace pgledger::consensus::sim
