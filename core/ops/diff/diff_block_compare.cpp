#include "ops/diff/diff_block_compare.h"

#include "ops/diff/diff_compare_sse2.h"

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

constexpr unsigned kLanes = kCompareLanes;
using LaneSums = CompareLanes;

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
#if defined(__SSE2__)
    /// Elements i and i+1 as doubles (float and double only).
    __m128d load2(uint64_t i) const
    {
        static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
        if constexpr (std::is_same_v<T, float>)
            return sse2::loadFloats(p + i * 4);
        else
            return sse2::loadDoubles(p + i * 8);
    }
#endif
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
#if defined(__SSE2__)
    __m128d load2(uint64_t i) const
    {
        return sse2::loadBFloat16s(p + i * 2);
    }
#endif
};

/// Element i of an already converted block.
template <typename V> struct BufferLoad {
    const V *p;
    V operator()(uint64_t i) const { return p[i]; }
#if defined(__SSE2__)
    __m128d load2(uint64_t i) const
    {
        return sse2::loadDoubles(reinterpret_cast<const std::byte *>(p + i));
    }
#endif
};

/// Compares `n` element pairs loaded by `la`/`lb` (flat indices base..base+n, inside one block) in
/// the arithmetic of V (Int128, double or complex<double>) and adds them to `acc`, squares to the
/// lanes of the block in progress.
template <typename V, typename LA, typename LB>
void compareBlock(
    const LA &la, const LB &lb, uint64_t n, uint64_t base, const ArrayCompareOptions &o, CompareAccumulator &acc)
{
    LaneSums qa = acc.la, qb = acc.lb, qd = acc.ld;
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
        const unsigned l = (base + i) % kLanes;
        if constexpr (std::is_same_v<V, Int128>) {
            const double x = double(a), y = double(b);
            qa[l] += x * x;
            qb[l] += y * y;
            if (a == b)
                continue;
            const double diff = double(a - b);
            if (!(std::fabs(diff) <= atol + rtol * std::fabs(y)))
                ++differing;
            qd[l] += diff * diff;
            note(std::fabs(diff), std::fabs(y), base + i);
        } else if constexpr (std::is_same_v<V, double>) {
            const double x = a, y = b;
            qa[l] += x * x;
            qb[l] += y * y;
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
            qd[l] += diff * diff;
            note(std::fabs(diff), std::fabs(y), base + i);
        } else {
            const std::complex<double> x = a, y = b;
            qa[l] += std::norm(x);
            qb[l] += std::norm(y);
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
            qd[l] += std::norm(diff);
            note(std::abs(diff), std::abs(y), base + i);
        }
    }
    acc.la = qa;
    acc.lb = qb;
    acc.ld = qd;
    acc.d.count += n;
    acc.d.differing += differing;
    acc.d.maxAbs = maxAbs;
    acc.d.maxAbsIndex = maxAbsIndex;
    acc.d.maxRel = maxRel;
    acc.d.maxRelIndex = maxRelIndex;
    acc.d.hasMaxRel = hasMaxRel;
}

