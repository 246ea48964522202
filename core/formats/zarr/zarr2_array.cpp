#include "formats/zarr/zarr2_array.h"

#include "base/error.h"
#include "formats/zarr/chunked_array_source.h"
#include "io/codecs/blosc_codec.h"
#include "io/codecs/zlib_codec.h"
#include "io/codecs/zstd_codec.h"

#include <cstring>

namespace ckpt::zarr {
namespace {

std::vector<uint64_t> parseDims(const nlohmann::json &j, const char *field, const std::string &file)
{
    if (!j.contains(field))
        fail(ErrorCategory::Corrupt, std::string("zarr metadata has no \"") + field + "\" list", file);
    return parseSizeList(j[field], std::string("v2 ") + field, file);
}

class V2ChunkReader final : public ChunkReader {
public:
    V2ChunkReader(KvStorePtr store, std::string arrayPath, V2Metadata meta)
        : ChunkReader(std::move(store))
        , m_path(std::move(arrayPath))
        , m_meta(std::move(meta))
    {
        setChunkBytes(ArrayInfo{m_meta.type.dtype, m_meta.chunks, {}}.numBytes());
    }

    std::string chunkKey(const std::vector<uint64_t> &index) const override
    {
        std::string name;
        for (size_t i = 0; i < index.size(); ++i) {
            if (i)
                name += m_meta.separator;
            name += std::to_string(index[i]);
        }
        return joinKey(m_path, index.empty() ? "0" : name);
    }

    std::string encodingKey() const override
    {
        std::string chunks;
        for (uint64_t c : m_meta.chunks)
            chunks += std::to_string(c) + ",";
        return std::string("zarr2|") + std::string(dtypeName(m_meta.type.dtype)) + (m_meta.type.bigEndian ? "|>" : "|<")
            + (m_meta.fortranOrder ? "|F|" : "|C|") + chunks + "|" + m_meta.compressor.dump();
    }

    /// Little-endian elements in C order: decoded bytes are the chunk as it is.
    bool plainLayout() const { return !m_meta.type.bigEndian && !(m_meta.fortranOrder && m_meta.chunks.size() > 1); }

    /// Plain zstd chunks decode straight into the output (zstdDecompressInto reads its input
    /// inside a guarded call, so mapped chunks need no copy).
    bool plainZstd() const
    {
        return plainLayout() && m_meta.compressor.is_object() && m_meta.compressor.value("id", std::string()) == "zstd";
    }

    bool decodesMapped() const override { return plainZstd(); }

    /// Plain chunks stored without a compressor.
    bool plainRaw() const { return plainLayout() && m_meta.compressor.is_null(); }

    bool streams() const override { return plainZstd() || plainRaw(); }

    std::unique_ptr<ChunkStream> openStream(RandomAccessPtr value, const std::vector<std::byte> &) const override
    {
        return plainZstd() ? zstdChunkStream(std::move(value)) : rawChunkStream(std::move(value));
    }

