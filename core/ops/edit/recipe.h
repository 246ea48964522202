#pragma once

#include "ops/edit/edit.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace ckpt {

/// Recipe format version written in "ckpt_recipe". Bump only on an incompatible change; readers
/// refuse versions they do not know (Unsupported).
inline constexpr int kRecipeVersion = 1;

/// An ordered list of edit operations: what the GUI's undo stack holds and `ckpt apply` replays.
///
/// JSON schema, version 1 (member order is irrelevant; unknown members are an error so typos do
/// not pass silently; members at their default value are omitted when written):
///
///   {"ckpt_recipe": 1,
///    "operations": [ <operation>, ... ]}
///
/// Paths are `a/b/c` key paths from the root (sequence indices as decimal strings). A source
/// is {"path": FILE_OR_DIR, "step": "N" (optional), "item": NAME (optional)}; a relative path
/// is resolved against the current directory when the recipe is replayed; a `*.json` file holding
/// a `ckpt tree --json` document is a skeleton (arrays read as zeros). Values are JSON numbers,
/// booleans, or the strings "nan", "inf", "-inf". Operations (ops/edit/edit.h has the exact semantics):
///
///   {"op": "rename",  "from": P, "to": P}                  move a leaf or subtree; `to` must be free
///   {"op": "delete",  "path": P}
///   {"op": "graft",   "to": P, "source": SOURCE, "from": P (default root), "replace": true (default false)}
///   {"op": "add",     "path": P, "fill": "zeros"|"ones"|"constant", "value": V (constant only),
///                     "dtype": NAME (default "float32"), "shape": [d, ...] (default [])}
///                     or with "like": P instead of dtype/shape
///   {"op": "cast",    "path": P, "dtype": NAME}            a container casts its floating leaves
///   {"op": "reshape", "path": P, "shape": [d, ...]}        one d may be -1
///   {"op": "transpose", "path": P, "axes": [i, ...]}       default: reversed
///   {"op": "stack",   "from": [P, ...], "to": P, "axis": i (default 0)}
///   {"op": "unstack", "from": P, "to": [P, ...], "axis": i (default 0)}
///   {"op": "set",     "path": P, "value": V | string | null}
///   {"op": "set_elements", "path": P, "elements": [{"index": [i, ...], "value": V}, ...]}
///   "match": REGEX instead of the path member ("from" / "path") of rename, delete, cast, transpose
///   and unstack applies the operation to every leaf whose whole path matches (edit.h): rename's
///   "to" and unstack's single "to" template use \\1.. for the groups, unstack's also {i}.
///     {"op": "transpose", "match": ".*/kernel"}
///     {"op": "rename", "match": "params/(.*)/kernel", "to": "\\1/weight"}
///     {"op": "unstack", "match": "params/layers/(.*)", "to": "model/layers/{i}/\\1"}
///   {"op": "apply_target", "target": SOURCE, "renames": ["REGEX=REPL", ...] (default []),
///                     "original_keys": ["TARGET_REGEX=TEMPLATE", ...] (default [])}
///                     renames map checkpoint paths to target paths; original_keys map target
///                     paths to checkpoint paths like Orbax Transform(original_key=...) (optional
///                     member added within version 1: older recipes without it read the same)
///
/// Example:
///   {"ckpt_recipe": 1, "operations": [
///     {"op": "rename", "from": "params/Dense_0", "to": "params/dense"},
///     {"op": "cast", "path": "params", "dtype": "bfloat16"},
///     {"op": "apply_target", "target": {"path": "target.json"}, "renames": ["params/(.*)=model/\\1"]}]}
struct Recipe {
    std::vector<edit::Operation> operations;
};

/// One operation as its JSON object.
nlohmann::json operationToJson(const edit::Operation &op);
/// Parses one operation; throws InvalidArgument naming `where` and the member at fault.
edit::Operation operationFromJson(const nlohmann::json &j, const std::string &where = "operation");

/// The whole recipe document.
nlohmann::json recipeToJson(const Recipe &recipe);
/// Parses a recipe document. Unknown version: Unsupported; anything malformed: InvalidArgument.
Recipe recipeFromJson(const nlohmann::json &doc, const std::string &file = {});

/// Reads and parses a recipe file (Io when unreadable, InvalidArgument when not JSON).
Recipe loadRecipe(const std::string &path);
/// Writes a recipe file atomically, pretty-printed with 2-space indent.
void saveRecipe(const Recipe &recipe, const std::string &path);

/// Replays the recipe on `root` (edit::applyAll).
NodePtr replay(const NodePtr &root, const Recipe &recipe, edit::Context &context);

} // namespace ckpt
