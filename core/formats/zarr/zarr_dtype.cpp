#include "formats/zarr/zarr_dtype.h"

#include "base/error.h"
#include "io/codecs/base64.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace ckpt::zarr {
namespace {

struct TypeStringRow {
    char kind;
    int size;
    DType dtype;
};

// NumPy typestring kind + itemsize -> dtype (zarr v2 "dtype").
constexpr TypeStringRow kTypeStrings[] = {
    {'b', 1, DType::Bool},
    {'i', 1, DType::Int8},
    {'i', 2, DType::Int16},
    {'i', 4, DType::Int32},
    {'i', 8, DType::Int64},
    {'u', 1, DType::UInt8},
    {'u', 2, DType::UInt16},
    {'u', 4, DType::UInt32},
    {'u', 8, DType::UInt64},
    {'f', 2, DType::Float16},
    {'f', 4, DType::Float32},
    {'f', 8, DType::Float64},
    {'c', 8, DType::Complex64},
    {'c', 16, DType::Complex128},
};

std::string jsonText(const nlohmann::json &j)
{
    return j.dump(-1, ' ', true);
}

void storeReal(DType dtype, double v, std::byte *p)
{
    switch (dtype) {
    case DType::Float32: {
        const float f = float(v);
        std::memcpy(p, &f, 4);
        return;
    }
    case DType::Float64: std::memcpy(p, &v, 8); return;
    default: {
        const uint64_t bits = encodeRealBits(dtype, v);
        std::memcpy(p, &bits, itemSize(dtype));
        return;
    }
    }
}

template <typename T> void storeInt(T v, std::byte *p)
{
    std::memcpy(p, &v, sizeof(T));
}

std::optional<double> specialFloat(const nlohmann::json &j)
{
    if (!j.is_string())
        return std::nullopt;
    const auto &s = j.get_ref<const std::string &>();
    if (s == "NaN")
        return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity")
        return std::numeric_limits<double>::infinity();
    if (s == "-Infinity")
        return -std::numeric_limits<double>::infinity();
    return std::nullopt;
}

/// Parses "0x<hex>" into the raw bits of a value `bytes` wide (v3 hex fill values). nullopt if not hex.
std::optional<uint64_t> hexBits(const nlohmann::json &j, size_t bytes)
{
    if (!j.is_string())
        return std::nullopt;
    const auto &s = j.get_ref<const std::string &>();
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || s.size() - 2 > bytes * 2)
        return std::nullopt;
    uint64_t v = 0;
    for (size_t i = 2; i < s.size(); ++i) {
        const char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return std::nullopt;
        v = (v << 4) | uint64_t(d);
    }
    return v;
}

/// One real component (float or complex half) from a number, special string or hex string.
void storeRealComponent(const nlohmann::json &j, DType componentType, std::byte *p, const std::string &file)
{
    if (auto special = specialFloat(j)) {
        storeReal(componentType, *special, p);
        return;
    }
    if (auto bits = hexBits(j, itemSize(componentType))) {
        std::memcpy(p, &*bits, itemSize(componentType));
        return;
    }
    if (j.is_number()) {
        storeReal(componentType, j.get<double>(), p);
        return;
    }
    fail(ErrorCategory::Corrupt, "fill_value " + jsonText(j) + " is not a " + std::string(dtypeName(componentType)),
        file);
}

} // namespace

StoredType parseV2DType(const nlohmann::json &j, const std::string &file)
{
    if (!j.is_string())
        fail(ErrorCategory::Unsupported, "zarr dtype " + jsonText(j) + " (structured types) is not supported", file);
    const auto &s = j.get_ref<const std::string &>();
    if (auto named = dtypeFromName(s); named && s != "float" && s != "int" && s != "complex" && s != "bool_")
        return {*named, false};
    if (s.size() >= 3 && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
        const char kind = s[1];
        int size = 0;
        for (size_t i = 2; i < s.size() && size < 1000; ++i) {
            if (s[i] < '0' || s[i] > '9') {
                size = -1;
                break;
            }
            size = size * 10 + (s[i] - '0');
        }
        for (const auto &row : kTypeStrings) {
            if (row.kind == kind && row.size == size) {
                const bool big = s[0] == '>' && size > 1;
                return {row.dtype, big};
            }
        }
    }
    fail(ErrorCategory::Unsupported, "zarr dtype \"" + s + "\" is not supported", file);
}

DType parseV3DataType(const nlohmann::json &j, const std::string &file)
{
    if (j.is_string()) {
        const auto &s = j.get_ref<const std::string &>();
        if (auto t = dtypeFromName(s); t && s != "float" && s != "int" && s != "complex" && s != "bool_")
            return *t;
        fail(ErrorCategory::Unsupported, "zarr v3 data_type \"" + s + "\" is not supported", file);
    }
    fail(ErrorCategory::Unsupported, "zarr v3 data_type " + jsonText(j) + " is not supported", file);
}

