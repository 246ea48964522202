#include "ops/diff_array.h"

#include "tree/error.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

namespace ckpt {
namespace {

__extension__ typedef __int128 Int128;

/// Elements converted and compared at a time (bounded scratch, cache friendly).
constexpr uint64_t kBlock = 1u << 15;

template <typename T, typename Out> void convertNative(const std::byte *p, uint64_t n, Out *out)
{
    for (uint64_t i = 0; i < n; ++i) {
        T v;
        std::memcpy(&v, p + i * sizeof(T), sizeof(T));
        out[i] = Out(v);
    }
}

void toReal(DType t, const std::byte *p, uint64_t n, double *out)
{
    if constexpr (std::endian::native == std::endian::little) {
        switch (t) {
        case DType::Float32: return convertNative<float>(p, n, out);
        case DType::Float64: return convertNative<double>(p, n, out);
        case DType::Int8: return convertNative<int8_t>(p, n, out);
        case DType::Int16: return convertNative<int16_t>(p, n, out);
        case DType::Int32: return convertNative<int32_t>(p, n, out);
        case DType::Int64: return convertNative<int64_t>(p, n, out);
        case DType::UInt8: return convertNative<uint8_t>(p, n, out);
        case DType::UInt16: return convertNative<uint16_t>(p, n, out);
        case DType::UInt32: return convertNative<uint32_t>(p, n, out);
        case DType::UInt64: return convertNative<uint64_t>(p, n, out);
        case DType::BFloat16:
            for (uint64_t i = 0; i < n; ++i) {
                uint16_t h;
                std::memcpy(&h, p + i * 2, 2);
                out[i] = double(std::bit_cast<float>(uint32_t(h) << 16));
            }
            return;
        default: break;
        }
    }
    const size_t item = itemSize(t);
    for (uint64_t i = 0; i < n; ++i)
        out[i] = toDouble(t, p + i * item);
}

void toInteger(DType t, const std::byte *p, uint64_t n, Int128 *out)
{
    if constexpr (std::endian::native == std::endian::little) {
        switch (t) {
        case DType::Int32: return convertNative<int32_t>(p, n, out);
        case DType::Int64: return convertNative<int64_t>(p, n, out);
        case DType::UInt8: return convertNative<uint8_t>(p, n, out);
        case DType::Int8: return convertNative<int8_t>(p, n, out);
        default: break;
        }
    }
    const size_t item = itemSize(t);
    const bool isUnsigned = dtypeClass(t) == DTypeClass::UnsignedInt;
    for (uint64_t i = 0; i < n; ++i)
        out[i] = isUnsigned ? Int128(toUInt64(t, p + i * item)) : Int128(toInt64(t, p + i * item));
}

void toComplexes(DType t, const std::byte *p, uint64_t n, std::complex<double> *out)
{
    if constexpr (std::endian::native == std::endian::little) {
        if (t == DType::Complex128) {
            std::memcpy(static_cast<void *>(out), p, n * sizeof(std::complex<double>));
            return;
        }
    }
    const size_t item = itemSize(t);
    for (uint64_t i = 0; i < n; ++i)
        out[i] = toComplex(t, p + i * item);
}

/// Running numbers of one range; sums of squares become norms in finish().
struct Accumulator {
    ArrayDiff d;
    double sa = 0, sb = 0, sd = 0;

    void noteDiff(double absDiff, double absB, uint64_t index)
    {
        if (std::isnan(absDiff))
            return;
        if (absDiff > d.maxAbs) {
            d.maxAbs = absDiff;
            d.maxAbsIndex = index;
        }
        if (absB != 0) {
            const double rel = absDiff / absB;
            if (!std::isnan(rel) && (!d.hasMaxRel || rel > d.maxRel)) {
                d.maxRel = rel;
                d.maxRelIndex = index;
                d.hasMaxRel = true;
            }
        }
    }

    void real(const double *a, const double *b, uint64_t n, uint64_t base, const ArrayCompareOptions &o)
    {
        double la = 0, lb = 0, ld = 0;
        for (uint64_t i = 0; i < n; ++i) {
            const double x = a[i], y = b[i];
            la += x * x;
            lb += y * y;
            if (x == y)
                continue; // close, difference 0
            double diff;
            bool close;
            if (std::isnan(x) || std::isnan(y)) {
                close = o.nanEqual && std::isnan(x) && std::isnan(y);
                diff = close ? 0 : std::numeric_limits<double>::quiet_NaN();
            } else {
                diff = x - y;
                close = std::isfinite(x) && std::isfinite(y) && std::fabs(diff) <= o.atol + o.rtol * std::fabs(y);
            }
            if (!close)
                ++d.differing;
            ld += diff * diff;
            noteDiff(std::fabs(diff), std::fabs(y), base + i);
        }
        sa += la;
        sb += lb;
        sd += ld;
        d.count += n;
    }

