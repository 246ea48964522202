#include "formats/zarr/zarr3_array.h"

#include "base/error.h"
#include "formats/zarr/chunked_array_source.h"
#include "formats/zarr/zarr2_array.h"
#include "formats/zarr/zarr_dtype.h"
#include "io/codecs/crc32c.h"

#include <cstring>

namespace ckpt::zarr {
namespace {

/// Whether chunks of `c` can stream front to back: little-endian bytes in C order, then zstd or
/// nothing (no transpose, no nested sharding, no inner checksum).
bool streamsPlainly(const V3CodecChain &c)
{
    if (!c.transposes.empty() || c.bigEndian || c.sharding)
        return false;
    return c.bytesCodecs.empty()
        || (c.bytesCodecs.size() == 1 && c.bytesCodecs[0].is_object() && c.bytesCodecs[0].value("name", "") == "zstd");
}

std::unique_ptr<ChunkStream> plainStream(const V3CodecChain &c, RandomAccessPtr value)
{
    return c.bytesCodecs.empty() ? rawChunkStream(std::move(value)) : zstdChunkStream(std::move(value));
}

std::vector<uint64_t> dims(const nlohmann::json &j, const std::string &what, const std::string &file)
{
    return parseSizeList(j, "v3 " + what, file);
}

class V3ChunkReader final : public ChunkReader {
public:
    V3ChunkReader(KvStorePtr store, std::string arrayPath, V3Metadata meta)
        : ChunkReader(std::move(store))
        , m_path(std::move(arrayPath))
        , m_meta(std::move(meta))
    {
        setChunkBytes(ArrayInfo{m_meta.dtype, m_meta.chunkShape, {}}.numBytes());
    }

    std::string chunkKey(const std::vector<uint64_t> &index) const override
    {
        std::string name = m_meta.v2KeyEncoding ? std::string() : std::string("c");
        for (size_t i = 0; i < index.size(); ++i) {
            if (i || !m_meta.v2KeyEncoding)
                name += m_meta.separator;
            name += std::to_string(index[i]);
        }
        if (name.empty())
            name = "0";
        return joinKey(m_path, name);
    }

    std::string encodingKey() const override
    {
        std::string chunks;
        for (uint64_t c : m_meta.chunkShape)
            chunks += std::to_string(c) + ",";
        std::string fill;
        for (std::byte b : m_meta.fill)
            fill += std::to_string(int(b)) + ",";
        return "zarr3|" + std::string(dtypeName(m_meta.dtype)) + "|" + chunks + "|" + m_meta.codecsText + "|" + fill;
    }

    /// Plain chunks, and shards holding one plain inner chunk (what Orbax writes), stream.
    bool streams() const override
    {
        const V3CodecChain &c = m_meta.codecs;
        if (!c.sharding)
            return streamsPlainly(c);
        return c.transposes.empty() && c.bytesCodecs.empty() && c.sharding->chunkShape == m_meta.chunkShape
            && streamsPlainly(*c.sharding->inner);
    }

    std::unique_ptr<ChunkStream> openStream(RandomAccessPtr value, const std::vector<std::byte> &fill) const override
    {
        const V3CodecChain &c = m_meta.codecs;
        if (!c.sharding)
            return plainStream(c, std::move(value));
        // A shard of one inner chunk: its (offset, nbytes) entry, then that range of the shard.
        const V3Sharding &sh = *c.sharding;
        const uint64_t indexBytes = 16 + (sh.indexCrc32c ? 4 : 0), size = value->size();
        if (size < indexBytes)
            fail(ErrorCategory::Corrupt,
                "shard of " + std::to_string(size) + " bytes is shorter than its index (" + std::to_string(indexBytes)
                    + " bytes)",
                value->name(), value->baseOffset());
        const uint64_t at = sh.indexAtEnd ? size - indexBytes : 0;
        std::byte index[20];
        value->readAt(at, std::span(index, size_t(indexBytes)));
        if (sh.indexCrc32c) {
            uint32_t stored;
            std::memcpy(&stored, index + 16, 4);
            if (crc32c(std::span(index, 16)) != stored)
                fail(ErrorCategory::Corrupt, "shard index crc32c checksum mismatch", value->name(),
                    value->baseOffset() + at);
        }
        uint64_t offset, nbytes;
        std::memcpy(&offset, index, 8);
        std::memcpy(&nbytes, index + 8, 8);
        if (sh.indexBigEndian) {
            offset = __builtin_bswap64(offset);
            nbytes = __builtin_bswap64(nbytes);
        }
        if (offset == ~uint64_t(0) && nbytes == ~uint64_t(0))
            return fillChunkStream(fill); // the inner chunk is not stored
        if (offset > size || nbytes > size - offset)
            fail(ErrorCategory::Corrupt,
                "inner chunk at [" + std::to_string(offset) + ", +" + std::to_string(nbytes)
                    + ") lies outside the shard of " + std::to_string(size) + " bytes",
                value->name(), value->baseOffset() + at);
        return plainStream(*sh.inner, std::make_shared<SubRange>(value, offset, nbytes));
    }

    void decode(const StoredChunk &stored, std::span<std::byte> out) const override
    {
        auto raw = decodeV3Chunk(
            m_meta.codecs, stored.data(), m_meta.chunkShape, m_meta.dtype, m_meta.fill, stored.file, stored.offset);
        if (raw.size() != out.size())
            fail(ErrorCategory::Corrupt,
                "decodes to " + std::to_string(raw.size()) + " bytes, the chunk shape needs "
                    + std::to_string(out.size()),
                stored.file, stored.offset);
        std::memcpy(out.data(), raw.data(), raw.size());
    }

private:
    std::string m_path;
    V3Metadata m_meta;
};

} // namespace

bool isV3Group(std::string_view text)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    return j.is_object() && j.value("node_type", nlohmann::json()) == "group";
}

