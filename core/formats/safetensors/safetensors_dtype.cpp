#include "formats/safetensors/safetensors_dtype.h"

#include <array>

namespace ckpt::safetensors {
namespace {

// The names of safetensors 0.8 (docs/formats.md, "safetensors dtypes"). F8_E4M3 is the "fn"
// variant (finite, NaN all ones), as PyTorch's float8_e4m3fn.
constexpr std::array kNames = {
    DTypeName{"BOOL", DType::Bool, 8},
    DTypeName{"U8", DType::UInt8, 8},
    DTypeName{"I8", DType::Int8, 8},
    DTypeName{"U16", DType::UInt16, 16},
    DTypeName{"I16", DType::Int16, 16},
    DTypeName{"U32", DType::UInt32, 32},
    DTypeName{"I32", DType::Int32, 32},
    DTypeName{"U64", DType::UInt64, 64},
    DTypeName{"I64", DType::Int64, 64},
    DTypeName{"F16", DType::Float16, 16},
    DTypeName{"BF16", DType::BFloat16, 16},
    DTypeName{"F32", DType::Float32, 32},
    DTypeName{"F64", DType::Float64, 64},
    DTypeName{"C64", DType::Complex64, 64},
    DTypeName{"F8_E4M3", DType::Float8_e4m3fn, 8},
    DTypeName{"F8_E5M2", DType::Float8_e5m2, 8},
    DTypeName{"F8_E4M3FNUZ", DType::Float8_e4m3fnuz, 8},
    DTypeName{"F8_E5M2FNUZ", DType::Float8_e5m2fnuz, 8},
    DTypeName{"F8_E8M0", DType::Float8_e8m0fnu, 8},
    DTypeName{"F6_E2M3", DType::Float6_e2m3fn, 6},
    DTypeName{"F6_E3M2", DType::Float6_e3m2fn, 6},
    DTypeName{"F4", DType::Float4_e2m1fn, 4},
};

} // namespace

std::optional<DTypeName> dtypeFromSafetensorsName(std::string_view name)
{
    for (const auto &n : kNames)
        if (n.name == name)
            return n;
    return std::nullopt;
}

std::optional<DTypeName> safetensorsDType(DType t)
{
    for (const auto &n : kNames)
        if (n.dtype == t)
            return n;
    return std::nullopt;
}

std::optional<uint64_t> storedBytes(const DTypeName &t, uint64_t elements)
{
    const auto bits = static_cast<uint64_t>(t.bits);
    if (elements > UINT64_MAX / bits)
        return std::nullopt;
    const uint64_t total = elements * bits;
    if (total % 8 != 0)
        return std::nullopt;
    return total / 8;
}

} // namespace ckpt::safetensors
