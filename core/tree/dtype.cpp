#include "tree/dtype.h"

#include "tree/minifloat.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace ckpt {
namespace {

struct DTypeRow {
    DType type;
    std::string_view name;
    uint8_t itemsize;
    uint8_t bits;
    DTypeClass cls;
};

// Order must follow the enum.
constexpr std::array<DTypeRow, kDTypeCount> kRows{{
    {DType::Bool, "bool", 1, 8, DTypeClass::Bool},
    {DType::Int8, "int8", 1, 8, DTypeClass::SignedInt},
    {DType::Int16, "int16", 2, 16, DTypeClass::SignedInt},
    {DType::Int32, "int32", 4, 32, DTypeClass::SignedInt},
    {DType::Int64, "int64", 8, 64, DTypeClass::SignedInt},
    {DType::UInt8, "uint8", 1, 8, DTypeClass::UnsignedInt},
    {DType::UInt16, "uint16", 2, 16, DTypeClass::UnsignedInt},
    {DType::UInt32, "uint32", 4, 32, DTypeClass::UnsignedInt},
    {DType::UInt64, "uint64", 8, 64, DTypeClass::UnsignedInt},
    {DType::Float16, "float16", 2, 16, DTypeClass::Float},
    {DType::Float32, "float32", 4, 32, DTypeClass::Float},
    {DType::Float64, "float64", 8, 64, DTypeClass::Float},
    {DType::Complex64, "complex64", 8, 64, DTypeClass::Complex},
    {DType::Complex128, "complex128", 16, 128, DTypeClass::Complex},
    {DType::BFloat16, "bfloat16", 2, 16, DTypeClass::Float},
    {DType::Float8_e4m3fn, "float8_e4m3fn", 1, 8, DTypeClass::Float},
    {DType::Float8_e5m2, "float8_e5m2", 1, 8, DTypeClass::Float},
    {DType::Float8_e4m3fnuz, "float8_e4m3fnuz", 1, 8, DTypeClass::Float},
    {DType::Float8_e5m2fnuz, "float8_e5m2fnuz", 1, 8, DTypeClass::Float},
    {DType::Float8_e4m3b11fnuz, "float8_e4m3b11fnuz", 1, 8, DTypeClass::Float},
    {DType::Float8_e3m4, "float8_e3m4", 1, 8, DTypeClass::Float},
    {DType::Float8_e4m3, "float8_e4m3", 1, 8, DTypeClass::Float},
    {DType::Float8_e8m0fnu, "float8_e8m0fnu", 1, 8, DTypeClass::Float},
    {DType::Float6_e2m3fn, "float6_e2m3fn", 1, 6, DTypeClass::Float},
    {DType::Float6_e3m2fn, "float6_e3m2fn", 1, 6, DTypeClass::Float},
    {DType::Float4_e2m1fn, "float4_e2m1fn", 1, 4, DTypeClass::Float},
    {DType::Int4, "int4", 1, 4, DTypeClass::SignedInt},
    {DType::UInt4, "uint4", 1, 4, DTypeClass::UnsignedInt},
    {DType::Int2, "int2", 1, 2, DTypeClass::SignedInt},
    {DType::UInt2, "uint2", 1, 2, DTypeClass::UnsignedInt},
}};

const DTypeRow &row(DType t)
{
    return kRows[static_cast<size_t>(t)];
}

template <typename T> T load(const std::byte *p)
{
    T v;
    std::memcpy(&v, p, sizeof(T));
    static_assert(std::endian::native == std::endian::little, "canonical bytes are little-endian");
    return v;
}

using Special = MiniFloatSpecial;

double decodeMiniFloat(uint32_t bits, MiniFloat f)
{
    const int total = 1 + f.expBits + f.mantBits;
    const uint32_t signBit = 1u << (total - 1);
    const uint32_t expMax = (1u << f.expBits) - 1;
    const uint32_t mantMask = (1u << f.mantBits) - 1;
    bits &= (1u << total) - 1;
    const bool negative = bits & signBit;
    const uint32_t e = (bits >> f.mantBits) & expMax;
    const uint32_t m = bits & mantMask;
    switch (f.special) {
    case Special::Ieee:
        if (e == expMax)
            return m ? std::numeric_limits<double>::quiet_NaN()
                     : (negative ? -1.0 : 1.0) * std::numeric_limits<double>::infinity();
        break;
    case Special::FiniteNanAllOnes:
        if (e == expMax && m == mantMask)
            return std::numeric_limits<double>::quiet_NaN();
        break;
    case Special::FiniteNanNegZero:
        if (bits == signBit)
            return std::numeric_limits<double>::quiet_NaN();
        break;
    case Special::None: break;
    }
    double mag = e == 0 ? std::ldexp(double(m), 1 - f.bias - f.mantBits)
                        : std::ldexp(double(m | (1u << f.mantBits)), int(e) - f.bias - f.mantBits);
    return negative ? -mag : mag;
}

double halfToDouble(uint16_t h)
{
    return decodeMiniFloat(h, *miniFloatFormat(DType::Float16));
}

int64_t signExtend(uint64_t v, int bits)
{
    const uint64_t m = 1ull << (bits - 1);
    v &= (bits == 64) ? ~0ull : ((1ull << bits) - 1);
    return int64_t((v ^ m) - m);
}

} // namespace

