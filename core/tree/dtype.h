#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ckpt {

/// Element types of arrays: every NumPy numeric dtype and every ml_dtypes extension type.
/// Values are canonical in memory and on the `--digest` wire: little-endian, NumPy's itemsize,
/// sub-byte types one element per byte (as ml_dtypes holds them).
enum class DType : uint8_t {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    Float16,
    Float32,
    Float64,
    Complex64,
    Complex128,
    BFloat16,
    Float8_e4m3fn,
    Float8_e5m2,
    Float8_e4m3fnuz,
    Float8_e5m2fnuz,
    Float8_e4m3b11fnuz,
    Float8_e3m4,
    Float8_e4m3,
    Float8_e8m0fnu,
    Float6_e2m3fn,
    Float6_e3m2fn,
    Float4_e2m1fn,
    Int4,
    UInt4,
    Int2,
    UInt2,
};

/// Broad class of a dtype, for promotion, statistics and printing.
enum class DTypeClass { Bool, SignedInt, UnsignedInt, Float, Complex };

inline constexpr int kDTypeCount = static_cast<int>(DType::UInt2) + 1;

/// NumPy / ml_dtypes name, e.g. "float32", "bfloat16", "float8_e4m3fn".
std::string_view dtypeName(DType t);
/// Inverse of dtypeName; also accepts NumPy aliases "bool_", "float", "int" and "complex".
std::optional<DType> dtypeFromName(std::string_view name);
/// Bytes per element as NumPy reports `itemsize` (1 for every sub-byte type).
size_t itemSize(DType t);
/// Bits of information per element (4 for int4, 16 for bfloat16, ...).
int bitWidth(DType t);
DTypeClass dtypeClass(DType t);
inline bool isFloating(DType t)
{
    return dtypeClass(t) == DTypeClass::Float;
}
inline bool isComplex(DType t)
{
    return dtypeClass(t) == DTypeClass::Complex;
}
inline bool isInteger(DType t)
{
    return dtypeClass(t) == DTypeClass::SignedInt || dtypeClass(t) == DTypeClass::UnsignedInt;
}

/// Value of one element at `p` (canonical little-endian bytes) as a double; complex gives the real part.
double toDouble(DType t, const std::byte *p);
/// Value as a complex number (imaginary part 0 for real types).
std::complex<double> toComplex(DType t, const std::byte *p);
/// Exact value of an integer or bool element (undefined for other classes).
int64_t toInt64(DType t, const std::byte *p);
uint64_t toUInt64(DType t, const std::byte *p);

/// Shortest text that reads back to the same element, NumPy-like (`1.5`, `nan`, `-inf`, `True`, `(1+2j)`).
std::string formatElement(DType t, const std::byte *p);
/// Shortest round-trip text for a double (`0.1`, `1e+20`, `nan`, `inf`).
std::string formatDouble(double v);

} // namespace ckpt