    void integer(const Int128 *a, const Int128 *b, uint64_t n, uint64_t base, const ArrayCompareOptions &o)
    {
        double la = 0, lb = 0, ld = 0;
        for (uint64_t i = 0; i < n; ++i) {
            const double x = double(a[i]), y = double(b[i]);
            la += x * x;
            lb += y * y;
            if (a[i] == b[i])
                continue;
            const double diff = double(a[i] - b[i]);
            if (!(std::fabs(diff) <= o.atol + o.rtol * std::fabs(y)))
                ++d.differing;
            ld += diff * diff;
            noteDiff(std::fabs(diff), std::fabs(y), base + i);
        }
        sa += la;
        sb += lb;
        sd += ld;
        d.count += n;
    }

    void complex(const std::complex<double> *a, const std::complex<double> *b, uint64_t n, uint64_t base,
        const ArrayCompareOptions &o)
    {
        double la = 0, lb = 0, ld = 0;
        for (uint64_t i = 0; i < n; ++i) {
            const std::complex<double> x = a[i], y = b[i];
            la += std::norm(x);
            lb += std::norm(y);
            if (x == y)
                continue;
            const bool nanX = std::isnan(x.real()) || std::isnan(x.imag());
            const bool nanY = std::isnan(y.real()) || std::isnan(y.imag());
            const bool finite = std::isfinite(x.real()) && std::isfinite(x.imag()) && std::isfinite(y.real())
                && std::isfinite(y.imag());
            std::complex<double> diff;
            bool close;
            if (nanX || nanY) {
                close = o.nanEqual && nanX && nanY;
                const double nan = std::numeric_limits<double>::quiet_NaN();
                diff = close ? std::complex<double>() : std::complex<double>(nan, nan);
            } else {
                diff = x - y;
                close = finite && std::abs(diff) <= o.atol + o.rtol * std::abs(y);
            }
            if (!close)
                ++d.differing;
            ld += std::norm(diff);
            noteDiff(std::abs(diff), std::abs(y), base + i);
        }
        sa += la;
        sb += lb;
        sd += ld;
        d.count += n;
    }

    ArrayDiff finish() const
    {
        ArrayDiff r = d;
        r.normA = std::sqrt(sa);
        r.normB = std::sqrt(sb);
        r.normDiff = std::sqrt(sd);
        return r;
    }
};

/// Converts and compares `n` elements of canonical bytes in blocks.
class BlockComparer {
public:
    BlockComparer(DType ta, DType tb, const ArrayCompareOptions &o)
        : m_ta(ta)
        , m_tb(tb)
        , m_domain(compareDomain(ta, tb))
        , m_options(o)
    { }

