// Bounded binary encoding. The reader never trusts a length: every count is
// checked against both a fixed limit and the bytes actually remaining, so a
// decoder cannot be made to allocate more than its input size.
#pragma once

#include <cstring>
#include <string>

#include "core/types.h"

namespace pgledger::consensus {

class Writer {
  public:
    explicit Writer(Bytes& out) : out_(out) {}
    void u8(uint8_t value) { out_.push_back(value); }
    void u32(uint32_t value) {
        for (int shift = 0; shift < 32; shift += 8)
            out_.push_back(static_cast<uint8_t>(value >> shift));
    }
    void u64(uint64_t value) {
        for (int shift = 0; shift < 64; shift += 8)
            out_.push_back(static_cast<uint8_t>(value >> shift));
    }
    template <size_t N>
    void fixed(const std::array<uint8_t, N>& value) {
        out_.insert(out_.end(), value.begin(), value.end());
    }
    void bytes(const Bytes& value) {
        u32(static_cast<uint32_t>(value.size()));
        out_.insert(out_.end(), value.begin(), value.end());
    }
    void raw(const void* data, size_t size) {
        auto begin = static_cast<const uint8_t*>(data);
        out_.insert(out_.end(), begin, begin + size);
    }

  private:
    Bytes& out_;
};

class Reader {
  public:
    Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool ok() const { return ok_; }
    bool at_end() const { return ok_ && position_ == size_; }
    size_t remaining() const { return size_ - position_; }
    void fail() { ok_ = false; }

    uint8_t u8() {
        if (!take(1))
            return 0;
        return data_[position_ - 1];
    }
    uint32_t u32() {
        if (!take(4))
            return 0;
        uint32_t value = 0;
        for (int i = 0; i < 4; i++)
            value |= static_cast<uint32_t>(data_[position_ - 4 + i]) << (8 * i);
        return value;
    }
    uint64_t u64() {
        if (!take(8))
            return 0;
        uint64_t value = 0;
        for (int i = 0; i < 8; i++)
            value |= static_cast<uint64_t>(data_[position_ - 8 + i]) << (8 * i);
        return value;
    }
    template <size_t N>
    std::array<uint8_t, N> fixed() {
        std::array<uint8_t, N> value{};
        if (take(N))
            std::memcpy(value.data(), data_ + position_ - N, N);
        return value;
    }
    Bytes bytes(size_t size_max) {
        uint32_t size = u32();
        if (!ok_ || size > size_max || size > remaining()) {
            ok_ = false;
            return {};
        }
        Bytes value(data_ + position_, data_ + position_ + size);
        position_ += size;
        return value;
    }
    // Reads an element count; each element occupies at least element_bytes_min,
    // which lets us reject counts the remaining input cannot possibly hold
    // before reserving anything.
    uint32_t count(size_t count_max, size_t element_bytes_min) {
        uint32_t value = u32();
        if (!ok_ || value > count_max || static_cast<uint64_t>(value) * element_bytes_min > remaining()) {
            ok_ = false;
            return 0;
        }
        return value;
    }
    bool boolean() {
        uint8_t value = u8();
        if (value > 1)
            ok_ = false;
        return value == 1;
    }

  private:
    bool take(size_t size) {
        if (!ok_ || size > remaining()) {
            ok_ = false;
            return false;
        }
        position_ += size;
        return true;
    }

    const uint8_t* data_;
    size_t size_;
    size_t position_ = 0;
    bool ok_ = true;
};

}  // namespace pgledger::consensus
