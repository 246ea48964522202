#include "ops/slice_spec.h"

#include "base/error.h"

#include <algorithm>
#include <charconv>

namespace ckpt {
namespace {

std::string trim(const std::string &s)
{
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string::npos)
        return {};
    const auto e = s.find_last_not_of(" \t");
    return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string &s, char sep)
{
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        parts.push_back(trim(s.substr(start, p == std::string::npos ? std::string::npos : p - start)));
        if (p == std::string::npos)
            return parts;
        start = p + 1;
    }
}

int64_t parseInt(const std::string &s, const std::string &whole)
{
    int64_t v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size())
        fail(ErrorCategory::InvalidArgument, "bad slice '" + whole + "': '" + s + "' is not an integer");
    return v;
}

/// NumPy's clamping of a slice bound into [0, n].
uint64_t clampBound(int64_t v, uint64_t n)
{
    if (v < 0)
        v += int64_t(n);
    return uint64_t(std::clamp<int64_t>(v, 0, int64_t(n)));
}

} // namespace

SliceSpec parseSlice(const std::string &text, const std::vector<uint64_t> &shape)
{
    std::vector<std::string> parts = trim(text).empty() ? std::vector<std::string>{} : split(text, ',');
    const auto ellipsis = std::count(parts.begin(), parts.end(), "...");
    if (ellipsis > 1)
        fail(ErrorCategory::InvalidArgument, "bad slice '" + text + "': more than one '...'");
    const size_t explicitDims = parts.size() - size_t(ellipsis);
    if (explicitDims > shape.size())
        fail(ErrorCategory::InvalidArgument,
            "bad slice '" + text + "': " + std::to_string(explicitDims) + " indices for an array of rank "
                + std::to_string(shape.size()));
    // Expand "..." (or the implicit trailing one) into ':' parts.
    std::vector<std::string> full;
    for (const std::string &p : parts) {
        if (p == "...")
            full.insert(full.end(), shape.size() - explicitDims, ":");
        else
            full.push_back(p);
    }
    while (full.size() < shape.size())
        full.push_back(":");

    SliceSpec spec;
    for (size_t d = 0; d < shape.size(); ++d) {
        const std::string &p = full[d];
        const uint64_t n = shape[d];
        const auto colon = p.find(':');
        if (colon == std::string::npos) {
            int64_t i = parseInt(p, text);
            if (i < 0)
                i += int64_t(n);
            if (i < 0 || uint64_t(i) >= n)
                fail(ErrorCategory::InvalidArgument,
                    "index " + p + " is out of bounds for dimension " + std::to_string(d) + " of size "
                        + std::to_string(n));
            spec.slab.start.push_back(uint64_t(i));
            spec.slab.count.push_back(1);
            continue;
        }
        if (p.find(':', colon + 1) != std::string::npos)
            fail(ErrorCategory::InvalidArgument, "bad slice '" + text + "': steps are not supported");
        const std::string a = trim(p.substr(0, colon)), b = trim(p.substr(colon + 1));
        const uint64_t lo = a.empty() ? 0 : clampBound(parseInt(a, text), n);
        const uint64_t hi = b.empty() ? n : clampBound(parseInt(b, text), n);
        spec.slab.start.push_back(lo);
        spec.slab.count.push_back(hi > lo ? hi - lo : 0);
        spec.resultShape.push_back(hi > lo ? hi - lo : 0);
    }
    return spec;
}

} // namespace ckpt