std::string_view dtypeName(DType t)
{
    return row(t).name;
}

std::optional<DType> dtypeFromName(std::string_view name)
{
    for (const DTypeRow &r : kRows)
        if (r.name == name)
            return r.type;
    if (name == "bool_")
        return DType::Bool;
    if (name == "float")
        return DType::Float64;
    if (name == "int")
        return DType::Int64;
    if (name == "complex")
        return DType::Complex128;
    return std::nullopt;
}

size_t itemSize(DType t)
{
    return row(t).itemsize;
}
int bitWidth(DType t)
{
    return row(t).bits;
}
DTypeClass dtypeClass(DType t)
{
    return row(t).cls;
}

int64_t toInt64(DType t, const std::byte *p)
{
    switch (t) {
    case DType::Bool: return load<uint8_t>(p) != 0;
    case DType::Int8: return load<int8_t>(p);
    case DType::Int16: return load<int16_t>(p);
    case DType::Int32: return load<int32_t>(p);
    case DType::Int64: return load<int64_t>(p);
    case DType::UInt8: return load<uint8_t>(p);
    case DType::UInt16: return load<uint16_t>(p);
    case DType::UInt32: return load<uint32_t>(p);
    case DType::UInt64: return int64_t(load<uint64_t>(p));
    case DType::Int4: return signExtend(load<uint8_t>(p), 4);
    case DType::UInt4: return load<uint8_t>(p) & 0xf;
    case DType::Int2: return signExtend(load<uint8_t>(p), 2);
    case DType::UInt2: return load<uint8_t>(p) & 0x3;
    default: return int64_t(toDouble(t, p));
    }
}

uint64_t toUInt64(DType t, const std::byte *p)
{
    if (t == DType::UInt64)
        return load<uint64_t>(p);
    return uint64_t(toInt64(t, p));
}

double toDouble(DType t, const std::byte *p)
{
    switch (t) {
    case DType::Float16: return halfToDouble(load<uint16_t>(p));
    case DType::Float32: return load<float>(p);
    case DType::Float64: return load<double>(p);
    case DType::Complex64: return load<float>(p);
    case DType::Complex128: return load<double>(p);
    case DType::BFloat16: return std::bit_cast<float>(uint32_t(load<uint16_t>(p)) << 16);
    case DType::Float8_e4m3fn:
    case DType::Float8_e5m2:
    case DType::Float8_e4m3fnuz:
    case DType::Float8_e5m2fnuz:
    case DType::Float8_e4m3b11fnuz:
    case DType::Float8_e3m4:
    case DType::Float8_e4m3: return decodeMiniFloat(load<uint8_t>(p), *miniFloatFormat(t));
    case DType::Float8_e8m0fnu: {
        const uint8_t b = load<uint8_t>(p);
        return b == 0xff ? std::numeric_limits<double>::quiet_NaN() : std::ldexp(1.0, int(b) - 127);
    }
    case DType::Float6_e2m3fn:
    case DType::Float6_e3m2fn:
    case DType::Float4_e2m1fn: return decodeMiniFloat(load<uint8_t>(p), *miniFloatFormat(t));
    case DType::UInt64: return double(load<uint64_t>(p));
    default: return double(toInt64(t, p));
    }
}

std::complex<double> toComplex(DType t, const std::byte *p)
{
    if (t == DType::Complex64)
        return {load<float>(p), load<float>(p + 4)};
    if (t == DType::Complex128)
        return {load<double>(p), load<double>(p + 8)};
    return {toDouble(t, p), 0.0};
}

std::string formatDouble(double v)
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v < 0 ? "-inf" : "inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, res.ptr);
    if (s.find_first_of(".en") == std::string::npos)
        s += ".0";
    return s;
}

namespace {
std::string formatReal(DType t, double v)
{
    // Print narrow floats with the precision they have, like NumPy's repr.
    if (t == DType::Float32 || t == DType::Complex64) {
        if (std::isfinite(v)) {
            char buf[64];
            auto res = std::to_chars(buf, buf + sizeof buf, float(v));
            std::string s(buf, res.ptr);
            if (s.find_first_of(".en") == std::string::npos)
                s += ".0";
            return s;
        }
    }
    return formatDouble(v);
}
} // namespace

std::string formatElement(DType t, const std::byte *p)
{
    switch (dtypeClass(t)) {
    case DTypeClass::Bool: return toInt64(t, p) ? "True" : "False";
    case DTypeClass::SignedInt: return std::to_string(toInt64(t, p));
    case DTypeClass::UnsignedInt: return std::to_string(toUInt64(t, p));
    case DTypeClass::Float: return formatReal(t, toDouble(t, p));
    case DTypeClass::Complex: {
        auto c = toComplex(t, p);
        std::string im = formatReal(t, c.imag());
        if (!im.empty() && im[0] != '-')
            im = "+" + im;
        return "(" + formatReal(t, c.real()) + im + "j)";
    }
    }
    return {};
}

} // namespace ckpt
