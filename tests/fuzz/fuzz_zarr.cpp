// Fuzz target for the zarr v2/v3 array readers (metadata, codecs, sharding, fill values) and the
// Orbax `_METADATA` / `_sharding` parsers. They must throw ckpt::Exception on bad input and never
// crash, hang or allocate without bound.
//
// Input layout: byte 0 selects the document kind (bits 0-1) and the rewrite variant (bits 2-4),
// bytes 1-2 (little-endian) the length L of the document text that follows; the remaining bytes
// are the stored value of every chunk key.
//   0  `.zarray` (zarr v2)      1  `zarr.json` (zarr v3)      2  `_METADATA`      3  `_sharding`
//
// Properties checked for every array the reader opens and decodes (size-bounded; a violation
// aborts with "PROPERTY FAILED"):
//  1. readAll() returns exactly numBytes() bytes.
//  2. readSlab() of a box (the back half of dimension 0, minus the first index of the last
//     dimension) equals the same box cut out of readAll() (copySlab).
//  3. arrayDigest() (streamed chunk by chunk) equals the SHA-256 of readAll().
//  4. Rewrite: the decoded canonical bytes, written the way the Orbax writer writes an array
//     (chooseChunkShape, zarr2Metadata / zarr3Metadata, one encodeChunk per chunk, chunkKey) into an
//     in-memory store and re-opened with openV2Array / openV3Array, give the same dtype and shape,
//     the written chunk shape and byte-identical readAll(). Variant bits: 2 zarr v3 (sharding_indexed)
//     instead of v2, 3 zstd instead of raw, 4 chunks of about 1/8 of the array instead of one
//     whole-array chunk. The writer's output being refused by the reader is a failure too.
// What is normalised: the source's byte order, F order, codecs and fill value (the rewrite is
// always little-endian C order, zero fill, every chunk stored); values compare as bytes, so NaN
// payloads must survive. `_METADATA` and `_sharding` (kinds 2, 3) have no writer of their own to
// round-trip through: for them only "parses or throws ckpt::Exception" is checked.
#include "base/error.h"
#include "formats/orbax/pytree_metadata.h"
#include "formats/orbax/zarr_layout.h"
#include "formats/zarr/chunk_encoder.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr3_array.h"
#include "fuzz_property.h"
#include "io/kvstore/value_store.h"
#include "io/random_access.h"
#include "ops/digest.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using ckpt::fuzz::propertyFailed;
using ckpt::fuzz::require;

/// Arrays larger than this are not decoded (the reader accepts them; fuzzing them is just slow).
constexpr uint64_t kMaxArrayBytes = 1u << 20;
constexpr uint64_t kMaxChunks = 4096;
/// Rewrites with more chunks than this use one whole-array chunk instead (zstd contexts are slow).
constexpr uint64_t kMaxRewriteChunks = 64;

/// Returns the metadata document for its key and the same chunk bytes for every other key.
class FuzzStore final : public ckpt::KvStore {
public:
    FuzzStore(std::string metaKey, std::vector<std::byte> meta, std::vector<std::byte> chunk)
        : m_metaKey(std::move(metaKey))
        , m_meta(std::move(meta))
        , m_chunk(std::move(chunk))
    { }
    ckpt::RandomAccessPtr get(const std::string &key) const override
    {
        if (key == m_metaKey)
            return std::make_shared<ckpt::MemoryBytes>(m_meta, "fuzz:" + key);
        if (key == ".zarray" || key == "zarr.json")
            return nullptr;
        return std::make_shared<ckpt::MemoryBytes>(m_chunk, "fuzz:" + key);
    }
    std::vector<std::string> list(const std::string &) const override { return {m_metaKey}; }
    std::string describe() const override { return "fuzz:"; }

private:
    std::string m_metaKey;
    std::vector<std::byte> m_meta;
    std::vector<std::byte> m_chunk;
};

