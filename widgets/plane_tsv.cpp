#include "plane_tsv.h"

#include "base/error.h"

QString planeRangeToTsv(const ckpt::ArraySource &source, const ckpt::PlaneSpec &spec, uint64_t row0, uint64_t rows,
    uint64_t col0, uint64_t cols, uint64_t maxCells)
{
    const ckpt::ArrayInfo &info = source.info();
    if (rows == 0 || cols == 0)
        return {};
    if (rows > maxCells / cols)
        ckpt::fail(ckpt::ErrorCategory::InvalidArgument,
            "selection of " + std::to_string(rows) + " x " + std::to_string(cols) + " cells is too large to copy");
    const ckpt::Slab slab = spec.slab(info.shape, row0, rows, col0, cols);
    const size_t item = ckpt::itemSize(info.dtype);
    std::vector<std::byte> bytes(slab.numElements() * item);
    source.readSlab(slab, bytes);
    QString text;
    for (uint64_t r = 0; r < rows; ++r) {
        for (uint64_t c = 0; c < cols; ++c) {
            if (c)
                text += QLatin1Char('\t');
            const std::byte *p = bytes.data() + spec.offsetInSlab(r, c, rows, cols) * item;
            text += QString::fromStdString(ckpt::formatElement(info.dtype, p));
        }
        text += QLatin1Char('\n');
    }
    return text;
}
