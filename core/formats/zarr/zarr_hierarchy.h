#pragma once

#include "base/progress.h"
#include "io/kvstore/kvstore.h"
#include "tree/node.h"

#include <string>
#include <vector>

namespace ckpt::zarr {

/// Locations ("" for the root, "a/b" nested) of every zarr array in `store`: keys `.zarray`, or
/// `zarr.json` documents whose node_type is "array" (groups are skipped).
std::vector<std::string> listArrays(const KvStore &store);

/// Opens a raw TensorStore/zarr hierarchy (no Orbax metadata) as a tree: each array's path is its
/// location split on "/"; an array at the store root is the whole tree (path []). Leaves carry the
/// "storage" and "chunks" annotations. `versions` receives 2 and/or 3. Throws
/// Exception{NotACheckpoint} when the store holds no array.
NodePtr openHierarchy(const KvStorePtr &store, std::vector<int> *versions = nullptr, const Progress &progress = {});

} // namespace ckpt::zarr
