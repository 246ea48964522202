#pragma once

#include <cstddef>
#include <cstdint>
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

/// One zstd frame (with content size) of `input` at `level` (0 = zstd's default level).
std::vector<std::byte> zstdCompress(std::span<const std::byte> input, int level = 0);

} // namespace ckpt
