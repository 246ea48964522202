#pragma once

#include "base/progress.h"
#include "io/kvstore/kvstore.h"
#include "tree/annotations.h"
#include "tree/node.h"

#include <string>
#include <vector>

namespace ckpt::orbax {

/// An opened Orbax PyTree item directory.
struct PyTreeItem {
    NodePtr root; ///< never null
    std::string era; ///< "Orbax OCDBT + zarr v2", "Orbax aggregate msgpack + zarr v2", ...
    std::vector<std::string> warnings; ///< recovered or inferred things
    KvStorePtr store; ///< where the arrays live (OCDBT, per-process union, or the directory)
};

/// Opens the array store of an item: the root OCDBT database; when it is missing or damaged, the
/// union of the intact `ocdbt.process_<i>/` databases (adding a warning); else the directory.
/// `kind` receives "ocdbt" or "dir". Throws when nothing can be opened.
KvStorePtr openItemStore(const std::string &dir, std::vector<std::string> &warnings, std::string &kind);

/// Opens an item lazily: the tree from `_METADATA` (or the aggregate `checkpoint` msgpack, or, with
/// a warning, the zarr keys in the store split on "."), array leaves as zarr ArraySources,
/// strings from `_strings.json`, aggregated values from the msgpack file, leaves annotated from
/// `_sharding` and `array_metadatas/`. Throws Exception (MissingData, Corrupt, NotACheckpoint).
PyTreeItem openPyTreeItem(const std::string &dir, const Progress &progress = {});

} // namespace ckpt::orbax
