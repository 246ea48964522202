#pragma once

#include "tree/dtype.h"

#include <cstddef>
#include <cstdint>

namespace ckpt {

/// Element conversion used by cast, fills and value edits. The rules follow NumPy `astype` with
/// ml_dtypes' default (non-saturating) casts:
///  - to a float type: round to nearest, ties to even, in one step from a double (every source
///    value except int64/uint64 beyond 2^53 is exact as a double; those round twice). Values past the largest finite
///    number after rounding become +-inf where the type has infinities (float16, bfloat16,
///    float8_e5m2, float8_e4m3, float8_e3m4), NaN where it has NaN but no infinity (float8_e4m3fn:
///    sign kept; the *fnuz types: their single NaN 0x80), and saturate to +-max where it has
///    neither (float6_*, float4_e2m1fn). NaN becomes the type's quiet NaN with the sign kept; in
///    float6/float4 (no NaN) it becomes a zero whose sign is the opposite of the NaN's sign, as
///    ml_dtypes 0.6 does. *fnuz types have no -0: -0 and negative underflow give +0.
///    float8_e8m0fnu (powers of two only): ties round up in magnitude, and zero, negatives, inf,
///    NaN and overflow give NaN (0xff), as ml_dtypes does.
///  - to an integer type: integers wrap modulo 2^bits (two's complement, as NumPy); floats
///    truncate toward zero first; NaN, infinities and floats outside int64 give the target's
///    most negative value (0 for unsigned types), which is what NumPy yields on x86-64 for
///    int32/int64 and is undefined in NumPy otherwise.
///    int4/int2 are stored as the low 4/2 bits of their byte (-1 is 0x0f), as ml_dtypes holds them.
///  - to bool: nonzero (NaN included) is true.
///  - complex to real keeps the real part (NumPy's ComplexWarning case); real to complex has
///    imaginary part 0.
/// Thread-safe and allocation-free.
void convertElements(DType from, const std::byte *in, DType to, std::byte *out, size_t count);

/// Writes `v` as one element of `to` with the rules above.
void encodeDouble(DType to, double v, std::byte *out);
/// Writes the exact integer `v` as one element of `to` (wraps for integer targets).
void encodeInt(DType to, int64_t v, std::byte *out);

} // namespace ckpt
