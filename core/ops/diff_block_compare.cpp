#include "ops/diff_block_compare.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace ckpt {
namespace {

using Int128 = CompareInt;

constexpr uint64_t kBlock = kCompareBlock;

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

/// Element i of canonical bytes of native type T as the compare value type V.
template <typename T, typename V> struct NativeLoad {
    const std::byte *p;
    V operator()(uint64_t i) const
    {
        T v;
        std::memcpy(&v, p + i * sizeof(T), sizeof(T));
        return V(v);
    }
};

struct BFloat16Tag { };
template <typename V> struct NativeLoad<BFloat16Tag, V> {
    const std::byte *p;
    V operator()(uint64_t i) const
    {
        uint16_t h;
        std::memcpy(&h, p + i * 2, 2);
        return V(std::bit_cast<float>(uint32_t(h) << 16));
    }
};

/// Element i of an already converted block.
template <typename V> struct BufferLoad {
    const V *p;
    V operator()(uint64_t i) const { return p[i]; }
};

/// Compares one block of `n` element pairs loaded by `la`/`lb` (flat indices base..base+n) in the
/// arithmetic of V (Int128, double or complex<double>) and adds the block's sums to `acc`. The
/// order of additions is fixed (one running sum per block), so results do not depend on how the
/// elements were loaded.
template <typename V, typename LA, typename LB>
void compareBlock(
    const LA &la, const LB &lb, uint64_t n, uint64_t base, const ArrayCompareOptions &o, CompareAccumulator &acc)
{
    double qa = 0, qb = 0, qd = 0;
    uint64_t differing = 0;
    double maxAbs = acc.d.maxAbs, maxRel = acc.d.maxRel;
    uint64_t maxAbsIndex = acc.d.maxAbsIndex, maxRelIndex = acc.d.maxRelIndex;
    bool hasMaxRel = acc.d.hasMaxRel;
    const double atol = o.atol, rtol = o.rtol;
    auto note = [&](double absDiff, double absB, uint64_t index) {
        if (std::isnan(absDiff))
            return;
        if (absDiff > maxAbs) {
            maxAbs = absDiff;
            maxAbsIndex = index;
        }
        if (absB != 0) {
            if (hasMaxRel) {
                // Skip the division when absDiff / absB certainly rounds to at most maxRel: t is
                // maxRel * absB within a relative 2^-52 when normal, and an infinite t means the
                // quotient of finite numbers cannot exceed maxRel.
                const double t = maxRel * absB;
                if (t >= std::numeric_limits<double>::min() && absDiff < t * (1 - 0x1p-40))
                    return;
            }
            const double rel = absDiff / absB;
            if (!std::isnan(rel) && (!hasMaxRel || rel > maxRel)) {
                maxRel = rel;
                maxRelIndex = index;
                hasMaxRel = true;
            }
        }
    };
    for (uint64_t i = 0; i < n; ++i) {
        const V a = la(i), b = lb(i);
        if constexpr (std::is_same_v<V, Int128>) {
            const double x = double(a), y = double(b);
            qa += x * x;
            qb += y * y;
            if (a == b)
                continue;
            const double diff = double(a - b);
            if (!(std::fabs(diff) <= atol + rtol * std::fabs(y)))
                ++differing;
            qd += diff * diff;
            note(std::fabs(diff), std::fabs(y), base + i);
        } else if constexpr (std::is_same_v<V, double>) {
            const double x = a, y = b;
            qa += x * x;
            qb += y * y;
            if (x == y)
                continue; // close, difference 0
            double diff;
            bool close;
            if (std::isnan(x) || std::isnan(y)) {
                close = o.nanEqual && std::isnan(x) && std::isnan(y);
                diff = close ? 0 : std::numeric_limits<double>::quiet_NaN();
            } else {
                diff = x - y;
                close = std::isfinite(x) && std::isfinite(y) && std::fabs(diff) <= atol + rtol * std::fabs(y);
            }
            if (!close)
                ++differing;
            qd += diff * diff;
            note(std::fabs(diff), std::fabs(y), base + i);
        } else {
            const std::complex<double> x = a, y = b;
            qa += std::norm(x);
            qb += std::norm(y);
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
                close = finite && std::abs(diff) <= atol + rtol * std::abs(y);
            }
            if (!close)
                ++differing;
            qd += std::norm(diff);
            note(std::abs(diff), std::abs(y), base + i);
        }
    }
    acc.addSums(qa, qb, qd);
    acc.d.count += n;
    acc.d.differing += differing;
    acc.d.maxAbs = maxAbs;
    acc.d.maxAbsIndex = maxAbsIndex;
    acc.d.maxRel = maxRel;
    acc.d.maxRelIndex = maxRelIndex;
    acc.d.hasMaxRel = hasMaxRel;
}

