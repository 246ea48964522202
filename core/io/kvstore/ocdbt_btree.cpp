#include "io/kvstore/ocdbt_btree.h"

#include "base/error.h"
#include "io/byte_reader.h"
#include "io/kvstore/ocdbt_envelope.h"

#include <algorithm>

namespace ckpt {

namespace {

constexpr uint8_t kInlineValue = 0; // value_kind: on-disk constant
constexpr uint8_t kOutOfLineValue = 1; // value_kind: on-disk constant

// Reads the key columns and returns the keys; fills subtree prefix lengths for interior nodes.
std::vector<std::string> readKeys(ByteReader &r, size_t n, std::vector<uint64_t> *subtreePrefix)
{
    std::vector<uint64_t> prefix(n, 0), suffix(n);
    for (size_t i = 1; i < n; ++i)
        prefix[i] = r.varint();
    for (size_t i = 0; i < n; ++i)
        suffix[i] = r.varint();
    if (subtreePrefix) {
        subtreePrefix->resize(n);
        for (size_t i = 0; i < n; ++i)
            (*subtreePrefix)[i] = r.varint();
    }
    r.check("b-tree node keys");
    std::vector<std::string> keys(n);
    for (size_t i = 0; i < n; ++i) {
        const uint64_t prevLen = i ? keys[i - 1].size() : 0;
        if (prefix[i] > prevLen)
            r.error("key " + std::to_string(i) + ": shared prefix " + std::to_string(prefix[i])
                + " is longer than the previous key");
        if (suffix[i] > kOcdbtMaxPathLength || prefix[i] + suffix[i] > kOcdbtMaxPathLength)
            r.error("key " + std::to_string(i) + " is longer than 65535 bytes");
        const std::string_view sfx = r.chars(size_t(suffix[i]));
        r.check("b-tree node keys");
        std::string key = i ? keys[i - 1].substr(0, size_t(prefix[i])) : std::string();
        key.append(sfx);
        if (i > 0 && !(keys[i - 1] < key))
            r.error("b-tree keys are not strictly increasing at entry " + std::to_string(i));
        if (subtreePrefix && (*subtreePrefix)[i] > key.size())
            r.error("key " + std::to_string(i) + ": subtree common prefix is longer than the key");
        keys[i] = std::move(key);
    }
    return keys;
}

void readLeafValues(ByteReader &r, OcdbtBtreeNode &node, std::vector<std::string> &keys)
{
    const size_t n = keys.size();
    std::vector<uint64_t> lengths(n);
    for (auto &l : lengths)
        l = r.varint();
    node.leaves.resize(n);
    for (size_t i = 0; i < n; ++i) {
        auto &e = node.leaves[i];
        e.key = std::move(keys[i]);
        const uint8_t kind = r.u8();
        r.check("b-tree leaf values");
        if (kind == kInlineValue) {
            if (lengths[i] > kOcdbtMaxInlineValueLength)
                r.error("inline value of " + std::to_string(lengths[i]) + " bytes exceeds the 1 MiB limit");
        } else if (kind == kOutOfLineValue) {
            e.outOfLine = true;
            e.ref.length = lengths[i];
        } else {
            r.error("unknown value kind " + std::to_string(kind));
        }
    }
    for (auto &e : node.leaves)
        if (e.outOfLine) {
            e.ref.fileId = r.varint();
            r.check("b-tree leaf data file ids");
            if (e.ref.fileId >= node.dataFiles.size())
                r.error("data file id " + std::to_string(e.ref.fileId) + " is outside the table of "
                    + std::to_string(node.dataFiles.size()));
        }
    for (auto &e : node.leaves)
        if (e.outOfLine) {
            e.ref.offset = r.varint();
            r.check("b-tree leaf value offsets");
            if (e.ref.offset + e.ref.length < e.ref.offset)
                r.error("value offset + length overflows");
        }
    for (size_t i = 0; i < n; ++i) {
        auto &e = node.leaves[i];
        if (e.outOfLine)
            continue;
        auto bytes = r.bytes(size_t(lengths[i]));
        r.check("b-tree inline values");
        e.value.assign(bytes.begin(), bytes.end());
    }
}

void readInteriorRefs(
    ByteReader &r, OcdbtBtreeNode &node, std::vector<std::string> &keys, const std::vector<uint64_t> &subtreePrefix)
{
    const size_t n = keys.size();
    node.children.resize(n);
    for (size_t i = 0; i < n; ++i) {
        node.children[i].key = std::move(keys[i]);
        node.children[i].subtreeCommonPrefixLength = subtreePrefix[i];
    }
    for (auto &c : node.children) {
        c.child.fileId = r.varint();
        r.check("b-tree child data file ids");
        if (c.child.fileId >= node.dataFiles.size())
            r.error("data file id " + std::to_string(c.child.fileId) + " is outside the table of "
                + std::to_string(node.dataFiles.size()));
    }
    for (auto &c : node.children)
        c.child.offset = r.varint();
    for (auto &c : node.children)
        c.child.length = r.varint();
    for (auto &c : node.children)
        c.numKeys = r.varint();
    for (auto &c : node.children)
        c.numTreeBytes = r.varint();
    for (auto &c : node.children)
        c.numIndirectValueBytes = r.varint();
    r.check("b-tree child references");
    for (auto &c : node.children)
        if (c.child.offset + c.child.length < c.child.offset)
            r.error("child offset + length overflows");
}

} // namespace

OcdbtBtreeNode decodeOcdbtBtreeNode(std::span<const std::byte> encoded, const std::string &transitivePath,
    uint64_t maxBodyBytes, const std::string &file, uint64_t offset)
{
    const OcdbtBody body = decodeOcdbtEnvelope(encoded, kOcdbtBtreeNodeMagic, maxBodyBytes, file, offset);
    return withOcdbtBodyContext(body, [&] {
        ByteReader r(body.bytes, file, 0);
        OcdbtBtreeNode node;
        node.height = r.u8();
        r.check("b-tree node header");
        node.dataFiles = readOcdbtDataFileTable(r, transitivePath);
        const uint64_t n = r.varint();
        r.check("b-tree node entry count");
        if (n == 0)
            r.error("empty b-tree node");
        if (n > kOcdbtMaxNodeEntries)
            r.error("b-tree node has " + std::to_string(n) + " entries, more than the limit of 1048576");
        if (n > r.remaining())
            r.error("b-tree node declares " + std::to_string(n) + " entries, more than the bytes that follow");
        std::vector<uint64_t> subtreePrefix;
        auto keys = readKeys(r, size_t(n), node.height > 0 ? &subtreePrefix : nullptr);
        if (node.height == 0)
            readLeafValues(r, node, keys);
        else
            readInteriorRefs(r, node, keys, subtreePrefix);
        if (!r.atEnd())
            r.error("unexpected bytes after the b-tree node");
        return node;
    });
}

namespace {
template <typename Entries> void writeKeys(std::vector<std::byte> &out, const Entries &entries, bool interior)
{
    const size_t n = entries.size();
    std::vector<size_t> prefix(n, 0);
    for (size_t i = 1; i < n; ++i) {
        const std::string &a = entries[i - 1].key, &b = entries[i].key;
        prefix[i] = size_t(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin());
        appendVarint(out, prefix[i]);
    }
    for (size_t i = 0; i < n; ++i)
        appendVarint(out, entries[i].key.size() - prefix[i]);
    if constexpr (std::is_same_v<typename Entries::value_type, OcdbtInteriorEntry>)
        if (interior)
            for (const auto &e : entries)
                appendVarint(out, e.subtreeCommonPrefixLength);
    for (size_t i = 0; i < n; ++i)
        appendString(out, std::string_view(entries[i].key).substr(prefix[i]));
}
} // namespace

std::vector<std::byte> encodeOcdbtBtreeNode(const OcdbtBtreeNode &node, bool compress, int zstdLevel)
{
    std::vector<std::byte> body;
    body.push_back(std::byte(node.height));
    writeOcdbtDataFileTable(body, node.dataFiles);
    if (node.height == 0) {
        appendVarint(body, node.leaves.size());
        writeKeys(body, node.leaves, false);
        for (const auto &e : node.leaves)
            appendVarint(body, e.outOfLine ? e.ref.length : e.value.size());
        for (const auto &e : node.leaves)
            body.push_back(std::byte(e.outOfLine ? kOutOfLineValue : kInlineValue));
        for (const auto &e : node.leaves)
            if (e.outOfLine)
                appendVarint(body, e.ref.fileId);
        for (const auto &e : node.leaves)
            if (e.outOfLine)
                appendVarint(body, e.ref.offset);
        for (const auto &e : node.leaves)
            if (!e.outOfLine)
                appendBytes(body, e.value);
    } else {
        appendVarint(body, node.children.size());
        writeKeys(body, node.children, true);
        for (const auto &c : node.children)
            appendVarint(body, c.child.fileId);
        for (const auto &c : node.children)
            appendVarint(body, c.child.offset);
        for (const auto &c : node.children)
            appendVarint(body, c.child.length);
        for (const auto &c : node.children)
            appendVarint(body, c.numKeys);
        for (const auto &c : node.children)
            appendVarint(body, c.numTreeBytes);
        for (const auto &c : node.children)
            appendVarint(body, c.numIndirectValueBytes);
    }
    return encodeOcdbtEnvelope(kOcdbtBtreeNodeMagic, body, compress, zstdLevel);
}

} // namespace ckpt
