#include "io/kvstore/ocdbt_version_tree.h"

#include "base/error.h"
#include "io/byte_reader.h"
#include "io/kvstore/ocdbt_envelope.h"

namespace ckpt {

namespace {

// Reads the data_file_id, offset and length columns of `n` references.
template <typename Get> void readRefColumns(ByteReader &r, size_t numDataFiles, size_t n, Get &&get, bool allowMissing)
{
    for (size_t i = 0; i < n; ++i) {
        get(i).fileId = r.varint();
        r.check("data file id");
        if (get(i).fileId >= numDataFiles)
            r.error("data file id " + std::to_string(get(i).fileId) + " is outside the table of "
                + std::to_string(numDataFiles));
    }
    for (size_t i = 0; i < n; ++i)
        get(i).offset = r.varint();
    for (size_t i = 0; i < n; ++i)
        get(i).length = r.varint();
    r.check("references");
    for (size_t i = 0; i < n; ++i) {
        const OcdbtRef &ref = get(i);
        if (allowMissing && ref.missing())
            continue;
        if (ref.offset + ref.length < ref.offset)
            r.error("reference offset " + std::to_string(ref.offset) + " + length " + std::to_string(ref.length)
                + " overflows");
    }
}

template <typename Get> void writeRefColumns(std::vector<std::byte> &out, size_t n, Get &&get)
{
    for (size_t i = 0; i < n; ++i)
        appendVarint(out, get(i).fileId);
    for (size_t i = 0; i < n; ++i)
        appendVarint(out, get(i).offset);
    for (size_t i = 0; i < n; ++i)
        appendVarint(out, get(i).length);
}

uint64_t readCount(ByteReader &r, uint64_t maxEntries, const char *what)
{
    const uint64_t n = r.varint();
    r.check(what);
    if (n > maxEntries)
        r.error(std::string(what) + ": " + std::to_string(n) + " entries, more than the maximum of "
            + std::to_string(maxEntries));
    if (n > r.remaining())
        r.error(std::string(what) + ": " + std::to_string(n) + " entries, more than the bytes that follow");
    return n;
}

} // namespace

std::vector<OcdbtVersion> readOcdbtVersionEntries(ByteReader &r, size_t numDataFiles, uint64_t maxEntries)
{
    const uint64_t n = readCount(r, maxEntries, "version entries");
    if (n == 0)
        r.error("version entry array is empty");
    std::vector<OcdbtVersion> v(n);
    for (auto &e : v)
        e.generation = r.varint();
    for (auto &e : v)
        e.rootHeight = r.u8();
    r.check("version entries");
    readRefColumns(
        r, numDataFiles, v.size(), [&](size_t i) -> OcdbtRef & { return v[i].root; }, true);
    for (auto &e : v)
        e.numKeys = r.varint();
    for (auto &e : v)
        e.numTreeBytes = r.varint();
    for (auto &e : v)
        e.numIndirectValueBytes = r.varint();
    for (auto &e : v)
        e.commitTimeNs = r.u64le();
    r.check("version entries");
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].generation == 0)
            r.error("version " + std::to_string(i) + " has generation number 0");
        if (i > 0 && v[i].generation <= v[i - 1].generation)
            r.error("version generation numbers are not strictly increasing");
        if (v[i].root.missing() && v[i].rootHeight != 0)
            r.error("empty version " + std::to_string(v[i].generation) + " has a non-zero root height");
    }
    return v;
}

std::vector<OcdbtVersionNodeRef> readOcdbtVersionNodeRefs(
    ByteReader &r, size_t numDataFiles, uint64_t maxEntries, bool withHeight)
{
    const uint64_t n = readCount(r, maxEntries, "version node references");
    std::vector<OcdbtVersionNodeRef> v(n);
    for (auto &e : v)
        e.generation = r.varint();
    r.check("version node references");
    readRefColumns(
        r, numDataFiles, v.size(), [&](size_t i) -> OcdbtRef & { return v[i].location; }, false);
    for (auto &e : v)
        e.numGenerations = r.varint();
    for (auto &e : v)
        e.commitTimeNs = r.u64le();
    if (withHeight)
        for (auto &e : v)
            e.height = r.u8();
    r.check("version node references");
    for (size_t i = 0; i < v.size(); ++i) {
        if (v[i].generation == 0)
            r.error("version node reference " + std::to_string(i) + " has generation number 0");
        if (i > 0 && v[i].generation <= v[i - 1].generation)
            r.error("version node generation numbers are not strictly increasing");
    }
    return v;
}