    void compare(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, Accumulator &acc)
    {
        const size_t ia = itemSize(m_ta), ib = itemSize(m_tb);
        for (uint64_t off = 0; off < n; off += kBlock) {
            const uint64_t k = std::min(kBlock, n - off);
            const std::byte *a = pa + off * ia, *b = pb + off * ib;
            switch (m_domain) {
            case CompareDomain::Integer:
                m_ia.resize(k);
                m_ib.resize(k);
                toInteger(m_ta, a, k, m_ia.data());
                toInteger(m_tb, b, k, m_ib.data());
                acc.integer(m_ia.data(), m_ib.data(), k, base + off, m_options);
                break;
            case CompareDomain::Real:
                m_ra.resize(k);
                m_rb.resize(k);
                toReal(m_ta, a, k, m_ra.data());
                toReal(m_tb, b, k, m_rb.data());
                acc.real(m_ra.data(), m_rb.data(), k, base + off, m_options);
                break;
            case CompareDomain::Complex:
                m_ca.resize(k);
                m_cb.resize(k);
                toComplexes(m_ta, a, k, m_ca.data());
                toComplexes(m_tb, b, k, m_cb.data());
                acc.complex(m_ca.data(), m_cb.data(), k, base + off, m_options);
                break;
            }
        }
    }

private:
    DType m_ta, m_tb;
    CompareDomain m_domain;
    ArrayCompareOptions m_options;
    std::vector<Int128> m_ia, m_ib;
    std::vector<double> m_ra, m_rb;
    std::vector<std::complex<double>> m_ca, m_cb;
};

} // namespace

void ArrayDiff::merge(const ArrayDiff &later)
{
    count += later.count;
    differing += later.differing;
    if (later.maxAbs > maxAbs) {
        maxAbs = later.maxAbs;
        maxAbsIndex = later.maxAbsIndex;
    }
    if (later.hasMaxRel && (!hasMaxRel || later.maxRel > maxRel)) {
        maxRel = later.maxRel;
        maxRelIndex = later.maxRelIndex;
        hasMaxRel = true;
    }
    normA = std::sqrt(normA * normA + later.normA * later.normA);
    normB = std::sqrt(normB * normB + later.normB * later.normB);
    normDiff = std::sqrt(normDiff * normDiff + later.normDiff * later.normDiff);
    sameStorage = sameStorage && later.sameStorage;
}

namespace {

/// Elements in one band of chunks along dimension 0, or 0 when the array is not chunked.
uint64_t chunkBand(const ArrayInfo &info)
{
    if (info.shape.empty() || info.chunkShape.size() != info.shape.size() || info.chunkShape[0] == 0)
        return 0;
    uint64_t band = std::min(info.chunkShape[0], info.shape[0]);
    for (size_t i = 1; i < info.shape.size(); ++i)
        band *= info.shape[i];
    return band;
}

} // namespace

uint64_t pieceElements(const ArrayInfo &a, const ArrayInfo &b, uint64_t pieceBytes)
{
    const size_t item = std::max(itemSize(a.dtype), itemSize(b.dtype));
    const uint64_t plain = std::max<uint64_t>(1, pieceBytes / item);
    const uint64_t ba = chunkBand(a), bb = chunkBand(b);
    uint64_t band = std::max(ba, bb);
    const uint64_t other = std::min(ba, bb);
    if (other != 0 && band % other != 0)
        return plain; // grids that do not nest: no alignment helps both
    if (band == 0 || band > kMaxBandBytes / item)
        return plain;
    return std::max<uint64_t>(1, plain / band) * band;
}

CompareDomain compareDomain(DType a, DType b)
{
    if (isComplex(a) || isComplex(b))
        return CompareDomain::Complex;
    const auto intLike = [](DType t) { return dtypeClass(t) != DTypeClass::Float; };
    if (intLike(a) && intLike(b))
        return CompareDomain::Integer;
    return CompareDomain::Real;
}

std::string compareTypeName(DType a, DType b)
{
    if (a == b)
        return std::string(dtypeName(a));
    switch (compareDomain(a, b)) {
    case CompareDomain::Integer: return "int128";
    case CompareDomain::Real: return "float64";
    case CompareDomain::Complex: return "complex128";
    }
    return {};
}

ArrayDiff compareArrayRange(const ArraySource &a, const ArraySource &b, uint64_t first, uint64_t count,
    const ArrayCompareOptions &options, const Progress &progress)
{
    const ArrayInfo &ia = a.info(), &ib = b.info();
    const uint64_t n = ia.numElements();
    if (ib.numElements() != n)
        fail(ErrorCategory::Mismatch,
            "cannot compare arrays of shapes " + shapeString(ia.shape) + " and " + shapeString(ib.shape));
    if (first > n || count > n - first)
        fail(ErrorCategory::InvalidArgument, "element range outside the array");
    const size_t itemA = itemSize(ia.dtype), itemB = itemSize(ib.dtype);
    const std::string fa = a.storageFingerprint();
    const bool same = !fa.empty() && ia == ib && fa == b.storageFingerprint();
    const uint64_t perPiece = pieceElements(ia, ib, options.pieceBytes);
    const Progress cancelOnly{{}, progress.isCancelled};
    const uint64_t totalBytes = count * (itemA + (same ? 0 : itemB));
    uint64_t doneBytes = 0;

    Accumulator acc;
    BlockComparer comparer(ia.dtype, ib.dtype, options);
    std::vector<std::byte> bufA, bufB;
    for (uint64_t pos = first; pos < first + count;) {
        progress.throwIfCancelled();
        const uint64_t k = std::min(perPiece, first + count - pos);
        bufA.resize(k * itemA);
        readFlatRange(a, pos, k, bufA, cancelOnly);
        if (!same) {
            bufB.resize(k * itemB);
            readFlatRange(b, pos, k, bufB, cancelOnly);
        }
        comparer.compare(bufA.data(), same ? bufA.data() : bufB.data(), k, pos, acc);
        pos += k;
        doneBytes += k * (itemA + (same ? 0 : itemB));
        progress.update(doneBytes, totalBytes);
    }
    ArrayDiff r = acc.finish();
    r.sameStorage = same;
    return r;
}

ArrayDiff compareArrays(
    const ArraySource &a, const ArraySource &b, const ArrayCompareOptions &options, const Progress &progress)
{
    return compareArrayRange(a, b, 0, a.info().numElements(), options, progress);
}

ArrayDiff compareValues(
    DType ta, const std::byte *pa, DType tb, const std::byte *pb, const ArrayCompareOptions &options)
{
    Accumulator acc;
    BlockComparer(ta, tb, options).compare(pa, pb, 1, 0, acc);
    return acc.finish();
}

std::vector<uint64_t> unravelIndex(uint64_t flat, const std::vector<uint64_t> &shape)
{
    std::vector<uint64_t> idx(shape.size(), 0);
    for (size_t i = shape.size(); i-- > 0;) {
        if (shape[i] == 0)
            return idx;
        idx[i] = flat % shape[i];
        flat /= shape[i];
    }
    return idx;
}

} // namespace ckpt
