#include "tree/array_info.h"

#include "base/error.h"

#include <cstdio>

namespace ckpt {

std::optional<uint64_t> ArrayInfo::checkedNumElements() const
{
    uint64_t n = 1;
    for (uint64_t d : shape) {
        if (d != 0 && n > UINT64_MAX / d)
            return std::nullopt;
        n *= d;
    }
    return n;
}

uint64_t ArrayInfo::numElements() const
{
    auto n = checkedNumElements();
    if (!n)
        fail(ErrorCategory::Corrupt, "array shape " + shapeString(shape) + " overflows 64 bits");
    return *n;
}

uint64_t ArrayInfo::numBytes() const
{
    const uint64_t n = numElements();
    const uint64_t s = itemSize(dtype);
    if (n > UINT64_MAX / s)
        fail(ErrorCategory::Corrupt, "array shape " + shapeString(shape) + " overflows 64 bits");
    return n * s;
}

std::string shapeString(const std::vector<uint64_t> &shape)
{
    std::string s = "(";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i)
            s += ", ";
        s += std::to_string(shape[i]);
    }
    if (shape.size() == 1)
        s += ",";
    return s + ")";
}

std::string humanBytes(uint64_t bytes)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024)
        return std::to_string(bytes) + " B";
    double v = double(bytes);
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
    return buf;
}

} // namespace ckpt

namespace ckpt {

std::string parameterCountText(uint64_t n)
{
    char buf[32];
    if (n >= 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.2fB", double(n) / 1e9);
    else if (n >= 1'000'000)
        std::snprintf(buf, sizeof buf, "%.2fM", double(n) / 1e6);
    else if (n >= 10'000)
        std::snprintf(buf, sizeof buf, "%.1fK", double(n) / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(n));
    return buf;
}

} // namespace ckpt
