#include "orbax_test_helpers.h"

#include "io/random_access.h"

#include <blosc.h>
#include <zlib.h>

#include <cstring>
#include <stdexcept>

namespace ckpt::testing {

void MemoryKvStore::put(const std::string &key, const std::string &text)
{
    m_values[key] = toBytes(text);
}

RandomAccessPtr MemoryKvStore::get(const std::string &key) const
{
    auto it = m_values.find(key);
    if (it == m_values.end())
        return nullptr;
    return std::make_shared<MemoryBytes>(it->second, "memory:" + key);
}

std::vector<std::string> MemoryKvStore::list(const std::string &prefix) const
{
    std::vector<std::string> keys;
    for (auto it = m_values.lower_bound(prefix); it != m_values.end() && it->first.starts_with(prefix); ++it)
        keys.push_back(it->first);
    return keys;
}

std::vector<std::byte> toBytes(const std::string &s)
{
    std::vector<std::byte> out(s.size());
    std::memcpy(out.data(), s.data(), s.size());
    return out;
}

std::vector<std::byte> zlibCompress(std::span<const std::byte> in, bool gzip)
{
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::vector<std::byte> out(deflateBound(&zs, in.size()) + 32);
    zs.next_in = reinterpret_cast<Bytef *>(const_cast<std::byte *>(in.data()));
    zs.avail_in = uInt(in.size());
    zs.next_out = reinterpret_cast<Bytef *>(out.data());
    zs.avail_out = uInt(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END)
        throw std::runtime_error("deflate");
    out.resize(zs.total_out);
    return out;
}

std::vector<std::byte> bloscCompress(std::span<const std::byte> in, size_t typesize)
{
    std::vector<std::byte> out(in.size() + BLOSC_MAX_OVERHEAD);
    const int n = blosc_compress_ctx(5, 1, typesize, in.size(), in.data(), out.data(), out.size(), "lz4", 0, 1);
    if (n <= 0)
        throw std::runtime_error("blosc_compress_ctx");
    out.resize(size_t(n));
    return out;
}

} // namespace ckpt::testing