/// In-memory destination of the re-encoded array: what ValueStore writes, readable as a KvStore.
class MemoryStore final : public ckpt::KvStore, public ckpt::ValueStore {
public:
    void begin(const std::string &key) override
    {
        m_current = key;
        m_values[key].clear();
    }
    void append(std::span<const std::byte> bytes) override
    {
        auto &v = m_values[m_current];
        v.insert(v.end(), bytes.begin(), bytes.end());
    }
    void finish() override { }
    void commit() override { }

    ckpt::RandomAccessPtr get(const std::string &key) const override
    {
        auto it = m_values.find(key);
        return it == m_values.end() ? nullptr : std::make_shared<ckpt::MemoryBytes>(it->second, "rewritten:" + key);
    }
    std::vector<std::string> list(const std::string &prefix) const override
    {
        std::vector<std::string> keys;
        for (const auto &[k, v] : m_values)
            if (k.starts_with(prefix))
                keys.push_back(k);
        return keys;
    }
    std::string describe() const override { return "rewritten:"; }

private:
    std::map<std::string, std::vector<std::byte>> m_values;
    std::string m_current;
};

/// The decoded array `whole` of `info`, written the way the Orbax writer does (pytree_writer.cpp:
/// chooseChunkShape, zarr2Metadata / zarr3Metadata, encodeChunk per chunk) and read back.
void reencode(const ckpt::ArrayInfo &info, const std::vector<std::byte> &whole, bool zarr3, bool compress, bool split)
{
    const std::string mode
        = std::string(zarr3 ? "zarr3" : "zarr2") + (compress ? "+zstd" : "+raw") + (split ? " split" : " whole");
    const size_t item = ckpt::itemSize(info.dtype);
    std::optional<uint64_t> limit;
    if (split)
        limit = std::max<uint64_t>(item, whole.size() / 8);
    std::vector<uint64_t> chunks = ckpt::orbax::chooseChunkShape(info.shape, item, limit);
    uint64_t numChunks = 1;
    for (size_t d = 0; d < chunks.size(); ++d)
        numChunks *= info.shape[d] / chunks[d] + (info.shape[d] == 0);
    if (numChunks > kMaxRewriteChunks)
        chunks = ckpt::orbax::chooseChunkShape(info.shape, item, std::nullopt);

    ckpt::ArrayInfo plain{info.dtype, info.shape, {}};
    auto memory = std::make_shared<ckpt::MemoryArraySource>(plain, whole, "decoded");
    auto store = std::make_shared<MemoryStore>();
    ckpt::ArraySourcePtr back;
    try {
        const auto meta = zarr3 ? ckpt::orbax::zarr3Metadata(plain, chunks, compress)
                                : ckpt::orbax::zarr2Metadata(plain, chunks, compress);
        store->put(zarr3 ? "zarr.json" : ".zarray", meta.dump());
        const size_t rank = info.shape.size();
        if (plain.numElements() > 0) {
            std::vector<uint64_t> index(rank, 0);
            const ckpt::zarr::ChunkEncoding enc{zarr3, compress, 4096};
            for (;;) {
                ckpt::Slab box;
                box.start.resize(rank);
                box.count = chunks;
                for (size_t d = 0; d < rank; ++d)
                    box.start[d] = index[d] * chunks[d];
                store->begin(ckpt::orbax::chunkKey("", index, zarr3));
                ckpt::zarr::encodeChunk(*memory, box, enc, *store, {}, {});
                store->finish();
                bool carry = true;
                for (size_t d = rank; carry && d > 0;) {
                    --d;
                    if (++index[d] < info.shape[d] / chunks[d])
                        carry = false;
                    else
                        index[d] = 0;
                }
                if (carry)
                    break;
            }
        }
        back = zarr3 ? ckpt::zarr::openV3Array(store, "") : ckpt::zarr::openV2Array(store, "");
    } catch (const ckpt::Exception &e) {
        propertyFailed("zarr rewrite (" + mode + ") of " + std::string(ckpt::dtypeName(info.dtype))
            + ckpt::shapeString(info.shape) + " is refused: " + e.what());
    }
    const auto &bi = back->info();
    require(bi.dtype == info.dtype && bi.shape == info.shape && bi.chunkShape == chunks,
        "zarr rewrite (" + mode + ") re-opens as " + std::string(ckpt::dtypeName(bi.dtype))
            + ckpt::shapeString(bi.shape) + " chunks " + ckpt::shapeString(bi.chunkShape));
    std::vector<std::byte> again;
    try {
        again = back->readAll();
    } catch (const ckpt::Exception &e) {
        propertyFailed("zarr rewrite (" + mode + ") cannot be read back: " + e.what());
    }
    require(again == whole, "zarr rewrite (" + mode + ") reads back different bytes");
}

