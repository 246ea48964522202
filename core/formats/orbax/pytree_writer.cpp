#include "formats/orbax/pytree_writer.h"

#include "base/error.h"
#include "formats/orbax/python_json.h"
#include "formats/zarr/chunk_encoder.h"
#include "io/atomic_file.h"
#include "io/kvstore/value_store.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace ckpt::orbax {
namespace {

/// Orbax `_METADATA` key_type values; part of the format.
constexpr int kKeySequence = 1;
constexpr int kKeyDict = 2;

std::string paramNameOf(const Path &path)
{
    std::string s;
    for (size_t i = 0; i < path.size(); ++i)
        s += (i ? "." : "") + path[i].str();
    return s;
}

void writeTextFile(const std::string &path, const std::string &text)
{
    AtomicFileWriter w(path, false);
    w.write(text.data(), text.size());
    w.commit();
}

nlohmann::ordered_json shapeJson(const std::vector<uint64_t> &s)
{
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (auto d : s)
        j.push_back(d);
    return j;
}

/// A Python scalar as the rank-0 array Orbax's ScalarHandler stores.
ArraySourcePtr scalarArray(const Scalar &s)
{
    ArrayInfo info;
    std::vector<std::byte> bytes;
    auto put = [&](const void *p, size_t n) {
        bytes.resize(n);
        std::memcpy(bytes.data(), p, n);
    };
    switch (s.type) {
    case Scalar::Type::Int:
        info.dtype = DType::Int64;
        put(&s.i, 8);
        break;
    case Scalar::Type::UInt:
        info.dtype = DType::UInt64;
        put(&s.u, 8);
        break;
    case Scalar::Type::Float:
        info.dtype = DType::Float64;
        put(&s.f, 8);
        break;
    case Scalar::Type::Bool: {
        info.dtype = DType::Bool;
        const uint8_t b = s.i ? 1 : 0;
        put(&b, 1);
        break;
    }
    case Scalar::Type::Complex: {
        info.dtype = DType::Complex128;
        const double c[2] = {s.c.real(), s.c.imag()};
        put(c, 16);
        break;
    }
    }
    return std::make_shared<MemoryArraySource>(info, std::move(bytes), "scalar");
}

struct ArrayJob {
    std::string param;
    Path path;
    ArraySourcePtr source;
    bool jaxArray = false; ///< recorded in _sharding and array_metadatas
};

void writeArray(const ArrayJob &job, const PyTreeWriteOptions &opt, ValueStore &store, const Progress &progress,
    const std::function<void(uint64_t)> &onBytes, std::vector<uint64_t> &chunkOut)
{
    const ArrayInfo &info = job.source->info();
    const size_t item = itemSize(info.dtype);
    const auto limit = chunkByteLimit(info.numBytes(), opt.useOcdbt, opt.targetDataFileBytes);
    const std::vector<uint64_t> chunks = chooseChunkShape(info.shape, item, limit);
    chunkOut = chunks;
    const auto meta
        = opt.useZarr3 ? zarr3Metadata(info, chunks, opt.compress) : zarr2Metadata(info, chunks, opt.compress);
    store.put(joinParamKey(job.param, opt.useZarr3 ? "zarr.json" : ".zarray"), meta.dump());
    if (info.numElements() == 0)
        return;
    const size_t rank = info.shape.size();
    std::vector<uint64_t> grid(rank), index(rank, 0);
    for (size_t d = 0; d < rank; ++d)
        grid[d] = info.shape[d] / chunks[d]; // chunks are divisors: no edge chunks
    const zarr::ChunkEncoding enc{opt.useZarr3, opt.compress, opt.pieceBytes};
    for (;;) {
        Slab box;
        box.start.resize(rank);
        box.count = chunks;
        for (size_t d = 0; d < rank; ++d)
            box.start[d] = index[d] * chunks[d];
        store.begin(chunkKey(job.param, index, opt.useZarr3));
        try {
            zarr::encodeChunk(*job.source, box, enc, store, progress, onBytes);
        } catch (const Exception &e) {
            throw e.withKeyPath(joinPath(job.path));
        }
        store.finish();
        bool carry = true;
        for (size_t d = rank; carry && d > 0;) {
            --d;
            if (++index[d] < grid[d])
                carry = false;
            else
                index[d] = 0;
        }
        if (carry)
            return; // every chunk written (rank 0: the single chunk)
    }
}

} // namespace

