// Fuzz target for the zarr v2/v3 array readers (metadata, codecs, sharding, fill values) and the
// Orbax `_METADATA` / `_sharding` parsers. They must throw ckpt::Exception on bad input and never
// crash, hang or allocate without bound.
//
// Input layout: byte 0 selects the document kind, bytes 1-2 (little-endian) the length L of the
// document text that follows; the remaining bytes are the stored value of every chunk key.
//   0  `.zarray` (zarr v2)      1  `zarr.json` (zarr v3)      2  `_METADATA`      3  `_sharding`
#include "base/error.h"
#include "formats/orbax/pytree_metadata.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr3_array.h"
#include "io/random_access.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace {

/// Arrays larger than this are not decoded (the reader accepts them; fuzzing them is just slow).
constexpr uint64_t kMaxArrayBytes = 1u << 20;
constexpr uint64_t kMaxChunks = 4096;

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

void readArray(const ckpt::ArraySourcePtr &arr)
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
    auto whole = arr->readAll();
    if (!info.shape.empty() && *bytes > 0) {
        ckpt::Slab s = ckpt::Slab::whole(info.shape);
        s.start[0] = info.shape[0] / 2;
        s.count[0] = info.shape[0] - s.start[0];
        std::vector<std::byte> out(s.numElements() * ckpt::itemSize(info.dtype));
        arr->readSlab(s, out);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const int kind = data[0] % 4;
    const size_t len = std::min<size_t>(size - 3, size_t(data[1]) | (size_t(data[2]) << 8));
    const auto *p = reinterpret_cast<const std::byte *>(data + 3);
    std::vector<std::byte> meta(p, p + len), chunk(p + len, p + (size - 3));
    const std::string text(reinterpret_cast<const char *>(meta.data()), meta.size());
    try {
        switch (kind) {
        case 0: readArray(ckpt::zarr::openV2Array(std::make_shared<FuzzStore>(".zarray", meta, chunk), "")); break;
        case 1: readArray(ckpt::zarr::openV3Array(std::make_shared<FuzzStore>("zarr.json", meta, chunk), "")); break;
        case 2: ckpt::orbax::parsePyTreeMetadata(text, "fuzz"); break;
        case 3: ckpt::orbax::parseShardingFile(text, "fuzz"); break;
        }
    } catch (const ckpt::Exception &) { }
    return 0;
}
