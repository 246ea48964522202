#include "ops/diff/diff_run.h"

#include "base/error.h"
#include "layout/steps.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace ckpt {
namespace {
constexpr uint64_t kPerTransition = 1000; ///< progress units per diffed step pair
} // namespace

std::string_view cellStateName(RunCell::State s)
{
    switch (s) {
    case RunCell::State::Unchanged: return "unchanged";
    case RunCell::State::Changed: return "changed";
    case RunCell::State::Absent: return "absent";
    case RunCell::State::Incompatible: return "incompatible";
    }
    return "absent";
}

RunDiff diffRun(const std::string &root, const RunDiffOptions &options, const Progress &progress)
{
    std::vector<StepInfo> chosen;
    for (const StepInfo &s : listSteps(root)) {
        if (!s.complete)
            continue;
        if ((options.from && s.step.value < *options.from) || (options.to && s.step.value > *options.to))
            continue;
        chosen.push_back(s);
    }
    if (chosen.size() < 2)
        fail(ErrorCategory::InvalidArgument,
            "the step range holds " + std::to_string(chosen.size()) + " complete step(s) of " + root
                + "; the run view needs two or more",
            root);

    RunDiff run;
    run.root = root;
    std::unordered_map<std::string, size_t> leafIndex;
    auto leafSlot = [&](const std::string &path) {
        const auto [it, fresh] = leafIndex.emplace(path, run.leaves.size());
        if (fresh)
            run.leaves.push_back(path);
        return it->second;
    };
    DiffOptions diffOptions = options.diff;
    diffOptions.renames.clear();
    const size_t transitions = chosen.size() - 1;
    OpenOptions open;
    open.item = options.item;
    open.step = chosen[0].step.text;
    Checkpoint prev = openCheckpoint(root, open);
    for (size_t t = 0; t < transitions; ++t) {
        progress.throwIfCancelled();
        open.step = chosen[t + 1].step.text;
        Checkpoint next = openCheckpoint(root, open);
        Progress inner{{}, progress.isCancelled};
        if (progress.report)
            inner.report = [&progress, t, transitions](uint64_t done, uint64_t total) {
                const uint64_t part = total == 0 ? 0 : std::min<uint64_t>(999, done * 1000 / total);
                progress.update(t * kPerTransition + part, transitions * kPerTransition);
            };
        const DiffResult d = diffTrees(prev.root, next.root, diffOptions, inner);
        std::vector<std::pair<size_t, RunCell>> row;
        for (const DiffEntry &e : d.entries) {
            RunCell c;
            switch (e.status) {
            case DiffStatus::Added:
            case DiffStatus::Removed: c.state = RunCell::State::Absent; break;
            case DiffStatus::KindChanged:
            case DiffStatus::ShapeChanged: c.state = RunCell::State::Incompatible; break;
            default: c.state = e.valuesEqual ? RunCell::State::Unchanged : RunCell::State::Changed; break;
            }
            if (e.numeric && e.compared) {
                c.normA = e.numbers.normA;
                c.normDiff = e.numbers.normDiff;
                c.maxAbs = e.numbers.maxAbs;
                c.relUpdate = c.normDiff == 0 ? 0
                    : c.normA == 0            ? std::numeric_limits<double>::infinity()
                                              : c.normDiff / c.normA;
            } else {
                c.relUpdate = std::numeric_limits<double>::quiet_NaN();
            }
            row.emplace_back(leafSlot(e.path), c);
        }
        std::vector<RunCell> cells(run.leaves.size());
        for (auto &[slot, cell] : row)
            cells[slot] = cell;
        run.cells.push_back(std::move(cells));
        run.steps.push_back(chosen[t].step);
        prev = std::move(next);
        progress.update((t + 1) * kPerTransition, transitions * kPerTransition);
    }
    run.steps.push_back(chosen.back().step);
    for (auto &row : run.cells)
        row.resize(run.leaves.size()); // leaves first seen in later steps are absent earlier
    return run;
}

} // namespace ckpt
