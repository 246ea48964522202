#pragma once

#include "ops/diff/diff_rename.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ckpt {

/// Applying a target structure to a checkpoint the way Orbax restore with `transforms` does
/// (docs/formats.md §5.1/§5.2), with rename rules in the direction checkpoint path -> target path:
///  - the result has the target's structure (container kinds and key order);
///  - a target leaf whose path some checkpoint leaf is renamed to takes that leaf ("renamed");
///  - else a target leaf whose path exists in the checkpoint (and is not renamed away) takes it
///    ("taken"), as Orbax does by default (`transforms_default_to_original`);
///  - else it keeps the target's own value ("filled", `use_fallback`); for a skeleton target that
///    value is zeros of the target dtype/shape, annotated "filled" on the leaf;
///  - checkpoint leaves nothing uses are dropped and listed as extras (partial restore).
/// Empty dicts/lists and None count as leaves, as in Orbax metadata trees.
///
/// Original-key rules are the other direction, exactly Orbax's `transforms={TARGET_REGEX:
/// Transform(original_key=TEMPLATE)}`, written `TARGET_REGEX=TEMPLATE` in RenameRule syntax
/// (ops/diff/diff_rename.h). Facts from orbax/checkpoint/transform_utils.py::apply_transformations
/// (0.12.8), checked by running it: keys of the checkpoint, the target and the transforms dict
/// are flattened with `/` between levels (list indices in decimal), so a nested transforms dict
/// `{'a': {'b': T}}` is the rule `a/b`; the rule key is `re.fullmatch`ed against the target key
/// (never `re.search`); the template is `match.expand`ed (`\1` back-references). For one target
/// key EVERY matching transform is applied, in the flattened dict's order, which is sorted by the
/// regex text (jax flattens dicts with sorted keys), so the rule whose REGEX sorts last wins; no
/// error for several matches. A matching rule whose template names a key the checkpoint does not
/// have raises ValueError ("Transformation key ... not found in origin tree") even if another
/// matching rule would supply the value. A target key some transform matches never falls back to
/// the checkpoint's own key. Here:
///  - original-key rules are looked at first for every target leaf; one matching decides its fate
///    ("renamed" from the expanded key, or "taken" when that key is the leaf's own path);
///  - a matching rule naming a missing checkpoint key is a fatal "missing" problem; when it is
///    the winning rule the leaf is "filled" from the target (Orbax would refuse to restore);
///  - checkpoint -> target rules and same-path matching apply only to target leaves that no
///    original-key rule matches; one of those shadowed by an original-key rule is a non-fatal
///    "collision" problem. Differences from Python `re`: ECMAScript syntax (no `(?P<name>)`,
///    no `\g<1>` in templates).

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
    enum class RuleKind { Rename, OriginalKey };
    std::string rule; ///< rule text that mapped it (Renamed; Taken/Filled when an original-key rule matched)
    RuleKind ruleKind = RuleKind::Rename; ///< the direction of `rule`
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

/// "taken", "renamed from X (rule R)", "renamed from X (original-key rule R)", "filled from the target".
std::string describeFate(const RestoreLeaf &leaf);

/// The report for restoring `checkpoint` into `target` with `renames` (checkpoint path -> target
/// path, tried in order, first match) and `originalKeys` (target path -> checkpoint path, Orbax
/// `original_key` semantics, see above).
RestoreReport planRestore(const NodePtr &checkpoint, const NodePtr &target, const std::vector<RenameRule> &renames,
    const std::vector<RenameRule> &originalKeys = {});

/// The tree shaped like `target` that the report describes. Shares every leaf it takes.
NodePtr applyRestore(const NodePtr &checkpoint, const NodePtr &target, const RestoreReport &report);

/// The report as JSON: {"ckpt_json":1, "restorable":bool, "counts":{...}, "leaves":[{"path","fate",
/// "source","rule","rule_kind":"rename"|"original_key","target","checkpoint","problems":[{"kind","detail",
/// "fatal"}]}], "extras":[...]}.
nlohmann::json reportJson(const RestoreReport &report);

/// A target tree from a `ckpt tree --json` document: arrays become lazy zeros of their dtype and
/// shape (annotation "skeleton"), scalars/strings keep their values, None/empty containers stay;
/// every container is a dict (the document does not say list). Throws InvalidArgument on a
/// malformed document or unknown dtype.
NodePtr loadSkeleton(const nlohmann::json &doc, const std::string &file = {});

/// True when `path` is a regular file holding a `ckpt tree --json` document.
bool isSkeletonFile(const std::string &path);

} // namespace ckpt