/// compareBlock<double> for a block in which every value is finite, as one loop with few branches:
/// an equal pair adds an exact 0 to the difference sum and is never a maximum, so equal and
/// differing pairs share the arithmetic. Numbers and summation order are compareBlock's. Returns
/// false, adding nothing, when the block holds a NaN or an infinity or a tolerance is negative.
template <typename LA, typename LB>
bool compareFiniteReal(
    const LA &la, const LB &lb, uint64_t n, uint64_t base, const ArrayCompareOptions &o, CompareAccumulator &acc)
{
    const double atol = o.atol, rtol = o.rtol;
    if (!(atol >= 0 && rtol >= 0))
        return false;
    constexpr double kMax = std::numeric_limits<double>::max();
    constexpr double kMin = std::numeric_limits<double>::min();
    ArrayDiff &r = acc.d;
    double qa = 0, qb = 0, qd = 0, maxAbs = r.maxAbs, maxRel = r.maxRel;
    uint64_t differing = 0, maxAbsIndex = r.maxAbsIndex, maxRelIndex = r.maxRelIndex;
    bool hasMaxRel = r.hasMaxRel;
    bool bad = false;
    for (uint64_t i = 0; i < n; ++i) {
        const double x = la(i), y = lb(i), d = x - y;
        qa += x * x;
        qb += y * y;
        qd += d * d;
        const double ad = std::fabs(d), ay = std::fabs(y);
        bad |= !(std::fabs(x) <= kMax) | !(ay <= kMax);
        differing += ad <= atol + rtol * ay ? 0 : 1;
        if (ad > maxAbs) {
            maxAbs = ad;
            maxAbsIndex = base + i;
        }
        if (ad > 0 && ay != 0) {
            // As compareBlock: skip the division when it certainly cannot beat maxRel.
            const double t = maxRel * ay;
            if (hasMaxRel && t >= kMin && ad < t * (1 - 0x1p-40))
                continue;
            const double rel = ad / ay;
            if (!hasMaxRel || rel > maxRel) {
                maxRel = rel;
                maxRelIndex = base + i;
                hasMaxRel = true;
            }
        }
    }
    if (bad)
        return false;
    acc.addSums(qa, qb, qd);
    r.count += n;
    r.differing += differing;
    r.maxAbs = maxAbs;
    r.maxAbsIndex = maxAbsIndex;
    r.maxRel = maxRel;
    r.maxRelIndex = maxRelIndex;
    r.hasMaxRel = hasMaxRel;
    return true;
}

/// Loads both sides straight from canonical bytes of native types TA and TB, block by block.
template <typename V, typename TA, typename TB>
void compareNative(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, const ArrayCompareOptions &o,
    CompareAccumulator &acc)
{
    constexpr size_t ia = std::is_same_v<TA, BFloat16Tag> ? 2 : sizeof(TA);
    constexpr size_t ib = std::is_same_v<TB, BFloat16Tag> ? 2 : sizeof(TB);
    for (uint64_t off = 0; off < n; off += kBlock) {
        const uint64_t k = std::min(kBlock, n - off);
        const NativeLoad<TA, V> la{pa + off * ia};
        const NativeLoad<TB, V> lb{pb + off * ib};
        if constexpr (std::is_same_v<V, double>)
            if (compareFiniteReal(la, lb, k, base + off, o, acc))
                continue;
        compareBlock<V>(la, lb, k, base + off, o, acc);
    }
}

/// Converts `n` elements of canonical bytes in blocks into the compare domain and compares them
/// (any pair of dtypes; the fast native loaders cover the common equal-dtype pairs).
class ComparerImpl {
public:
    ComparerImpl(DType ta, DType tb, const ArrayCompareOptions &o)
        : m_ta(ta)
        , m_tb(tb)
        , m_domain(compareDomain(ta, tb))
        , m_options(o)
    { }

