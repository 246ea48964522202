#pragma once

#include "tree/array_source.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace ckpt {

/// Splits `box` into sub-boxes that together cover it in C order (the concatenation of the
/// sub-boxes' C-order bytes equals the box's C-order bytes), each at most `pieceBytes` bytes unless a
/// single element row along the last axis is already larger. Calls `fn` for each in order.
/// Used to stream arrays and chunks with bounded memory.
void forEachPieceBox(
    const Slab &box, size_t itemsize, uint64_t pieceBytes, const std::function<void(const Slab &)> &fn);

/// Streams the canonical bytes of `box` of `source` to `sink` in pieces of about `pieceBytes`.
/// Memory: one piece. Throws what the source throws; honours progress cancellation.
void streamBox(const ArraySource &source, const Slab &box, const std::function<void(std::span<const std::byte>)> &sink,
    const Progress &progress = {}, uint64_t pieceBytes = 16u << 20);

} // namespace ckpt