#if defined(__SSE2__)
/// compareBlock<double> for pairs in which every value is finite, two pairs per SSE2 vector with few
/// branches: an equal pair adds an exact 0 to the difference sum and is never a maximum, so equal
/// and differing pairs share the arithmetic. Pairs before the first flat index that is a multiple
/// of kLanes, and after the last whole group, go one by one. The loop keeps only the largest
/// values; when one beats the running maximum, a second scan finds its first index. Numbers and
/// summation order are compareBlock's. Returns false, adding nothing, when a value is not finite
/// (or its square overflows), or a tolerance is negative.
template <typename LA, typename LB>
bool compareFiniteReal(
    const LA &la, const LB &lb, uint64_t n, uint64_t base, const ArrayCompareOptions &o, CompareAccumulator &acc)
{
    static_assert(kLanes == 4, "two vectors of two lanes");
    const double atol = o.atol, rtol = o.rtol;
    if (!(atol >= 0 && rtol >= 0))
        return false;
    LaneSums sa = acc.la, sb = acc.lb, sd = acc.ld;
    double bestAbs = 0, bestRel = -1; // -1: no quotient yet
    uint64_t closeCount = 0;
    auto one = [&](uint64_t i) {
        const double x = la(i), y = lb(i), d = x - y;
        const unsigned l = (base + i) % kLanes;
        sa[l] += x * x;
        sb[l] += y * y;
        sd[l] += d * d;
        const double ad = std::fabs(d), ay = std::fabs(y);
        closeCount += ad <= atol + rtol * ay ? 1 : 0;
        bestAbs = std::max(bestAbs, ad);
        if (ad > 0 && ay != 0)
            bestRel = std::max(bestRel, ad / ay);
    };
    const uint64_t head = std::min(n, (kLanes - base % kLanes) % kLanes);
    const uint64_t whole = head + (n - head) / kLanes * kLanes;
    for (uint64_t i = 0; i < head; ++i)
        one(i);

    const sse2::Constants c{_mm_set1_pd(atol), _mm_set1_pd(rtol)};
    sse2::Lanes lo = sse2::startLanes(&sa[0], &sb[0], &sd[0]), hi = sse2::startLanes(&sa[2], &sb[2], &sd[2]);
    __m128d relLo = _mm_set1_pd(-1), relHi = _mm_set1_pd(-1);
    for (uint64_t i = head; i < whole; i += kLanes) {
        sse2::compareTwo(lo, relLo, la.load2(i), lb.load2(i), c);
        sse2::compareTwo(hi, relHi, la.load2(i + 2), lb.load2(i + 2), c);
    }
    double lanes[6][4];
    for (int k = 0; k < 6; ++k) {
        const __m128d v[6][2] = {{lo.qa, hi.qa}, {lo.qb, hi.qb}, {lo.qd, hi.qd}, {lo.maxAbs, hi.maxAbs}, {relLo, relHi},
            {_mm_castsi128_pd(lo.close), _mm_castsi128_pd(hi.close)}};
        _mm_storeu_pd(&lanes[k][0], v[k][0]);
        _mm_storeu_pd(&lanes[k][2], v[k][1]);
    }
    for (unsigned l = 0; l < kLanes; ++l) {
        sa[l] = lanes[0][l];
        sb[l] = lanes[1][l];
        sd[l] = lanes[2][l];
        bestAbs = std::max(bestAbs, lanes[3][l]);
        bestRel = std::max(bestRel, lanes[4][l]);
        closeCount += std::bit_cast<uint64_t>(lanes[5][l]);
    }
    for (uint64_t i = whole; i < n; ++i)
        one(i);
    // Any NaN or infinity makes a sum of squares non-finite (so may a huge finite value: then
    // compareBlock does the work, with the same result).
    for (unsigned l = 0; l < kLanes; ++l)
        if (!std::isfinite(sa[l]) || !std::isfinite(sb[l]))
            return false;

    ArrayDiff &r = acc.d;
    acc.la = sa;
    acc.lb = sb;
    acc.ld = sd;
    r.count += n;
    r.differing += n - closeCount;
    if (bestAbs > r.maxAbs) {
        uint64_t i = 0;
        while (i + 1 < n && std::fabs(la(i) - lb(i)) != bestAbs)
            ++i;
        r.maxAbs = bestAbs;
        r.maxAbsIndex = base + i;
    }
    if (bestRel >= 0 && (!r.hasMaxRel || bestRel > r.maxRel)) {
        auto relAt = [&](uint64_t i) {
            const double ad = std::fabs(la(i) - lb(i)), ay = std::fabs(lb(i));
            return ad > 0 && ay != 0 ? ad / ay : -1.0;
        };
        uint64_t i = 0;
        while (i + 1 < n && relAt(i) != bestRel)
            ++i;
        r.maxRel = bestRel;
        r.maxRelIndex = base + i;
        r.hasMaxRel = true;
    }
    return true;
}
#endif // without SSE2, compareBlock does all the work (with the same numbers)

/// Calls fn(offset, count) for the parts of elements base..base+n that lie in one block each, in
/// order, closing each block of `acc` that ends.
template <typename Fn> void forEachBlockPart(uint64_t n, uint64_t base, CompareAccumulator &acc, Fn &&fn)
{
    for (uint64_t off = 0; off < n;) {
        const uint64_t k = std::min(n - off, kBlock - (base + off) % kBlock);
        fn(off, k);
        off += k;
        if ((base + off) % kBlock == 0)
            acc.closeBlock();
    }
}

/// Loads both sides straight from canonical bytes of native types TA and TB, block by block.
template <typename V, typename TA, typename TB>
void compareNative(const std::byte *pa, const std::byte *pb, uint64_t n, uint64_t base, const ArrayCompareOptions &o,
    CompareAccumulator &acc)
{
    constexpr size_t ia = std::is_same_v<TA, BFloat16Tag> ? 2 : sizeof(TA);
    constexpr size_t ib = std::is_same_v<TB, BFloat16Tag> ? 2 : sizeof(TB);
    forEachBlockPart(n, base, acc, [&](uint64_t off, uint64_t k) {
        const NativeLoad<TA, V> la{pa + off * ia};
        const NativeLoad<TB, V> lb{pb + off * ib};
#if defined(__SSE2__)
        if constexpr (std::is_same_v<V, double>)
            if (compareFiniteReal(la, lb, k, base + off, o, acc))
                return;
#endif
        compareBlock<V>(la, lb, k, base + off, o, acc);
    });
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
        forEachBlockPart(n, base, acc, [&](uint64_t off, uint64_t k) {
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
        });
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

namespace {

double foldLanes(const LaneSums &q)
{
    static_assert(kLanes == 4);
    return (q[0] + q[2]) + (q[1] + q[3]);
}

} // namespace

void CompareAccumulator::closeBlock()
{
    const double qa = foldLanes(la), qb = foldLanes(lb), qd = foldLanes(ld);
    la = lb = ld = LaneSums{};
    if (blockSums) {
        blockSums->push_back({qa, qb, qd});
        return;
    }
    sa += qa;
    sb += qb;
    sd += qd;
}

void CompareAccumulator::mergeLater(const CompareAccumulator &later)
{
    closeBlock(); // this range ends at a block boundary: nothing is in progress (adds exact zeros)
    for (const auto &q : *later.blockSums) {
        sa += q[0];
        sb += q[1];
        sd += q[2];
    }
    la = later.la;
    lb = later.lb;
    ld = later.ld;
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
    CompareAccumulator done = *this;
    done.blockSums = nullptr;
    done.closeBlock();
    ArrayDiff r = d;
    r.normA = std::sqrt(done.sa);
    r.normB = std::sqrt(done.sb);
    r.normDiff = std::sqrt(done.sd);
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
