#pragma once

// The vector kernel of the finite-float compare loop (diff_block_compare.cpp): two element pairs
// per SSE2 instruction, in the lanes the scalar loops use. Only multiplies, adds and compares that
// round exactly like the scalar code (no FMA). Without SSE2 the scalar loops do all the work.

#if defined(__SSE2__)
#include <emmintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

namespace ckpt::sse2 {

inline __m128d loadFloats(const std::byte *p)
{
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(p))));
}

inline __m128d loadDoubles(const std::byte *p)
{
    return _mm_loadu_pd(reinterpret_cast<const double *>(p));
}

inline __m128d loadBFloat16s(const std::byte *p)
{
    int32_t w;
    std::memcpy(&w, p, sizeof w);
    // Each 16-bit value becomes the upper half of a float32.
    return _mm_cvtps_pd(_mm_castsi128_ps(_mm_unpacklo_epi16(_mm_setzero_si128(), _mm_cvtsi32_si128(w))));
}

/// Running numbers of two lanes (kept in registers).
struct Lanes {
    __m128d qa, qb, qd; ///< sums of squares of A, B, A-B
    __m128d maxAbs; ///< largest |a-b| (0: none)
    __m128d shrunk; ///< largest |a-b|/|b| times kShrink (negative: none yet)
    __m128i close; ///< count of close pairs
};

/// Options and constants of one loop.
struct Constants {
    __m128d atol, rtol;
    __m128d absMask = _mm_castsi128_pd(_mm_set1_epi64x(std::numeric_limits<int64_t>::max()));
    __m128d minNormal = _mm_set1_pd(std::numeric_limits<double>::min());
    __m128d shrink = _mm_set1_pd(kShrink);
    /// A quotient t below its maximum m by this factor is certainly below m after rounding.
    static constexpr double kShrink = 1 - 0x1p-40;
};

inline Lanes startLanes(const double *qa, const double *qb, const double *qd)
{
    const __m128d none = _mm_set1_pd(-Constants::kShrink);
    return {_mm_loadu_pd(qa), _mm_loadu_pd(qb), _mm_loadu_pd(qd), _mm_setzero_pd(), none, _mm_setzero_si128()};
}

/// One element pair per lane. `rel` (largest quotient per lane, -1: none) changes rarely, so it
/// stays out of the running registers: a quotient is computed only where it may beat the lane's
/// maximum (t normal and |a-b| below it means |a-b|/|b| < rel for certain).
__attribute__((always_inline)) inline void compareTwo(Lanes &s, __m128d &rel, __m128d x, __m128d y, const Constants &c)
{
    const __m128d d = _mm_sub_pd(x, y);
    s.qa = _mm_add_pd(s.qa, _mm_mul_pd(x, x));
    s.qb = _mm_add_pd(s.qb, _mm_mul_pd(y, y));
    s.qd = _mm_add_pd(s.qd, _mm_mul_pd(d, d));
    const __m128d ad = _mm_and_pd(d, c.absMask), ay = _mm_and_pd(y, c.absMask);
    const __m128d isClose = _mm_cmple_pd(ad, _mm_add_pd(c.atol, _mm_mul_pd(c.rtol, ay)));
    s.close = _mm_sub_epi64(s.close, _mm_castpd_si128(isClose)); // a true lane is -1
    s.maxAbs = _mm_max_pd(ad, s.maxAbs); // ad > maxAbs ? ad : maxAbs
    const __m128d t = _mm_mul_pd(s.shrunk, ay);
    const __m128d skip = _mm_and_pd(_mm_cmpge_pd(t, c.minNormal), _mm_cmplt_pd(ad, t));
    if (__builtin_expect(_mm_movemask_pd(skip) != 3, 0)) {
        const __m128d zero = _mm_setzero_pd();
        const __m128d maybe = _mm_andnot_pd(skip, _mm_and_pd(_mm_cmpgt_pd(ad, zero), _mm_cmpneq_pd(ay, zero)));
        const __m128d q = _mm_div_pd(ad, ay);
        const __m128d take = _mm_and_pd(maybe, _mm_cmpgt_pd(q, rel));
        rel = _mm_or_pd(_mm_and_pd(take, q), _mm_andnot_pd(take, rel));
        s.shrunk = _mm_mul_pd(rel, c.shrink);
    }
}

} // namespace ckpt::sse2

#endif
