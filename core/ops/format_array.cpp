#include "ops/format_array.h"

#include <algorithm>

namespace ckpt {
namespace {

struct Printer {
    DType dtype;
    const std::vector<uint64_t> &shape;
    std::span<const std::byte> data;
    bool elide;
    uint64_t edge;
    std::vector<uint64_t> stride;
    size_t width = 0;

    /// Indices of dimension `d` that are printed; UINT64_MAX marks the `...` gap.
    std::vector<uint64_t> shown(size_t d) const
    {
        std::vector<uint64_t> v;
        const uint64_t n = shape[d];
        if (!elide || n <= 2 * edge) {
            for (uint64_t i = 0; i < n; ++i)
                v.push_back(i);
            return v;
        }
        for (uint64_t i = 0; i < edge; ++i)
            v.push_back(i);
        v.push_back(UINT64_MAX);
        for (uint64_t i = n - edge; i < n; ++i)
            v.push_back(i);
        return v;
    }

    std::string element(uint64_t flat) const { return formatElement(dtype, data.data() + flat * itemSize(dtype)); }

    void measure(size_t d, uint64_t base)
    {
        for (uint64_t i : shown(d)) {
            if (i == UINT64_MAX)
                continue;
            if (d + 1 == shape.size())
                width = std::max(width, element(base + i * stride[d]).size());
            else
                measure(d + 1, base + i * stride[d]);
        }
    }

    void print(std::string &out, size_t d, uint64_t base, size_t indent)
    {
        out += '[';
        const auto idx = shown(d);
        bool first = true;
        for (uint64_t i : idx) {
            if (!first) {
                if (d + 1 == shape.size()) {
                    out += ", ";
                } else {
                    out += ',';
                    out.append(shape.size() - d - 1, '\n');
                    out.append(indent + 1, ' ');
                }
            }
            first = false;
            if (i == UINT64_MAX) {
                out += "...";
                continue;
            }
            if (d + 1 == shape.size()) {
                std::string e = element(base + i * stride[d]);
                out.append(width - std::min(width, e.size()), ' ');
                out += e;
            } else {
                print(out, d + 1, base + i * stride[d], indent + 1);
            }
        }
        out += ']';
    }
};

} // namespace

std::string formatArray(
    DType dtype, const std::vector<uint64_t> &shape, std::span<const std::byte> data, const FormatOptions &options)
{
    if (shape.empty())
        return formatElement(dtype, data.data());
    uint64_t total = 1;
    for (uint64_t d : shape)
        total *= d;
    Printer p{dtype, shape, data, total > options.threshold, options.edgeItems, {}, 0};
    p.stride.assign(shape.size(), 1);
    for (size_t i = shape.size() - 1; i > 0; --i)
        p.stride[i - 1] = p.stride[i] * shape[i];
    if (total == 0) {
        std::string s;
        for (size_t i = 0; i < shape.size(); ++i)
            s += '[';
        return s + std::string(shape.size(), ']');
    }
    p.measure(0, 0);
    std::string out;
    p.print(out, 0, 0, 0);
    return out;
}

} // namespace ckpt
