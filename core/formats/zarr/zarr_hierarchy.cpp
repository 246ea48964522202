#include "formats/zarr/zarr_hierarchy.h"

#include "base/error.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr3_array.h"
#include "tree/annotations.h"
#include "tree/tree_builder.h"

#include <algorithm>

namespace ckpt::zarr {

std::vector<std::string> listArrays(const KvStore &store)
{
    std::vector<std::string> out;
    for (const auto &key : store.list()) {
        for (std::string_view meta : {std::string_view(".zarray"), std::string_view("zarr.json")}) {
            std::string loc;
            if (key == meta)
                loc = "";
            else if (key.size() > meta.size() && key.ends_with(meta) && key[key.size() - meta.size() - 1] == '/')
                loc = key.substr(0, key.size() - meta.size() - 1);
            else
                continue;
            if (meta == "zarr.json") {
                auto text = readSmallValue(store, key);
                if (!text || isV3Group(*text))
                    continue;
            }
            out.push_back(loc);
        }
    }
    return out;
}

NodePtr openHierarchy(const KvStorePtr &store, std::vector<int> *versions, const Progress &progress)
{
    const auto locations = listArrays(*store);
    if (locations.empty())
        fail(ErrorCategory::NotACheckpoint, "no zarr arrays (.zarray or zarr.json) found", store->describe());
    std::vector<std::pair<Path, NodePtr>> leaves;
    uint64_t done = 0;
    for (const auto &loc : locations) {
        progress.throwIfCancelled();
        const bool v2 = static_cast<bool>(store->get(joinKey(loc, ".zarray")));
        ArraySourcePtr src = v2 ? openV2Array(store, loc) : openV3Array(store, loc);
        if (versions && std::find(versions->begin(), versions->end(), v2 ? 2 : 3) == versions->end())
            versions->push_back(v2 ? 2 : 3);
        NodePtr leaf = Node::makeArray(src);
        leaf = leaf->withAnnotation(
            kAnnotStorage, std::string(v2 ? "zarr2 " : "zarr3 ") + store->describe() + "/" + loc);
        leaf = leaf->withAnnotation(kAnnotChunks, shapeString(src->info().chunkShape));
        leaves.emplace_back(loc.empty() ? Path{} : parsePath(loc, '/'), std::move(leaf));
        progress.update(++done, locations.size());
    }
    return buildTree(leaves, store->describe());
}

} // namespace ckpt::zarr
