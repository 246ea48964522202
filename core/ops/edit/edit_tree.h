#pragma once

#include "tree/node.h"

#include <functional>
#include <string>

namespace ckpt {

/// Replaces the node at `path` below `root` with `fn(existing)` and returns the new root; every
/// node off the path is shared with the old tree. `existing` is null when nothing is at `path`.
///  - `fn` returning null removes the node. A List re-indexes the items after it; a container
///    that becomes empty by the removal is removed as well (up to, not including, the root).
///  - Missing containers on the way are created as dicts when `createParents`; otherwise a missing
///    parent throws InvalidArgument naming the path.
///  - A leaf on the way throws InvalidArgument ("... is a leaf") with the leaf's key path.
///  - A new item of a List must be appended (key == current length), else InvalidArgument.
/// Returning `existing` unchanged returns `root` itself.
NodePtr updateAt(
    const NodePtr &root, const Path &path, const std::function<NodePtr(const NodePtr &)> &fn, bool createParents);

/// updateAt with a function that removes the node; throws InvalidArgument naming `path` if absent.
NodePtr removeAt(const NodePtr &root, const Path &path);

/// Inserts `node` at `path` (parents created as dicts). Throws Mismatch when something is already
/// there ("collision"), InvalidArgument when a parent is a leaf or `path` is the root.
NodePtr insertAt(const NodePtr &root, const Path &path, NodePtr node);

/// The node at `path` or an InvalidArgument exception naming the path (`what` says whose path).
NodePtr nodeOrFail(const NodePtr &root, const std::string &path, const char *what = "path");

/// Copy of `root` where `fn(path, leaf)` replaced every leaf (containers keep their kind and keys;
/// `fn` returning the leaf unchanged keeps sharing). Subtrees with no change are shared.
NodePtr mapLeaves(const NodePtr &root, const std::function<NodePtr(const Path &, const NodePtr &)> &fn);

namespace edit {
struct Rename;
/// A Rename with `match` (edit.h): every matching leaf moves at once. Throws like the plain rename.
NodePtr renameMatching(const NodePtr &root, const Rename &op);
} // namespace edit

/// Path text without leading/trailing '/', split into keys (`""` is the root).
Path editPath(const std::string &text);

} // namespace ckpt
