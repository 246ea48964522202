// Fuzz target for the Flax / Orbax msgpack reader. Any input must parse or throw ckpt::Exception,
// never crash, hang or allocate beyond what the input can back. For every input the reader
// accepts, these properties must hold (a violation aborts with "PROPERTY FAILED"):
//
//  1. Digest: every array leaf's arrayDigest() (streamed in pieces) equals the SHA-256 of its
//     readAll() bytes.
//  2. Strict round trip: the tree written by flaxmsgpack::serialize with lists as msgpack arrays
//     re-parses to an equal tree: the same keys in the same order (names vs. list indices), the
//     same kinds, Array leaves with the same dtype, shape and identical canonical bytes (so NaN
//     payloads count) and the same NumPy-scalar (ext 3) marking, Scalars of the same type with
//     bit-identical values, equal strings and bytes.
//     What the writer normalises, and so is not compared: map keys of any msgpack type become
//     strings of the same text, float32 scalars are widened to float64 at read time, ext-4 tuples
//     and msgpack arrays are both Lists, `__msgpack_chunked_array__` maps are one Array leaf.
//  3. Flax round trip: written the Flax way (lists as maps keyed "0", "1", ...) with a small
//     maxChunkBytes, so arrays in dicts are split into `__msgpack_chunked_array__` maps, the
//     bytes re-parse to the same tree with every List read back as a Dict keyed by its indices
//     (chunking adds two nesting levels, so the re-read allows maxDepth + 2).
//  4. The writer is idempotent: writing the re-parsed tree again gives byte-identical output, in
//     both modes.
#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "fuzz_property.h"
#include "ops/digest.h"

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace {

using ckpt::fuzz::propertyFailed;
using ckpt::fuzz::require;

bool sameScalar(const ckpt::Scalar &a, const ckpt::Scalar &b)
{
    using T = ckpt::Scalar::Type;
    if (a.type != b.type)
        return false;
    switch (a.type) {
    case T::Int:
    case T::Bool: return a.i == b.i;
    case T::UInt: return a.u == b.u;
    case T::Float: return std::bit_cast<uint64_t>(a.f) == std::bit_cast<uint64_t>(b.f);
    case T::Complex:
        return std::bit_cast<uint64_t>(a.c.real()) == std::bit_cast<uint64_t>(b.c.real())
            && std::bit_cast<uint64_t>(a.c.imag()) == std::bit_cast<uint64_t>(b.c.imag());
    }
    return false;
}

bool isNpScalar(const ckpt::Node &n)
{
    return n.annotations().count(ckpt::flaxmsgpack::kNumpyScalarAnnotation) != 0;
}

/// Compares `b` (re-parsed) against `a` (original). With `listsAsMaps`, a List of `a` must be a Dict
/// of `b` whose keys are the indices as names.
void expectSame(const ckpt::NodePtr &a, const ckpt::NodePtr &b, ckpt::Path &path, bool listsAsMaps)
{
    const std::string where = "msgpack round trip (" + std::string(listsAsMaps ? "flax" : "strict") + ") at '"
        + ckpt::joinPath(path) + "': ";
    const ckpt::NodeKind expected = listsAsMaps && a->kind() == ckpt::NodeKind::List ? ckpt::NodeKind::Dict : a->kind();
    require(b->kind() == expected,
        where + "kind " + std::string(a->kindName()) + " came back as " + std::string(b->kindName()));
    switch (a->kind()) {
    case ckpt::NodeKind::Dict:
    case ckpt::NodeKind::List: {
        const auto &ca = a->children();
        const auto &cb = b->children();
        require(ca.size() == cb.size(),
            where + std::to_string(ca.size()) + " children came back as " + std::to_string(cb.size()));
        for (size_t i = 0; i < ca.size(); ++i) {
            const bool index = ca[i].key.isIndex() && !listsAsMaps;
            require(ca[i].key.str() == cb[i].key.str() && index == cb[i].key.isIndex(),
                where + "key '" + ca[i].key.str() + "' came back as '" + cb[i].key.str() + "'");
            path.push_back(ca[i].key);
            expectSame(ca[i].node, cb[i].node, path, listsAsMaps);
            path.pop_back();
        }
        break;
    }
    case ckpt::NodeKind::Array: {
        const auto &ia = a->arrayInfo();
        const auto &ib = b->arrayInfo();
        require(ia.dtype == ib.dtype, where + "dtype changed");
        require(ia.shape == ib.shape,
            where + "shape " + ckpt::shapeString(ia.shape) + " came back as " + ckpt::shapeString(ib.shape));
        require(isNpScalar(*a) == isNpScalar(*b), where + "NumPy scalar (ext 3) marking changed");
        require(a->array()->readAll() == b->array()->readAll(), where + "array bytes differ");
        break;
    }
    case ckpt::NodeKind::Scalar:
        require(sameScalar(a->scalar(), b->scalar()),
            where + "scalar " + a->scalar().repr() + " came back as " + b->scalar().repr());
        break;
    case ckpt::NodeKind::String:
    case ckpt::NodeKind::Bytes: require(a->text() == b->text(), where + "text differs"); break;
    case ckpt::NodeKind::None: break;
    }
}

ckpt::NodePtr reparse(
    const std::vector<std::byte> &bytes, const ckpt::flaxmsgpack::ReadLimits &limits, const char *mode)
{
    try {
        return ckpt::flaxmsgpack::parse(std::make_shared<ckpt::MemoryBytes>(bytes, "rewritten"), limits);
    } catch (const ckpt::Exception &e) {
        propertyFailed(
            std::string("msgpack round trip (") + mode + "): the reader refuses what the writer wrote: " + e.what());
    }
}

void roundTrip(const ckpt::NodePtr &root, const ckpt::flaxmsgpack::WriteOptions &options,
    const ckpt::flaxmsgpack::ReadLimits &limits, const char *mode)
{
    const auto written = ckpt::flaxmsgpack::serializeToBytes(root, options);
    const ckpt::NodePtr back = reparse(written, limits, mode);
    ckpt::Path path;
    expectSame(root, back, path, options.listsAsMaps);
    require(ckpt::flaxmsgpack::serializeToBytes(back, options) == written,
        std::string("msgpack writer (") + mode + ") is not idempotent: the re-parsed tree writes different bytes");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto *p = reinterpret_cast<const std::byte *>(data);
    auto src = std::make_shared<ckpt::MemoryBytes>(std::vector<std::byte>(p, p + size), "fuzz");
    const ckpt::flaxmsgpack::ReadLimits limits;
    ckpt::NodePtr root;
    try {
        root = ckpt::flaxmsgpack::parse(src, limits);
        ckpt::forEachLeaf(root, [](const ckpt::Path &path, const ckpt::NodePtr &n) {
            if (n->kind() != ckpt::NodeKind::Array)
                return;
            const auto bytes = n->array()->readAll();
            ckpt::Sha256 sha;
            sha.update(bytes);
            require(ckpt::arrayDigest(*n->array()) == sha.finishHex(),
                "digest of '" + ckpt::joinPath(path) + "' differs from the SHA-256 of its bytes");
        });
    } catch (const ckpt::Exception &) {
        return 0; // refused: nothing to round-trip
    }

    ckpt::flaxmsgpack::WriteOptions strict;
    strict.listsAsMaps = false;
    roundTrip(root, strict, limits, "strict");

    ckpt::flaxmsgpack::WriteOptions flax;
    flax.listsAsMaps = true;
    flax.maxChunkBytes = std::max<uint64_t>(1, root->arrayBytes() / 16);
    ckpt::flaxmsgpack::ReadLimits deeper = limits;
    deeper.maxDepth += 2;
    roundTrip(root, flax, deeper, "flax");
    return 0;
}