void writePyTreeItem(
    const NodePtr &root, const std::string &dir, const PyTreeWriteOptions &opt, const Progress &progress)
{
    if (!root)
        fail(ErrorCategory::InvalidArgument, "no tree to write");
    nlohmann::ordered_json tree = nlohmann::ordered_json::object();
    nlohmann::json strings = nlohmann::json::object();
    std::vector<ArrayJob> arrays;
    std::vector<std::string> shardingNames; // jax.Array leaves
    std::set<std::string> seen;

    forEachLeaf(root, [&](const Path &path, const NodePtr &node) {
        const std::string param = paramNameOf(path);
        if (!seen.insert(param).second)
            fail(ErrorCategory::InvalidArgument,
                "two leaves share the Orbax name \"" + param + "\" (keys joined with '.')", {}, std::nullopt,
                joinPath(path));
        nlohmann::ordered_json keys = nlohmann::ordered_json::array();
        std::vector<std::string> names;
        for (const auto &k : path) {
            keys.push_back({{"key", k.str()}, {"key_type", k.isIndex() ? kKeySequence : kKeyDict}});
            names.push_back(k.str());
        }
        nlohmann::ordered_json value;
        switch (node->kind()) {
        case NodeKind::Array:
            value = {{"value_type", "jax.Array"}, {"skip_deserialize", false},
                {"write_shape", shapeJson(node->arrayInfo().shape)}};
            arrays.push_back({param, path, node->array(), true});
            shardingNames.push_back(param);
            break;
        case NodeKind::Scalar:
            value = {{"value_type", "scalar"}, {"skip_deserialize", false}};
            arrays.push_back({param, path, scalarArray(node->scalar()), false});
            break;
        case NodeKind::String:
            value = {{"value_type", "string"}, {"skip_deserialize", false}};
            strings[param] = node->text();
            break;
        case NodeKind::None: value = {{"value_type", "None"}, {"skip_deserialize", true}}; break;
        case NodeKind::Dict: value = {{"value_type", "Dict"}, {"skip_deserialize", true}}; break;
        case NodeKind::List: value = {{"value_type", "List"}, {"skip_deserialize", true}}; break;
        case NodeKind::Bytes:
            fail(ErrorCategory::Unsupported, "Orbax has no type handler for bytes leaves", {}, std::nullopt,
                joinPath(path));
        }
        tree[pythonTupleRepr(names)] = {{"key_metadata", keys}, {"value_metadata", value}};
    });

    nlohmann::ordered_json meta;
    meta["tree_metadata"] = tree;
    meta["use_ocdbt"] = opt.useOcdbt;
    meta["use_zarr3"] = opt.useZarr3;
    meta["store_array_data_equal_to_fill_value"] = true;
    meta["custom_metadata"] = nullptr;

    const fs::path d(dir);
    std::unique_ptr<ValueStore> store
        = opt.useOcdbt ? makeOcdbtValueStore(dir, opt.targetDataFileBytes) : makeFileValueStore(dir);
    uint64_t total = 0, done = 0;
    for (const auto &a : arrays)
        total += a.source->info().numBytes();
    progress.update(0, total);
    auto onBytes = [&](uint64_t n) {
        done += n;
        progress.update(done, total);
    };
    nlohmann::ordered_json arrayMetas = nlohmann::ordered_json::array();
    std::map<std::string, std::vector<uint64_t>> chunkOf;
    for (const auto &job : arrays) {
        progress.throwIfCancelled();
        std::vector<uint64_t> chunks;
        writeArray(job, opt, *store, progress, onBytes, chunks);
        chunkOf[job.param] = chunks;
    }
    store->commit();
    for (const auto &job : arrays) {
        if (!job.jaxArray)
            continue;
        arrayMetas.push_back({{"array_metadata",
            {{"param_name", job.param}, {"write_shape", shapeJson(job.source->info().shape)},
                {"chunk_shape", shapeJson(chunkOf[job.param])}, {"ext_metadata", nullptr}}}});
    }

    if (!shardingNames.empty()) {
        nlohmann::json sharding = nlohmann::json::object();
        for (const auto &name : shardingNames)
            sharding[base64UrlEncode(name)] = R"({"sharding_type": "SingleDeviceSharding", "device_str": "cpu:0"})";
        writeTextFile((d / "_sharding").string(), sharding.dump());
        std::error_code ec;
        fs::create_directories(d / "array_metadatas", ec);
        if (ec)
            fail(ErrorCategory::Io, "cannot create folder: " + ec.message(), (d / "array_metadatas").string());
        writeTextFile((d / "array_metadatas" / "process_0").string(),
            pythonJsonDumps(nlohmann::ordered_json{{"array_metadatas", arrayMetas}}));
    }
    if (!strings.empty())
        writeTextFile((d / "_strings.json").string(), strings.dump());
    writeTextFile((d / "_METADATA").string(), pythonJsonDumps(meta));
}

std::string checkpointMetadataText(const nlohmann::ordered_json &itemHandlers, int64_t initNs, int64_t commitNs)
{
    nlohmann::ordered_json j;
    j["item_handlers"] = itemHandlers;
    j["metrics"] = nlohmann::ordered_json::object();
    j["performance_metrics"] = nlohmann::ordered_json::object();
    j["init_timestamp_nsecs"] = initNs;
    j["commit_timestamp_nsecs"] = commitNs;
    j["custom_metadata"] = nlohmann::ordered_json::object();
    return pythonJsonDumps(j);
}

std::string commitSuccessText(const std::string &path)
{
    return "Checkpoint commit was successful to " + path;
}

} // namespace ckpt::orbax
