#include "tree/box_pieces.h"

#include <algorithm>

namespace ckpt {
namespace {

/// Splits along `axis` (all axes before it are already 1-wide in `box`).
void split(Slab box, size_t axis, size_t itemsize, uint64_t pieceBytes, const std::function<void(const Slab &)> &fn)
{
    const size_t rank = box.count.size();
    uint64_t inner = itemsize; // bytes of one step along `axis`
    for (size_t d = axis + 1; d < rank; ++d)
        inner *= box.count[d];
    if (inner * box.count[axis] <= pieceBytes || axis + 1 == rank) {
        const uint64_t step
            = std::max<uint64_t>(1, inner == 0 ? box.count[axis] : pieceBytes / std::max<uint64_t>(1, inner));
        const uint64_t start = box.start[axis], count = box.count[axis];
        for (uint64_t i = 0; i < count; i += step) {
            Slab s = box;
            s.start[axis] = start + i;
            s.count[axis] = std::min(step, count - i);
            fn(s);
        }
        return;
    }
    const uint64_t start = box.start[axis], count = box.count[axis];
    for (uint64_t i = 0; i < count; ++i) {
        Slab s = box;
        s.start[axis] = start + i;
        s.count[axis] = 1;
        split(s, axis + 1, itemsize, pieceBytes, fn);
    }
}

} // namespace

void forEachPieceBox(const Slab &box, size_t itemsize, uint64_t pieceBytes, const std::function<void(const Slab &)> &fn)
{
    if (box.numElements() == 0)
        return;
    if (box.count.empty()) {
        fn(box);
        return;
    }
    split(box, 0, itemsize, std::max<uint64_t>(pieceBytes, itemsize), fn);
}

void streamBox(const ArraySource &source, const Slab &box, const std::function<void(std::span<const std::byte>)> &sink,
    const Progress &progress, uint64_t pieceBytes)
{
    const size_t itemsize = itemSize(source.info().dtype);
    const bool whole = box.start == std::vector<uint64_t>(box.start.size(), 0) && box.count == source.info().shape;
    std::vector<std::byte> buf;
    if (whole) {
        // Whole array: readFlatRange-based streaming reads aligned rows without slab bookkeeping.
        streamArray(source, sink, progress, pieceBytes);
        return;
    }
    forEachPieceBox(box, itemsize, pieceBytes, [&](const Slab &piece) {
        progress.throwIfCancelled();
        buf.resize(piece.numElements() * itemsize);
        source.readSlab(piece, buf, progress);
        sink(buf);
    });
}

} // namespace ckpt
