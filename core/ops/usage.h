#pragma once

#include "base/progress.h"
#include "tree/node.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ckpt {

/// What one subtree (or one dtype) holds.
struct UsageTotals {
    uint64_t leaves = 0;
    uint64_t arrays = 0;
    uint64_t parameters = 0; ///< elements of every array below
    uint64_t memoryBytes = 0; ///< canonical (decoded) bytes of every array below
    uint64_t storedBytes = 0; ///< bytes in storage of the arrays whose storage size is known
    uint64_t storedUnknown = 0; ///< arrays whose storage size is unknown (not in storedBytes)
    void add(const UsageTotals &o);
};

/// A subtree's totals and its children's, children sorted largest first (memory bytes, then
/// parameters, then name).
struct UsageNode {
    Path path;
    UsageTotals totals;
    std::vector<UsageNode> children;
};

struct Usage {
    UsageNode root;
    std::map<std::string, UsageTotals> byDtype; ///< dtype name -> totals of its arrays
};

/// Where the bytes and parameters of `root` are. Storage sizes come from ArraySource::storedBytes
/// (no array data is read, only chunk sizes are looked up). Progress counts leaves.
Usage computeUsage(const NodePtr &root, const Progress &progress = {});

} // namespace ckpt
