#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Decompresses one or more concatenated zstd frames with the streaming API (frames without a
/// content-size field are fine). Output is bounded: more than `maxOutput` bytes throws
/// Exception{Corrupt}, as do garbage and truncated input. Errors name `name` and the file offset
/// `baseOffset + position in input` where decoding stopped. Input is read inside guarded calls, so
/// it may be a mapped file (io/guarded_read.h). Thread-safe (no shared state).
std::vector<std::byte> zstdDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset = 0);

/// Decompresses into `out` and returns the number of bytes written; more output than out.size()
/// throws Exception{Corrupt}. Used when the decoded size is known (zarr chunks).
size_t zstdDecompressInto(
    std::span<const std::byte> input, std::span<std::byte> out, const std::string &name, uint64_t baseOffset = 0);

class RandomAccess;

/// Decodes the zstd frames held in `input` piece by piece, reading the input in bounded steps, so
/// memory stays at zstd's window plus one input buffer however large the frames are.
class ZstdStream {
public:
    ZstdStream(std::shared_ptr<const RandomAccess> input);
    ~ZstdStream();
    ZstdStream(const ZstdStream &) = delete;
    ZstdStream &operator=(const ZstdStream &) = delete;
    /// Fills `out` with the next decoded bytes; throws Exception{Corrupt} (naming the input's file
    /// and offset) on damage or when the frames end first.
    void read(std::span<std::byte> out);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

/// One zstd frame (with content size) of `input` at `level` (0 = zstd's default level).
std::vector<std::byte> zstdCompress(std::span<const std::byte> input, int level = 0);

} // namespace ckpt
