#include "ops/array_summary.h"

namespace ckpt {

ArraySummary summarizeArray(
    const ArraySource &source, const PlaneSpec &plane, const SummaryPolicy &policy, const Progress &progress)
{
    ArraySummary r;
    r.stats = computeStats(source, progress);
    r.lo = r.stats.min;
    r.hi = r.stats.max > r.stats.min ? r.stats.max : r.stats.min + 1;
    const DType dt = source.info().dtype;
    if (source.info().numBytes() <= policy.fullHistogramBytes && !isComplex(dt)) {
        const std::vector<std::byte> all = source.readAll(progress);
        r.counts = histogram(dt, all.data(), r.stats.count, r.lo, r.hi, policy.bins);
    } else {
        const PlaneWindow w = readPlaneSample(source, plane, policy.planeMaxCells, progress);
        r.counts = histogram(DType::Float64, reinterpret_cast<const std::byte *>(w.values.data()), w.values.size(),
            r.lo, r.hi, policy.bins);
        r.wholeArray = false;
    }
    return r;
}

} // namespace ckpt