V3Metadata parseV3Metadata(std::string_view text, const std::string &file)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        fail(ErrorCategory::Corrupt, "zarr.json is not a JSON object", file);
    if (j.value("zarr_format", nlohmann::json()) != 3)
        fail(ErrorCategory::Corrupt, "zarr.json has zarr_format " + j.value("zarr_format", nlohmann::json()).dump(),
            file);
    const auto nodeType = j.value("node_type", nlohmann::json());
    if (nodeType == "group")
        fail(ErrorCategory::NotACheckpoint, "zarr.json describes a group, not an array", file);
    if (nodeType != "array")
        fail(ErrorCategory::Corrupt, "zarr.json node_type is " + nodeType.dump(), file);
    V3Metadata m;
    m.shape = dims(j.value("shape", nlohmann::json()), "shape", file);
    if (!j.contains("data_type"))
        fail(ErrorCategory::Corrupt, "zarr.json has no data_type", file);
    m.dtype = parseV3DataType(j["data_type"], file);

    const auto grid = j.value("chunk_grid", nlohmann::json());
    if (!grid.is_object() || grid.value("name", nlohmann::json()) != "regular")
        fail(ErrorCategory::Unsupported, "zarr.json chunk_grid " + grid.dump() + " is not regular", file);
    const auto gridConfig = grid.value("configuration", nlohmann::json::object());
    if (!gridConfig.is_object())
        fail(ErrorCategory::Corrupt, "zarr.json chunk_grid configuration is not an object", file);
    m.chunkShape = dims(gridConfig.value("chunk_shape", nlohmann::json()), "chunk_shape", file);
    if (m.chunkShape.size() != m.shape.size())
        fail(ErrorCategory::Corrupt, "chunk_shape and shape have different ranks", file);
    for (uint64_t c : m.chunkShape)
        if (c == 0)
            fail(ErrorCategory::Corrupt, "chunk_shape has a zero dimension", file);
    (void)ArrayInfo{m.dtype, m.chunkShape, {}}.numBytes();
    (void)ArrayInfo{m.dtype, m.shape, {}}.numBytes();

    const auto cke = j.value("chunk_key_encoding", nlohmann::json{{"name", "default"}});
    if (!cke.is_object() || !cke.value("configuration", nlohmann::json::object()).is_object())
        fail(ErrorCategory::Corrupt, "zarr.json chunk_key_encoding " + cke.dump() + " is malformed", file);
    const auto ckeName = cke.value("name", nlohmann::json());
    const auto ckeConfig = cke.value("configuration", nlohmann::json::object());
    if (ckeName == "default") {
        m.v2KeyEncoding = false;
        m.separator = '/';
    } else if (ckeName == "v2") {
        m.v2KeyEncoding = true;
        m.separator = '.';
    } else {
        fail(ErrorCategory::Unsupported, "chunk_key_encoding " + cke.dump() + " is not supported", file);
    }
    if (ckeConfig.contains("separator")) {
        const auto sep = ckeConfig["separator"];
        if (sep == "/")
            m.separator = '/';
        else if (sep == ".")
            m.separator = '.';
        else
            fail(ErrorCategory::Corrupt, "chunk_key_encoding separator " + sep.dump(), file);
    }
    m.fill = parseFillValue(j.value("fill_value", nlohmann::json()), m.dtype, false, file);
    m.codecs = parseV3Codecs(j.value("codecs", nlohmann::json()), m.chunkShape, m.dtype, file);
    m.codecsText = j.value("codecs", nlohmann::json()).dump();
    return m;
}

std::optional<std::string> readSmallValue(const KvStore &store, const std::string &key, uint64_t maxBytes)
{
    RandomAccessPtr value = store.get(key);
    if (!value)
        return std::nullopt;
    if (value->size() > maxBytes)
        fail(ErrorCategory::Corrupt, "\"" + key + "\" is implausibly large for metadata", value->name());
    auto bytes = value->readRange(0, value->size());
    return std::string(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

ArraySourcePtr openV3Array(
    const KvStorePtr &store, const std::string &arrayPath, std::unordered_map<std::string, V3Metadata> *cache)
{
    const std::string key = joinKey(arrayPath, "zarr.json");
    auto text = readSmallValue(*store, key);
    if (!text)
        fail(ErrorCategory::MissingData, "no zarr metadata \"" + key + "\"", store->describe());
    V3Metadata meta;
    if (cache) {
        auto it = cache->find(*text);
        if (it == cache->end())
            it = cache->emplace(*text, parseV3Metadata(*text, store->describe() + "/" + key)).first;
        meta = it->second;
    } else {
        meta = parseV3Metadata(*text, store->describe() + "/" + key);
    }
    ArrayInfo info{meta.dtype, meta.shape, meta.chunkShape};
    auto fill = meta.fill;
    auto reader = std::make_shared<V3ChunkReader>(store, arrayPath, std::move(meta));
    return std::make_shared<ChunkedArraySource>(std::move(info), std::move(reader), std::move(fill),
        store->describe() + " zarr3 " + (arrayPath.empty() ? "/" : arrayPath));
}

ArraySourcePtr openZarrArray(const KvStorePtr &store, const std::string &arrayPath)
{
    if (store->get(joinKey(arrayPath, ".zarray")))
        return openV2Array(store, arrayPath);
    if (store->get(joinKey(arrayPath, "zarr.json")))
        return openV3Array(store, arrayPath);
    fail(ErrorCategory::MissingData,
        "no zarr array at \"" + (arrayPath.empty() ? std::string("/") : arrayPath)
            + "\" (neither .zarray nor zarr.json)",
        store->describe());
}

} // namespace ckpt::zarr
