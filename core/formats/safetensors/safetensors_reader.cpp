#include "formats/safetensors/safetensors_reader.h"

#include "base/error.h"
#include "formats/hf/shard_index.h"
#include "formats/safetensors/packed_bits.h"
#include "formats/safetensors/safetensors_header.h"
#include "io/flat_array_source.h"
#include "io/path_ops.h"
#include "tree/annotations.h"
#include "tree/natural_order.h"
#include "tree/tree_builder.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace ckpt::safetensors {
namespace {

/// F4 / F6 tensors: bit-packed in the file, one element per byte in memory.
class PackedArraySource final : public ArraySource {
public:
    PackedArraySource(ArrayInfo info, int bits, RandomAccessPtr file, uint64_t offset)
        : m_info(std::move(info))
        , m_bits(bits)
        , m_file(std::move(file))
        , m_offset(offset)
    { }
    const ArrayInfo &info() const override { return m_info; }
    void read(std::span<std::byte> out, const Progress &progress) const override
    {
        checkSlabOutput(m_info, Slab::whole(m_info.shape), out);
        constexpr uint64_t kPiece = 1u << 20;
        for (uint64_t first = 0; first < out.size(); first += kPiece) {
            progress.throwIfCancelled();
            const uint64_t n = std::min<uint64_t>(kPiece, out.size() - first);
            readElements(first, out.subspan(first, n));
        }
    }
    void readSlab(const Slab &slab, std::span<std::byte> out, const Progress &progress) const override
    {
        checkSlabOutput(m_info, slab, out);
        if (m_info.shape.empty()) {
            readElements(0, out);
            return;
        }
        const SlabRows rows(m_info.shape, slab);
        for (uint64_t r = 0; r < rows.count(); ++r) {
            if (r % 4096 == 0)
                progress.throwIfCancelled();
            readElements(rows.offset(r), out.subspan(r * rows.rowElements(), rows.rowElements()));
        }
    }
    std::optional<uint64_t> storedBytes() const override { return (m_info.numElements() * uint64_t(m_bits) + 7) / 8; }
    std::string location() const override
    {
        return m_file->name() + " @ byte " + std::to_string(m_offset) + " (" + std::to_string(m_bits) + "-bit packed)";
    }

private:
    void readElements(uint64_t first, std::span<std::byte> out) const
    {
        if (out.empty())
            return;
        const PackedRange r = packedRange(m_bits, first, out.size());
        std::vector<std::byte> packed(r.end - r.begin);
        m_file->readAt(m_offset + r.begin, packed);
        unpackBits(m_bits, first, packed, out);
    }

    ArrayInfo m_info;
    int m_bits;
    RandomAccessPtr m_file;
    uint64_t m_offset;
};

NodePtr leafFor(const TensorEntry &t, const Header &h, const RandomAccessPtr &file)
{
    ArrayInfo info;
    info.dtype = t.dtype.dtype;
    info.shape = t.shape;
    ArraySourcePtr src;
    if (t.dtype.bits < 8)
        src = std::make_shared<PackedArraySource>(info, t.dtype.bits, file, h.dataStart + t.begin);
    else
        src = std::make_shared<FlatArraySource>(
            info, std::vector<FlatArraySource::Piece>{{file, h.dataStart + t.begin, t.end - t.begin}});
    return Node::makeArray(std::move(src))
        ->withAnnotation(kAnnotStorage, "safetensors " + fs::path(file->name()).filename().string())
        ->withAnnotation(kAnnotSafetensorsDType, std::string(t.dtype.name));
}

Path splitName(const std::string &name, const std::string &sep)
{
    Path p;
    if (sep.empty()) {
        p.push_back(Key::name(name));
        return p;
    }
    size_t at = 0;
    while (true) {
        const size_t next = name.find(sep, at);
        p.push_back(Key::name(name.substr(at, next == std::string::npos ? std::string::npos : next - at)));
        if (next == std::string::npos)
            return p;
        at = next + sep.size();
    }
}

} // namespace

