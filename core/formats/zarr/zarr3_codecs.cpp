#include "formats/zarr/zarr3_codecs.h"

#include "base/error.h"
#include "formats/zarr/chunked_array_source.h"
#include "formats/zarr/zarr_dtype.h"
#include "io/codecs/blosc_codec.h"
#include "io/codecs/crc32c.h"
#include "io/codecs/zlib_codec.h"
#include "io/codecs/zstd_codec.h"
#include "tree/array_info.h"

#include <algorithm>
#include <cstring>

namespace ckpt::zarr {
namespace {

/// Missing inner chunk marker of sharding_indexed; part of the format, never change it.
constexpr uint64_t kMissing = ~uint64_t(0);

uint64_t product(const std::vector<uint64_t> &v)
{
    uint64_t p = 1;
    for (uint64_t d : v)
        p *= d;
    return p;
}

std::string codecName(const nlohmann::json &c)
{
    if (c.is_string())
        return c.get<std::string>();
    if (c.is_object() && c.contains("name") && c["name"].is_string())
        return c["name"].get<std::string>();
    return {};
}

nlohmann::json codecConfig(const nlohmann::json &c)
{
    if (c.is_object() && c.contains("configuration") && c["configuration"].is_object())
        return c["configuration"];
    return nlohmann::json::object();
}

bool parseEndian(const nlohmann::json &config, size_t itemsize, const std::string &file)
{
    if (!config.contains("endian"))
        return false;
    const auto &e = config["endian"];
    if (e == "little")
        return false;
    if (e == "big")
        return itemsize > 1;
    fail(ErrorCategory::Corrupt, "zarr v3 bytes codec endian " + e.dump(), file);
}

std::vector<size_t> parseOrder(const nlohmann::json &config, size_t rank, const std::string &file)
{
    std::vector<size_t> order(rank);
    const auto o = config.value("order", nlohmann::json());
    if (o == "C") {
        for (size_t i = 0; i < rank; ++i)
            order[i] = i;
        return order;
    }
    if (o == "F") {
        for (size_t i = 0; i < rank; ++i)
            order[i] = rank - 1 - i;
        return order;
    }
    if (!o.is_array() || o.size() != rank)
        fail(ErrorCategory::Corrupt, "transpose order " + o.dump() + " does not match rank " + std::to_string(rank),
            file);
    std::vector<bool> seen(rank, false);
    for (size_t i = 0; i < rank; ++i) {
        if (!o[i].is_number_unsigned() || o[i].get<uint64_t>() >= rank || seen[o[i].get<size_t>()])
            fail(ErrorCategory::Corrupt, "transpose order " + o.dump() + " is not a permutation", file);
        order[i] = o[i].get<size_t>();
        seen[order[i]] = true;
    }
    return order;
}

std::vector<std::byte> applyBytesDecoder(const nlohmann::json &codec, std::span<const std::byte> in, uint64_t maxOutput,
    const std::string &name, uint64_t baseOffset)
{
    const std::string id = codecName(codec);
    if (id == "zstd")
        return zstdDecompress(in, maxOutput, name, baseOffset);
    if (id == "gzip")
        return gzipDecompress(in, maxOutput, name, baseOffset);
    if (id == "blosc")
        return bloscDecompress(in, maxOutput, name, baseOffset);
    if (id == "crc32c") {
        if (in.size() < 4)
            fail(ErrorCategory::Corrupt, "chunk too short for its crc32c", name, baseOffset);
        const auto body = in.first(in.size() - 4);
        uint32_t stored;
        std::memcpy(&stored, in.data() + body.size(), 4);
        if (crc32c(body) != stored)
            fail(ErrorCategory::Corrupt, "crc32c checksum mismatch", name, baseOffset + body.size());
        return {body.begin(), body.end()};
    }
    fail(ErrorCategory::Unsupported, "zarr v3 codec \"" + id + "\" is not supported", name);
}

std::vector<std::byte> decodeShard(const V3Sharding &sh, std::span<const std::byte> shard,
    const std::vector<uint64_t> &shape, DType dtype, const std::vector<std::byte> &fill, const std::string &name,
    uint64_t baseOffset)
{
    const size_t rank = shape.size();
    const size_t itemsize = itemSize(dtype);
    std::vector<uint64_t> grid(rank);
    for (size_t i = 0; i < rank; ++i)
        grid[i] = shape[i] / sh.chunkShape[i];
    const uint64_t n = product(grid);
    if (n > shard.size() / 16)
        fail(ErrorCategory::Corrupt,
            "shard of " + std::to_string(shard.size()) + " bytes is too short for an index of " + std::to_string(n)
                + " inner chunks",
            name, baseOffset);
    const uint64_t indexBytes = n * 16 + (sh.indexCrc32c ? 4 : 0);
    if (shard.size() < indexBytes)
        fail(ErrorCategory::Corrupt,
            "shard of " + std::to_string(shard.size()) + " bytes is shorter than its index ("
                + std::to_string(indexBytes) + " bytes)",
            name, baseOffset);
    const uint64_t indexPos = sh.indexAtEnd ? shard.size() - indexBytes : 0;
    auto index = shard.subspan(indexPos, n * 16);
    if (sh.indexCrc32c) {
        uint32_t stored;
        std::memcpy(&stored, shard.data() + indexPos + n * 16, 4);
        if (crc32c(index) != stored)
            fail(ErrorCategory::Corrupt, "shard index crc32c checksum mismatch", name, baseOffset + indexPos);
    }
    auto entry = [&](uint64_t i) {
        uint64_t v;
        std::memcpy(&v, index.data() + i * 8, 8);
        if (sh.indexBigEndian)
            v = __builtin_bswap64(v);
        return v;
    };

    std::vector<std::byte> out(product(shape) * itemsize);
    const uint64_t innerElems = product(sh.chunkShape);
    std::vector<uint64_t> strides(rank, 1);
    for (size_t i = rank; i > 1; --i)
        strides[i - 2] = strides[i - 1] * shape[i - 1];
    for (uint64_t c = 0; c < n; ++c) {
        const uint64_t off = entry(2 * c), len = entry(2 * c + 1);
        std::vector<std::byte> inner;
        const bool missing = off == kMissing && len == kMissing;
        if (!missing) {
            if (off > shard.size() || len > shard.size() - off)
                fail(ErrorCategory::Corrupt,
                    "inner chunk " + std::to_string(c) + " at [" + std::to_string(off) + ", +" + std::to_string(len)
                        + ") lies outside the " + std::to_string(shard.size()) + "-byte shard",
                    name, baseOffset + indexPos + c * 16);
            inner
                = decodeV3Chunk(*sh.inner, shard.subspan(off, len), sh.chunkShape, dtype, fill, name, baseOffset + off);
        }
        // Position of inner chunk c in the shard grid.
        std::vector<uint64_t> origin(rank);
        uint64_t rest = c;
        for (size_t i = rank; i-- > 0;) {
            origin[i] = (rest % grid[i]) * sh.chunkShape[i];
            rest /= grid[i];
        }
        const uint64_t rowElems = rank ? sh.chunkShape[rank - 1] : 1;
        const uint64_t rows = rowElems ? innerElems / rowElems : 0;
        for (uint64_t r = 0; r < rows; ++r) {
            uint64_t dst = 0, rr = r;
            if (rank > 0) {
                dst = origin[rank - 1];
                for (size_t i = rank - 1; i-- > 0;) {
                    dst += (origin[i] + rr % sh.chunkShape[i]) * strides[i];
                    rr /= sh.chunkShape[i];
                }
            }
            std::byte *p = out.data() + dst * itemsize;
            if (missing) {
                for (uint64_t e = 0; e < rowElems; ++e)
                    std::memcpy(p + e * itemsize, fill.data(), itemsize);
            } else {
                std::memcpy(p, inner.data() + r * rowElems * itemsize, rowElems * itemsize);
            }
        }
    }
    return out;
}

} // namespace

V3CodecChain parseV3Codecs(
    const nlohmann::json &codecs, const std::vector<uint64_t> &chunkShape, DType dtype, const std::string &file)
{
    if (!codecs.is_array() || codecs.empty())
        fail(ErrorCategory::Corrupt, "zarr v3 \"codecs\" is not a non-empty list", file);
    V3CodecChain chain;
    std::vector<uint64_t> shape = chunkShape;
    bool haveArrayToBytes = false;
    for (const auto &c : codecs) {
        const std::string id = codecName(c);
        const auto config = codecConfig(c);
        if (id == "transpose") {
            if (haveArrayToBytes)
                fail(ErrorCategory::Corrupt, "transpose after the array->bytes codec", file);
            auto order = parseOrder(config, shape.size(), file);
            std::vector<uint64_t> next(shape.size());
            for (size_t k = 0; k < shape.size(); ++k)
                next[k] = shape[order[k]];
            shape = next;
            chain.transposes.push_back(std::move(order));
        } else if (id == "bytes" || id == "endian") {
            if (haveArrayToBytes)
                fail(ErrorCategory::Corrupt, "two array->bytes codecs", file);
            chain.bigEndian = parseEndian(config, itemSize(dtype), file);
            haveArrayToBytes = true;
        } else if (id == "sharding_indexed") {
            if (haveArrayToBytes)
                fail(ErrorCategory::Corrupt, "two array->bytes codecs", file);
            auto sh = std::make_shared<V3Sharding>();
            const auto cs = config.value("chunk_shape", nlohmann::json());
            if (!cs.is_array() || cs.size() != shape.size())
                fail(ErrorCategory::Corrupt, "sharding_indexed chunk_shape " + cs.dump() + " has the wrong rank", file);
            for (size_t i = 0; i < cs.size(); ++i) {
                if (!cs[i].is_number_unsigned() || cs[i].get<uint64_t>() == 0 || shape[i] % cs[i].get<uint64_t>())
                    fail(ErrorCategory::Corrupt,
                        "sharding_indexed chunk_shape " + cs.dump() + " does not tile the shard " + shapeString(shape),
                        file);
                sh->chunkShape.push_back(cs[i].get<uint64_t>());
            }
            sh->inner = std::make_shared<V3CodecChain>(
                parseV3Codecs(config.value("codecs", nlohmann::json()), sh->chunkShape, dtype, file));
            const auto loc = config.value("index_location", nlohmann::json("end"));
            if (loc == "start")
                sh->indexAtEnd = false;
            else if (loc != "end")
                fail(ErrorCategory::Corrupt, "sharding_indexed index_location " + loc.dump(), file);
            const auto ic = config.value("index_codecs", nlohmann::json());
            if (!ic.is_array() || ic.empty())
                fail(ErrorCategory::Corrupt, "sharding_indexed has no index_codecs", file);
            bool sawBytes = false;
            for (const auto &x : ic) {
                const std::string xid = codecName(x);
                if (xid == "bytes" && !sawBytes) {
                    sh->indexBigEndian = parseEndian(codecConfig(x), 8, file);
                    sawBytes = true;
                } else if (xid == "crc32c" && sawBytes && !sh->indexCrc32c) {
                    sh->indexCrc32c = true;
                } else {
                    fail(ErrorCategory::Unsupported, "sharding_indexed index codec \"" + xid + "\" is not supported",
                        file);
                }
            }
            if (!sawBytes)
                fail(ErrorCategory::Corrupt, "sharding_indexed index_codecs lack a bytes codec", file);
            chain.sharding = std::move(sh);
            haveArrayToBytes = true;
        } else if (id == "zstd" || id == "gzip" || id == "blosc" || id == "crc32c") {
            if (!haveArrayToBytes)
                fail(ErrorCategory::Corrupt, "bytes codec \"" + id + "\" before the array->bytes codec", file);
            chain.bytesCodecs.push_back(c);
        } else {
            fail(ErrorCategory::Unsupported, "zarr v3 codec \"" + id + "\" is not supported", file);
        }
    }
    if (!haveArrayToBytes)
        fail(ErrorCategory::Corrupt, "zarr v3 codecs have no array->bytes codec", file);
    return chain;
}

std::vector<std::byte> decodeV3Chunk(const V3CodecChain &chain, std::span<const std::byte> encoded,
    const std::vector<uint64_t> &shape, DType dtype, const std::vector<std::byte> &fill, const std::string &name,
    uint64_t baseOffset)
{
    const size_t itemsize = itemSize(dtype);
    const uint64_t decodedBytes = ArrayInfo{dtype, shape, {}}.numBytes();
    // Shapes after each transpose (encode direction).
    std::vector<std::vector<uint64_t>> shapes{shape};
    for (const auto &order : chain.transposes) {
        std::vector<uint64_t> next(shape.size());
        for (size_t k = 0; k < shape.size(); ++k)
            next[k] = shapes.back()[order[k]];
        shapes.push_back(std::move(next));
    }
    // bytes -> bytes, last applied first. The bound before the array->bytes codec: the decoded
    // size, or for a shard the data plus the largest index plus slack for compressed inner chunks.
    std::vector<std::byte> bytes(encoded.begin(), encoded.end());
    uint64_t bound = decodedBytes;
    if (chain.sharding)
        bound = std::max<uint64_t>(decodedBytes * 2 + 4096, uint64_t(1) << 20);
    for (auto it = chain.bytesCodecs.rbegin(); it != chain.bytesCodecs.rend(); ++it)
        bytes = applyBytesDecoder(*it, bytes, bound, name, baseOffset);

    std::vector<std::byte> array;
    if (chain.sharding) {
        array = decodeShard(*chain.sharding, bytes, shapes.back(), dtype, fill, name, baseOffset);
    } else {
        if (bytes.size() != decodedBytes)
            fail(ErrorCategory::Corrupt,
                "chunk decodes to " + std::to_string(bytes.size()) + " bytes, its shape " + shapeString(shapes.back())
                    + " needs " + std::to_string(decodedBytes),
                name, baseOffset);
        if (chain.bigEndian)
            byteSwapElements(bytes, dtype);
        array = std::move(bytes);
    }
    for (size_t t = chain.transposes.size(); t-- > 0;) {
        std::vector<std::byte> out(array.size());
        transposeToC(array, shapes[t], chain.transposes[t], itemsize, out);
        array.swap(out);
    }
    return array;
}

} // namespace ckpt::zarr