uint64_t encodeRealBits(DType dtype, double v)
{
    if (dtype == DType::Float64)
        return std::bit_cast<uint64_t>(v);
    if (dtype == DType::Float32)
        return std::bit_cast<uint32_t>(float(v));
    // Small formats: search every bit pattern for the nearest value (at most 2^16 candidates).
    const int bits = std::min(bitWidth(dtype), 16);
    const uint64_t patterns = 1ull << bits;
    uint64_t best = 0;
    double bestDiff = std::numeric_limits<double>::infinity();
    bool found = false;
    for (uint64_t p = 0; p < patterns; ++p) {
        std::byte buf[8] = {};
        std::memcpy(buf, &p, itemSize(dtype));
        const double d = toDouble(dtype, buf);
        if (std::isnan(v)) {
            if (std::isnan(d))
                return p;
            continue;
        }
        if (d == v && (std::signbit(d) == std::signbit(v)))
            return p;
        const double diff = std::fabs(d - v);
        if (!std::isnan(diff) && (!found || diff < bestDiff)) {
            best = p;
            bestDiff = diff;
            found = true;
        }
    }
    return best;
}

std::vector<std::byte> parseFillValue(const nlohmann::json &j, DType dtype, bool bigEndian, const std::string &file)
{
    const size_t size = itemSize(dtype);
    std::vector<std::byte> out(size);
    if (j.is_null())
        return out;
    // v2 base64 of the stored element bytes (never for the special float names).
    if (j.is_string() && !specialFloat(j) && !hexBits(j, size)) {
        auto decoded = base64Decode(j.get_ref<const std::string &>());
        if (decoded && decoded->size() == size) {
            std::vector<std::byte> raw(size);
            std::memcpy(raw.data(), decoded->data(), size);
            if (bigEndian)
                byteSwapElements(raw, dtype);
            return raw;
        }
        fail(ErrorCategory::Corrupt, "fill_value " + jsonText(j) + " does not fit " + std::string(dtypeName(dtype)),
            file);
    }
    std::byte *p = out.data();
    switch (dtypeClass(dtype)) {
    case DTypeClass::Bool:
        if (j.is_boolean())
            p[0] = std::byte(j.get<bool>() ? 1 : 0);
        else if (j.is_number_integer() && (j.get<int64_t>() == 0 || j.get<int64_t>() == 1))
            p[0] = std::byte(j.get<int64_t>());
        else
            fail(ErrorCategory::Corrupt, "fill_value " + jsonText(j) + " is not a bool", file);
        return out;
    case DTypeClass::SignedInt:
    case DTypeClass::UnsignedInt: {
        if (auto bits = hexBits(j, size)) {
            std::memcpy(p, &*bits, size);
            return out;
        }
        if (!j.is_number_integer() && !(j.is_number_float() && std::floor(j.get<double>()) == j.get<double>()))
            fail(ErrorCategory::Corrupt, "fill_value " + jsonText(j) + " is not an integer", file);
        if (dtypeClass(dtype) == DTypeClass::UnsignedInt && j.is_number_unsigned()) {
            const uint64_t u = j.get<uint64_t>();
            std::memcpy(p, &u, size);
        } else {
            const int64_t i = j.is_number_float() ? int64_t(j.get<double>()) : j.get<int64_t>();
            std::memcpy(p, &i, size); // little-endian truncation keeps the low bytes
        }
        return out;
    }
    case DTypeClass::Float: storeRealComponent(j, dtype, p, file); return out;
    case DTypeClass::Complex: {
        const DType half = dtype == DType::Complex64 ? DType::Float32 : DType::Float64;
        if (!j.is_array() || j.size() != 2)
            fail(ErrorCategory::Corrupt, "complex fill_value " + jsonText(j) + " is not [re, im]", file);
        storeRealComponent(j[0], half, p, file);
        storeRealComponent(j[1], half, p + size / 2, file);
        return out;
    }
    }
    return out;
}

void byteSwapElements(std::span<std::byte> data, DType dtype)
{
    size_t width = itemSize(dtype);
    if (isComplex(dtype))
        width /= 2;
    if (width <= 1)
        return;
    for (size_t i = 0; i + width <= data.size(); i += width)
        std::reverse(data.begin() + i, data.begin() + i + width);
}

std::vector<uint64_t> parseSizeList(const nlohmann::json &list, const std::string &what, const std::string &file)
{
    if (!list.is_array())
        fail(ErrorCategory::Corrupt, "zarr " + what + " is not a list", file);
    std::vector<uint64_t> out;
    for (const auto &d : list) {
        if (!d.is_number_unsigned())
            fail(ErrorCategory::Corrupt, "zarr " + what + " holds " + d.dump() + ", not a size", file);
        out.push_back(d.get<uint64_t>());
    }
    return out;
}

} // namespace ckpt::zarr
