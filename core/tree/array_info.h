#pragma once

#include "tree/dtype.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// Dtype and shape of an array leaf, plus how it is chunked on disk (empty when stored whole).
struct ArrayInfo {
    DType dtype = DType::Float32;
    std::vector<uint64_t> shape; ///< C-order dimensions; empty for a 0-d array
    std::vector<uint64_t> chunkShape; ///< storage chunk, same rank as shape, or empty

    /// Product of the dimensions, or nullopt when it overflows 64 bits.
    std::optional<uint64_t> checkedNumElements() const;
    /// Product of the dimensions; throws Exception{Corrupt} on overflow.
    uint64_t numElements() const;
    /// numElements() * itemSize(dtype); throws Exception{Corrupt} on overflow.
    uint64_t numBytes() const;

    bool operator==(const ArrayInfo &o) const = default;
};

/// `(3, 4)`, `()`, `(5,)`: the shape as Python prints a tuple.
std::string shapeString(const std::vector<uint64_t> &shape);

/// Human size with binary units: `512 B`, `1.5 KiB`, `3.0 GiB`.
std::string humanBytes(uint64_t bytes);

/// A parameter count as people quote it: `12`, `9999`, `12.3K`, `1.50M`, `7.24B`.
std::string parameterCountText(uint64_t n);

} // namespace ckpt
