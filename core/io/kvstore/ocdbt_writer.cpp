#include "io/kvstore/ocdbt_writer.h"

#include "base/error.h"
#include "io/kvstore/ocdbt_btree.h"
#include "io/kvstore/ocdbt_data_file_table.h"
#include "io/kvstore/ocdbt_envelope.h"
#include "io/kvstore/ocdbt_manifest.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace ckpt {

namespace {

constexpr const char *kDataDir = "d/"; // TensorStore's default data prefix

// An output file written with write(2) and fsync'ed on close.
class OutFile {
public:
    explicit OutFile(std::string path)
        : m_path(std::move(path))
    {
        m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (m_fd < 0)
            fail(ErrorCategory::Io, std::string("cannot create: ") + std::strerror(errno), m_path);
    }
    ~OutFile()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    void write(std::span<const std::byte> bytes)
    {
        size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t n = ::write(m_fd, bytes.data() + done, bytes.size() - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                fail(ErrorCategory::Io, std::string("write failed: ") + std::strerror(errno), m_path, m_size);
            done += size_t(n);
            m_size += uint64_t(n);
        }
    }
    void close()
    {
        if (::fsync(m_fd) != 0 || ::close(m_fd) != 0) {
            m_fd = -1;
            fail(ErrorCategory::Io, std::string("cannot finish writing: ") + std::strerror(errno), m_path);
        }
        m_fd = -1;
    }
    uint64_t size() const { return m_size; }

private:
    std::string m_path;
    int m_fd = -1;
    uint64_t m_size = 0;
};

std::string commonPrefix(const std::string &a, const std::string &b)
{
    return a.substr(0, size_t(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first - a.begin()));
}

// A finished subtree, as its parent refers to it.
struct Subtree {
    std::string firstKey, lastKey; // full keys
    OcdbtRef ref;
    uint64_t numKeys = 0, numTreeBytes = 0, numIndirectValueBytes = 0;
};

struct LeafInput {
    std::string key;
    bool outOfLine = false;
    OcdbtDataFile file;
    uint64_t offset = 0, length = 0;
    std::vector<std::byte> value;
};

void writeAtomically(const std::string &dir, const std::string &name, std::span<const std::byte> bytes)
{
    const std::string tmp = dir + "/" + name + ".tmp-" + randomOcdbtFileName();
    OutFile f(tmp);
    f.write(bytes);
    f.close();
    if (::rename(tmp.c_str(), (dir + "/" + name).c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(ErrorCategory::Io, std::string("cannot rename into place: ") + std::strerror(err), dir + "/" + name);
    }
}

} // namespace

std::string randomOcdbtFileName()
{
    static thread_local std::mt19937_64 rng{
        std::random_device{}() ^ uint64_t(std::chrono::steady_clock::now().time_since_epoch().count())};
    char buf[33];
    const uint64_t a = rng(), b = rng();
    std::snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
    return buf;
}

void writeOcdbtDatabase(const std::string &dir, std::vector<OcdbtWriteEntry> entries, const OcdbtWriteOptions &opt)
{
    if (opt.maxNodeEntries < 2 || opt.maxNodeEntries > kOcdbtMaxNodeEntries)
        fail(ErrorCategory::InvalidArgument, "maxNodeEntries must be in [2, 1048576]");
    std::sort(entries.begin(), entries.end(), [](const auto &a, const auto &b) { return a.key < b.key; });
    for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].key.size() > kOcdbtMaxPathLength)
            fail(ErrorCategory::InvalidArgument, "OCDBT key longer than 65535 bytes");
        if (i > 0 && entries[i].key == entries[i - 1].key)
            fail(ErrorCategory::InvalidArgument, "key \"" + entries[i].key + "\" given twice");
        if (!entries[i].value && !entries[i].existing)
            fail(ErrorCategory::InvalidArgument, "key \"" + entries[i].key + "\" has no value");
        if (entries[i].existing)
            validateOcdbtDataFilePath(entries[i].existing->relativePath, "(write request)", 0);
    }
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir) / "d", ec);
    if (ec)
        fail(ErrorCategory::Io, "cannot create directory: " + ec.message(), dir);
    if (std::filesystem::exists(std::filesystem::path(dir) / "manifest.ocdbt"))
        fail(ErrorCategory::InvalidArgument, "an OCDBT database already exists here", dir + "/manifest.ocdbt");

    // 1. Values: small ones inline, the rest appended to one new data file.
    std::vector<LeafInput> leaves(entries.size());
    std::optional<OutFile> valueFile;
    const OcdbtDataFile valueFileId{"", kDataDir + randomOcdbtFileName()};
    uint64_t indirectBytes = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
        auto &in = entries[i];
        auto &out = leaves[i];
        out.key = in.key;
        if (in.existing) {
            out.outOfLine = true;
            out.file = {"", in.existing->relativePath};
            out.offset = in.existing->offset;
            out.length = in.existing->length;
        } else if (in.value->size() <= opt.maxInlineValueBytes && in.value->size() <= kOcdbtMaxInlineValueLength) {
            out.value = in.value->readRange(0, in.value->size());
        } else {
            if (!valueFile)
                valueFile.emplace(dir + "/" + valueFileId.path());
            out.outOfLine = true;
            out.file = valueFileId;
            out.offset = valueFile->size();
            out.length = in.value->size();
            constexpr uint64_t kChunk = 16u << 20;
            for (uint64_t pos = 0; pos < out.length; pos += kChunk)
                valueFile->write(in.value->readRange(pos, std::min(kChunk, out.length - pos)));
        }
        if (out.outOfLine)
            indirectBytes += out.length;
    }
    if (valueFile)
        valueFile->close();

    // 2. B+tree nodes, bottom-up, all in one node file.
    const OcdbtDataFile nodeFileId{"", kDataDir + randomOcdbtFileName()};
    std::optional<OutFile> nodeFile;
    if (!leaves.empty())
        nodeFile.emplace(dir + "/" + nodeFileId.path());
    const size_t per = opt.maxNodeEntries;
    auto emit = [&](const OcdbtBtreeNode &node) {
        auto bytes = encodeOcdbtBtreeNode(node, opt.compress, opt.zstdLevel);
        OcdbtRef ref{0, nodeFile->size(), bytes.size()};
        nodeFile->write(bytes);
        return ref;
    };
    std::vector<Subtree> level;
    uint8_t height = 0;
    const size_t numLeaves = std::max<size_t>(1, (leaves.size() + per - 1) / per);
    for (size_t n = 0; n < numLeaves && !leaves.empty(); ++n) {
        const size_t begin = n * per, end = std::min(leaves.size(), begin + per);
        const std::string prefix
            = numLeaves == 1 ? std::string() : commonPrefix(leaves[begin].key, leaves[end - 1].key);
        OcdbtBtreeNode node;
        for (size_t i = begin; i < end; ++i)
            if (leaves[i].outOfLine)
                node.dataFiles.push_back(leaves[i].file);
        std::sort(node.dataFiles.begin(), node.dataFiles.end(), [](const auto &a, const auto &b) {
            return a.basePath != b.basePath ? a.basePath < b.basePath : a.relativePath < b.relativePath;
        });
        node.dataFiles.erase(std::unique(node.dataFiles.begin(), node.dataFiles.end()), node.dataFiles.end());
        Subtree st;
        for (size_t i = begin; i < end; ++i) {
            OcdbtLeafEntry e;
            e.key = leaves[i].key.substr(prefix.size());
            e.outOfLine = leaves[i].outOfLine;
            if (e.outOfLine) {
                e.ref.fileId = uint64_t(
                    std::find(node.dataFiles.begin(), node.dataFiles.end(), leaves[i].file) - node.dataFiles.begin());
                e.ref.offset = leaves[i].offset;
                e.ref.length = leaves[i].length;
                st.numIndirectValueBytes += e.ref.length;
            } else {
                e.value = std::move(leaves[i].value);
            }
            node.leaves.push_back(std::move(e));
        }
        st.firstKey = leaves[begin].key;
        st.lastKey = leaves[end - 1].key;
        st.numKeys = end - begin;
        st.ref = emit(node);
        st.numTreeBytes = st.ref.length;
        level.push_back(std::move(st));
    }
    while (level.size() > 1) {
        ++height;
        std::vector<Subtree> parents;
        const size_t numParents = (level.size() + per - 1) / per;
        for (size_t n = 0; n < numParents; ++n) {
            const size_t begin = n * per, end = std::min(level.size(), begin + per);
            const std::string prefix
                = numParents == 1 ? std::string() : commonPrefix(level[begin].firstKey, level[end - 1].lastKey);
            OcdbtBtreeNode node;
            node.height = height;
            node.dataFiles = {nodeFileId};
            Subtree st;
            for (size_t i = begin; i < end; ++i) {
                const Subtree &c = level[i];
                const std::string childPrefix = commonPrefix(c.firstKey, c.lastKey); // as the child was encoded
                OcdbtInteriorEntry e;
                e.key = c.firstKey.substr(prefix.size());
                e.subtreeCommonPrefixLength = childPrefix.size() - prefix.size();
                e.child = c.ref;
                e.numKeys = c.numKeys;
                e.numTreeBytes = c.numTreeBytes;
                e.numIndirectValueBytes = c.numIndirectValueBytes;
                st.numKeys += c.numKeys;
                st.numTreeBytes += c.numTreeBytes;
                st.numIndirectValueBytes += c.numIndirectValueBytes;
                node.children.push_back(std::move(e));
            }
            st.firstKey = level[begin].firstKey;
            st.lastKey = level[end - 1].lastKey;
            st.ref = emit(node);
            st.numTreeBytes += st.ref.length;
            parents.push_back(std::move(st));
        }
        level = std::move(parents);
    }
    if (nodeFile)
        nodeFile->close();

    // 3. Manifest.
    OcdbtManifest m;
    m.config.uuid = opt.uuid ? *opt.uuid : std::array<uint8_t, 16>{};
    if (!opt.uuid) {
        const std::string hex = randomOcdbtFileName();
        for (size_t i = 0; i < 16; ++i)
            m.config.uuid[i] = uint8_t(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    }
    m.config.manifestKind = OcdbtConfig::Single;
    m.config.maxInlineValueBytes = opt.maxInlineValueBytes;
    m.config.maxDecodedNodeBytes = opt.maxDecodedNodeBytes;
    m.config.versionTreeArityLog2 = opt.versionTreeArityLog2;
    m.config.zstd = opt.compress;
    m.config.zstdLevel = opt.zstdLevel;
    OcdbtVersion v;
    v.generation = 1;
    v.commitTimeNs = opt.commitTimeNs ? opt.commitTimeNs
                                      : uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                                     .count());
    if (level.empty()) {
        m.dataFiles = {OcdbtDataFile{}}; // an empty tree still names a (never read) file
        v.root = OcdbtRef{0, UINT64_MAX, UINT64_MAX};
    } else {
        m.dataFiles = {nodeFileId};
        v.rootHeight = height;
        v.root = level.front().ref;
        v.numKeys = level.front().numKeys;
        v.numTreeBytes = level.front().numTreeBytes;
        v.numIndirectValueBytes = indirectBytes;
    }
    m.versions = {v};
    if (opt.numberedManifest) {
        char name[32];
        std::snprintf(name, sizeof name, "manifest.%016llx", 1ull);
        writeAtomically(dir, name, encodeOcdbtManifest(m));
        OcdbtManifest configOnly;
        configOnly.config = m.config;
        configOnly.config.manifestKind = OcdbtConfig::Numbered;
        writeAtomically(dir, "manifest.ocdbt", encodeOcdbtManifest(configOnly));
    } else {
        writeAtomically(dir, "manifest.ocdbt", encodeOcdbtManifest(m));
    }
}

} // namespace ckpt
