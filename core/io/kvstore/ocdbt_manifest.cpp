#include "io/kvstore/ocdbt_manifest.h"

#include "base/error.h"
#include "io/byte_reader.h"
#include "io/kvstore/ocdbt_envelope.h"

namespace ckpt {

namespace {

constexpr uint64_t kCompressionNone = 0;
constexpr uint64_t kCompressionZstd = 1;

OcdbtConfig readConfig(ByteReader &r)
{
    OcdbtConfig c;
    auto uuid = r.bytes(16);
    r.check("manifest config");
    for (size_t i = 0; i < 16; ++i)
        c.uuid[i] = uint8_t(uuid[i]);
    c.manifestKind = r.u8();
    r.check("manifest config");
    if (c.manifestKind > OcdbtConfig::Numbered)
        r.error("unknown manifest kind " + std::to_string(c.manifestKind));
    const uint64_t maxInline = r.varint();
    const uint64_t maxDecoded = r.varint();
    r.check("manifest config");
    if (maxInline > UINT32_MAX || maxDecoded > UINT32_MAX)
        r.error("manifest config limit does not fit 32 bits");
    c.maxInlineValueBytes = uint32_t(maxInline);
    c.maxDecodedNodeBytes = uint32_t(maxDecoded);
    c.versionTreeArityLog2 = r.u8();
    r.check("manifest config");
    if (c.versionTreeArityLog2 < 1 || c.versionTreeArityLog2 > 16)
        r.error("version tree arity log2 " + std::to_string(c.versionTreeArityLog2) + " is outside [1, 16]");
    const uint64_t method = r.varint();
    r.check("manifest config");
    if (method == kCompressionZstd) {
        c.zstd = true;
        c.zstdLevel = int32_t(r.u32le());
        r.check("manifest config");
    } else if (method == kCompressionNone) {
        c.zstd = false;
    } else {
        r.error("unknown compression method " + std::to_string(method));
    }
    return c;
}

// The newest generation the manifest's node references may hold, per height, as TensorStore lays
// them out: checks that references are plausible for the last inline generation.
void checkVersionNodeRefs(ByteReader &r, const OcdbtManifest &m)
{
    const unsigned arity = m.config.versionTreeArityLog2;
    const unsigned maxHeight = ocdbtMaxVersionTreeHeight(arity);
    const uint64_t last = m.versions.back().generation;
    for (size_t i = 0; i < m.versionNodes.size(); ++i) {
        const auto &e = m.versionNodes[i];
        if (e.height == 0 || e.height > maxHeight)
            r.error("version node reference " + std::to_string(i) + " has height " + std::to_string(e.height)
                + " outside [1, " + std::to_string(maxHeight) + "]");
        if (i > 0 && e.height >= m.versionNodes[i - 1].height)
            r.error("version node reference heights are not strictly decreasing");
        if (e.generation >= m.versions.front().generation || e.generation > last)
            r.error("version node reference " + std::to_string(i) + " holds generation " + std::to_string(e.generation)
                + ", not older than the inline versions");
    }
}

} // namespace

OcdbtManifest decodeOcdbtManifest(std::span<const std::byte> encoded, const std::string &file)
{
    const OcdbtBody body = decodeOcdbtEnvelope(encoded, kOcdbtManifestMagic, kOcdbtMaxManifestBodyBytes, file, 0);
    return withOcdbtBodyContext(body, [&] {
        ByteReader r(body.bytes, file, 0);
        OcdbtManifest m;
        m.config = readConfig(r);
        if (m.config.manifestKind == OcdbtConfig::Single) {
            m.dataFiles = readOcdbtDataFileTable(r, {});
            const unsigned arity = m.config.versionTreeArityLog2;
            m.versions = readOcdbtVersionEntries(r, m.dataFiles.size(), uint64_t(1) << arity);
            // Inline versions never cross a 2^arity block of generations.
            const uint64_t last = m.versions.back().generation;
            const uint64_t minGen = last - ((last - 1) % (uint64_t(1) << arity));
            if (m.versions.front().generation < minGen)
                r.error("inline versions span more than one block of 2^" + std::to_string(arity) + " generations");
            m.versionNodes = readOcdbtVersionNodeRefs(r, m.dataFiles.size(), ocdbtMaxVersionTreeHeight(arity), true);
            checkVersionNodeRefs(r, m);
        }
        if (!r.atEnd())
            r.error("unexpected bytes after the manifest");
        return m;
    });
}

std::vector<std::byte> encodeOcdbtManifest(const OcdbtManifest &m)
{
    std::vector<std::byte> body;
    const OcdbtConfig &c = m.config;
    for (uint8_t b : c.uuid)
        body.push_back(std::byte(b));
    const bool configOnly = c.manifestKind == OcdbtConfig::Numbered && m.versions.empty();
    body.push_back(std::byte(configOnly ? OcdbtConfig::Numbered : OcdbtConfig::Single));
    appendVarint(body, c.maxInlineValueBytes);
    appendVarint(body, c.maxDecodedNodeBytes);
    body.push_back(std::byte(c.versionTreeArityLog2));
    if (c.zstd) {
        appendVarint(body, kCompressionZstd);
        appendU32le(body, uint32_t(c.zstdLevel));
    } else {
        appendVarint(body, kCompressionNone);
    }
    if (!configOnly) {
        writeOcdbtDataFileTable(body, m.dataFiles);
        writeOcdbtVersionEntries(body, m.versions);
        writeOcdbtVersionNodeRefs(body, m.versionNodes, true);
    }
    return encodeOcdbtEnvelope(kOcdbtManifestMagic, body, c.zstd, c.zstdLevel);
}

} // namespace ckpt
