#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ckpt {

/// Edit operations: pure functions Tree -> Tree that share every untouched node. Paths are
/// `a/b/c` key paths (sequence indices in decimal). Array results are lazy sources that read
/// their inputs on demand; nothing is decoded until a value is read or the tree is exported.
/// Errors throw Exception with category InvalidArgument (missing path, leaf in the way, bad
/// argument) or Mismatch (collision, incompatible shapes/dtypes) and the offending key path.
namespace edit {

/// Another checkpoint (any format), a step/item of a run, or a `ckpt tree --json` skeleton file.
struct SourceRef {
    std::string path;
    std::optional<std::string> step;
    std::optional<std::string> item;
    bool operator==(const SourceRef &) const = default;
};

/// Move the node at `from` (a leaf or a subtree) to `to`. `to` must not exist (Mismatch
/// "collision"); missing parents of `to` are created as dicts; containers emptied at `from` vanish.
/// With `match` (a regex over whole leaf paths) instead of `from`: every matching leaf moves to
/// `to` with `\1`.. replaced by its groups; all matches move at once (so `(.*)/value` -> `\1`
/// unwraps NNX variables), and no match at all is InvalidArgument.
struct Rename {
    std::string from, to;
    std::string match = {};
};

/// Remove the node at `path` (containers emptied by it vanish; List items after it shift down).
/// With `match` instead of `path`: every leaf whose whole path matches the regex.
struct Delete {
    std::string path;
    std::string match = {};
};

/// Place the subtree `from` of another checkpoint at `to`, leaves still reading from their source.
/// A parent of `to` that is a leaf: InvalidArgument; `to` already present: Mismatch unless `replace`.
struct Graft {
    std::string to;
    SourceRef source;
    std::string from; ///< subtree inside the source; empty: its root
    bool replace = false;
};

/// Add an array leaf filled with zeros, ones or `value`, of `dtype`/`shape` or shaped like `like`.
struct AddLeaf {
    enum class Fill { Zeros, Ones, Constant };
    std::string path;
    Fill fill = Fill::Zeros;
    nlohmann::json value; ///< Constant only: number, bool, or "nan"/"inf"/"-inf"
    std::string dtype = "float32"; ///< ignored when `like` is set
    std::vector<uint64_t> shape;
    std::string like; ///< path of an array leaf whose dtype and shape to copy
};

/// Convert to `dtype` (edit_convert.h rules). On an array leaf: that leaf; on a container: every
/// floating-point array leaf below it (integers, bools and complex stay).
/// With `match` instead of `path`: every array leaf whose whole path matches the regex.
struct Cast {
    std::string path;
    std::string dtype;
    std::string match = {};
};

/// Same elements, new shape (C order); one dimension may be -1 (inferred). Counts differ: Mismatch.
struct Reshape {
    std::string path;
    std::vector<int64_t> shape;
};

/// Permute dimensions like NumPy transpose; empty `axes` reverses them.
/// With `match` instead of `path`: every array leaf whose whole path matches the regex (e.g.
/// `.*/kernel` for Flax (in, out) kernels to torch (out, in) weights).
struct Transpose {
    std::string path;
    std::vector<size_t> axes;
    std::string match = {};
};

/// Stack the arrays at `from` (equal shape and dtype) along a new dimension `axis` into `to`;
/// the `from` leaves are removed (the scan-over-layers conversion).
struct Stack {
    std::vector<std::string> from;
    std::string to;
    size_t axis = 0;
};

/// Split the array at `from` along `axis` into `to.size()` leaves (must equal that dimension);
/// `from` is removed.
/// With `match` instead of `from`: every matching array leaf is split, and `to` holds one template
/// in which `\1`.. are the match's groups and `{i}` the index along `axis` (scanned layers:
/// `params/layers/(.*)` -> `model/layers/{i}/\1`).
struct Unstack {
    std::string from;
    std::vector<std::string> to;
    size_t axis = 0;
    std::string match = {};
};

/// Set a leaf to a value: JSON string -> string leaf; bool/int/float -> Python scalar, except that
/// a one-element array keeps its dtype and shape and gets the value converted. Creates the leaf
/// (and parents) when missing; a container or a larger array at `path` is InvalidArgument.
struct SetValue {
    std::string path;
    nlohmann::json value;
};

/// Change single elements of an array: `index` is a full multi-index, `value` a number, bool or
/// "nan"/"inf"/"-inf", converted to the array's dtype. The result is lazy (base + patches).
struct SetElements {
    struct Element {
        std::vector<uint64_t> index;
        nlohmann::json value;
    };
    std::string path;
    std::vector<Element> elements;
};

/// Reshape the whole tree like a target (ops/edit/restore.h): Orbax `transforms={}` semantics plus
/// rename rules `REGEX=REPL` (ops/diff/diff_rename.h) mapping checkpoint paths to target paths, and
/// original-key rules `TARGET_REGEX=TEMPLATE` mapping target paths to checkpoint paths (Orbax
/// `Transform(original_key=TEMPLATE)` keyed by TARGET_REGEX).
struct ApplyTarget {
    SourceRef target;
    std::vector<std::string> renames;
    std::vector<std::string> originalKeys = {}; ///< default member initializer: `ApplyTarget{t, r}` stays valid
};

using Operation = std::variant<Rename, Delete, Graft, AddLeaf, Cast, Reshape, Transpose, Stack, Unstack, SetValue,
    SetElements, ApplyTarget>;

/// What operations need from outside: opening other checkpoints (graft, apply_target).
/// The default opens with openCheckpoint(), or a skeleton via loadSkeleton() for `*.json`
/// files holding a `ckpt tree --json` document, caching each source for the context's lifetime.
struct Context {
    std::function<NodePtr(const SourceRef &)> open;
    Progress progress;
    Context();
};

/// The operations `op` stands for on `root` when it has a `match` (one per matching leaf, in tree
/// order, with `match` empty); empty when it has none, and for a Rename (which moves all its
/// matches at once). Throws InvalidArgument for a bad regex or when nothing matches.
std::vector<Operation> expandMatch(const NodePtr &root, const Operation &op);

/// The tree after `op`. Never modifies `root`.
NodePtr apply(const NodePtr &root, const Operation &op, Context &context);

/// Applies `ops` in order.
NodePtr applyAll(const NodePtr &root, const std::vector<Operation> &ops, Context &context);

/// Short human description, e.g. "rename a/b -> a/c" (GUI history, CLI logs).
std::string describe(const Operation &op);

} // namespace edit
} // namespace ckpt
