#include "ops/edit/edit_convert.h"

#include "tree/minifloat.h"

#include <bit>
#include <cmath>
#include <complex>
#include <cstring>
#include <limits>

namespace ckpt {
namespace {

static_assert(std::endian::native == std::endian::little, "canonical bytes are little-endian");

using Special = MiniFloatSpecial;

template <typename T> void store(std::byte *p, T v)
{
    std::memcpy(p, &v, sizeof(T));
}

/// Round-to-nearest-even encoding of `x` into a 1+exp+mant bit float (see edit_convert.h).
uint32_t encodeMiniFloat(double x, MiniFloat f)
{
    const uint32_t signBit = 1u << (f.expBits + f.mantBits);
    const uint32_t expMax = (1u << f.expBits) - 1;
    const uint32_t mantMask = (1u << f.mantBits) - 1;
    const bool negative = std::signbit(x);
    const uint32_t sign = negative ? signBit : 0;
    // Largest finite encoding (exponent field, mantissa field).
    uint32_t maxExpField = expMax, maxMant = mantMask;
    if (f.special == Special::Ieee)
        maxExpField = expMax - 1;
    else if (f.special == Special::FiniteNanAllOnes)
        maxMant = mantMask - 1;
    const double maxFinite = std::ldexp(double(maxMant | (1u << f.mantBits)), int(maxExpField) - f.bias - f.mantBits);
    const uint32_t maxCode = (maxExpField << f.mantBits) | maxMant;

    auto overflow = [&]() -> uint32_t {
        switch (f.special) {
        case Special::Ieee: return sign | (expMax << f.mantBits);
        case Special::FiniteNanAllOnes: return sign | (expMax << f.mantBits) | mantMask;
        case Special::FiniteNanNegZero: return signBit;
        case Special::None: return sign | maxCode;
        }
        return 0;
    };
    if (std::isnan(x)) {
        switch (f.special) {
        case Special::Ieee: return sign | (expMax << f.mantBits) | (1u << (f.mantBits - 1));
        case Special::FiniteNanAllOnes: return sign | (expMax << f.mantBits) | mantMask;
        case Special::FiniteNanNegZero: return signBit;
        case Special::None: return negative ? 0 : signBit;
        }
    }
    if (std::isinf(x))
        return overflow();
    const double a = std::fabs(x);
    const int minExp = 1 - f.bias; // exponent of the smallest normal
    int e = 0;
    if (a != 0) {
        std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
        e -= 1; // a = m' * 2^e, m' in [1, 2)
    }
    const int quantumExp = std::max(e, minExp) - f.mantBits;
    const double q = std::nearbyint(std::ldexp(a, -quantumExp)); // default mode: ties to even
    const double v = std::ldexp(q, quantumExp);
    if (v > maxFinite)
        return overflow();
    if (v == 0)
        return f.special == Special::FiniteNanNegZero ? 0 : sign;
    uint32_t code;
    if (v < std::ldexp(1.0, minExp)) {
        code = uint32_t(std::ldexp(v, f.mantBits - minExp)); // subnormal: mantissa only
    } else {
        int ve = 0;
        std::frexp(v, &ve);
        ve -= 1;
        const uint32_t mant = uint32_t(std::ldexp(v, f.mantBits - ve)) & mantMask;
        code = (uint32_t(ve + f.bias) << f.mantBits) | mant;
    }
    return sign | code;
}

uint8_t encodeE8M0(double x)
{
    if (std::isnan(x) || std::isinf(x) || x <= 0)
        return 0xff;
    int e = 0;
    const double m = std::frexp(x, &e); // x = m * 2^e, m in [0.5, 1)
    int exp = e - 1; // x = 2m * 2^(e-1)
    if (2 * m >= 1.5)
        ++exp;
    if (exp < -127)
        return 0;
    if (exp > 127)
        return 0xff;
    return uint8_t(exp + 127);
}

template <typename T> T wrapTo(int64_t v)
{
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(static_cast<uint64_t>(v)));
}

uint64_t floatToIntBits(double v, DType to)
{
    const bool isSigned = dtypeClass(to) == DTypeClass::SignedInt;
    if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
        if (!isSigned)
            return 0;
        return uint64_t(1) << (bitWidth(to) - 1) | (~uint64_t(0) << (bitWidth(to) - 1));
    }
    return uint64_t(int64_t(std::trunc(v)));
}

