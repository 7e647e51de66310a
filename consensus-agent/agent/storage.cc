#include "agent/storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace pgledger::agent {
namespace {

using consensus::Bytes;

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what + ": " + std::strerror(errno));
}

void write_all(int fd, const uint8_t* data, size_t size, const std::string& path) {
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            fail("write " + path);
        }
        data += written;
        size -= static_cast<size_t>(written);
    }
}

bool read_exact(int fd, uint64_t offset, uint8_t* data, size_t size) {
    while (size > 0) {
        ssize_t got = ::pread(fd, data, size, static_cast<off_t>(offset));
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        data += got;
        size -= static_cast<size_t>(got);
        offset += static_cast<uint64_t>(got);
    }
    return true;
}

void fsync_directory(const std::string& directory) {
    int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        fail("open " + directory);
    if (::fsync(fd) != 0)
        fail("fsync " + directory);
    ::close(fd);
}

// Write aside and rename: the old file stays whole until the new one is.
void write_atomically(const std::string& directory, const std::string& name, const Bytes& bytes) {
    std::string path = directory + "/" + name;
    std::string temporary = path + ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        fail("open " + temporary);
    write_all(fd, bytes.data(), bytes.size(), temporary);
    if (::fsync(fd) != 0)
        fail("fsync " + temporary);
    ::close(fd);
    if (::rename(temporary.c_str(), path.c_str()) != 0)
        fail("rename " + temporary);
    fsync_directory(directory);
}

std::optional<Bytes> read_whole_file(const std::string& path) {
    if (!std::filesystem::exists(path))
        return std::nullopt;
    int fd = ::open(path.c_str(), O_RDONLY);
    if (fd < 0)
        fail("open " + path);
    Bytes bytes(std::filesystem::file_size(path));
    bool ok = read_exact(fd, 0, bytes.data(), bytes.size());
    ::close(fd);
    if (!ok)
        fail("read " + path);
    return bytes;
}

constexpr size_t kRecordHeaderBytes = 4;
constexpr size_t kRecordBytesMax = consensus::kMessageBytesMax;

}  // namespace

FileStore::FileStore(const std::string& directory) : directory_(directory) {
    std::filesystem::create_directories(directory_);
    if (std::optional<Bytes> bytes = read_whole_file(directory_ + "/state")) {
        std::optional<consensus::DurableState> state = consensus::decode_durable_state(*bytes);
        // The state file is replaced atomically, so a bad one is not a torn
        // write: refuse to start rather than forget promises.
        if (!state)
            throw std::runtime_error("corrupt durable state " + directory_ + "/state");
        state_ = *state;
    }
    if (std::optional<Bytes> bytes = read_whole_file(directory_ + "/new_view")) {
        // Only a liveness aid: an unreadable one is ignored, not fatal.
        std::optional<consensus::Message> message = consensus::decode(*bytes);
        if (message && std::holds_alternative<consensus::NewView>(*message))
            new_view_ = std::get<consensus::NewView>(*message);
    }
    std::string log_path = directory_ + "/blocks.log";
    block_log_ = ::open(log_path.c_str(), O_RDWR | O_CREAT | O_APPEND, 0600);
    if (block_log_ < 0)
        fail("open " + log_path);
    load_blocks();
}

FileStore::~FileStore() {
    if (block_log_ >= 0)
        ::close(block_log_);
}

void FileStore::load_blocks() {
    uint64_t size = std::filesystem::file_size(directory_ + "/blocks.log");
    uint64_t offset = 0;
    while (offset + kRecordHeaderBytes <= size) {
        uint8_t header[kRecordHeaderBytes];
        if (!read_exact(block_log_, offset, header, sizeof(header)))
            break;
        uint32_t length =
            header[0] | header[1] << 8 | header[2] << 16 | static_cast<uint32_t>(header[3]) << 24;
        if (length > kRecordBytesMax || offset + kRecordHeaderBytes + length > size)
            break;
        Bytes record(length);
        if (!read_exact(block_log_, offset + kRecordHeaderBytes, record.data(), length))
            break;
        std::optional<consensus::DecidedBlock> block =
            consensus::decode_decided_block(record.data(), record.size());
        consensus::Hash previous_hash = tip_ ? tip_->header.hash() : consensus::Hash{};
        if (!block || block->certificate.header.height != height() + 1 ||
            block->certificate.header.previous_hash != previous_hash) {
            break;
        }
        offsets_.push_back(offset);
        tip_ = block->certificate;
        offset += kRecordHeaderBytes + length;
    }
    if (offset != size) {
        if (::ftruncate(block_log_, static_cast<off_t>(offset)) != 0)
            fail("truncate block log");
        if (::fsync(block_log_) != 0)
            fail("fsync block log");
    }
    block_log_size_ = offset;
}

void FileStore::save_state(const consensus::DurableState& state) {
    write_atomically(directory_, "state", consensus::encode_durable_state(state));
    state_ = state;
}

void FileStore::save_new_view(const consensus::NewView& new_view) {
    write_atomically(directory_, "new_view", consensus::encode(new_view));
    new_view_ = new_view;
}

void FileStore::append_blocks(const std::vector<consensus::DecidedBlock>& blocks) {
    if (blocks.empty())
        return;
    Bytes buffer;
    std::vector<uint64_t> new_offsets;
    for (const consensus::DecidedBlock& block : blocks) {
        if (block.certificate.header.height != height() + 1 + new_offsets.size()) {
            throw std::logic_error("block appended out of order");
        }
        Bytes record = consensus::encode_decided_block(block);
        new_offsets.push_back(block_log_size_ + buffer.size());
        consensus::Writer writer(buffer);
        writer.u32(static_cast<uint32_t>(record.size()));
        buffer.insert(buffer.end(), record.begin(), record.end());
    }
    write_all(block_log_, buffer.data(), buffer.size(), "blocks.log");
    if (::fdatasync(block_log_) != 0)
        fail("fdatasync blocks.log");
    block_log_size_ += buffer.size();
    offsets_.insert(offsets_.end(), new_offsets.begin(), new_offsets.end());
    tip_ = blocks.back().certificate;
}

std::vector<consensus::DecidedBlock> FileStore::read_blocks(consensus::Height from_height, uint32_t count,
                                                            size_t bytes_max) const {
    std::vector<consensus::DecidedBlock> blocks;
    size_t total_bytes = 0;
    for (consensus::Height height = from_height;
         height >= 1 && height <= offsets_.size() && blocks.size() < count; height++) {
        uint64_t offset = offsets_[height - 1];
        uint64_t end = height < offsets_.size() ? offsets_[height] : block_log_size_;
        size_t length = static_cast<size_t>(end - offset - kRecordHeaderBytes);
        if (!blocks.empty() && total_bytes + length > bytes_max)
            break;
        Bytes record(length);
        if (!read_exact(block_log_, offset + kRecordHeaderBytes, record.data(), length))
            break;
        std::optional<consensus::DecidedBlock> block =
            consensus::decode_decided_block(record.data(), record.size());
        if (!block)
            break;
        total_bytes += length;
        blocks.push_back(std::move(*block));
    }
    return blocks;
}

}  // namespace pgledger::agent
