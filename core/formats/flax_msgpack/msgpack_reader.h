#pragma once

#include "base/progress.h"
#include "io/random_access.h"
#include "tree/node.h"

#include <string>

namespace ckpt::flaxmsgpack {

/// Annotation set on a 0-d array that was a NumPy scalar (ext 3) so writers can reproduce it.
inline constexpr const char *kNumpyScalarAnnotation = "msgpack.ext";

/// Limits that keep hostile input cheap to reject.
struct ReadLimits {
    int maxDepth = 256; ///< nesting of maps/arrays/ext payloads
    uint64_t maxStringBytes = 64u << 20; ///< strings and bin leaves kept in memory
};

/// Parses a whole Flax (or Orbax aggregate) msgpack object from `src` lazily: containers,
/// scalars and strings are decoded, array payloads are only located (ArraySource reads them
/// on demand). Maps become Dicts (integer keys as decimal text), msgpack arrays and ext-4
/// tuples become Lists, ext 1/3 arrays become Array leaves, ext 2 a complex Scalar, and
/// `__msgpack_chunked_array__` maps are reassembled into one Array leaf.
/// Throws Exception (Corrupt, Unsupported) naming the file, byte offset and key path.
NodePtr parse(const RandomAccessPtr &src, const ReadLimits &limits = {}, const Progress &progress = {});

/// Opens and parses a file.
NodePtr readFile(const std::string &path, const ReadLimits &limits = {}, const Progress &progress = {});

/// True when the first bytes look like a msgpack map or array (cheap format sniffing).
bool looksLikeMsgpack(const RandomAccess &src);

} // namespace ckpt::flaxmsgpack