void encodeIntegerBits(DType to, uint64_t bits, std::byte *out)
{
    switch (to) {
    case DType::Int8: store(out, wrapTo<int8_t>(int64_t(bits))); break;
    case DType::Int16: store(out, wrapTo<int16_t>(int64_t(bits))); break;
    case DType::Int32: store(out, wrapTo<int32_t>(int64_t(bits))); break;
    case DType::Int64: store(out, int64_t(bits)); break;
    case DType::UInt8: store(out, uint8_t(bits)); break;
    case DType::UInt16: store(out, uint16_t(bits)); break;
    case DType::UInt32: store(out, uint32_t(bits)); break;
    case DType::UInt64: store(out, uint64_t(bits)); break;
    // ml_dtypes holds int4/int2 as the low bits of the byte, not sign-extended (-1 is 0x0f).
    case DType::Int4: store(out, uint8_t(bits & 0xf)); break;
    case DType::Int2: store(out, uint8_t(bits & 0x3)); break;
    case DType::UInt4: store(out, uint8_t(bits & 0xf)); break;
    case DType::UInt2: store(out, uint8_t(bits & 0x3)); break;
    default: break;
    }
}

void encodeComplex(DType to, std::complex<double> c, std::byte *out)
{
    if (to == DType::Complex64) {
        store(out, float(c.real()));
        store(out + 4, float(c.imag()));
    } else if (to == DType::Complex128) {
        store(out, c.real());
        store(out + 8, c.imag());
    } else {
        encodeDouble(to, c.real(), out);
    }
}

} // namespace

void encodeDouble(DType to, double v, std::byte *out)
{
    switch (to) {
    case DType::Bool: store(out, uint8_t(v != 0 ? 1 : 0)); return;
    case DType::Float64: store(out, v); return;
    case DType::Float32: store(out, float(v)); return;
    case DType::Complex64:
    case DType::Complex128: encodeComplex(to, {v, 0.0}, out); return;
    case DType::Float16:
    case DType::BFloat16: store(out, uint16_t(encodeMiniFloat(v, *miniFloatFormat(to)))); return;
    case DType::Float8_e4m3fn:
    case DType::Float8_e5m2:
    case DType::Float8_e4m3fnuz:
    case DType::Float8_e5m2fnuz:
    case DType::Float8_e4m3b11fnuz:
    case DType::Float8_e3m4:
    case DType::Float8_e4m3:
    case DType::Float6_e2m3fn:
    case DType::Float6_e3m2fn:
    case DType::Float4_e2m1fn: store(out, uint8_t(encodeMiniFloat(v, *miniFloatFormat(to)))); return;
    case DType::Float8_e8m0fnu: store(out, encodeE8M0(v)); return;
    default: encodeIntegerBits(to, floatToIntBits(v, to), out); return;
    }
}

void encodeInt(DType to, int64_t v, std::byte *out)
{
    if (isInteger(to))
        encodeIntegerBits(to, uint64_t(v), out);
    else
        encodeDouble(to, double(v), out);
}

void convertElements(DType from, const std::byte *in, DType to, std::byte *out, size_t count)
{
    const size_t inSize = itemSize(from), outSize = itemSize(to);
    if (from == to) {
        std::memcpy(out, in, count * inSize);
        return;
    }
    const DTypeClass fc = dtypeClass(from);
    for (size_t i = 0; i < count; ++i, in += inSize, out += outSize) {
        if (fc == DTypeClass::Complex) {
            encodeComplex(to, toComplex(from, in), out);
        } else if (fc == DTypeClass::Float) {
            encodeDouble(to, toDouble(from, in), out);
        } else if (fc == DTypeClass::Bool) {
            encodeInt(to, toInt64(from, in) != 0, out);
        } else if (from == DType::UInt64 && !isInteger(to)) {
            encodeDouble(to, double(toUInt64(from, in)), out);
        } else {
            encodeInt(to, toInt64(from, in), out);
        }
    }
}

} // namespace ckpt
