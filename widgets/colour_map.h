#pragma once

#include <QColor>
#include <QPointF>
#include <QRectF>

#include <optional>
#include <span>

/// How values map to colours. Pure functions, no painting: tested without pixels.
struct ColourScale {
    double lo = 0, hi = 1;
    bool diverging = false; ///< blue-white-red around 0 with lo == -hi; else a dark-to-bright sequential ramp
};

/// Scale for a set of values: diverging and symmetric about 0 when the data is signed and its
/// finite values straddle 0, sequential over [min, max] otherwise. NaN/Inf are ignored; an empty or
/// constant set gets a non-empty range so that every value still maps somewhere.
ColourScale chooseScale(std::span<const double> values, bool signedData);

/// Position of `v` on the scale in [0, 1] (clamped); nullopt for NaN.
std::optional<double> normalise(const ColourScale &scale, double v);

/// Colour of a normalised position t in [0, 1] on the sequential or diverging palette.
QColor paletteColour(double t, bool diverging);

/// Colour of a value; NaN gets a fixed grey that is on neither palette.
QColor colourFor(const ColourScale &scale, double v);
QColor nanColour();

/// Cell (row, col) under `pos` when `rows x cols` cells fill `plot`, or nullopt outside it.
std::optional<std::pair<int, int>> cellAt(const QRectF &plot, int rows, int cols, const QPointF &pos);

/// Height in pixels of a histogram bar of `count` when the largest bin has `maxCount` and the plot is
/// `height` high; logarithmic scale uses log10(1 + count).
double barHeight(quint64 count, quint64 maxCount, double height, bool logScale);
