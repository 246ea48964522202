#pragma once

#include "layout/checkpoint.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// One step of a run (CheckpointManager root or legacy flax.training.checkpoints folder).
struct StepInfo {
    std::string name; ///< folder or file name: "100", "checkpoint_100", "7.orbax-checkpoint-tmp"
    std::string path; ///< full path of that folder or file
    StepId step; ///< parsed from the name ("100", "0.5")
    std::vector<std::string> items; ///< item folders of a composite step (JSON items included), sorted; empty otherwise
    bool isFile = false; ///< a legacy Flax msgpack file rather than a directory
    uint64_t totalBytes = 0; ///< sum of the sizes of every regular file below
    std::optional<int64_t> timestampNs; ///< commit time in ns since the epoch
    bool timestampFromMetadata = false; ///< true: `commit_timestamp_nsecs`; false: directory mtime
    bool complete = true; ///< false for in-progress or uncommitted saves
    std::string incompleteReason; ///< why not complete, for people
};

/// Parses a step folder/file name: "100", "<prefix>_100", "checkpoint_0.5" (legacy float steps).
/// The `.orbax-checkpoint-tmp...` suffix is ignored. nullopt when the name is not a step.
std::optional<StepId> parseStepName(const std::string &name);

/// Every step under `root`, sorted by numeric step (natural order), then name. In-progress saves
/// (names containing `.orbax-checkpoint-tmp`, legacy `<prefix>tmp`) and steps lacking
/// `commit_success.txt` while their siblings have one are listed as incomplete with a reason.
/// Non-step entries (`metadata/`, `*_gda`) are skipped. Throws Exception{MissingData} when `root`
/// is not a readable directory.
std::vector<StepInfo> listSteps(const std::string &root);

/// The newest complete step, or nullopt.
std::optional<StepInfo> latestCompleteStep(const std::vector<StepInfo> &steps);

} // namespace ckpt
