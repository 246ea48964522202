#pragma once

#include "layout/checkpoint.h"
#include "ops/diff/diff.h"

#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// Change of one leaf between two consecutive steps.
struct RunCell {
    enum class State { Unchanged, Changed, Absent, Incompatible };
    State state = State::Absent; ///< Absent: missing in either step; Incompatible: kind/shape differ
    double normA = 0; ///< ||A|| of the earlier step
    double normDiff = 0; ///< ||B - A||
    double maxAbs = 0;
    /// ||B - A|| / ||A||; +inf when ||A|| is 0 and B differs, 0 when unchanged; NaN when not numeric.
    double relUpdate = 0;
};

/// "unchanged", "changed", "absent", "incompatible".
std::string_view cellStateName(RunCell::State s);

/// The run view: per leaf, per pair of consecutive complete steps, whether it changed and by how much.
struct RunDiff {
    std::string root;
    std::vector<StepId> steps; ///< the complete steps compared, ascending
    std::vector<std::string> leaves; ///< every leaf path seen in any step, first-seen order
    /// cells[t][l]: leaf l between steps[t] and steps[t+1].
    std::vector<std::vector<RunCell>> cells;
};

struct RunDiffOptions {
    std::optional<double> from, to; ///< inclusive step range; open ends when unset
    std::optional<std::string> item; ///< item of composite steps
    DiffOptions diff; ///< tolerance and threads; rename rules are ignored
};

/// Opens every complete step of the run at `root` within the range and diffs each with the next.
/// Progress reports thousandths of transitions: done / (1000 x transitions), moving within a
/// transition as its arrays are compared (from the comparing threads). Throws Exception{InvalidArgument} when fewer
/// than two complete steps fall in the range, and whatever opening or reading a step throws.
RunDiff diffRun(const std::string &root, const RunDiffOptions &options, const Progress &progress = {});

} // namespace ckpt
