#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace ckpt {

/// CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, init and final xor 0xFFFFFFFF), as used by
/// OCDBT envelopes and zarr v3 `crc32c`. crc32c("123456789") == 0xE3069283. Thread-safe.
uint32_t crc32c(std::span<const std::byte> data);

/// Continues a CRC: crc32cExtend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32cExtend(uint32_t crc, std::span<const std::byte> data);

} // namespace ckpt
