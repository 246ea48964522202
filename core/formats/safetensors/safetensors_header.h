#pragma once

#include "formats/safetensors/safetensors_dtype.h"
#include "io/random_access.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ckpt::safetensors {

/// Largest header we accept, as the safetensors library does (100 MB); a larger length field is
/// damage, refused before anything is allocated.
inline constexpr uint64_t kMaxHeaderBytes = 100'000'000;

/// One tensor of a header. `begin`/`end` are offsets inside the data section (after the header).
struct TensorEntry {
    std::string name;
    DTypeName dtype;
    std::vector<uint64_t> shape;
    uint64_t begin = 0;
    uint64_t end = 0;
};

/// A validated header: the tensors in the order their data lies in the file.
struct Header {
    std::vector<TensorEntry> tensors;
    std::map<std::string, std::string> metadata; ///< `__metadata__`, empty when absent
    uint64_t dataStart = 0; ///< file offset of the data section: 8 + header length
};

/// True when `src` starts like a safetensors file: a length that fits the file, then `{`.
bool looksLikeSafetensors(const RandomAccess &src);

/// Reads and validates the header of `src` (docs/formats.md, "safetensors"): the length field is
/// at most kMaxHeaderBytes and inside the file; the header is a JSON object; every entry but
/// `__metadata__` has a known dtype, a shape of non-negative integers and data_offsets [begin, end]
/// whose length is exactly shape x element size; the tensors cover the data section from its start
/// to the end of the file without gaps or overlaps; `__metadata__` maps strings to strings.
/// Throws Exception{Corrupt} (Unsupported for an unknown dtype) naming the file, the byte offset
/// (the header key's position where known) and the tensor name as the key path.
Header readHeader(const RandomAccess &src);

} // namespace ckpt::safetensors
