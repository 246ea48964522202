#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Size of the blosc1 chunk header; part of the blosc format, never change it.
inline constexpr size_t kBloscHeaderSize = 16;

/// Decompresses one blosc1 chunk (numcodecs/zarr "blosc"). The 16-byte header's nbytes is checked
/// against `maxOutput` and cbytes against the input size before anything is allocated; bad or
/// truncated chunks throw Exception{Corrupt}, blosc2-format chunks Exception{Unsupported}, naming
/// `name` and `baseOffset`. Thread-safe (uses the context API, no global state).
std::vector<std::byte> bloscDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset = 0);

} // namespace ckpt
