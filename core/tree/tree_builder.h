#pragma once

#include "tree/node.h"

#include <string>
#include <utility>
#include <vector>

namespace ckpt {

/// Builds a pytree from (path, leaf) pairs. A container whose child keys are all sequence indices
/// 0..n-1 becomes a List; any other container a Dict (index keys become their decimal names).
/// Dict children keep first-seen order. An empty path makes the leaf the root. Throws
/// Exception{Corrupt} naming `file` when a path is both a leaf and a container or appears twice.
NodePtr buildTree(const std::vector<std::pair<Path, NodePtr>> &leaves, const std::string &file);

} // namespace ckpt