    void decode(const StoredChunk &stored, std::span<std::byte> out) const override
    {
        const uint64_t need = chunkBytes();
        if (plainZstd()) {
            const size_t n = zstdDecompressInto(stored.data(), out, stored.file, stored.offset);
            if (n != need)
                fail(ErrorCategory::Corrupt,
                    "decodes to " + std::to_string(n) + " bytes, the chunk shape needs " + std::to_string(need),
                    stored.file, stored.offset);
            return;
        }
        auto raw = decompressV2(m_meta.compressor, stored.data(), need, stored.file, stored.offset);
        if (raw.size() != need)
            fail(ErrorCategory::Corrupt,
                "decodes to " + std::to_string(raw.size()) + " bytes, the chunk shape needs " + std::to_string(need),
                stored.file, stored.offset);
        if (m_meta.type.bigEndian)
            byteSwapElements(raw, m_meta.type.dtype);
        if (m_meta.fortranOrder && m_meta.chunks.size() > 1) {
            const size_t rank = m_meta.chunks.size();
            std::vector<size_t> order(rank);
            for (size_t i = 0; i < rank; ++i)
                order[i] = rank - 1 - i;
            transposeToC(raw, m_meta.chunks, order, itemSize(m_meta.type.dtype), out);
            return;
        }
        std::memcpy(out.data(), raw.data(), raw.size());
    }

private:
    std::string m_path;
    V2Metadata m_meta;
};

} // namespace

std::string joinKey(const std::string &arrayPath, const std::string &name)
{
    if (arrayPath.empty())
        return name;
    if (arrayPath.back() == '/')
        return arrayPath + name;
    return arrayPath + "/" + name;
}

V2Metadata parseV2Metadata(std::string_view text, const std::string &file)
{
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        fail(ErrorCategory::Corrupt, "zarr .zarray is not a JSON object", file);
    if (j.contains("zarr_format") && j["zarr_format"] != 2)
        fail(ErrorCategory::Unsupported, "zarr_format " + j["zarr_format"].dump() + " in a .zarray", file);
    V2Metadata m;
    m.shape = parseDims(j, "shape", file);
    m.chunks = parseDims(j, "chunks", file);
    if (m.chunks.size() != m.shape.size())
        fail(ErrorCategory::Corrupt, "\"chunks\" and \"shape\" have different ranks", file);
    for (uint64_t c : m.chunks)
        if (c == 0)
            fail(ErrorCategory::Corrupt, "\"chunks\" has a zero dimension", file);
    if (!j.contains("dtype"))
        fail(ErrorCategory::Corrupt, "zarr metadata has no \"dtype\"", file);
    m.type = parseV2DType(j["dtype"], file);
    const auto order = j.value("order", nlohmann::json("C"));
    if (order == "F")
        m.fortranOrder = true;
    else if (order != "C")
        fail(ErrorCategory::Corrupt, "zarr \"order\" is " + order.dump(), file);
    m.compressor = j.value("compressor", nlohmann::json());
    if (!m.compressor.is_null() && (!m.compressor.is_object() || !m.compressor.contains("id")))
        fail(ErrorCategory::Corrupt, "zarr \"compressor\" has no \"id\"", file);
    if (m.compressor.is_object()) {
        const auto id = m.compressor["id"];
        if (id != "zstd" && id != "zlib" && id != "gzip" && id != "blosc")
            fail(ErrorCategory::Unsupported, "zarr compressor " + id.dump() + " is not supported", file);
    }
    const auto filters = j.value("filters", nlohmann::json());
    if (!filters.is_null() && !(filters.is_array() && filters.empty()))
        fail(ErrorCategory::Unsupported, "zarr filters " + filters.dump() + " are not supported", file);
    const auto sep = j.value("dimension_separator", nlohmann::json("."));
    if (sep == "/")
        m.separator = '/';
    else if (sep != ".")
        fail(ErrorCategory::Corrupt, "zarr \"dimension_separator\" is " + sep.dump(), file);
    m.fill = parseFillValue(j.value("fill_value", nlohmann::json()), m.type.dtype, m.type.bigEndian, file);
    (void)ArrayInfo{m.type.dtype, m.chunks, {}}.numBytes(); // rejects overflowing chunk shapes
    (void)ArrayInfo{m.type.dtype, m.shape, {}}.numBytes();
    return m;
}

std::vector<std::byte> decompressV2(const nlohmann::json &compressor, std::span<const std::byte> input,
    uint64_t expected, const std::string &name, uint64_t baseOffset)
{
    if (compressor.is_null()) {
        if (input.size() != expected)
            fail(ErrorCategory::Corrupt,
                "uncompressed chunk holds " + std::to_string(input.size()) + " bytes, expected "
                    + std::to_string(expected),
                name, baseOffset);
        return {input.begin(), input.end()};
    }
    const std::string id = compressor.value("id", std::string());
    if (id == "zstd")
        return zstdDecompress(input, expected, name, baseOffset);
    if (id == "zlib")
        return zlibDecompress(input, expected, name, baseOffset);
    if (id == "gzip")
        return gzipDecompress(input, expected, name, baseOffset);
    if (id == "blosc")
        return bloscDecompress(input, expected, name, baseOffset);
    fail(ErrorCategory::Unsupported, "compressor \"" + id + "\" is not supported", name);
}

ArraySourcePtr makeV2Array(const KvStorePtr &store, const std::string &arrayPath, V2Metadata meta)
{
    ArrayInfo info{meta.type.dtype, meta.shape, meta.chunks};
    std::vector<std::byte> fill = meta.fill;
    auto reader = std::make_shared<V2ChunkReader>(store, arrayPath, std::move(meta));
    return std::make_shared<ChunkedArraySource>(std::move(info), std::move(reader), std::move(fill),
        store->describe() + " zarr2 " + (arrayPath.empty() ? "/" : arrayPath));
}

ArraySourcePtr openV2Array(
    const KvStorePtr &store, const std::string &arrayPath, std::unordered_map<std::string, V2Metadata> *cache)
{
    const std::string key = joinKey(arrayPath, ".zarray");
    RandomAccessPtr value = store->get(key);
    if (!value)
        fail(ErrorCategory::MissingData, "no zarr metadata \"" + key + "\"", store->describe());
    if (value->size() > (16u << 20))
        fail(ErrorCategory::Corrupt, "zarr metadata \"" + key + "\" is implausibly large", value->name());
    auto bytes = value->readRange(0, value->size());
    std::string text(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    if (cache) {
        auto it = cache->find(text);
        if (it == cache->end())
            it = cache->emplace(text, parseV2Metadata(text, store->describe() + "/" + key)).first;
        return makeV2Array(store, arrayPath, it->second);
    }
    return makeV2Array(store, arrayPath, parseV2Metadata(text, store->describe() + "/" + key));
}

} // namespace ckpt::zarr
