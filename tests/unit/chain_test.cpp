// chain_problems and chain_extends on chains built with block_hash.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/chain.hpp"
#include "independent_sha256.hpp"

namespace pgledger::core {
namespace {

using test::filled_digest;
using Problems = std::vector<std::string>;

// Links block at height to its predecessor and stores its hash, as the
// sealer does.
void seal(Chain& chain, std::uint64_t height, std::int64_t sealed_at) {
    StoredBlock block;
    block.header.height = height;
    block.header.previous_hash = height == 0 ? Digest{} : chain.at(height - 1).stored_hash;
    block.header.merkle_root = filled_digest(static_cast<std::uint8_t>(0x40 + height));
    block.header.entry_count = height == 0 ? 0 : 1;
    block.header.row_count = height == 0 ? 0 : height;
    block.header.sealed_at_unix_us = sealed_at;
    block.header.contracts_hash = filled_digest(0xcc);
    block.stored_hash = block_hash(block.header);
    chain[height] = block;
}

Chain chain_of(std::uint64_t blocks) {
    Chain chain;
    for (std::uint64_t height = 0; height < blocks; ++height) {
        seal(chain, height, 1'700'000'000'000'000 + static_cast<std::int64_t>(height));
    }
    return chain;
}

// Rewrites every block from height on, consistently: what an attacker with
// write access to ledger.blocks can do.
void reseal_from(Chain& chain, std::uint64_t height) {
    for (auto it = chain.find(height); it != chain.end(); ++it) {
        if (it->first > 0) {
            it->second.header.previous_hash = chain.at(it->first - 1).stored_hash;
        }
        it->second.stored_hash = block_hash(it->second.header);
    }
}

TEST(ChainProblems, IntactChainHasNone) {
    EXPECT_EQ(chain_problems(chain_of(5)), Problems{});
    EXPECT_EQ(chain_problems(chain_of(1)), Problems{});
    EXPECT_EQ(chain_problems(Chain{}), Problems{});
}

TEST(ChainProblems, AlteredHeaderFieldOfLastBlock) {
    Chain chain = chain_of(4);
    chain[3].header.row_count += 1;
    EXPECT_EQ(chain_problems(chain),
              Problems{"block 3 was altered: its header no longer hashes to its stored block hash"});
}

TEST(ChainProblems, AlteredHeaderInTheMiddleAlsoBreaksTheNextLink) {
    Chain chain = chain_of(4);
    chain[1].header.sealed_at_unix_us += 1;
    EXPECT_EQ(chain_problems(chain),
              (Problems{"block 1 was altered: its header no longer hashes to its stored block hash",
                        "block 2 does not link to block 1: its previous hash differs from that block's "
                        "recomputed hash"}));
}

TEST(ChainProblems, BrokenLinkWithConsistentlyRehashedBlock) {
    Chain chain = chain_of(4);
    chain[2].header.previous_hash[0] ^= 1;
    chain[2].stored_hash = block_hash(chain[2].header);
    reseal_from(chain, 3);
    EXPECT_EQ(chain_problems(chain), Problems{"block 2 does not link to block 1: its previous hash differs "
                                              "from that block's recomputed hash"});
}

TEST(ChainProblems, MissingBlock) {
    Chain chain = chain_of(4);
    chain.erase(2);
    EXPECT_EQ(chain_problems(chain), Problems{"block 2 is missing"});
}

TEST(ChainProblems, MissingRangeOfBlocks) {
    Chain chain = chain_of(6);
    chain.erase(2);
    chain.erase(3);
    chain.erase(4);
    EXPECT_EQ(chain_problems(chain), Problems{"blocks 2 to 4 are missing"});
}

TEST(ChainProblems, MissingGenesis) {
    Chain chain = chain_of(3);
    chain.erase(0);
    EXPECT_EQ(chain_problems(chain), Problems{"block 0 is missing"});
}

TEST(ChainProblems, GenesisWithNonZeroPreviousHash) {
    Chain chain = chain_of(3);
    chain[0].header.previous_hash = filled_digest(1);
    reseal_from(chain, 0);
    EXPECT_EQ(chain_problems(chain),
              Problems{"block 0 (genesis) was altered: its previous hash must be all zeros"});
}

TEST(ChainExtends, HoldsForTheDigestedChainAndItsExtensions) {
    Chain chain = chain_of(4);
    const Digest genesis = chain[0].stored_hash;
    const Digest block3 = chain[3].stored_hash;
    EXPECT_TRUE(chain_extends(chain, 3, block3, genesis));
    seal(chain, 4, 1'800'000'000'000'000);
    seal(chain, 5, 1'800'000'000'000'001);
    EXPECT_TRUE(chain_extends(chain, 3, block3, genesis));
}

TEST(ChainExtends, FalseAfterTruncation) {
    Chain chain = chain_of(4);
    const Digest genesis = chain[0].stored_hash;
    const Digest block3 = chain[3].stored_hash;
    chain.erase(3);
    EXPECT_FALSE(chain_extends(chain, 3, block3, genesis));
    // Truncated and regrown to the same height: a different block 3.
    seal(chain, 3, 1'900'000'000'000'000);
    EXPECT_FALSE(chain_extends(chain, 3, block3, genesis));
}

TEST(ChainExtends, FalseAfterConsistentRewrite) {
    Chain chain = chain_of(4);
    const Digest genesis = chain[0].stored_hash;
    const Digest block3 = chain[3].stored_hash;
    chain[2].header.merkle_root = filled_digest(0xee);
    reseal_from(chain, 2);
    ASSERT_EQ(chain_problems(chain), Problems{}) << "the rewrite is internally consistent";
    EXPECT_FALSE(chain_extends(chain, 3, block3, genesis));
}

TEST(ChainExtends, FalseWhenGenesisWasReplaced) {
    Chain chain = chain_of(4);
    const Digest genesis = chain[0].stored_hash;
    const Digest block3 = chain[3].stored_hash;
    chain[0].header.merkle_root = filled_digest(0x99);  // a new nonce
    reseal_from(chain, 0);
    EXPECT_FALSE(chain_extends(chain, 3, block3, genesis));
    EXPECT_FALSE(chain_extends(chain_of(4), 3, block3, filled_digest(0)));
}

TEST(ChainExtends, FalseWhenTheChainIsBroken) {
    Chain chain = chain_of(5);
    const Digest genesis = chain[0].stored_hash;
    const Digest block3 = chain[3].stored_hash;
    chain[4].header.row_count += 1;  // beyond the digested block, but still tampering
    EXPECT_FALSE(chain_extends(chain, 3, block3, genesis));
}

TEST(ChainExtends, FalseForAHeightBeyondTheChain) {
    Chain chain = chain_of(3);
    EXPECT_FALSE(chain_extends(chain, 7, chain[2].stored_hash, chain[0].stored_hash));
}

}  // namespace
}  // namespace pgledger::core
