#include "formats/hf/flax_shards.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/hf/shard_index.h"
#include "io/path_ops.h"
#include "tree/tree_builder.h"

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace ckpt::hf {

FlaxShards readFlaxShards(const std::string &indexPath, const Progress &progress)
{
    return readFlaxShards(readShardIndex(indexPath), progress);
}

FlaxShards readFlaxShards(const ShardIndex &idx, const Progress &progress)
{
    const std::string &indexPath = idx.path;
    FlaxShards out;
    out.indexMetadata = idx.metadata;
    std::set<std::string> listed, seen;
    for (const auto &[name, shard] : idx.weightMap)
        listed.insert(name);
    std::vector<std::pair<Path, NodePtr>> leaves;
    for (const auto &shard : idx.shards) {
        const std::string shardPath = (fs::path(idx.folder) / shard).string();
        if (!pathIsFile(shardPath))
            fail(ErrorCategory::MissingData, "shard \"" + shard + "\" named in the index does not exist", shardPath);
        const NodePtr tree = flaxmsgpack::readFile(shardPath, {}, progress);
        out.files.push_back(shardPath);
        std::set<std::string> held;
        forEachLeaf(tree, [&](const Path &p, const NodePtr &leaf) {
            const std::string name = joinPath(p);
            if (!seen.insert(name).second)
                fail(ErrorCategory::Corrupt, "leaf \"" + name + "\" is stored in more than one shard", shardPath,
                    std::nullopt, name);
            held.insert(name);
            if (!listed.count(name))
                out.warnings.push_back("leaf \"" + name + "\" in shard " + shard + " is not in the index");
            leaves.emplace_back(p, leaf);
        });
        for (const auto &[name, s] : idx.weightMap)
            if (s == shard && !held.count(name))
                fail(ErrorCategory::MissingData, "the index puts leaf \"" + name + "\" in this shard, which lacks it",
                    shardPath, std::nullopt, name);
    }
    out.root = buildTree(leaves, indexPath);
    return out;
}

} // namespace ckpt::hf
