#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

/// Inflates a zlib stream (RFC 1950, zarr/numcodecs "zlib"). More than `maxOutput` decoded bytes,
/// garbage, truncation or trailing bytes throw Exception{Corrupt} naming `name` and
/// `baseOffset + input position`. Thread-safe.
std::vector<std::byte> zlibDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset = 0);

/// Inflates gzip data (RFC 1952, numcodecs "gzip"); several concatenated members are joined.
/// Errors as zlibDecompress.
std::vector<std::byte> gzipDecompress(
    std::span<const std::byte> input, uint64_t maxOutput, const std::string &name, uint64_t baseOffset = 0);

} // namespace ckpt
