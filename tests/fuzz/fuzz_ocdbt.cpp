// Fuzz target for the OCDBT decoders (manifest, B+tree node, version tree node) and, through
// them, the OCDBT writer and reader. The decoders must throw ckpt::Exception on bad input and
// never crash, hang or allocate without bound.
//
// Input layout: byte 0 selects the mode (bits 0-1) and the rewrite variant (bits 2-7), the rest is
// the payload.
//   0       payload is a whole encoded object; every decoder is tried (each checks its magic)
//   1, 2, 3 payload is a raw *body* of a manifest / B+tree node / version node; the fuzzer wraps it
//           in a valid envelope (magic, length, CRC-32C) so mutations reach the body parsers
//
// Properties checked for everything a decoder accepts (a violation aborts with "PROPERTY FAILED"):
//  1. Node round trip: the decoded manifest / B+tree node / version node, encoded again with
//     encodeOcdbtManifest / encodeOcdbtBtreeNode / encodeOcdbtVersionNode (zstd body when variant
//     bit 2 is set; a manifest uses its own config's compression), decodes to an equal structure:
//     every field of the config, data file table (base and relative paths; the "base/" transitive
//     path the node was read with is stripped before encoding and added again by the decoder),
//     versions, version node references, keys, inline values, value and child references and
//     statistics. Re-encoding that decoded structure gives byte-identical output (the encoders are
//     canonical; the decoders accept non-canonical key / path prefix lengths and varints, which is
//     why bytes are only compared from the second encoding on).
//  2. Database round trip: the key/value contents of an accepted B+tree *leaf* node (inline
//     values as stored; out-of-line values of at most 4 KiB get synthetic bytes of their length;
//     the writer refuses empty keys, so those are left out) written with writeOcdbtDatabase into a
//     fresh folder of a per-process scratch directory under $TMPDIR (default /tmp) and re-opened
//     with OcdbtKvStore::open list exactly the same keys, and get() of each gives the same bytes.
//     Variant bits of byte 0 pick the writer's layout: bit 3 a numbered manifest, bit 4 zstd
//     nodes, bits 5-6 maxNodeEntries (all in one leaf, or 2, 3 or 5 per node: multi-level trees),
//     bit 7 maxInlineValueBytes 0 (every value out of line) instead of 1024.
#include "base/error.h"
#include "fuzz_property.h"
#include "io/kvstore/ocdbt_btree.h"
#include "io/kvstore/ocdbt_envelope.h"
#include "io/kvstore/ocdbt_kvstore.h"
#include "io/kvstore/ocdbt_manifest.h"
#include "io/kvstore/ocdbt_version_tree.h"
#include "io/kvstore/ocdbt_writer.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using ckpt::fuzz::propertyFailed;
using ckpt::fuzz::require;

constexpr uint64_t kMaxBody = 1u << 24; // keeps a single run's memory small
constexpr const char *kTransitive = "base/";
/// Out-of-line values up to this length take part in the database round trip.
constexpr uint64_t kMaxSyntheticValue = 4096;
constexpr size_t kMaxDatabaseEntries = 512;

template <typename F> std::optional<std::invoke_result_t<F>> accepted(F &&f)
{
    try {
        return f();
    } catch (const ckpt::Exception &) {
        return std::nullopt;
    }
}

/// Decodes bytes an encoder produced: refusing them is a finding.
template <typename F> auto mustDecode(const char *what, F &&f) -> std::invoke_result_t<F>
{
    try {
        return f();
    } catch (const ckpt::Exception &e) {
        propertyFailed(std::string(what) + ": the decoder refuses what the encoder wrote: " + e.what());
    }
}

bool sameRef(const ckpt::OcdbtRef &a, const ckpt::OcdbtRef &b)
{
    return a.fileId == b.fileId && a.offset == b.offset && a.length == b.length;
}

bool sameVersion(const ckpt::OcdbtVersion &a, const ckpt::OcdbtVersion &b)
{
    return a.generation == b.generation && a.rootHeight == b.rootHeight && sameRef(a.root, b.root)
        && a.numKeys == b.numKeys && a.numTreeBytes == b.numTreeBytes
        && a.numIndirectValueBytes == b.numIndirectValueBytes && a.commitTimeNs == b.commitTimeNs;
}

bool sameNodeRef(const ckpt::OcdbtVersionNodeRef &a, const ckpt::OcdbtVersionNodeRef &b)
{
    return a.generation == b.generation && sameRef(a.location, b.location) && a.numGenerations == b.numGenerations
        && a.commitTimeNs == b.commitTimeNs && a.height == b.height;
}

