#include "array_slice.h"

#include "tree/dtype.h"

#include <algorithm>
#include <complex>

SliceSpec SliceSpec::defaultFor(const std::vector<uint64_t> &shape)
{
    SliceSpec s;
    const int rank = int(shape.size());
    s.fixed.assign(shape.size(), 0);
    std::vector<int> wide; // dimensions longer than 1: a (3, 3, 1, 8) kernel shows 3 x 8, not 1 x 8
    for (int d = 0; d < rank; ++d) {
        if (shape[size_t(d)] > 1)
            wide.push_back(d);
    }
    if (wide.size() >= 2) {
        s.rowDim = wide[wide.size() - 2];
        s.colDim = wide.back();
    } else if (rank >= 2) {
        s.rowDim = rank - 2;
        s.colDim = rank - 1;
    } else if (rank == 1) {
        s.rowDim = 0;
    }
    return s;
}

bool SliceSpec::isValidFor(const std::vector<uint64_t> &shape) const
{
    const int rank = int(shape.size());
    if (fixed.size() != shape.size() || rowDim >= rank || colDim >= rank || rowDim < -1 || colDim < -1)
        return false;
    if (rank >= 1 && rowDim < 0)
        return false;
    if (rank >= 2 && (colDim < 0 || colDim == rowDim))
        return false;
    for (int d = 0; d < rank; ++d) {
        if (d != rowDim && d != colDim && fixed[size_t(d)] >= shape[size_t(d)])
            return false;
    }
    return true;
}

ckpt::Slab SliceSpec::slab(const std::vector<uint64_t> &shape, uint64_t r0, uint64_t nr, uint64_t c0, uint64_t nc) const
{
    ckpt::Slab s;
    for (size_t d = 0; d < shape.size(); ++d) {
        if (int(d) == rowDim) {
            s.start.push_back(r0);
            s.count.push_back(nr);
        } else if (int(d) == colDim) {
            s.start.push_back(c0);
            s.count.push_back(nc);
        } else {
            s.start.push_back(fixed[d]);
            s.count.push_back(1);
        }
    }
    return s;
}

std::vector<uint64_t> SliceSpec::indexOf(uint64_t row, uint64_t col) const
{
    std::vector<uint64_t> ix = fixed;
    if (rowDim >= 0)
        ix[size_t(rowDim)] = row;
    if (colDim >= 0)
        ix[size_t(colDim)] = col;
    return ix;
}

SliceWindow readSliceWindow(const ckpt::ArraySource &source, const SliceSpec &spec, uint64_t maxRows, uint64_t maxCols,
    const ckpt::Progress &progress)
{
    const ckpt::ArrayInfo &info = source.info();
    SliceWindow w;
    w.planeRows = spec.rows(info.shape);
    w.planeCols = spec.cols(info.shape);
    w.rows = std::min(w.planeRows, maxRows);
    w.cols = std::min(w.planeCols, maxCols);
    const ckpt::DTypeClass cls = ckpt::dtypeClass(info.dtype);
    w.isSigned = cls == ckpt::DTypeClass::SignedInt || cls == ckpt::DTypeClass::Float;
    if (w.rows == 0 || w.cols == 0)
        return w;
    const size_t item = ckpt::itemSize(info.dtype);
    std::vector<std::byte> bytes(w.rows * w.cols * item);
    source.readSlab(spec.slab(info.shape, 0, w.rows, 0, w.cols), bytes, progress);
    w.values.resize(w.rows * w.cols);
    const bool complex = cls == ckpt::DTypeClass::Complex;
    for (uint64_t r = 0; r < w.rows; ++r) {
        for (uint64_t c = 0; c < w.cols; ++c) {
            const std::byte *p = bytes.data() + spec.offsetInSlab(r, c, w.rows, w.cols) * item;
            w.values[r * w.cols + c]
                = complex ? std::abs(ckpt::toComplex(info.dtype, p)) : ckpt::toDouble(info.dtype, p);
        }
    }
    return w;
}
