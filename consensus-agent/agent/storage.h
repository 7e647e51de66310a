// File-backed durable state and block log. Every write is fsynced before the
// call returns, which is what lets the host send after it.
#pragma once

#include <string>

#include "core/consensus.h"

namespace pgledger::agent {

class FileStore {
  public:
    // Creates the directory if needed and loads what is there. A torn last
    // block record (crash during append) is cut off.
    explicit FileStore(const std::string& directory);
    ~FileStore();
    FileStore(const FileStore&) = delete;
    FileStore& operator=(const FileStore&) = delete;

    const consensus::DurableState& state() const { return state_; }
    const consensus::ChainTip& tip() const { return tip_; }
    consensus::Height height() const { return tip_ ? tip_->header.height : 0; }

    void save_state(const consensus::DurableState& state);
    // The NewView this replica sent as leader (see consensus::Output::new_view).
    const std::optional<consensus::NewView>& new_view() const { return new_view_; }
    void save_new_view(const consensus::NewView& new_view);
    void append_blocks(const std::vector<consensus::DecidedBlock>& blocks);
    // Blocks from `from_height`, at most `count` and about `bytes_max` bytes.
    std::vector<consensus::DecidedBlock> read_blocks(consensus::Height from_height, uint32_t count,
                                                     size_t bytes_max) const;

  private:
    void load_blocks();

    std::string directory_;
    int block_log_ = -1;
    uint64_t block_log_size_ = 0;
    // Offset of each block's record; index = height - 1.
    std::vector<uint64_t> offsets_;
    consensus::DurableState state_;
    consensus::ChainTip tip_;
    std::optional<consensus::NewView> new_view_;
};

}  // namespace pgledger::agent
