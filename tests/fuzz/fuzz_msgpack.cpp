// Fuzz target for the Flax / Orbax msgpack reader: any input must parse or throw ckpt::Exception,
// never crash, hang or allocate beyond what the input can back. Parsed arrays are read in full
// and re-serialised, so the lazy sources and the writer see hostile shapes too.
#include "base/error.h"
#include "formats/flax_msgpack/msgpack_reader.h"
#include "formats/flax_msgpack/msgpack_writer.h"

#include <cstddef>
#include <cstdint>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const auto *p = reinterpret_cast<const std::byte *>(data);
    auto src = std::make_shared<ckpt::MemoryBytes>(std::vector<std::byte>(p, p + size), "fuzz");
    try {
        ckpt::NodePtr root = ckpt::flaxmsgpack::parse(src);
        ckpt::forEachLeaf(root, [](const ckpt::Path &, const ckpt::NodePtr &n) {
            if (n->kind() == ckpt::NodeKind::Array)
                (void)n->array()->readAll();
        });
        (void)ckpt::flaxmsgpack::serializeToBytes(root);
    } catch (const ckpt::Exception &) { }
    return 0;
}
