// Fuzz target for the safetensors header parser and reader (core/formats/safetensors). Bad input
// must throw ckpt::Exception and never crash, hang or allocate without bound: the input is the
// whole file, so length fields up to 2^64 and headers of any shape are reached.
//
// Properties checked for every file the reader accepts (a violation aborts with "PROPERTY FAILED"):
//  1. The header's tensors tile the data section: sorted by offset, each begins where the previous
//     ends, the last ends at the end of the input, and each holds exactly shape x element bits / 8.
//  2. Every leaf's readAll() returns numBytes() bytes and its streamed digest equals the SHA-256 of
//     readAll(); the leaf count equals the tensor count.
//  3. A slab (the back half of dimension 0) equals the same box cut out of readAll().
#include "base/error.h"
#include "formats/safetensors/safetensors_header.h"
#include "formats/safetensors/safetensors_reader.h"
#include "fuzz_property.h"
#include "io/random_access.h"
#include "ops/digest.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using ckpt::fuzz::require;

constexpr uint64_t kMaxArrayBytes = 1u << 20;

void checkLeaf(const ckpt::NodePtr &leaf)
{
    const ckpt::ArraySource &src = *leaf->array();
    const ckpt::ArrayInfo &info = src.info();
    if (info.numBytes() > kMaxArrayBytes)
        return;
    const auto all = src.readAll();
    require(all.size() == info.numBytes(), "readAll returns numBytes() bytes");
    ckpt::Sha256 sha;
    sha.update(all);
    require(ckpt::arrayDigest(src) == sha.finishHex(), "streamed digest equals the digest of readAll");
    if (info.shape.empty() || info.shape[0] < 2)
        return;
    ckpt::Slab slab = ckpt::Slab::whole(info.shape);
    slab.start[0] = info.shape[0] / 2;
    slab.count[0] = info.shape[0] - slab.start[0];
    std::vector<std::byte> part(slab.numElements() * ckpt::itemSize(info.dtype)), cut(part.size());
    src.readSlab(slab, part);
    ckpt::copySlab(all, info.shape, ckpt::itemSize(info.dtype), slab, cut);
    require(part == cut, "readSlab equals the box of readAll");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    std::vector<std::byte> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = std::byte(data[i]);
    const auto src = std::make_shared<ckpt::MemoryBytes>(std::move(bytes), "fuzz.safetensors");
    try {
        const ckpt::safetensors::Header h = ckpt::safetensors::readHeader(*src);
        uint64_t at = 0;
        for (const auto &t : h.tensors) {
            require(t.begin == at, "tensors tile the data section");
            uint64_t n = 1;
            for (uint64_t d : t.shape)
                n *= d;
            require(ckpt::safetensors::storedBytes(t.dtype, n) == t.end - t.begin, "tensor size matches its shape");
            at = t.end;
        }
        require(h.dataStart + at == size, "tensors end at the end of the file");
        const auto opened = ckpt::safetensors::readTensors(src, {});
        uint64_t leaves = 0;
        ckpt::forEachLeaf(opened.root, [&](const ckpt::Path &, const ckpt::NodePtr &leaf) {
            if (leaf->kind() == ckpt::NodeKind::Array) {
                ++leaves;
                checkLeaf(leaf);
            }
        });
        require(leaves == h.tensors.size(), "one leaf per tensor");
    } catch (const ckpt::Exception &) { }
    return 0;
}
