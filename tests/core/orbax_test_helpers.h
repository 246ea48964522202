#pragma once

#include "io/kvstore/kvstore.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt::testing {

/// A KvStore over a map, for tests that build zarr arrays by hand. Not thread-safe to mutate;
/// reads are safe once it is filled.
class MemoryKvStore final : public KvStore {
public:
    void put(const std::string &key, std::vector<std::byte> value) { m_values[key] = std::move(value); }
    void put(const std::string &key, const std::string &text);
    void erase(const std::string &key) { m_values.erase(key); }
    std::vector<std::byte> &at(const std::string &key) { return m_values.at(key); }

    RandomAccessPtr get(const std::string &key) const override;
    std::vector<std::string> list(const std::string &prefix = {}) const override;
    std::string describe() const override { return "memory:"; }

private:
    std::map<std::string, std::vector<std::byte>> m_values;
};

std::vector<std::byte> toBytes(const std::string &s);

/// Raw little-endian bytes of a vector of trivially copyable values.
template <typename T> std::vector<std::byte> rawBytes(const std::vector<T> &v)
{
    std::vector<std::byte> out(v.size() * sizeof(T));
    if (!v.empty())
        std::memcpy(out.data(), v.data(), out.size());
    return out;
}

/// Values of a canonical byte buffer.
template <typename T> std::vector<T> fromBytes(std::span<const std::byte> b)
{
    std::vector<T> out(b.size() / sizeof(T));
    if (!out.empty())
        std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
    return out;
}

/// zlib / gzip / blosc compressors for building fixtures (zstd comes from core's zstdCompress).
std::vector<std::byte> zlibCompress(std::span<const std::byte> in, bool gzip);
std::vector<std::byte> bloscCompress(std::span<const std::byte> in, size_t typesize);

} // namespace ckpt::testing
