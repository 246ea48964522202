#include "ops/diff/diff_json.h"

#include <cmath>

namespace ckpt {
namespace {

nlohmann::json number(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json sideJson(const DiffSide &s)
{
    nlohmann::json j = {{"path", s.path}, {"kind", s.kind}};
    if (!s.dtype.empty())
        j["dtype"] = s.dtype;
    if (s.kind == "array")
        j["shape"] = s.shape;
    if (!s.value.empty())
        j["value"] = s.value;
    return j;
}

nlohmann::json stepJson(const StepId &s)
{
    if (s.isInteger())
        return std::stoll(s.text);
    return s.value;
}

} // namespace

nlohmann::json diffEntryJson(const DiffEntry &e)
{
    nlohmann::json j = {{"path", e.path}, {"status", std::string(statusName(e.status))}};
    if (e.a)
        j["a"] = sideJson(*e.a);
    if (e.b)
        j["b"] = sideJson(*e.b);
    if (e.renamed)
        j["renamed"] = true;
    j["compared"] = e.compared;
    if (!e.compared)
        return j;
    j["values_equal"] = e.valuesEqual;
    const ArrayDiff &n = e.numbers;
    if (!e.numeric)
        return j;
    const std::vector<uint64_t> shape = e.a && e.a->kind == "array" ? e.a->shape : std::vector<uint64_t>{};
    j["compare_dtype"] = e.compareType;
    j["promoted"] = e.promoted;
    j["count"] = n.count;
    j["differing"] = n.differing;
    j["fraction"] = n.fraction();
    j["max_abs_diff"] = number(n.maxAbs);
    j["max_abs_index"] = unravelIndex(n.maxAbsIndex, shape);
    j["max_abs_flat_index"] = n.maxAbsIndex;
    j["max_rel_diff"] = n.hasMaxRel ? number(n.maxRel) : nlohmann::json(nullptr);
    if (n.hasMaxRel) {
        j["max_rel_index"] = unravelIndex(n.maxRelIndex, shape);
        j["max_rel_flat_index"] = n.maxRelIndex;
    }
    j["norm_a"] = number(n.normA);
    j["norm_b"] = number(n.normB);
    j["norm_diff"] = number(n.normDiff);
    if (n.sameStorage)
        j["same_storage"] = true;
    if (n.chunksShortCut)
        j["chunks_short_cut"] = n.chunksShortCut;
    return j;
}

nlohmann::json diffSummaryJson(const DiffSummary &s)
{
    nlohmann::json j = {{"pairs", s.pairs}};
    for (int i = 0; i < kDiffStatusCount; ++i)
        j[std::string(statusName(DiffStatus(i)))] = s.counts[i];
    j["identical"] = s.identical();
    j["elements_compared"] = s.elementsCompared;
    j["bytes_read"] = s.bytesRead;
    j["chunks_short_cut"] = s.chunksShortCut;
    return j;
}

nlohmann::json diffResultJson(const DiffResult &r, bool onlyDifferences)
{
    nlohmann::json pairs = nlohmann::json::array();
    for (const DiffEntry &e : r.entries)
        if (!onlyDifferences || e.status != DiffStatus::Same)
            pairs.push_back(diffEntryJson(e));
    return {{"pairs", std::move(pairs)}, {"summary", diffSummaryJson(r.summary)}};
}

nlohmann::json runDiffJson(const RunDiff &run)
{
    nlohmann::json steps = nlohmann::json::array();
    for (const StepId &s : run.steps)
        steps.push_back(stepJson(s));
    nlohmann::json leaves = nlohmann::json::array();
    for (size_t l = 0; l < run.leaves.size(); ++l) {
        nlohmann::json cells = nlohmann::json::array();
        for (const auto &row : run.cells) {
            const RunCell &c = row[l];
            nlohmann::json cj = {{"state", std::string(cellStateName(c.state))}};
            if (c.state == RunCell::State::Changed || c.state == RunCell::State::Unchanged) {
                cj["rel_update"] = number(c.relUpdate);
                cj["norm_a"] = number(c.normA);
                cj["norm_diff"] = number(c.normDiff);
                cj["max_abs_diff"] = number(c.maxAbs);
            }
            cells.push_back(std::move(cj));
        }
        leaves.push_back({{"path", run.leaves[l]}, {"cells", std::move(cells)}});
    }
    return {{"root", run.root}, {"steps", std::move(steps)}, {"leaves", std::move(leaves)}};
}

} // namespace ckpt
