#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ckpt {

/// Format names of the JSON contract's `source.format`.
inline constexpr const char *kFormatFlaxMsgpack = "flax-msgpack";
inline constexpr const char *kFormatOrbax = "orbax";
inline constexpr const char *kFormatZarr = "zarr";
inline constexpr const char *kFormatHdf5 = "hdf5";
inline constexpr const char *kFormatSafetensors = "safetensors";

/// A step number as written in a folder name: integer (`100`) or float (`0.5`, legacy Flax).
struct StepId {
    std::string text; ///< as in the folder name without prefix, e.g. "100" or "0.5"
    double value = 0; ///< numeric value for sorting and display
    bool isInteger() const;
    bool operator==(const StepId &o) const { return text == o.text; }
};

/// One opened checkpoint: an immutable snapshot of its tree plus where it came from.
struct Checkpoint {
    std::string path; ///< what was opened (file or directory), as given
    std::string format; ///< kFormat* value
    std::string era; ///< human description, e.g. "Orbax OCDBT + zarr v2"
    std::optional<StepId> step; ///< when the path is (inside) a run
    std::string item; ///< item name inside a composite step, empty if none
    NodePtr root; ///< never null after a successful open
    std::vector<std::string> warnings; ///< things recovered or inferred while opening
    nlohmann::json metadata = nlohmann::json::object(); ///< checkpoint-level metadata (e.g. _CHECKPOINT_METADATA)
};

/// Which step and item of a run to open. Empty: latest complete step, the only (or every) item.
struct OpenOptions {
    std::optional<std::string> step;
    std::optional<std::string> item;
    /// safetensors: keep tensor names as flat keys instead of splitting them on `.`.
    bool flatNames = false;
};

/// Messages of the InvalidArgument errors openCheckpoint() throws when OpenOptions ask for a step or
/// an item that `path` does not have. They say what is wrong; callers that know how the step or
/// item was chosen add that (the CLI names its flags, e.g. --step).
inline constexpr const char *kNoStepsInCheckpoint
    = "this is a single checkpoint, not a run: it has no steps to choose from";
inline constexpr const char *kNoItemsInItem
    = "this is a single item, not a composite checkpoint: it has no items to choose from";
inline constexpr const char *kNoItemsInFileStep = "this step is a single file: it has no items to choose from";
inline constexpr const char *kNoStepsOrItems
    = "this is neither a run nor a composite checkpoint: it has no steps or items to choose from";

/// True when `path` is a storage URL (gs://, s3://, http://, https://) rather than a local path:
/// the GUI keeps such paths as typed and polls runs instead of watching them.
bool isRemoteLocation(const std::string &path);

/// Detects what `path` is and opens it lazily (metadata only; array bytes are read on demand).
/// Throws Exception: NotACheckpoint when nothing is recognised, other categories for damage.
Checkpoint openCheckpoint(const std::string &path, const OpenOptions &options = {}, const Progress &progress = {});

} // namespace ckpt
