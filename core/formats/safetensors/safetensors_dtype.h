#pragma once

#include "tree/dtype.h"

#include <optional>
#include <string_view>

namespace ckpt::safetensors {

/// The dtype names of the safetensors format (docs/formats.md, "safetensors") and the bits each
/// element takes in the file. Every name has exactly one DType; F4 and F6_* are bit-packed in the
/// file (two F4 per byte, four F6 per three bytes, element 0 in the lowest bits) while in memory
/// they are one element per byte like every other sub-byte type.
struct DTypeName {
    std::string_view name;
    DType dtype;
    int bits;
};

/// The entry for a header's `dtype` string; nullopt for names the format does not define.
std::optional<DTypeName> dtypeFromSafetensorsName(std::string_view name);

/// The entry a DType is written as; nullopt for dtypes safetensors cannot hold (complex128, int4,
/// uint4, int2, uint2, float8_e4m3, float8_e3m4, float8_e4m3b11fnuz).
std::optional<DTypeName> safetensorsDType(DType t);

/// Bytes `elements` elements take in a file: elements * bits / 8, or nullopt when that is not a
/// whole number of bytes or overflows.
std::optional<uint64_t> storedBytes(const DTypeName &t, uint64_t elements);

} // namespace ckpt::safetensors