    void compare(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, CompareAccumulator &acc)
    {
        if (compareFast(pa, pb, n, base, acc))
            return;
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
                compareBlock<Int128>(
                    BufferLoad<Int128>{m_ia.data()}, BufferLoad<Int128>{m_ib.data()}, k, base + off, m_options, acc);
                break;
            case CompareDomain::Real:
                m_ra.resize(k);
                m_rb.resize(k);
                toReal(m_ta, a, k, m_ra.data());
                toReal(m_tb, b, k, m_rb.data());
                compareBlock<double>(
                    BufferLoad<double>{m_ra.data()}, BufferLoad<double>{m_rb.data()}, k, base + off, m_options, acc);
                break;
            case CompareDomain::Complex:
                m_ca.resize(k);
                m_cb.resize(k);
                toComplexes(m_ta, a, k, m_ca.data());
                toComplexes(m_tb, b, k, m_cb.data());
                compareBlock<std::complex<double>>(BufferLoad<std::complex<double>>{m_ca.data()},
                    BufferLoad<std::complex<double>>{m_cb.data()}, k, base + off, m_options, acc);
                break;
            }
        }
    }

private:
    /// Equal little-endian dtypes of the common kinds, loaded without a conversion pass.
    bool compareFast(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, CompareAccumulator &acc)
    {
        if constexpr (std::endian::native != std::endian::little)
            return false;
        if (m_ta != m_tb)
            return false;
        const ArrayCompareOptions &o = m_options;
        using C = std::complex<double>;
        switch (m_ta) {
        case DType::Float32: compareNative<double, float, float>(pa, pb, n, base, o, acc); return true;
        case DType::Float64: compareNative<double, double, double>(pa, pb, n, base, o, acc); return true;
        case DType::BFloat16: compareNative<double, BFloat16Tag, BFloat16Tag>(pa, pb, n, base, o, acc); return true;
        case DType::Int8: compareNative<Int128, int8_t, int8_t>(pa, pb, n, base, o, acc); return true;
        case DType::Int16: compareNative<Int128, int16_t, int16_t>(pa, pb, n, base, o, acc); return true;
        case DType::Int32: compareNative<Int128, int32_t, int32_t>(pa, pb, n, base, o, acc); return true;
        case DType::Int64: compareNative<Int128, int64_t, int64_t>(pa, pb, n, base, o, acc); return true;
        case DType::UInt8: compareNative<Int128, uint8_t, uint8_t>(pa, pb, n, base, o, acc); return true;
        case DType::UInt16: compareNative<Int128, uint16_t, uint16_t>(pa, pb, n, base, o, acc); return true;
        case DType::UInt32: compareNative<Int128, uint32_t, uint32_t>(pa, pb, n, base, o, acc); return true;
        case DType::UInt64: compareNative<Int128, uint64_t, uint64_t>(pa, pb, n, base, o, acc); return true;
        case DType::Complex64:
            compareNative<C, std::complex<float>, std::complex<float>>(pa, pb, n, base, o, acc);
            return true;
        case DType::Complex128: compareNative<C, C, C>(pa, pb, n, base, o, acc); return true;
        default: return false;
        }
    }

    DType m_ta, m_tb;
    CompareDomain m_domain;
    ArrayCompareOptions m_options;
    std::vector<Int128> m_ia, m_ib;
    std::vector<double> m_ra, m_rb;
    std::vector<std::complex<double>> m_ca, m_cb;
};

} // namespace

void CompareAccumulator::mergeLater(const CompareAccumulator &later)
{
    for (const auto &q : *later.blockSums)
        addSums(q[0], q[1], q[2]);
    const ArrayDiff &l = later.d;
    d.count += l.count;
    d.differing += l.differing;
    if (l.maxAbs > d.maxAbs) {
        d.maxAbs = l.maxAbs;
        d.maxAbsIndex = l.maxAbsIndex;
    }
    if (l.hasMaxRel && (!d.hasMaxRel || l.maxRel > d.maxRel)) {
        d.maxRel = l.maxRel;
        d.maxRelIndex = l.maxRelIndex;
        d.hasMaxRel = true;
    }
}

ArrayDiff CompareAccumulator::finish() const
{
    ArrayDiff r = d;
    r.normA = std::sqrt(sa);
    r.normB = std::sqrt(sb);
    r.normDiff = std::sqrt(sd);
    return r;
}

struct BlockComparer::Impl : ComparerImpl {
    using ComparerImpl::ComparerImpl;
};

BlockComparer::BlockComparer(DType ta, DType tb, const ArrayCompareOptions &o)
    : m_impl(std::make_unique<Impl>(ta, tb, o))
{ }

BlockComparer::~BlockComparer() = default;

void BlockComparer::compare(
    const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, CompareAccumulator &acc)
{
    m_impl->compare(pa, pb, n, base, acc);
}

} // namespace ckpt