NodePtr treeFromNames(std::vector<std::pair<std::string, NodePtr>> named, const std::string &separator,
    const std::string &file, std::vector<std::string> &warnings)
{
    std::stable_sort(
        named.begin(), named.end(), [](const auto &a, const auto &b) { return naturalLess(a.first, b.first); });
    std::vector<std::pair<Path, NodePtr>> leaves;
    leaves.reserve(named.size());
    for (const auto &[name, node] : named)
        leaves.emplace_back(splitName(name, separator), node);
    try {
        return buildTree(leaves, file);
    } catch (const Exception &e) {
        if (separator.empty())
            throw;
        warnings.push_back("tensor names kept flat: split on \"" + separator + "\" they clash (" + e.error().keyPath
            + " is both a tensor and a prefix of others)");
        return treeFromNames(std::move(named), {}, file, warnings);
    }
}

bool isSafetensorsFile(const std::string &path)
{
    if (!pathIsFile(path))
        return false;
    try {
        return looksLikeSafetensors(*openPath(path));
    } catch (const Exception &) {
        return false;
    }
}

bool hasSafetensorsName(const std::string &path)
{
    const std::string suffix = ".safetensors";
    return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Tensors readFile(const std::string &path, const ReadOptions &options)
{
    return readTensors(openPath(path), options);
}

Tensors readTensors(const RandomAccessPtr &file, const ReadOptions &options)
{
    const std::string &path = file->name();
    const Header h = readHeader(*file);
    Tensors t;
    t.metadata = h.metadata;
    t.files.push_back(path);
    std::vector<std::pair<std::string, NodePtr>> named;
    named.reserve(h.tensors.size());
    for (const auto &e : h.tensors)
        named.emplace_back(e.name, leafFor(e, h, file));
    t.root = treeFromNames(std::move(named), options.nameSeparator, path, t.warnings);
    return t;
}

Tensors readIndex(const std::string &indexPath, const ReadOptions &options)
{
    return readIndex(hf::readShardIndex(indexPath), options);
}

Tensors readIndex(const hf::ShardIndex &idx, const ReadOptions &options)
{
    const std::string &indexPath = idx.path;
    Tensors t;
    t.indexMetadata = idx.metadata;
    std::vector<std::pair<std::string, NodePtr>> named;
    std::set<std::string> listed;
    for (const auto &[name, shard] : idx.weightMap)
        listed.insert(name);
    uint64_t totalBytes = 0;
    for (const auto &shard : idx.shards) {
        const std::string shardPath = (fs::path(idx.folder) / shard).string();
        if (!pathIsFile(shardPath))
            fail(ErrorCategory::MissingData, "shard \"" + shard + "\" named in the index does not exist", shardPath);
        const RandomAccessPtr file = openPath(shardPath);
        const Header h = readHeader(*file);
        if (t.files.empty())
            t.metadata = h.metadata;
        else if (h.metadata != t.metadata)
            t.warnings.push_back("shard " + shard + " has other __metadata__ than the first shard");
        t.files.push_back(shardPath);
        std::set<std::string> held;
        for (const auto &e : h.tensors) {
            held.insert(e.name);
            totalBytes += e.end - e.begin;
            named.emplace_back(e.name, leafFor(e, h, file));
            if (!listed.count(e.name))
                t.warnings.push_back("tensor \"" + e.name + "\" in shard " + shard + " is not in the index");
        }
        for (const auto &[name, s] : idx.weightMap)
            if (s == shard && !held.count(name))
                fail(ErrorCategory::MissingData, "the index puts tensor \"" + name + "\" in this shard, which lacks it",
                    shardPath, std::nullopt, name);
    }
    std::set<std::string> seen;
    for (const auto &[name, node] : named)
        if (!seen.insert(name).second)
            fail(ErrorCategory::Corrupt, "tensor \"" + name + "\" is stored in more than one shard", indexPath,
                std::nullopt, name);
    if (idx.metadata.contains("total_size") && idx.metadata["total_size"].is_number_unsigned()
        && idx.metadata["total_size"].get<uint64_t>() != totalBytes)
        t.warnings.push_back("the index's total_size is " + idx.metadata["total_size"].dump() + " but the shards hold "
            + std::to_string(totalBytes) + " bytes of tensors");
    t.root = treeFromNames(std::move(named), options.nameSeparator, indexPath, t.warnings);
    return t;
}

} // namespace ckpt::safetensors
