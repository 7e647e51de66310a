// Tests of the daemon's durable storage and configuration parsing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "agent/config.h"
#include "agent/storage.h"

namespace pgledger::agent {
namespace {

using consensus::Bytes;
using consensus::DecidedBlock;
using consensus::Hash;

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        path_ = std::filesystem::temp_directory_path() /
                ("pgledger-host-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
        std::filesystem::remove_all(path_);
        std::filesystem::create_directories(path_);
    }
    ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
    std::string path() const { return path_.string(); }

  private:
    static inline int counter_ = 0;
    std::filesystem::path path_;
};

// Storage does not verify signatures (it only stores what the core decided),
// so unsigned blocks are enough here.
std::vector<DecidedBlock> chain(size_t length) {
    std::vector<DecidedBlock> blocks;
    Hash previous_hash{};
    for (size_t i = 1; i <= length; i++) {
        consensus::Proposal proposal{i, previous_hash, {Bytes(100, static_cast<uint8_t>(i))}};
        blocks.push_back(
            DecidedBlock{consensus::BlockCertificate{proposal.header(), 0, {}}, proposal.requests});
        previous_hash = proposal.header().hash();
    }
    return blocks;
}

TEST(FileStore, KeepsStateAndBlocksAcrossRestarts) {
    TemporaryDirectory directory;
    std::vector<DecidedBlock> blocks = chain(5);
    consensus::DurableState state;
    state.view = 2;
    state.view_change_target = 3;
    {
        FileStore store(directory.path());
        EXPECT_EQ(store.height(), 0u);
        store.save_state(state);
        store.append_blocks({blocks[0], blocks[1]});
        store.append_blocks({blocks[2], blocks[3], blocks[4]});
    }
    FileStore reopened(directory.path());
    EXPECT_FALSE(reopened.new_view());
    reopened.save_new_view(consensus::NewView{7, {}});
    EXPECT_EQ(FileStore(directory.path()).new_view()->view, 7u);
    EXPECT_EQ(reopened.height(), 5u);
    EXPECT_EQ(reopened.state().view_change_target, 3u);
    EXPECT_EQ(reopened.tip()->header.hash(), blocks[4].certificate.header.hash());
    std::vector<DecidedBlock> read = reopened.read_blocks(2, 16, 1 << 20);
    ASSERT_EQ(read.size(), 4u);
    EXPECT_EQ(read[0].requests, blocks[1].requests);
    EXPECT_EQ(reopened.read_blocks(6, 16, 1 << 20).size(), 0u);
    EXPECT_EQ(reopened.read_blocks(1, 2, 1 << 20).size(), 2u);
    EXPECT_EQ(reopened.read_blocks(1, 16, 1).size(), 1u) << "at least one block even over the byte budget";
}

TEST(FileStore, CutsOffATornLastRecord) {
    TemporaryDirectory directory;
    std::vector<DecidedBlock> blocks = chain(3);
    {
        FileStore store(directory.path());
        store.append_blocks(blocks);
    }
    std::string log = directory.path() + "/blocks.log";
    auto size = std::filesystem::file_size(log);
    std::filesystem::resize_file(log, size - 7);  // a crash in the middle of the last append
    {
        FileStore store(directory.path());
        EXPECT_EQ(store.height(), 2u);
        store.append_blocks({blocks[2]});
    }
    FileStore reopened(directory.path());
    EXPECT_EQ(reopened.height(), 3u);
}

TEST(FileStore, RefusesBlocksOutOfOrder) {
    TemporaryDirectory directory;
    FileStore store(directory.path());
    std::vector<DecidedBlock> blocks = chain(2);
    EXPECT_THROW(store.append_blocks({blocks[1]}), std::logic_error);
}

TEST(FileStore, RefusesACorruptStateFile) {
    TemporaryDirectory directory;
    std::ofstream(directory.path() + "/state") << "garbage";
    EXPECT_THROW(FileStore store(directory.path()), std::runtime_error);
}

TEST(Config, ReadsANodeAndItsPeers) {
    TemporaryDirectory directory;
    std::string path = directory.path() + "/config.toml";
    std::ofstream(path) << R"(
[node]
id = 1
data_dir = "data"
private_key = "key.pem"
certificate = "cert.pem"
client_port = 7101
metrics_port = 7201

[batch]
requests_max = 10

[[peers]]
id = 0
host = "127.0.0.1"
port = 7000
certificate = "/abs/cert0.pem"

[[peers]]
id = 1
host = "127.0.0.1"
port = 7001
certificate = "cert1.pem"
)";
    AgentConfig config = load_config(path);
    EXPECT_EQ(config.id, 1u);
    EXPECT_EQ(config.consensus, "bft");
    EXPECT_EQ(config.listen_port, 7001);
    EXPECT_EQ(config.batch.requests_max, 10u);
    EXPECT_EQ(config.data_dir, directory.path() + "/data");
    EXPECT_EQ(config.peers[0].certificate_path, "/abs/cert0.pem");
    ASSERT_EQ(config.peers.size(), 2u);
}

TEST(Config, NamesWhatIsWrong) {
    TemporaryDirectory directory;
    std::string path = directory.path() + "/config.toml";
    std::ofstream(path) << "[node]\nid = 0\n";
    try {
        load_config(path);
        FAIL() << "accepted a config without data_dir";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("node.data_dir"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace pgledger::agent
