#include "ops/plane/plane_pooling.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ckpt {

std::vector<double> poolGrid(
    std::span<const double> values, uint64_t rows, uint64_t cols, uint64_t outRows, uint64_t outCols, Pooling mode)
{
    if (rows == 0 || cols == 0 || values.size() != rows * cols)
        return {};
    outRows = std::clamp<uint64_t>(outRows, 1, rows);
    outCols = std::clamp<uint64_t>(outCols, 1, cols);
    if (outRows == rows && outCols == cols)
        return {values.begin(), values.end()};
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> out(outRows * outCols);
    // Per output column: the reduction of the current band of input rows so far.
    std::vector<double> acc(outCols), inf(outCols);
    std::vector<uint64_t> count(outCols);
    std::vector<uint64_t> colStart(outCols + 1);
    for (uint64_t j = 0; j <= outCols; ++j)
        colStart[j] = j * cols / outCols;
    for (uint64_t i = 0; i < outRows; ++i) {
        std::fill(acc.begin(), acc.end(), 0.0);
        std::fill(inf.begin(), inf.end(), 0.0);
        std::fill(count.begin(), count.end(), 0);
        const uint64_t r0 = i * rows / outRows, r1 = (i + 1) * rows / outRows;
        for (uint64_t r = r0; r < r1; ++r) {
            const double *line = values.data() + r * cols;
            for (uint64_t j = 0; j < outCols; ++j) {
                for (uint64_t c = colStart[j]; c < colStart[j + 1]; ++c) {
                    const double v = line[c];
                    if (std::isnan(v))
                        continue;
                    if (mode == Pooling::MaxAbs) {
                        if (count[j]++ == 0 || std::abs(v) > std::abs(acc[j]))
                            acc[j] = v;
                    } else if (std::isinf(v)) {
                        inf[j] = v;
                    } else {
                        acc[j] += v;
                        ++count[j];
                    }
                }
            }
        }
        double *o = out.data() + i * outCols;
        for (uint64_t j = 0; j < outCols; ++j) {
            if (count[j] > 0)
                o[j] = mode == Pooling::Mean ? acc[j] / double(count[j]) : acc[j];
            else
                o[j] = inf[j] != 0.0 ? inf[j] : nan;
        }
    }
    return out;
}

} // namespace ckpt
