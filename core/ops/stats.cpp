#include "ops/stats.h"

#include "base/error.h"
#include "tree/sequential_chunk_reader.h"

#include <algorithm>
#include <cmath>

namespace ckpt {
namespace {

/// Welford accumulator over finite values, with NaN/Inf/zero counts.
struct Accumulator {
    ArrayStats s;
    double m2 = 0;

    void add(double v)
    {
        ++s.count;
        if (std::isnan(v)) {
            ++s.nanCount;
            return;
        }
        if (std::isinf(v)) {
            ++s.infCount;
            return;
        }
        if (v == 0)
            ++s.zeroCount;
        if (s.finite == 0) {
            s.min = s.max = v;
        } else {
            s.min = std::min(s.min, v);
            s.max = std::max(s.max, v);
        }
        ++s.finite;
        const double d = v - s.mean;
        s.mean += d / double(s.finite);
        m2 += d * (v - s.mean);
    }

    void merge(const Accumulator &o)
    {
        if (o.s.finite == 0) {
            s.count += o.s.count;
            s.nanCount += o.s.nanCount;
            s.infCount += o.s.infCount;
            s.zeroCount += o.s.zeroCount;
            return;
        }
        if (s.finite == 0) {
            const uint64_t c = s.count, n = s.nanCount, i = s.infCount, z = s.zeroCount;
            *this = o;
            s.count += c;
            s.nanCount += n;
            s.infCount += i;
            s.zeroCount += z;
            return;
        }
        const double na = double(s.finite), nb = double(o.s.finite);
        const double d = o.s.mean - s.mean;
        s.mean += d * nb / (na + nb);
        m2 += o.m2 + d * d * na * nb / (na + nb);
        s.min = std::min(s.min, o.s.min);
        s.max = std::max(s.max, o.s.max);
        s.count += o.s.count;
        s.finite += o.s.finite;
        s.nanCount += o.s.nanCount;
        s.infCount += o.s.infCount;
        s.zeroCount += o.s.zeroCount;
    }

    ArrayStats result() const
    {
        ArrayStats r = s;
        r.std = s.finite ? std::sqrt(m2 / double(s.finite)) : 0; // population std, like numpy's default
        return r;
    }
};

double elementValue(DType t, const std::byte *p)
{
    if (isComplex(t))
        return std::abs(toComplex(t, p));
    return toDouble(t, p);
}

void accumulate(Accumulator &acc, DType dtype, const std::byte *data, uint64_t count)
{
    const size_t item = itemSize(dtype);
    for (uint64_t i = 0; i < count; ++i)
        acc.add(elementValue(dtype, data + i * item));
}

} // namespace

ArrayStats computeStats(DType dtype, const std::byte *data, uint64_t count)
{
    Accumulator acc;
    accumulate(acc, dtype, data, count);
    return acc.result();
}

ArrayStats computeStats(const ArraySource &source, const Progress &progress)
{
    const ArrayInfo &info = source.info();
    const uint64_t total = info.numElements();
    const size_t item = itemSize(info.dtype);
    Accumulator acc;
    if (total == 0)
        return acc.result();
    if (info.shape.empty() || total * item <= (32u << 20)) {
        auto bytes = source.readAll(progress);
        accumulate(acc, info.dtype, bytes.data(), total);
        return acc.result();
    }
    // Read along the first dimension in slabs of about 32 MiB.
    const uint64_t rowElems = total / info.shape[0];
    const uint64_t rowsPerStep = std::max<uint64_t>(1, (32u << 20) / std::max<uint64_t>(1, rowElems * item));
    std::vector<std::byte> buf;
    // Chunks larger than a slab decode front to back once instead of whole for every slab.
    const std::unique_ptr<SequentialChunkReader> chunks = SequentialChunkReader::make(source);
    for (uint64_t r = 0; r < info.shape[0]; r += rowsPerStep) {
        progress.throwIfCancelled();
        Slab slab = Slab::whole(info.shape);
        slab.start[0] = r;
        slab.count[0] = std::min(rowsPerStep, info.shape[0] - r);
        buf.resize(slab.numElements() * item);
        if (chunks)
            chunks->read(r * rowElems, slab.numElements(), buf, progress);
        else
            source.readSlab(slab, buf);
        Accumulator part;
        accumulate(part, info.dtype, buf.data(), slab.numElements());
        acc.merge(part);
        progress.update(r + slab.count[0], info.shape[0]);
    }
    return acc.result();
}

std::vector<uint64_t> histogram(DType dtype, const std::byte *data, uint64_t count, double lo, double hi, int bins)
{
    if (bins <= 0)
        fail(ErrorCategory::InvalidArgument, "histogram needs at least one bin");
    std::vector<uint64_t> h(size_t(bins), 0);
    const size_t item = itemSize(dtype);
    const double width = hi > lo ? (hi - lo) / bins : 1.0;
    for (uint64_t i = 0; i < count; ++i) {
        const double v = elementValue(dtype, data + i * item);
        if (!std::isfinite(v))
            continue;
        long b = hi > lo ? long((v - lo) / width) : 0;
        b = std::clamp<long>(b, 0, bins - 1);
        ++h[size_t(b)];
    }
    return h;
}

} // namespace ckpt