/// Decodes `arr` when its size is bounded and checks the properties; `variant` picks the rewrite.
void readArray(const ckpt::ArraySourcePtr &arr, unsigned variant)
{
    const auto &info = arr->info();
    const auto bytes = info.checkedNumElements();
    if (!bytes || *bytes * ckpt::itemSize(info.dtype) > kMaxArrayBytes)
        return;
    uint64_t chunks = 1;
    for (size_t i = 0; i < info.shape.size(); ++i) {
        const uint64_t c = info.chunkShape.empty() ? 1 : (info.shape[i] + info.chunkShape[i] - 1) / info.chunkShape[i];
        chunks *= std::max<uint64_t>(c, 1);
        if (chunks > kMaxChunks)
            return;
    }
    // Sharded chunks may hold many inner chunks; bound the decoded chunk size too.
    ckpt::ArrayInfo chunkInfo{info.dtype, info.chunkShape, {}};
    const auto chunkElems = chunkInfo.checkedNumElements();
    if (!chunkElems || *chunkElems * ckpt::itemSize(info.dtype) > kMaxArrayBytes)
        return;
    const auto whole = arr->readAll();
    // Everything below runs only for arrays the reader decoded: each check is a property.
    require(whole.size() == info.numBytes(), "readAll returned the wrong number of bytes");
    const size_t item = ckpt::itemSize(info.dtype);
    if (!info.shape.empty() && *bytes > 0) {
        ckpt::Slab s = ckpt::Slab::whole(info.shape);
        s.start[0] = info.shape[0] / 2;
        s.count[0] = info.shape[0] - s.start[0];
        if (s.count.size() > 1 && s.count.back() > 1) {
            s.start.back() = 1;
            s.count.back() -= 1;
        }
        std::vector<std::byte> out(s.numElements() * item), expected(out.size());
        try {
            arr->readSlab(s, out);
        } catch (const ckpt::Exception &e) {
            propertyFailed(std::string("readSlab fails where readAll worked: ") + e.what());
        }
        ckpt::copySlab(whole, info.shape, item, s, expected);
        require(out == expected, "readSlab differs from the same box of readAll");
    }
    ckpt::Sha256 sha;
    sha.update(whole);
    std::string digest;
    try {
        digest = ckpt::arrayDigest(*arr);
    } catch (const ckpt::Exception &e) {
        propertyFailed(std::string("arrayDigest fails where readAll worked: ") + e.what());
    }
    require(digest == sha.finishHex(), "streamed digest differs from the SHA-256 of readAll");
    reencode(info, whole, variant & 1, variant & 2, variant & 4);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const int kind = data[0] % 4;
    const unsigned variant = data[0] >> 2;
    const size_t len = std::min<size_t>(size - 3, size_t(data[1]) | (size_t(data[2]) << 8));
    const auto *p = reinterpret_cast<const std::byte *>(data + 3);
    std::vector<std::byte> meta(p, p + len), chunk(p + len, p + (size - 3));
    const std::string text(reinterpret_cast<const char *>(meta.data()), meta.size());
    try {
        switch (kind) {
        case 0:
            readArray(ckpt::zarr::openV2Array(std::make_shared<FuzzStore>(".zarray", meta, chunk), ""), variant);
            break;
        case 1:
            readArray(ckpt::zarr::openV3Array(std::make_shared<FuzzStore>("zarr.json", meta, chunk), ""), variant);
            break;
        case 2: ckpt::orbax::parsePyTreeMetadata(text, "fuzz"); break;
        case 3: ckpt::orbax::parseShardingFile(text, "fuzz"); break;
        }
    } catch (const ckpt::Exception &) { }
    return 0;
}
