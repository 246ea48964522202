#include "formats/flax_msgpack/chunked_array.h"

#include "base/error.h"
#include "io/flat_array_source.h"

namespace ckpt::flaxmsgpack {

NodePtr assembleChunkedArray(const Node &dict)
{
    auto shapeNode = dict.child("shape");
    auto chunksNode = dict.child("chunks");
    if (!shapeNode || !chunksNode || !shapeNode->isContainer() || !chunksNode->isContainer())
        fail(ErrorCategory::Corrupt, "chunked array map needs 'shape' and 'chunks' maps");
    ArrayInfo info;
    const auto &dims = shapeNode->children();
    for (size_t i = 0; i < dims.size(); ++i) {
        auto d = shapeNode->child(std::to_string(i));
        if (!d || d->kind() != NodeKind::Scalar || d->scalar().type != Scalar::Type::Int || d->scalar().i < 0)
            fail(ErrorCategory::Corrupt, "chunked array shape entry " + std::to_string(i) + " is missing or invalid");
        info.shape.push_back(uint64_t(d->scalar().i));
    }
    std::vector<FlatArraySource::Piece> pieces;
    const auto &chunks = chunksNode->children();
    bool haveDtype = false;
    for (size_t i = 0; i < chunks.size(); ++i) {
        auto c = chunksNode->child(std::to_string(i));
        if (!c || c->kind() != NodeKind::Array)
            fail(ErrorCategory::Corrupt, "chunked array piece " + std::to_string(i) + " is missing or not an array");
        const ArrayInfo &ci = c->arrayInfo();
        if (haveDtype && ci.dtype != info.dtype)
            fail(ErrorCategory::Corrupt, "chunked array pieces have different dtypes");
        info.dtype = ci.dtype;
        haveDtype = true;
        auto flat = std::dynamic_pointer_cast<const FlatArraySource>(c->array());
        if (!flat)
            fail(ErrorCategory::Corrupt, "chunked array piece is not stored inline");
        for (const auto &p : flat->pieces())
            pieces.push_back(p);
    }
    if (!haveDtype) {
        // Flax never writes a chunked array with no pieces (it only chunks arrays above 1 GiB).
        fail(ErrorCategory::Corrupt, "chunked array has no pieces");
    }
    return Node::makeArray(std::make_shared<FlatArraySource>(std::move(info), std::move(pieces)));
}

} // namespace ckpt::flaxmsgpack
