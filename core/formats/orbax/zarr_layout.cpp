#include "formats/orbax/zarr_layout.h"

#include "base/error.h"

#include <algorithm>
#include <cmath>

namespace ckpt::orbax {
namespace {

std::vector<uint64_t> divisors(uint64_t n)
{
    std::vector<uint64_t> out;
    for (uint64_t i = 1; i * i <= n; ++i) {
        if (n % i == 0) {
            out.push_back(i);
            if (i != n / i)
                out.push_back(n / i);
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

nlohmann::json shapeJson(const std::vector<uint64_t> &s)
{
    nlohmann::json j = nlohmann::json::array();
    for (auto d : s)
        j.push_back(d);
    return j;
}

nlohmann::json zeroFill(DType t)
{
    switch (dtypeClass(t)) {
    case DTypeClass::Bool: return false;
    case DTypeClass::SignedInt:
    case DTypeClass::UnsignedInt: return 0;
    case DTypeClass::Float: return 0.0;
    case DTypeClass::Complex: return nlohmann::json::array({0.0, 0.0});
    }
    return 0;
}

} // namespace

std::vector<uint64_t> chooseChunkShape(
    const std::vector<uint64_t> &shape, size_t itemsize, std::optional<uint64_t> targetBytes)
{
    std::vector<uint64_t> chunk(shape.size());
    for (size_t i = 0; i < shape.size(); ++i)
        chunk[i] = std::max<uint64_t>(1, shape[i]);
    if (!targetBytes)
        return chunk;
    if (*targetBytes < itemsize)
        fail(ErrorCategory::InvalidArgument, "chunk byte limit is smaller than one element");
    std::vector<std::vector<uint64_t>> factors;
    uint64_t total = 1;
    for (auto d : chunk) {
        factors.push_back(divisors(d));
        total *= d;
    }
    const uint64_t targetElements = *targetBytes / itemsize;
    while (total > targetElements) {
        // Orbax first looks for the largest "sharded" dimension; with write shape == global shape
        // none is, so every dimension becomes a candidate and the first largest one is cut.
        int best = -1;
        uint64_t bestSize = 1;
        for (size_t i = 0; i < factors.size(); ++i) {
            if (factors[i].back() > bestSize) {
                bestSize = factors[i].back();
                best = int(i);
            }
        }
        if (best < 0)
            break;
        const uint64_t cur = factors[size_t(best)].back();
        factors[size_t(best)].pop_back();
        total = total / cur * factors[size_t(best)].back();
    }
    for (size_t i = 0; i < chunk.size(); ++i)
        chunk[i] = factors[i].back();
    return chunk;
}

std::optional<uint64_t> chunkByteLimit(uint64_t bytes, bool ocdbt, uint64_t targetDataFileBytes)
{
    if (!ocdbt || targetDataFileBytes == 0 || bytes <= targetDataFileBytes)
        return std::nullopt;
    return targetDataFileBytes;
}

std::string zarr2DTypeName(DType t)
{
    switch (t) {
    case DType::Bool: return "|b1";
    case DType::Int8: return "|i1";
    case DType::UInt8: return "|u1";
    case DType::Int16: return "<i2";
    case DType::UInt16: return "<u2";
    case DType::Int32: return "<i4";
    case DType::UInt32: return "<u4";
    case DType::Int64: return "<i8";
    case DType::UInt64: return "<u8";
    case DType::Float16: return "<f2";
    case DType::Float32: return "<f4";
    case DType::Float64: return "<f8";
    case DType::Complex64: return "<c8";
    case DType::Complex128: return "<c16";
    default: return std::string(dtypeName(t));
    }
}

nlohmann::json zarr2Metadata(const ArrayInfo &info, const std::vector<uint64_t> &chunks, bool compress)
{
    nlohmann::json j;
    j["chunks"] = shapeJson(chunks);
    j["compressor"] = compress ? nlohmann::json{{"id", "zstd"}, {"level", 1}} : nlohmann::json(nullptr);
    j["dimension_separator"] = ".";
    j["dtype"] = zarr2DTypeName(info.dtype);
    j["fill_value"] = nullptr;
    j["filters"] = nullptr;
    j["order"] = "C";
    j["shape"] = shapeJson(info.shape);
    j["zarr_format"] = 2;
    return j;
}

nlohmann::json zarr3Metadata(const ArrayInfo &info, const std::vector<uint64_t> &chunks, bool compress)
{
    const nlohmann::json little = {{"configuration", {{"endian", "little"}}}, {"name", "bytes"}};
    nlohmann::json inner = nlohmann::json::array({little});
    if (compress)
        inner.push_back({{"configuration", {{"checksum", false}, {"level", 3}}}, {"name", "zstd"}});
    nlohmann::json sharding = {{"configuration",
                                   {{"chunk_shape", shapeJson(chunks)}, {"codecs", inner},
                                       {"index_codecs", nlohmann::json::array({little, {{"name", "crc32c"}}})}}},
        {"name", "sharding_indexed"}};
    nlohmann::json j;
    j["chunk_grid"] = {{"configuration", {{"chunk_shape", shapeJson(chunks)}}}, {"name", "regular"}};
    j["chunk_key_encoding"] = {{"name", "default"}};
    j["codecs"] = nlohmann::json::array({sharding});
    j["data_type"] = std::string(dtypeName(info.dtype));
    j["fill_value"] = zeroFill(info.dtype);
    j["node_type"] = "array";
    j["shape"] = shapeJson(info.shape);
    j["zarr_format"] = 3;
    return j;
}

std::string joinParamKey(const std::string &param, const std::string &name)
{
    return param.empty() ? name : param + "/" + name;
}

std::string chunkKey(const std::string &param, const std::vector<uint64_t> &index, bool zarr3)
{
    std::string k;
    if (zarr3) {
        k = "c";
        for (auto i : index)
            k += "/" + std::to_string(i);
    } else if (index.empty()) {
        k = "0";
    } else {
        for (size_t i = 0; i < index.size(); ++i)
            k += (i ? "." : "") + std::to_string(index[i]);
    }
    return joinParamKey(param, k);
}

} // namespace ckpt::orbax
