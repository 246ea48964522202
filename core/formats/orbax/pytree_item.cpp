#include "formats/orbax/pytree_item.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/orbax/pytree_metadata.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr3_array.h"
#include "io/kvstore/merged_kvstore.h"
#include "io/kvstore/ocdbt_database.h"
#include "io/kvstore/ocdbt_kvstore.h"
#include "io/path_ops.h"
#include "tree/tree_builder.h"

#include <filesystem>
#include <map>
#include <set>
#include <unordered_map>

namespace fs = std::filesystem;

namespace ckpt::orbax {
namespace {

/// Prefixes of aggregate-msgpack string leaves that stand for a separately stored array; part of
/// the Orbax format, never change them.
constexpr std::string_view kPlaceholder = "PLACEHOLDER://";
constexpr std::string_view kAggregated = "AGGREGATED://";

std::optional<std::string> readOptionalText(const std::string &path)
{
    if (!pathIsFile(path))
        return std::nullopt;
    return readPathText(path);
}

struct Context {
    std::string dir;
    KvStorePtr store;
    std::string storeKind;
    NodePtr msgpack; ///< aggregate `checkpoint` tree, or null
    std::string msgpackPath;
    bool sawAggregatedPrefix = false;
    std::map<std::string, std::string> sharding; ///< param name -> JSON text
    std::map<std::string, ArrayMetadata> arrayMetas; ///< param name -> shapes
    std::optional<nlohmann::json> strings; ///< `_strings.json`
    std::set<int> zarrVersions;
    /// Parsed `.zarray` / `zarr.json` texts: most arrays of a checkpoint share a few documents.
    std::unordered_map<std::string, zarr::V2Metadata> v2Cache;
    std::unordered_map<std::string, zarr::V3Metadata> v3Cache;
};

NodePtr annotateArray(const Context &c, NodePtr node, const std::string &name, const std::string &storage)
{
    node = node->withAnnotation(kAnnotStorage, storage);
    if (!node->arrayInfo().chunkShape.empty())
        node = node->withAnnotation(kAnnotChunks, shapeString(node->arrayInfo().chunkShape));
    if (auto it = c.sharding.find(name); it != c.sharding.end())
        node = node->withAnnotation(kAnnotSharding, it->second);
    if (auto it = c.arrayMetas.find(name); it != c.arrayMetas.end()) {
        if (!it->second.writeShape.empty() || node->arrayInfo().shape.empty())
            node = node->withAnnotation(kAnnotWriteShape, shapeString(it->second.writeShape));
        if (!it->second.chunkShape.empty() || node->arrayInfo().shape.empty())
            node = node->withAnnotation(kAnnotChunkShape, shapeString(it->second.chunkShape));
    }
    return node;
}

/// The zarr array stored under `name`, as an annotated leaf. Throws MissingData when absent.
NodePtr zarrLeaf(Context &c, const std::string &name, const Path &path)
{
    ArraySourcePtr src;
    const bool v2 = c.store->get(zarr::joinKey(name, ".zarray")) != nullptr;
    try {
        if (v2) {
            src = zarr::openV2Array(c.store, name, &c.v2Cache);
            c.zarrVersions.insert(2);
        } else if (c.store->get(zarr::joinKey(name, "zarr.json"))) {
            src = zarr::openV3Array(c.store, name, &c.v3Cache);
            c.zarrVersions.insert(3);
        } else {
            fail(ErrorCategory::MissingData,
                "no zarr array \"" + name + "\" (.zarray or zarr.json) in " + c.store->describe(), c.dir);
        }
    } catch (const Exception &e) {
        throw e.withKeyPath(joinPath(path));
    }
    const int version = v2 ? 2 : 3;
    const std::string storage = c.storeKind == "ocdbt"
        ? "ocdbt zarr" + std::to_string(version) + " " + name
        : "zarr" + std::to_string(version) + " " + (fs::path(c.dir) / name).string();
    return annotateArray(c, Node::makeArray(std::move(src)), name, storage);
}

/// A `scalar` leaf: Orbax stores it as a rank-0 zarr array and restores a Python scalar, so the
/// one element is read now and becomes a Scalar node.
NodePtr scalarLeaf(Context &c, const std::string &name, const Path &path)
{
    NodePtr arr = zarrLeaf(c, name, path);
    const ArrayInfo &info = arr->arrayInfo();
    if (info.numElements() != 1)
        return arr; // not a scalar after all: keep the array
    std::vector<std::byte> v;
    try {
        v = arr->array()->readAll();
    } catch (const Exception &e) {
        throw e.withKeyPath(joinPath(path));
    }
    const std::byte *p = v.data();
    Scalar s;
    switch (dtypeClass(info.dtype)) {
    case DTypeClass::Bool: s = Scalar::fromBool(toInt64(info.dtype, p) != 0); break;
    case DTypeClass::SignedInt: s = Scalar::fromInt(toInt64(info.dtype, p)); break;
    case DTypeClass::UnsignedInt: {
        const uint64_t u = toUInt64(info.dtype, p);
        s = u <= uint64_t(INT64_MAX) ? Scalar::fromInt(int64_t(u)) : Scalar::fromUInt(u);
        break;
    }
    case DTypeClass::Float: s = Scalar::fromFloat(toDouble(info.dtype, p)); break;
    case DTypeClass::Complex: s = Scalar::fromComplex(toComplex(info.dtype, p)); break;
    }
    NodePtr node = Node::makeScalar(s);
    for (const auto &[k, val] : arr->annotations())
        node = node->withAnnotation(k, val);
    return node->withAnnotation("dtype", std::string(dtypeName(info.dtype)));
}

std::optional<std::string_view> placeholderName(const NodePtr &n, Context &c)
{
    if (!n || n->kind() != NodeKind::String)
        return std::nullopt;
    std::string_view s = n->text();
    if (s.starts_with(kPlaceholder))
        return s.substr(kPlaceholder.size());
    if (s.starts_with(kAggregated)) {
        c.sawAggregatedPrefix = true;
        return s.substr(kAggregated.size());
    }
    return std::nullopt;
}

/// Replaces placeholder strings of the aggregate msgpack tree by zarr arrays; keeps inline values.
NodePtr resolveMsgpack(Context &c, const NodePtr &n, Path &path)
{
    if (auto name = placeholderName(n, c)) {
        // Era B wrote string leaves as placeholders too; their values live in _strings.json.
        const std::string key(*name);
        if (c.strings && c.strings->contains(key) && (*c.strings)[key].is_string())
            return Node::makeString((*c.strings)[key].get<std::string>());
        return zarrLeaf(c, key, path);
    }
    if (n->kind() == NodeKind::Array)
        return n->withAnnotation(kAnnotStorage, "msgpack " + c.msgpackPath);
    if (!n->isContainer() || n->children().empty())
        return n;
    std::vector<Child> children;
    for (const auto &ch : n->children()) {
        path.push_back(ch.key);
        children.push_back({ch.key, resolveMsgpack(c, ch.node, path)});
        path.pop_back();
    }
    if (n->kind() == NodeKind::List) {
        std::vector<NodePtr> items;
        for (auto &ch : children)
            items.push_back(std::move(ch.node));
        return Node::makeList(std::move(items));
    }
    return Node::makeDict(std::move(children));
}

NodePtr leafFromEntry(Context &c, const TreeEntry &e)
{
    const std::string name = paramName(e.path);
    NodePtr fromMsgpack = c.msgpack ? findNode(c.msgpack, e.path) : nullptr;
    const bool inlineValue = fromMsgpack && !placeholderName(fromMsgpack, c);
    switch (leafStorage(e.valueType)) {
    case LeafStorage::EmptyDict: return Node::makeDict({});
    case LeafStorage::EmptyList: return Node::makeList({});
    case LeafStorage::None: return Node::makeNone();
    case LeafStorage::String: {
        if (c.strings && c.strings->contains(name) && (*c.strings)[name].is_string())
            return Node::makeString((*c.strings)[name].get<std::string>());
        if (inlineValue)
            return fromMsgpack;
        fail(ErrorCategory::MissingData, "string leaf \"" + name + "\" is not in _strings.json", c.dir, std::nullopt,
            joinPath(e.path));
    }
    case LeafStorage::Array:
    case LeafStorage::Unknown: break;
    }
    Path path = e.path;
    if (inlineValue)
        return resolveMsgpack(c, fromMsgpack, path);
    if (e.valueType == "scalar")
        return scalarLeaf(c, name, path);
    if (e.skipDeserialize && !fromMsgpack && leafStorage(e.valueType) == LeafStorage::Array
        && !c.store->get(zarr::joinKey(name, ".zarray")) && !c.store->get(zarr::joinKey(name, "zarr.json")))
        fail(ErrorCategory::MissingData,
            "leaf \"" + name + "\" was aggregated into the msgpack \"checkpoint\" file, which is missing", c.dir,
            std::nullopt, joinPath(e.path));
    if (leafStorage(e.valueType) == LeafStorage::Unknown && !c.store->get(zarr::joinKey(name, ".zarray"))
        && !c.store->get(zarr::joinKey(name, "zarr.json")))
        return Node::makeNone(); // a value without a type handler: Orbax records and restores None
    return zarrLeaf(c, name, path);
}

/// Param names of every zarr array in the store, from its metadata keys.
std::vector<std::string> zarrArrayNames(const KvStore &store)
{
    std::vector<std::string> names;
    for (const auto &key : store.list()) {
        for (std::string_view meta : {std::string_view(".zarray"), std::string_view("zarr.json")}) {
            if (key == meta) {
                names.emplace_back();
            } else if (key.size() > meta.size() && key.ends_with(meta) && key[key.size() - meta.size() - 1] == '/') {
                std::string name = key.substr(0, key.size() - meta.size() - 1);
                if (name.starts_with("ocdbt.process_") || name.starts_with("d/") || name.starts_with("descriptor"))
                    continue;
                names.push_back(std::move(name));
            }
        }
    }
    return names;
}

std::string eraOf(const Context &c)
{
    std::string era = "Orbax";
    if (c.storeKind == "ocdbt")
        era += " OCDBT";
    if (c.msgpack)
        era += c.sawAggregatedPrefix ? " aggregate msgpack (AGGREGATED://)" : " aggregate msgpack";
    if (c.zarrVersions.size() == 2)
        era += " + zarr v2 and v3";
    else if (c.zarrVersions.count(2))
        era += " + zarr v2";
    else if (c.zarrVersions.count(3))
        era += " + zarr v3";
    if (era == "Orbax")
        era += " PyTree";
    return era;
}

} // namespace

KvStorePtr openItemStore(const std::string &dir, std::vector<std::string> &warnings, std::string &kind)
{
    const bool hasRoot = pathIsFile((fs::path(dir) / "manifest.ocdbt").string());
    std::optional<Exception> rootError;
    if (hasRoot) {
        try {
            kind = "ocdbt";
            return OcdbtKvStore::open(dir);
        } catch (const Exception &e) {
            rootError = e;
        }
    }
    const auto processDbs = listOcdbtProcessDatabases(dir);
    if (!processDbs.empty()) {
        std::vector<KvStorePtr> parts;
        std::vector<std::string> names, broken;
        for (const auto &p : processDbs) {
            try {
                parts.push_back(OcdbtKvStore::open(p));
                names.push_back(fs::path(p).filename().string());
            } catch (const Exception &e) {
                broken.push_back(e.error().describe());
            }
        }
        if (!parts.empty()) {
            std::string joined;
            for (const auto &n : names)
                joined += (joined.empty() ? "" : ", ") + n;
            warnings.push_back(
                std::string(hasRoot ? "the root OCDBT database is damaged (" + rootError->error().describe() + ")"
                                    : "the root manifest.ocdbt is missing")
                + "; opened the per-process database(s) " + joined + " instead");
            for (const auto &b : broken)
                warnings.push_back("skipped a damaged per-process database: " + b);
            kind = "ocdbt";
            if (parts.size() == 1)
                return parts.front();
            return std::make_shared<MergedKvStore>(std::move(parts));
        }
    }
    if (rootError)
        throw *rootError;
    kind = "dir";
    return openFolderStore(dir);
}

PyTreeItem openPyTreeItem(const std::string &dir, const Progress &progress)
{
    PyTreeItem item;
    Context c;
    c.dir = dir;
    const fs::path d(dir);
    c.store = openItemStore(dir, item.warnings, c.storeKind);
    item.store = c.store;

    std::optional<PyTreeMetadata> meta;
    if (auto text = readOptionalText((d / "_METADATA").string()))
        meta = parsePyTreeMetadata(*text, (d / "_METADATA").string());
    if (meta && meta->useOcdbt.value_or(false) && c.storeKind != "ocdbt")
        fail(ErrorCategory::MissingData, "_METADATA says the arrays are in OCDBT, but there is no manifest.ocdbt", dir);

    const std::string msgpackPath = (d / "checkpoint").string();
    if (pathIsFile(msgpackPath)) {
        auto file = openPath(msgpackPath);
        if (flaxmsgpack::looksLikeMsgpack(*file)) {
            c.msgpack = flaxmsgpack::parse(file, {}, progress);
            c.msgpackPath = msgpackPath;
        }
    }
    if (auto text = readOptionalText((d / "_sharding").string())) {
        try {
            c.sharding = parseShardingFile(*text, (d / "_sharding").string());
        } catch (const Exception &e) {
            item.warnings.push_back("ignored a damaged _sharding file: " + e.error().describe());
        }
    }
    const std::string metasDir = joinPath(dir, "array_metadatas");
    if (pathIsDir(metasDir)) {
        for (const PathEntry &entry : listPath(metasDir)) {
            if (entry.isDir)
                continue;
            const std::string file = joinPath(metasDir, entry.name);
            try {
                parseArrayMetadatas(readPathText(file), file, c.arrayMetas);
            } catch (const Exception &e) {
                item.warnings.push_back("ignored a damaged array metadata file: " + e.error().describe());
            }
        }
    }
    if (auto text = readOptionalText((d / "_strings.json").string())) {
        auto j = nlohmann::json::parse(*text, nullptr, false);
        if (j.is_object())
            c.strings = std::move(j);
        else
            item.warnings.push_back("ignored _strings.json: not a JSON object");
    }

    if (meta) {
        std::vector<std::pair<Path, NodePtr>> leaves;
        uint64_t done = 0;
        for (const auto &e : meta->entries) {
            progress.throwIfCancelled();
            NodePtr leaf = leafFromEntry(c, e);
            if (!e.valueType.empty())
                leaf = leaf->withAnnotation(kAnnotValueType, e.valueType);
            leaves.emplace_back(e.path, std::move(leaf));
            progress.update(++done, meta->entries.size());
        }
        item.root = buildTree(leaves, (d / "_METADATA").string());
    } else if (c.msgpack) {
        Path path;
        item.root = resolveMsgpack(c, c.msgpack, path);
    } else {
        const auto names = zarrArrayNames(*c.store);
        if (names.empty())
            fail(ErrorCategory::NotACheckpoint, "no _METADATA, no msgpack checkpoint and no zarr arrays", dir);
        std::vector<std::pair<Path, NodePtr>> leaves;
        for (const auto &name : names) {
            progress.throwIfCancelled();
            Path path = name.empty() ? Path{} : parsePath(name, '.');
            leaves.emplace_back(path, zarrLeaf(c, name, path));
        }
        item.root = buildTree(leaves, dir);
        item.warnings.push_back("no _METADATA in " + dir
            + ": the tree was inferred from the array names in the store (split on \".\"; "
              "lists appear as dicts with keys \"0\", \"1\", ...)");
    }
    item.era = eraOf(c);
    return item;
}

} // namespace ckpt::orbax
