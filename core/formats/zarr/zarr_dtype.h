#pragma once

#include "tree/dtype.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace ckpt::zarr {

/// An element type as stored in a zarr chunk: the dtype plus the byte order of the stored bytes.
struct StoredType {
    DType dtype = DType::Float32;
    bool bigEndian = false;
};

/// Parses a zarr v2 `.zarray` "dtype": NumPy typestrings (`<f4`, `>i8`, `|b1`, `|u1`, `<c8`) and the
/// bare ml_dtypes names TensorStore writes (`bfloat16`, `float8_e4m3fn`, `int4`, ...).
/// Throws Exception{Unsupported} for structured, string or datetime types, {Corrupt} when not a string.
StoredType parseV2DType(const nlohmann::json &j, const std::string &file);

/// A JSON list of sizes (shape, chunk shape). Throws Exception{Corrupt} naming `what` (e.g.
/// "v3 chunk_shape") when it is not a list of non-negative integers.
std::vector<uint64_t> parseSizeList(const nlohmann::json &list, const std::string &what, const std::string &file);

/// Parses a zarr v3 `zarr.json` "data_type" (`int32`, `bfloat16`, `float8_e4m3fn`, ...).
DType parseV3DataType(const nlohmann::json &j, const std::string &file);

/// Canonical bytes (little-endian, NumPy itemsize) of one element holding the "fill_value":
/// null (zero), numbers, booleans, "NaN"/"Infinity"/"-Infinity", [re, im] for complex,
/// "0x..." hex bit patterns (v3) and base64 of the stored bytes (v2; byte order `bigEndian`).
/// Throws Exception{Corrupt} when the value does not fit the dtype.
std::vector<std::byte> parseFillValue(const nlohmann::json &j, DType dtype, bool bigEndian, const std::string &file);

/// Reverses the byte order of every element in place (complex: each half separately).
void byteSwapElements(std::span<std::byte> data, DType dtype);

/// Element bits of a real float dtype closest to `v` (exact when representable; NaN when v is NaN).
/// Used for fill values of bfloat16, float16 and the float8/6/4 families.
uint64_t encodeRealBits(DType dtype, double v);

} // namespace ckpt::zarr
