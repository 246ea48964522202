#include "colour_map.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace {

struct Stop {
    double t;
    int r, g, b;
};

// Sequential: a perceptually ordered dark-blue -> teal -> yellow ramp (viridis-like control points).
constexpr std::array<Stop, 5> kSequential{{
    {0.00, 68, 1, 84},
    {0.25, 59, 82, 139},
    {0.50, 33, 145, 140},
    {0.75, 94, 201, 98},
    {1.00, 253, 231, 37},
}};

// Diverging: blue for negative, near-white at zero, red for positive.
constexpr std::array<Stop, 5> kDiverging{{
    {0.00, 33, 102, 172},
    {0.25, 103, 169, 207},
    {0.50, 247, 247, 247},
    {0.75, 239, 138, 98},
    {1.00, 178, 24, 43},
}};

template <size_t N> QColor interpolate(const std::array<Stop, N> &stops, double t)
{
    t = std::clamp(t, 0.0, 1.0);
    for (size_t i = 1; i < N; ++i) {
        if (t <= stops[i].t) {
            const Stop &a = stops[i - 1], &b = stops[i];
            const double f = (t - a.t) / (b.t - a.t);
            return QColor(int(std::lround(a.r + f * (b.r - a.r))), int(std::lround(a.g + f * (b.g - a.g))),
                int(std::lround(a.b + f * (b.b - a.b))));
        }
    }
    return QColor(stops[N - 1].r, stops[N - 1].g, stops[N - 1].b);
}

} // namespace

ColourScale chooseScale(std::span<const double> values, bool signedData)
{
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : values) {
        if (std::isfinite(v)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    ColourScale s;
    if (!(lo <= hi)) // no finite value
        return s;
    if (signedData && lo < 0 && hi > 0) {
        const double m = std::max(-lo, hi);
        return ColourScale{-m, m, true};
    }
    if (lo == hi) {
        const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.5;
        return ColourScale{lo - pad, hi + pad, false};
    }
    return ColourScale{lo, hi, false};
}

std::optional<double> normalise(const ColourScale &scale, double v)
{
    if (std::isnan(v))
        return std::nullopt;
    if (!(scale.hi > scale.lo))
        return 0.5;
    return std::clamp((v - scale.lo) / (scale.hi - scale.lo), 0.0, 1.0);
}

QColor paletteColour(double t, bool diverging)
{
    return diverging ? interpolate(kDiverging, t) : interpolate(kSequential, t);
}

QColor nanColour()
{
    return QColor(128, 128, 128);
}

QColor colourFor(const ColourScale &scale, double v)
{
    const auto t = normalise(scale, v);
    return t ? paletteColour(*t, scale.diverging) : nanColour();
}

std::optional<std::pair<int, int>> cellAt(const QRectF &plot, int rows, int cols, const QPointF &pos)
{
    if (rows <= 0 || cols <= 0 || plot.isEmpty() || !plot.contains(pos))
        return std::nullopt;
    const int c = std::min(cols - 1, int((pos.x() - plot.left()) / plot.width() * cols));
    const int r = std::min(rows - 1, int((pos.y() - plot.top()) / plot.height() * rows));
    return std::make_pair(r, c);
}

double barHeight(quint64 count, quint64 maxCount, double height, bool logScale)
{
    if (maxCount == 0 || count == 0)
        return 0;
    if (logScale)
        return height * std::log10(1.0 + double(count)) / std::log10(1.0 + double(maxCount));
    return height * double(count) / double(maxCount);
}
