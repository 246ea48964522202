#pragma once

#include "tree/array_source.h"

#include <string>
#include <vector>

namespace ckpt {

/// A NumPy-style basic index such as `0,:,2:5` or `-1,...` applied to a shape: the slab to read
/// and the shape of the result (integer indices drop their dimension).
struct SliceSpec {
    Slab slab;
    std::vector<uint64_t> resultShape;
};

/// Parses `text` against `shape`. Supports integers (negative from the end), `:`, `a:b`, `a:`,
/// `:b` (negative bounds allowed, clamped like NumPy) and one `...`. Missing trailing dims mean `:`.
/// Throws Exception{InvalidArgument} for anything else or an index out of range.
SliceSpec parseSlice(const std::string &text, const std::vector<uint64_t> &shape);

} // namespace ckpt
