#include "ops/plane/array_plane.h"

#include "tree/dtype.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <tuple>

namespace ckpt {

PlaneSpec PlaneSpec::defaultFor(const std::vector<uint64_t> &shape)
{
    PlaneSpec s;
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

bool PlaneSpec::isValidFor(const std::vector<uint64_t> &shape) const
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

Slab PlaneSpec::slab(const std::vector<uint64_t> &shape, uint64_t r0, uint64_t nr, uint64_t c0, uint64_t nc) const
{
    Slab s;
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

std::vector<uint64_t> PlaneSpec::indexOf(uint64_t row, uint64_t col) const
{
    std::vector<uint64_t> ix = fixed;
    if (rowDim >= 0)
        ix[size_t(rowDim)] = row;
    if (colDim >= 0)
        ix[size_t(colDim)] = col;
    return ix;
}

std::optional<std::pair<uint64_t, uint64_t>> PlaneWindow::cellOf(uint64_t row, uint64_t col) const
{
    if (row < row0 || col < col0 || (row - row0) % rowStep != 0 || (col - col0) % colStep != 0)
        return std::nullopt;
    const uint64_t r = (row - row0) / rowStep, c = (col - col0) / colStep;
    if (r >= rows || c >= cols)
        return std::nullopt;
    return std::pair{r, c};
}

namespace {

double valueAt(DType dtype, bool complex, const std::byte *p)
{
    return complex ? std::abs(toComplex(dtype, p)) : toDouble(dtype, p);
}

uint64_t ceilDiv(uint64_t a, uint64_t b)
{
    return a / b + (a % b != 0);
}

} // namespace

PlaneWindow readPlaneWindow(
    const ArraySource &source, const PlaneSpec &spec, uint64_t maxRows, uint64_t maxCols, const Progress &progress)
{
    const ArrayInfo &info = source.info();
    PlaneWindow w;
    w.planeRows = spec.rows(info.shape);
    w.planeCols = spec.cols(info.shape);
    w.rows = std::min(w.planeRows, maxRows);
    w.cols = std::min(w.planeCols, maxCols);
    const DTypeClass cls = dtypeClass(info.dtype);
    w.isSigned = cls == DTypeClass::SignedInt || cls == DTypeClass::Float;
    if (w.rows == 0 || w.cols == 0)
        return w;
    const size_t item = itemSize(info.dtype);
    std::vector<std::byte> bytes(w.rows * w.cols * item);
    source.readSlab(spec.slab(info.shape, 0, w.rows, 0, w.cols), bytes, progress);
    w.values.resize(w.rows * w.cols);
    const bool complex = cls == DTypeClass::Complex;
    for (uint64_t r = 0; r < w.rows; ++r) {
        for (uint64_t c = 0; c < w.cols; ++c) {
            const std::byte *p = bytes.data() + spec.offsetInSlab(r, c, w.rows, w.cols) * item;
            w.values[r * w.cols + c] = valueAt(info.dtype, complex, p);
        }
    }
    return w;
}

std::pair<uint64_t, uint64_t> planeSteps(uint64_t planeRows, uint64_t planeCols, uint64_t maxCells)
{
    maxCells = std::max<uint64_t>(1, maxCells);
    const auto cells = [&](uint64_t rs, uint64_t cs) {
        const uint64_t r = ceilDiv(planeRows, rs), c = ceilDiv(planeCols, cs);
        return r > 0 && c > maxCells / r + 1 ? maxCells + 1 : r * c; // saturating: never overflows
    };
    if (cells(1, 1) <= maxCells)
        return {1, 1};
    // Equal steps near sqrt(area / maxCells), unless one side is short enough to keep whole.
    const double k = std::sqrt(double(planeRows) * double(planeCols) / double(maxCells));
    uint64_t rs = 1, cs = 1;
    if (double(planeRows) <= k) {
        cs = ceilDiv(planeCols, std::max<uint64_t>(1, maxCells / std::max<uint64_t>(1, planeRows)));
    } else if (double(planeCols) <= k) {
        rs = ceilDiv(planeRows, std::max<uint64_t>(1, maxCells / std::max<uint64_t>(1, planeCols)));
    } else {
        rs = cs = uint64_t(std::ceil(k));
    }
    rs = std::max<uint64_t>(1, rs);
    cs = std::max<uint64_t>(1, cs);
    while (cells(rs, cs) > maxCells) { // rounding left a little too much: widen the denser side
        if (ceilDiv(planeRows, rs) >= ceilDiv(planeCols, cs))
            ++rs;
        else
            ++cs;
    }
    return {rs, cs};
}

PlaneWindow readPlaneSample(
    const ArraySource &source, const PlaneSpec &spec, uint64_t maxCells, const Progress &progress, uint64_t bandBytes)
{
    const ArrayInfo &info = source.info();
    PlaneWindow w;
    w.planeRows = spec.rows(info.shape);
    w.planeCols = spec.cols(info.shape);
    const DTypeClass cls = dtypeClass(info.dtype);
    w.isSigned = cls == DTypeClass::SignedInt || cls == DTypeClass::Float;
    if (w.planeRows == 0 || w.planeCols == 0)
        return w;
    std::tie(w.rowStep, w.colStep) = planeSteps(w.planeRows, w.planeCols, maxCells);
    w.rows = ceilDiv(w.planeRows, w.rowStep);
    w.cols = ceilDiv(w.planeCols, w.colStep);
    w.values.resize(w.rows * w.cols);
    const bool complex = cls == DTypeClass::Complex;
    const uint64_t item = itemSize(info.dtype);
    const uint64_t rowBytes = w.planeCols * item;
    // Consecutive rows share a band when every row is kept; a sampled or very wide row is read
    // alone, in pieces of columns when one row exceeds the band.
    const uint64_t bandRows = w.rowStep == 1 ? std::max<uint64_t>(1, bandBytes / std::max<uint64_t>(1, rowBytes)) : 1;
    const uint64_t pieceCols = std::max<uint64_t>(1, std::min(w.planeCols, bandBytes / item));
    std::vector<std::byte> band;
    for (uint64_t wr = 0; wr < w.rows;) {
        progress.throwIfCancelled();
        const uint64_t r0 = wr * w.rowStep;
        const uint64_t nr = std::min(bandRows, w.rows - wr);
        for (uint64_t c0 = 0; c0 < w.planeCols; c0 += pieceCols) {
            const uint64_t nc = std::min(pieceCols, w.planeCols - c0);
            band.resize(nr * nc * item);
            source.readSlab(spec.slab(info.shape, r0, nr, c0, nc), band, progress);
            for (uint64_t r = 0; r < nr; ++r) {
                double *out = w.values.data() + (wr + r) * w.cols;
                for (uint64_t c = ceilDiv(c0, w.colStep) * w.colStep; c < c0 + nc; c += w.colStep)
                    out[c / w.colStep]
                        = valueAt(info.dtype, complex, band.data() + spec.offsetInSlab(r, c - c0, nr, nc) * item);
            }
        }
        wr += nr;
    }
    return w;
}

} // namespace ckpt
