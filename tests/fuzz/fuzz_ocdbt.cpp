// Fuzz target for the OCDBT decoders (manifest, B+tree node, version tree node). They must throw
// ckpt::Exception on bad input and never crash, hang or allocate without bound.
//
// Input layout: byte 0 selects the mode, the rest is the payload.
//   0       payload is a whole encoded object; every decoder is tried (each checks its magic)
//   1, 2, 3 payload is a raw *body* of a manifest / B+tree node / version node; the fuzzer wraps it
//           in a valid envelope (magic, length, CRC-32C) so mutations reach the body parsers
#include "base/error.h"
#include "io/kvstore/ocdbt_btree.h"
#include "io/kvstore/ocdbt_envelope.h"
#include "io/kvstore/ocdbt_manifest.h"
#include "io/kvstore/ocdbt_version_tree.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace {

constexpr uint64_t kMaxBody = 1u << 24; // keeps a single run's memory small

template <typename F> void guarded(F &&f)
{
    try {
        f();
    } catch (const ckpt::Exception &) { }
}

void decodeAll(std::span<const std::byte> encoded)
{
    guarded([&] { ckpt::decodeOcdbtManifest(encoded, "fuzz"); });
    guarded([&] { ckpt::decodeOcdbtBtreeNode(encoded, "base/", kMaxBody, "fuzz", 0); });
    guarded([&] { ckpt::decodeOcdbtVersionNode(encoded, "", kMaxBody, "fuzz", 0); });
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::byte> payload(reinterpret_cast<const std::byte *>(data + 1), size - 1);
    switch (data[0] % 4) {
    case 0: decodeAll(payload); break;
    case 1: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtManifestMagic, payload, false)); break;
    case 2: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtBtreeNodeMagic, payload, false)); break;
    case 3: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtVersionNodeMagic, payload, false)); break;
    }
    return 0;
}
