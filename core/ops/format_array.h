#pragma once

#include "tree/dtype.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ckpt {

struct FormatOptions {
    uint64_t threshold = 1000; ///< above this many elements, print only the edges (NumPy's default)
    uint64_t edgeItems = 3; ///< elements kept at each edge of every dimension when eliding
};

/// NumPy-like text of an array held in canonical bytes: nested brackets, aligned columns,
/// `...` where elided. A 0-d array prints its element.
std::string formatArray(DType dtype, const std::vector<uint64_t> &shape, std::span<const std::byte> data,
    const FormatOptions &options = {});

} // namespace ckpt
