#pragma once

// Checkpoint Studio's HDF5 layout (format version 1). These names and values are an on-disk
// contract with files users already have: never change or reuse them.
//
// * The root group "/" is the pytree root (a dict or a list). File attributes:
//   `ckpt_format` = "checkpoint-studio-hdf5", `ckpt_format_version` = "1".
// * A dict or list is a group (links kept in creation order) with attribute `ckpt_kind` =
//   "dict" | "list"; list members are named "0", "1", ... . An empty dict / empty list is such a
//   group without members; None is an empty group with `ckpt_kind` = "none".
// * A member name is the key, except that "%" -> "%25" and "/" -> "%2F", and "" / "." become
//   "%00" / "%2E"; whenever the name differs from the key, attribute `ckpt_key` holds the key.
// * An array leaf is a dataset with `ckpt_kind` = "array" and `ckpt_dtype` = its NumPy /
//   ml_dtypes name. NumPy dtypes use the types h5py uses (bool: enum int8 {FALSE, TRUE};
//   complex: compound {r, i}; float16: IEEE half). Arrays of at least 64 KiB are chunked (about
//   1 MiB chunks) with shuffle + gzip level 4.
// * dtypes HDF5 and NumPy lack (bfloat16, float8_*, float6_*, float4_*, int4, uint4, int2, uint2) are
//   stored losslessly as their raw bits: bfloat16 as uint16, the others as one byte per element
//   (int8 for the signed int4/int2, uint8 for the rest), with `ckpt_dtype` naming the real dtype.
//   With the widen option the float ones are stored as float32 values instead (exact: every such
//   value is a float32) and `ckpt_stored_as` = "float32" says so; readers narrow them back.
// * A Python scalar is a scalar dataset with `ckpt_kind` = "scalar" (int -> int64, big unsigned ->
//   uint64, float -> float64, bool -> the bool enum, complex -> complex128 compound).
// * A string is a scalar variable-length UTF-8 string dataset with `ckpt_kind` = "string" (a string
//   holding NUL bytes is a uint8 dataset instead); bytes are a 1-D uint8 dataset, `ckpt_kind` = "bytes".

namespace ckpt::hdf5 {

inline constexpr const char *kAttrKind = "ckpt_kind";
inline constexpr const char *kAttrDType = "ckpt_dtype";
inline constexpr const char *kAttrKey = "ckpt_key";
inline constexpr const char *kAttrStoredAs = "ckpt_stored_as";
inline constexpr const char *kAttrFormat = "ckpt_format";
inline constexpr const char *kAttrFormatVersion = "ckpt_format_version";
inline constexpr const char *kFormatName = "checkpoint-studio-hdf5";
inline constexpr const char *kFormatVersion = "1";

} // namespace ckpt::hdf5