void writeOcdbtVersionEntries(std::vector<std::byte> &out, const std::vector<OcdbtVersion> &v)
{
    appendVarint(out, v.size());
    for (const auto &e : v)
        appendVarint(out, e.generation);
    for (const auto &e : v)
        out.push_back(std::byte(e.rootHeight));
    writeRefColumns(out, v.size(), [&](size_t i) -> const OcdbtRef & { return v[i].root; });
    for (const auto &e : v)
        appendVarint(out, e.numKeys);
    for (const auto &e : v)
        appendVarint(out, e.numTreeBytes);
    for (const auto &e : v)
        appendVarint(out, e.numIndirectValueBytes);
    for (const auto &e : v)
        appendU64le(out, e.commitTimeNs);
}

void writeOcdbtVersionNodeRefs(std::vector<std::byte> &out, const std::vector<OcdbtVersionNodeRef> &v, bool withHeight)
{
    appendVarint(out, v.size());
    for (const auto &e : v)
        appendVarint(out, e.generation);
    writeRefColumns(out, v.size(), [&](size_t i) -> const OcdbtRef & { return v[i].location; });
    for (const auto &e : v)
        appendVarint(out, e.numGenerations);
    for (const auto &e : v)
        appendU64le(out, e.commitTimeNs);
    if (withHeight)
        for (const auto &e : v)
            out.push_back(std::byte(e.height));
}

OcdbtVersionNode decodeOcdbtVersionNode(std::span<const std::byte> encoded, const std::string &transitivePath,
    uint64_t maxBodyBytes, const std::string &file, uint64_t offset)
{
    const OcdbtBody body = decodeOcdbtEnvelope(encoded, kOcdbtVersionNodeMagic, maxBodyBytes, file, offset);
    return withOcdbtBodyContext(body, [&] {
        ByteReader r(body.bytes, file, 0);
        OcdbtVersionNode node;
        node.arityLog2 = r.u8();
        node.height = r.u8();
        r.check("version tree node header");
        if (node.arityLog2 < 1 || node.arityLog2 > 16)
            r.error("version tree arity log2 " + std::to_string(node.arityLog2) + " is outside [1, 16]");
        if (node.height > ocdbtMaxVersionTreeHeight(node.arityLog2))
            r.error("version tree node height " + std::to_string(node.height) + " exceeds the maximum");
        node.dataFiles = readOcdbtDataFileTable(r, transitivePath);
        const uint64_t maxEntries = uint64_t(1) << node.arityLog2;
        if (node.height == 0) {
            node.versions = readOcdbtVersionEntries(r, node.dataFiles.size(), maxEntries);
        } else {
            node.children = readOcdbtVersionNodeRefs(r, node.dataFiles.size(), maxEntries, false);
            if (node.children.empty())
                r.error("interior version tree node has no children");
            for (auto &c : node.children)
                c.height = uint8_t(node.height - 1);
        }
        if (!r.atEnd())
            r.error("unexpected bytes after the version tree node");
        return node;
    });
}

std::vector<std::byte> encodeOcdbtVersionNode(const OcdbtVersionNode &node, bool compress)
{
    std::vector<std::byte> body;
    body.push_back(std::byte(node.arityLog2));
    body.push_back(std::byte(node.height));
    writeOcdbtDataFileTable(body, node.dataFiles);
    if (node.height == 0)
        writeOcdbtVersionEntries(body, node.versions);
    else
        writeOcdbtVersionNodeRefs(body, node.children, false);
    return encodeOcdbtEnvelope(kOcdbtVersionNodeMagic, body, compress);
}

} // namespace ckpt
