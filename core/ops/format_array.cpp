#include "ops/format_array.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace ckpt {
namespace {

/// NumPy's default float printing: at most 8 fractional digits without trailing zeros, scientific
/// notation when the magnitudes span too much; fractional parts padded so decimal points align.
struct FloatStyle {
    bool scientific = false;
    size_t fracWidth = 0;

    static std::string fixed(double v)
    {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.8f", v);
        std::string s(buf);
        while (s.back() == '0')
            s.pop_back();
        return s; // keeps the '.', as NumPy prints "1."
    }
    static std::string sci(double v)
    {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.8e", v);
        std::string s(buf);
        const auto e = s.find('e');
        std::string mant = s.substr(0, e), exp = s.substr(e);
        while (mant.back() == '0')
            mant.pop_back();
        return mant + exp;
    }
    std::string text(double v) const
    {
        if (!std::isfinite(v))
            return formatDouble(v);
        if (scientific) {
            std::string s = sci(v);
            const size_t e = s.find('e');
            const size_t frac = e - s.find('.') - 1;
            s.insert(e, fracWidth > frac ? fracWidth - frac : 0, '0');
            return s;
        }
        std::string s = fixed(v);
        const size_t frac = s.size() - s.find('.') - 1;
        s.append(fracWidth > frac ? fracWidth - frac : 0, ' ');
        return s;
    }
};

constexpr size_t kLineWidth = 75;

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

    FloatStyle style;
    bool styled = false;

    std::string element(uint64_t flat) const
    {
        const std::byte *p = data.data() + flat * itemSize(dtype);
        return styled ? style.text(toDouble(dtype, p)) : formatElement(dtype, p);
    }

    /// Visits the flat index of every printed element.
    template <typename F> void visit(size_t d, uint64_t base, F &&f) const
    {
        for (uint64_t i : shown(d)) {
            if (i == UINT64_MAX)
                continue;
            if (d + 1 == shape.size())
                f(base + i * stride[d]);
            else
                visit(d + 1, base + i * stride[d], f);
        }
    }

    void chooseFloatStyle()
    {
        if (dtypeClass(dtype) != DTypeClass::Float)
            return;
        styled = true;
        double lo = INFINITY, hi = 0;
        visit(0, 0, [&](uint64_t flat) {
            const double v = std::fabs(toDouble(dtype, data.data() + flat * itemSize(dtype)));
            if (std::isfinite(v) && v != 0) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        });
        style.scientific = hi >= 1e8 || (hi > 0 && (lo < 1e-4 || hi / lo > 1e3));
        visit(0, 0, [&](uint64_t flat) {
            const double v = toDouble(dtype, data.data() + flat * itemSize(dtype));
            if (!std::isfinite(v))
                return;
            const std::string s = style.scientific ? FloatStyle::sci(v) : FloatStyle::fixed(v);
            const size_t end = style.scientific ? s.find('e') : s.size();
            style.fracWidth = std::max(style.fracWidth, end - s.find('.') - 1);
        });
    }

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
                    out += ',';
                    // Wrap rows at NumPy's line width of 75 characters.
                    const size_t lineStart = out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1;
                    if (out.size() - lineStart + width + 2 > kLineWidth) {
                        out += '\n';
                        out.append(indent + 1, ' ');
                    } else {
                        out += ' ';
                    }
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
    Printer p{dtype, shape, data, total > options.threshold, options.edgeItems, {}, 0, {}, false};
    p.stride.assign(shape.size(), 1);
    for (size_t i = shape.size() - 1; i > 0; --i)
        p.stride[i - 1] = p.stride[i] * shape[i];
    if (total == 0) {
        std::string s;
        for (size_t i = 0; i < shape.size(); ++i)
            s += '[';
        return s + std::string(shape.size(), ']');
    }
    p.chooseFloatStyle();
    p.measure(0, 0);
    std::string out;
    p.print(out, 0, 0, 0);
    return out;
}

} // namespace ckpt
