#pragma once

#include "ops/diff_rename.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ckpt {

/// Applying a target structure to a checkpoint the way Orbax restore with `transforms` does
/// (FORMATS.md §5.1/§5.2), with rename rules in the direction checkpoint path -> target path:
///  - the result has the target's structure (container kinds and key order);
///  - a target leaf whose path some checkpoint leaf is renamed to takes that leaf ("renamed");
///  - else a target leaf whose path exists in the checkpoint (and is not renamed away) takes it
///    ("taken"), as Orbax does by default (`transforms_default_to_original`);
///  - else it keeps the target's own value ("filled", `use_fallback`); for a skeleton target that
///    value is zeros of the target dtype/shape, annotated "filled" on the leaf;
///  - checkpoint leaves nothing uses are dropped and listed as extras (partial restore).
/// Empty dicts/lists and None count as leaves, as in Orbax metadata trees.

/// One problem a real restore would hit. `fatal` problems make restorable() false.
struct RestoreProblem {
    std::string kind; ///< "missing", "shape", "dtype", "kind", "collision"; extras are listed apart
    std::string detail;
    bool fatal = true;
};

/// What happens to one target leaf.
struct RestoreLeaf {
    enum class Fate { Taken, Renamed, Filled };
    std::string path; ///< target path
    Fate fate = Fate::Filled;
    std::string source; ///< checkpoint path the value comes from (Taken/Renamed)
    std::string rule; ///< rename rule text that mapped it (Renamed)
    std::string targetDesc, sourceDesc; ///< "float32[3, 4]", "scalar int", "empty_dict", ...
    std::vector<RestoreProblem> problems;
};

/// The compatibility report, made before anything is applied.
struct RestoreReport {
    std::vector<RestoreLeaf> leaves; ///< in target order
    std::vector<std::string> extras; ///< checkpoint leaf paths not used (dropped)
    /// True when every target leaf comes from the checkpoint without a fatal problem.
    bool restorable() const;
    size_t count(RestoreLeaf::Fate f) const;
};

/// "taken", "renamed", "filled".
std::string_view fateName(RestoreLeaf::Fate f);

/// The report for restoring `checkpoint` into `target` with `renames` (tried in order, first match).
RestoreReport planRestore(const NodePtr &checkpoint, const NodePtr &target, const std::vector<RenameRule> &renames);

/// The tree shaped like `target` that the report describes. Shares every leaf it takes.
NodePtr applyRestore(const NodePtr &checkpoint, const NodePtr &target, const RestoreReport &report);

/// The report as JSON: {"ckpt_json":1, "restorable":bool, "counts":{...}, "leaves":[{"path","fate",
/// "source","rule","target","checkpoint","problems":[{"kind","detail","fatal"}]}], "extras":[...]}.
nlohmann::json reportJson(const RestoreReport &report);

/// A target tree from a `ckpt tree --json` document: arrays become lazy zeros of their dtype and
/// shape (annotation "skeleton"), scalars/strings keep their values, None/empty containers stay;
/// every container is a dict (the document does not say list). Throws InvalidArgument on a
/// malformed document or unknown dtype.
NodePtr loadSkeleton(const nlohmann::json &doc, const std::string &file = {});

/// True when `path` is a regular file holding a `ckpt tree --json` document.
bool isSkeletonFile(const std::string &path);

} // namespace ckpt