template <typename T, typename Eq> bool sameList(const std::vector<T> &a, const std::vector<T> &b, Eq &&eq)
{
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (!eq(a[i], b[i]))
            return false;
    return true;
}

bool sameConfig(const ckpt::OcdbtConfig &a, const ckpt::OcdbtConfig &b)
{
    return a.uuid == b.uuid && a.manifestKind == b.manifestKind && a.maxInlineValueBytes == b.maxInlineValueBytes
        && a.maxDecodedNodeBytes == b.maxDecodedNodeBytes && a.versionTreeArityLog2 == b.versionTreeArityLog2
        && a.zstd == b.zstd && (!a.zstd || a.zstdLevel == b.zstdLevel);
}

/// The data file table as written: without the transitive path the decoder prefixed.
std::vector<ckpt::OcdbtDataFile> stripTransitive(std::vector<ckpt::OcdbtDataFile> files)
{
    const std::string prefix = kTransitive;
    for (auto &f : files) {
        require(f.basePath.starts_with(prefix), "decoded data file base path lacks the transitive path");
        f.basePath.erase(0, prefix.size());
    }
    return files;
}

void manifestRoundTrip(const ckpt::OcdbtManifest &m)
{
    const auto encoded = ckpt::encodeOcdbtManifest(m);
    const auto back = mustDecode("manifest", [&] { return ckpt::decodeOcdbtManifest(encoded, "rewritten"); });
    require(sameConfig(m.config, back.config), "manifest round trip: config differs");
    require(m.dataFiles == back.dataFiles, "manifest round trip: data file table differs");
    require(sameList(m.versions, back.versions, sameVersion), "manifest round trip: versions differ");
    require(sameList(m.versionNodes, back.versionNodes, sameNodeRef),
        "manifest round trip: version node references differ");
    require(ckpt::encodeOcdbtManifest(back) == encoded, "manifest encoding is not canonical");
}

bool sameLeaf(const ckpt::OcdbtLeafEntry &a, const ckpt::OcdbtLeafEntry &b)
{
    return a.key == b.key && a.outOfLine == b.outOfLine && (a.outOfLine ? sameRef(a.ref, b.ref) : a.value == b.value);
}

bool sameChild(const ckpt::OcdbtInteriorEntry &a, const ckpt::OcdbtInteriorEntry &b)
{
    return a.key == b.key && a.subtreeCommonPrefixLength == b.subtreeCommonPrefixLength && sameRef(a.child, b.child)
        && a.numKeys == b.numKeys && a.numTreeBytes == b.numTreeBytes
        && a.numIndirectValueBytes == b.numIndirectValueBytes;
}

void btreeRoundTrip(const ckpt::OcdbtBtreeNode &node, bool compress)
{
    ckpt::OcdbtBtreeNode plain = node;
    plain.dataFiles = stripTransitive(node.dataFiles);
    const auto encoded = ckpt::encodeOcdbtBtreeNode(plain, compress);
    const auto back = mustDecode(
        "b-tree node", [&] { return ckpt::decodeOcdbtBtreeNode(encoded, kTransitive, kMaxBody, "rewritten", 0); });
    require(back.height == node.height, "b-tree node round trip: height differs");
    require(back.dataFiles == node.dataFiles, "b-tree node round trip: data file table differs");
    require(sameList(node.leaves, back.leaves, sameLeaf), "b-tree node round trip: leaf entries differ");
    require(sameList(node.children, back.children, sameChild), "b-tree node round trip: interior entries differ");
    ckpt::OcdbtBtreeNode again = back;
    again.dataFiles = stripTransitive(back.dataFiles);
    require(ckpt::encodeOcdbtBtreeNode(again, compress) == encoded, "b-tree node encoding is not canonical");
}

void versionNodeRoundTrip(const ckpt::OcdbtVersionNode &node, bool compress)
{
    ckpt::OcdbtVersionNode plain = node;
    plain.dataFiles = stripTransitive(node.dataFiles);
    const auto encoded = ckpt::encodeOcdbtVersionNode(plain, compress);
    const auto back = mustDecode(
        "version node", [&] { return ckpt::decodeOcdbtVersionNode(encoded, kTransitive, kMaxBody, "rewritten", 0); });
    require(back.arityLog2 == node.arityLog2 && back.height == node.height,
        "version node round trip: arity or height differs");
    require(back.dataFiles == node.dataFiles, "version node round trip: data file table differs");
    require(sameList(node.versions, back.versions, sameVersion), "version node round trip: versions differ");
    require(sameList(node.children, back.children, sameNodeRef), "version node round trip: children differ");
    ckpt::OcdbtVersionNode again = back;
    again.dataFiles = stripTransitive(back.dataFiles);
    require(ckpt::encodeOcdbtVersionNode(again, compress) == encoded, "version node encoding is not canonical");
}

