#pragma once

#include "tree/node.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace ckpt::testing {

/// A tree with every leaf kind: arrays of several dtypes (bfloat16, int4, bool, complex, 0-d,
/// zero-size, a 2-D float32 of `bigRows` rows), Python scalars, a string, None, empty containers
/// and a list. `withEmptyList` false leaves out the empty list (Flax writes it as an empty dict).
NodePtr exportSampleTree(bool withEmptyList = true, uint64_t bigRows = 300);

/// The contract leaves (`ckpt tree --json --digest`) of a tree, sorted by path (Orbax readers
/// order leaves by key, other formats by insertion).
nlohmann::json digestLeaves(const NodePtr &root);

/// sha256 of every regular file below `dir` (or of `dir` itself when it is a file), by relative path.
std::map<std::string, std::string> fileDigests(const std::string &dir);

} // namespace ckpt::testing
