#pragma once

#include "ops/plane/array_plane.h"

#include <QString>

/// Tab-separated text of plane cells [row0, row0 + rows) x [col0, col0 + cols) of `source`, one line
/// per row, each element with its exact text (ckpt::formatElement: bfloat16, float8, int4, complex
/// and bool as NumPy prints them). Reads the box with one readSlab. Throws ckpt::Exception, with
/// category invalid_argument when the box holds more than `maxCells` cells. Thread-safe.
QString planeRangeToTsv(const ckpt::ArraySource &source, const ckpt::PlaneSpec &spec, uint64_t row0, uint64_t rows,
    uint64_t col0, uint64_t cols, uint64_t maxCells = uint64_t(1) << 20);