/// Writes the leaf's keys and values as a new database and reads it back through OcdbtKvStore.
void databaseRoundTrip(const ckpt::OcdbtBtreeNode &node, unsigned variant)
{
    if (node.height != 0)
        return;
    std::vector<std::pair<std::string, std::vector<std::byte>>> expected;
    for (const auto &e : node.leaves) {
        if (e.key.empty())
            continue;
        if (!e.outOfLine) {
            expected.emplace_back(e.key, e.value);
        } else if (e.ref.length <= kMaxSyntheticValue) {
            std::vector<std::byte> v(size_t(e.ref.length));
            for (size_t i = 0; i < v.size(); ++i)
                v[i] = std::byte(uint8_t(e.ref.offset + i * 131));
            expected.emplace_back(e.key, std::move(v));
        }
        if (expected.size() >= kMaxDatabaseEntries)
            break;
    }
    if (expected.empty())
        return;
    std::vector<ckpt::OcdbtWriteEntry> entries;
    for (const auto &[k, v] : expected)
        entries.push_back({k, std::make_shared<ckpt::MemoryBytes>(v, "value"), std::nullopt});
    ckpt::OcdbtWriteOptions options;
    options.compress = variant & 2;
    static constexpr size_t kNodeEntries[4] = {1024 * 1024, 2, 3, 5};
    options.maxNodeEntries = kNodeEntries[(variant >> 2) & 3];
    options.maxInlineValueBytes = (variant & 16) ? 0 : 1024;
    options.numberedManifest = variant & 1;
    options.commitTimeNs = 1;
    options.uuid = std::array<uint8_t, 16>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const std::string dir = ckpt::fuzz::ScratchDir::get().fresh();
    try {
        ckpt::writeOcdbtDatabase(dir, std::move(entries), options);
    } catch (const ckpt::Exception &e) {
        propertyFailed(std::string("OCDBT writer refuses the keys of an accepted leaf: ") + e.what());
    }
    std::shared_ptr<const ckpt::OcdbtKvStore> store;
    try {
        store = ckpt::OcdbtKvStore::open(dir);
    } catch (const ckpt::Exception &e) {
        propertyFailed(std::string("OCDBT database round trip: the reader refuses what the writer wrote: ") + e.what());
    }
    const auto keys = store->list("");
    require(keys.size() == expected.size(),
        "OCDBT database round trip: " + std::to_string(expected.size()) + " keys written, "
            + std::to_string(keys.size()) + " listed");
    for (size_t i = 0; i < keys.size(); ++i) {
        require(keys[i] == expected[i].first, "OCDBT database round trip: key " + std::to_string(i) + " differs");
        const auto value = store->get(keys[i]);
        require(value != nullptr, "OCDBT database round trip: listed key has no value");
        std::vector<std::byte> got(size_t(value->size()));
        try {
            value->readAt(0, got);
        } catch (const ckpt::Exception &e) {
            propertyFailed(std::string("OCDBT database round trip: value unreadable: ") + e.what());
        }
        require(got == expected[i].second, "OCDBT database round trip: value of key " + std::to_string(i) + " differs");
    }
}

void decodeAll(std::span<const std::byte> encoded, unsigned variant)
{
    if (auto m = accepted([&] { return ckpt::decodeOcdbtManifest(encoded, "fuzz"); }))
        manifestRoundTrip(*m);
    if (auto n = accepted([&] { return ckpt::decodeOcdbtBtreeNode(encoded, kTransitive, kMaxBody, "fuzz", 0); })) {
        btreeRoundTrip(*n, variant & 1);
        databaseRoundTrip(*n, variant >> 1);
    }
    if (auto v = accepted([&] { return ckpt::decodeOcdbtVersionNode(encoded, kTransitive, kMaxBody, "fuzz", 0); }))
        versionNodeRoundTrip(*v, variant & 1);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::byte> payload(reinterpret_cast<const std::byte *>(data + 1), size - 1);
    const unsigned variant = data[0] >> 2;
    switch (data[0] % 4) {
    case 0: decodeAll(payload, variant); break;
    case 1: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtManifestMagic, payload, false), variant); break;
    case 2: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtBtreeNodeMagic, payload, false), variant); break;
    case 3: decodeAll(ckpt::encodeOcdbtEnvelope(ckpt::kOcdbtVersionNodeMagic, payload, false), variant); break;
    }
    return 0;
}
