#include "base/error.h"
#include "io/codecs/crc32c.h"
#include "io/codecs/zstd_codec.h"
#include "io/file.h"
#include "io/kvstore/ocdbt_btree.h"
#include "io/kvstore/ocdbt_database.h"
#include "io/kvstore/ocdbt_envelope.h"
#include "io/kvstore/ocdbt_kvstore.h"
#include "io/kvstore/ocdbt_manifest.h"
#include "io/kvstore/ocdbt_writer.h"

#include "corpus_paths.h"
#include "test_files.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

using namespace ckpt;
namespace fs = std::filesystem;

using testfiles::writeFile;

namespace {

using testcorpus::kCorpus;
const std::string &kDirect = testcorpus::kCompatDirect;
const std::string kSar = kCorpus + "/orbax_ocdbt_zarr2/sar2652_polynomial_expansion/1/default";

std::vector<std::byte> readBytes(const std::string &path)
{
    return File::open(path)->readAll();
}

std::string asString(const RandomAccess &r)
{
    auto b = r.readRange(0, r.size());
    return std::string(reinterpret_cast<const char *>(b.data()), b.size());
}

std::vector<std::byte> bytesOf(std::string_view s)
{
    const auto *p = reinterpret_cast<const std::byte *>(s.data());
    return std::vector<std::byte>(p, p + s.size());
}

std::shared_ptr<const MemoryBytes> mem(std::string_view s)
{
    return std::make_shared<MemoryBytes>(bytesOf(s), "t");
}

// Runs f and returns the Error it throws; records a test failure when it throws nothing.
std::optional<Error> errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Exception &e) {
        return e.error();
    }
    return std::nullopt;
}

std::vector<std::string> ocdbtDatabasesInCorpus()
{
    std::vector<std::string> dirs;
    for (const char *sub : {"orbax_ocdbt_zarr2", "orbax_ocdbt_zarr3"}) {
        const fs::path root = fs::path(kCorpus) / sub;
        if (!fs::exists(root))
            continue;
        for (const auto &e : fs::recursive_directory_iterator(root))
            if (e.path().filename() == "manifest.ocdbt")
                dirs.push_back(e.path().parent_path().string());
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

// Copies a database folder into `dst` (test-time scratch, never the repository).
void copyTree(const std::string &src, const std::string &dst)
{
    fs::copy(src, dst, fs::copy_options::recursive);
}

std::string textOf(const std::vector<std::byte> &b)
{
    return std::string(reinterpret_cast<const char *>(b.data()), b.size());
}

} // namespace

class TestOcdbt : public QObject {
    Q_OBJECT
private slots:
    void corpusDirectItem();
    void corpusEveryDatabase();
    void corpusOutOfLineValues();
    void corpusPerProcessDatabases();
    void truncatedManifestsFail();
    void flippedBytesFailWithCrc();
    void flippedNodeByteNamesNodeFile();
    void missingNodeFile();
    void missingValueFile();
    void refusesEscapingDataFilePaths();
    void writerRoundTrip();
    void writerMatchesCorpusLeaf();
    void writerMultiLevelTree();
    void writerEmptyDatabase();
    void writerRefusesBadInput();
    void numberedManifests();
    void versionTreeNodes();
    void bodyErrorsNameTheirPlace();
};

void TestOcdbt::corpusDirectItem()
{
    if (!fs::exists(kDirect))
        QSKIP("corpus not available");
    auto store = OcdbtKvStore::open(kDirect);
    const std::vector<std::string> keys{"a/.zarray", "a/0", "b.c/.zarray", "b.c/0"};
    QCOMPARE(store->list(), keys);
    QCOMPARE(store->list("b"), (std::vector<std::string>{"b.c/.zarray", "b.c/0"}));
    QCOMPARE(store->list("a/0"), (std::vector<std::string>{"a/0"}));
    QVERIFY(store->list("c").empty());
    QCOMPARE(store->keyCount(), size_t(4));
    QCOMPARE(store->outOfLineCount(), size_t(0));
    QVERIFY(store->valueFiles().empty());
    QCOMPARE(store->version().generation, uint64_t(1));
    QCOMPARE(store->version().numKeys, uint64_t(4));
    QCOMPARE(store->config().maxInlineValueBytes, uint32_t(1024));
    QCOMPARE(store->config().maxDecodedNodeBytes, uint32_t(100000000));
    QCOMPARE(int(store->config().versionTreeArityLog2), 4);
    QCOMPARE(QString::fromStdString(store->describe()), QString::fromStdString("ocdbt:" + kDirect));
    QVERIFY(!store->get("a/1"));
    QVERIFY(store->fingerprint("a/0").empty()); // inline

    auto zarray = nlohmann::json::parse(asString(*store->get("a/.zarray")));
    QCOMPARE(zarray["shape"], nlohmann::json::array({8}));
    QCOMPARE(zarray["dtype"].get<std::string>(), std::string("<i4"));
    // a = int32 arange(8), one zstd frame without content size.
    auto chunk = store->get("a/0");
    QCOMPARE(QString::fromStdString(chunk->name()), QString::fromStdString("ocdbt:" + kDirect + "/a/0"));
    auto raw = zstdDecompress(chunk->readRange(0, chunk->size()), 32, chunk->name());
    QCOMPARE(raw.size(), size_t(32));
    for (int i = 0; i < 8; ++i)
        QCOMPARE(int(raw[size_t(4 * i)]), i);
    auto bc = zstdDecompress(store->get("b.c/0")->readRange(0, store->get("b.c/0")->size()), 12, "b.c/0");
    QCOMPARE(int(bc[0]), 1);
    QCOMPARE(int(bc[4]), 2);
    QCOMPARE(int(bc[8]), 3);
}

void TestOcdbt::corpusEveryDatabase()
{
    const auto dirs = ocdbtDatabasesInCorpus();
    if (dirs.empty())
        QSKIP("corpus not available");
    QVERIFY(dirs.size() >= 60);
    size_t processDbs = 0, multiGeneration = 0;
    for (const auto &dir : dirs) {
        std::shared_ptr<const OcdbtKvStore> store;
        try {
            store = OcdbtKvStore::open(dir);
        } catch (const Exception &e) {
            QFAIL(qPrintable(QString::fromStdString(dir + ": " + e.what())));
        }
        QVERIFY2(store->keyCount() >= 4, dir.c_str());
        QCOMPARE(store->version().numKeys, uint64_t(store->keyCount()));
        size_t metadataDocs = 0;
        uint64_t indirect = 0;
        for (const auto &key : store->list()) {
            auto v = store->get(key);
            QVERIFY2(v, key.c_str());
            auto bytes = v->readRange(0, v->size());
            if (!store->fingerprint(key).empty())
                indirect += v->size();
            if (key.ends_with(".zarray") || key.ends_with("zarr.json")) {
                auto j = nlohmann::json::parse(textOf(bytes), nullptr, false);
                QVERIFY2(!j.is_discarded() && j.contains("zarr_format"), (dir + " " + key).c_str());
                ++metadataDocs;
            }
        }
        QVERIFY2(metadataDocs >= 2, dir.c_str());
        QCOMPARE(store->version().numIndirectValueBytes, indirect);
        const auto history = readOcdbtVersionHistory(dir);
        QCOMPARE(history.back().generation, store->version().generation);
        if (history.size() > 1)
            ++multiGeneration;
        if (fs::path(dir).filename().string().starts_with("ocdbt.process_"))
            ++processDbs;
    }
    QVERIFY(processDbs >= 30);
    QVERIFY(multiGeneration >= 30); // per-process databases commit once per array
}

void TestOcdbt::corpusOutOfLineValues()
{
    if (!fs::exists(kSar))
        QSKIP("corpus not available");
    auto store = OcdbtKvStore::open(kSar);
    QCOMPARE(store->keyCount(), size_t(268));
    QCOMPARE(store->outOfLineCount(), size_t(79));
    const auto files = store->valueFiles();
    QVERIFY(!files.empty());
    for (const auto &f : files) // the merged root points into the per-process data files
        QVERIFY2(f.starts_with(kSar + "/ocdbt.process_0/d/"), f.c_str());
    size_t checked = 0;
    for (const auto &key : store->list()) {
        const std::string fp = store->fingerprint(key);
        if (fp.empty())
            continue;
        auto v = store->get(key);
        QVERIFY(fp.starts_with(kSar + "/ocdbt.process_0/d/"));
        QVERIFY(fp.ends_with(":" + std::to_string(v->size())));
        QCOMPARE(QString::fromStdString(v->name()).left(int(kSar.size())), QString::fromStdString(kSar));
        // Every out-of-line chunk is a zarr v2 zstd chunk of the size its .zarray declares.
        const std::string array = key.substr(0, key.rfind('/'));
        auto meta = nlohmann::json::parse(asString(*store->get(array + "/.zarray")));
        uint64_t elems = 1;
        for (auto c : meta["chunks"])
            elems *= c.get<uint64_t>();
        const std::string dtype = meta["dtype"];
        const uint64_t itemsize = std::stoull(dtype.substr(2));
        auto raw = zstdDecompress(v->readRange(0, v->size()), elems * itemsize, v->name(), v->baseOffset());
        QCOMPARE(uint64_t(raw.size()), elems * itemsize);
        ++checked;
    }
    QCOMPARE(checked, size_t(79));
}

void TestOcdbt::corpusPerProcessDatabases()
{
    if (!fs::exists(kSar))
        QSKIP("corpus not available");
    QCOMPARE(listOcdbtProcessDatabases(kSar), std::vector<std::string>{kSar + "/ocdbt.process_0"});
    QVERIFY(listOcdbtProcessDatabases(kSar + "/d").empty());
    QVERIFY(listOcdbtProcessDatabases(kSar + "/no_such_dir").empty());
    auto root = OcdbtKvStore::open(kSar);
    auto proc = openOcdbtProcessDatabase(kSar, "0");
    QCOMPARE(proc->version().generation, uint64_t(6));
    QCOMPARE(readOcdbtVersionHistory(proc->directory()).size(), size_t(6));
    // The merged root holds exactly the per-process keys, with identical bytes.
    QCOMPARE(proc->list(), root->list());
    for (const auto &key : root->list()) {
        auto a = root->get(key), b = proc->get(key);
        QCOMPARE(a->readRange(0, a->size()), b->readRange(0, b->size()));
        QCOMPARE(root->fingerprint(key), proc->fingerprint(key));
    }
    auto err = errorOf([&] { openOcdbtProcessDatabase(kSar, "7"); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::MissingData));
}

void TestOcdbt::truncatedManifestsFail()
{
    const auto dirs = ocdbtDatabasesInCorpus();
    if (dirs.empty())
        QSKIP("corpus not available");
    for (const std::string &dir : {kDirect, kSar, kSar + "/ocdbt.process_0"}) {
        const std::string path = dir + "/manifest.ocdbt";
        const auto bytes = readBytes(path);
        for (size_t n = 0; n < bytes.size(); ++n) {
            auto err = errorOf([&] { decodeOcdbtManifest(std::span(bytes).first(n), path); });
            QVERIFY2(err, std::to_string(n).c_str());
            QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
            QCOMPARE(err->file, path);
            QVERIFY(err->byteOffset.has_value());
        }
    }
    // Through the store, from disk.
    QTemporaryDir tmp;
    copyTree(kDirect, tmp.path().toStdString() + "/db");
    const std::string manifest = tmp.path().toStdString() + "/db/manifest.ocdbt";
    const auto bytes = readBytes(manifest);
    writeFile(manifest, std::span(bytes).first(bytes.size() - 1));
    auto err = errorOf([&] { OcdbtKvStore::open(tmp.path().toStdString() + "/db"); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
}

void TestOcdbt::flippedBytesFailWithCrc()
{
    if (!fs::exists(kSar))
        QSKIP("corpus not available");
    const std::string path = kSar + "/manifest.ocdbt";
    const auto bytes = readBytes(path);
    for (size_t i = 0; i < bytes.size(); ++i) {
        auto bad = bytes;
        bad[i] ^= std::byte{0x10};
        auto err = errorOf([&] { decodeOcdbtManifest(bad, path); });
        QVERIFY(err);
        QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
        if (i < 4) {
            QVERIFY(err->message.find("magic") != std::string::npos);
            QCOMPARE(*err->byteOffset, uint64_t(0));
        } else if (i < 12) {
            QVERIFY(err->message.find("length") != std::string::npos);
            QCOMPARE(*err->byteOffset, uint64_t(4));
        } else {
            QVERIFY2(err->message.find("CRC-32C") != std::string::npos, err->message.c_str());
            QCOMPARE(*err->byteOffset, uint64_t(bytes.size() - 4));
        }
    }
}

void TestOcdbt::flippedNodeByteNamesNodeFile()
{
    if (!fs::exists(kDirect))
        QSKIP("corpus not available");
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    copyTree(kDirect, db);
    std::string node;
    for (const auto &e : fs::directory_iterator(db + "/d"))
        node = e.path().string();
    auto bytes = readBytes(node);
    bytes[20] ^= std::byte{1};
    writeFile(node, bytes);
    auto err = errorOf([&] { OcdbtKvStore::open(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QCOMPARE(err->file, node);
    QCOMPARE(*err->byteOffset, uint64_t(bytes.size() - 4));
}

void TestOcdbt::missingNodeFile()
{
    if (!fs::exists(kDirect))
        QSKIP("corpus not available");
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    copyTree(kDirect, db);
    std::string node;
    for (const auto &e : fs::directory_iterator(db + "/d"))
        node = e.path().string();
    fs::remove(node);
    auto err = errorOf([&] { OcdbtKvStore::open(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::MissingData));
    QCOMPARE(err->file, node);
    // No manifest at all.
    fs::remove(db + "/manifest.ocdbt");
    err = errorOf([&] { OcdbtKvStore::open(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::MissingData));
}

void TestOcdbt::missingValueFile()
{
    if (!fs::exists(kSar))
        QSKIP("corpus not available");
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    copyTree(kSar, db);
    auto before = OcdbtKvStore::open(db);
    std::string victimKey, victimFile;
    for (const auto &key : before->list()) {
        const std::string fp = before->fingerprint(key);
        if (!fp.empty()) {
            victimKey = key;
            victimFile = fp.substr(0, fp.find(':'));
            break;
        }
    }
    QVERIFY(!victimFile.empty());
    fs::remove(victimFile);
    auto store = OcdbtKvStore::open(db); // values are read lazily, so opening still works
    QCOMPARE(store->keyCount(), size_t(268));
    auto err = errorOf([&] { store->get(victimKey); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::MissingData));
    QCOMPARE(err->file, victimFile);
    QVERIFY(store->get("opt_state.0.count/.zarray")); // inline values still readable
}

void TestOcdbt::refusesEscapingDataFilePaths()
{
    QTemporaryDir tmp;
    const std::string base = tmp.path().toStdString();
    for (const std::string bad : {"../outside", "/etc/passwd", "d\\x", "d/../../x"}) {
        // A leaf whose out-of-line value points at `bad`.
        OcdbtBtreeNode leaf;
        leaf.dataFiles = {OcdbtDataFile{"", bad}};
        OcdbtLeafEntry e;
        e.key = "k";
        e.outOfLine = true;
        e.ref = OcdbtRef{0, 0, 4};
        leaf.leaves.push_back(e);
        const std::string db = base + "/" + std::to_string(std::hash<std::string>{}(bad));
        const auto nodeBytes = encodeOcdbtBtreeNode(leaf, true);
        writeFile(db + "/d/node", nodeBytes);
        OcdbtManifest m;
        m.dataFiles = {OcdbtDataFile{"", "d/node"}};
        OcdbtVersion v;
        v.generation = 1;
        v.root = OcdbtRef{0, 0, nodeBytes.size()};
        v.numKeys = 1;
        m.versions = {v};
        writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));
        auto err = errorOf([&] { OcdbtKvStore::open(db); });
        QVERIFY2(err, bad.c_str());
        QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
        QVERIFY(err->message.find("refused") != std::string::npos);
        QCOMPARE(err->file, db + "/d/node");

        // The manifest itself pointing the root node outside.
        m.dataFiles = {OcdbtDataFile{"", bad}};
        writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));
        err = errorOf([&] { OcdbtKvStore::open(db); });
        QVERIFY(err);
        QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
        QCOMPARE(err->file, db + "/manifest.ocdbt");
    }
}

void TestOcdbt::writerRoundTrip()
{
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    std::map<std::string, std::vector<std::byte>> values;
    for (size_t n : {size_t(0), size_t(1), size_t(1024), size_t(1025), size_t(70000)}) {
        std::vector<std::byte> v(n);
        for (size_t i = 0; i < n; ++i)
            v[i] = std::byte(uint8_t(i * 7 + n));
        values["arr" + std::to_string(n) + "/0"] = v;
    }
    values["arr/.zarray"] = bytesOf("{\"zarr_format\":2}");
    std::vector<OcdbtWriteEntry> entries;
    for (auto it = values.rbegin(); it != values.rend(); ++it) // unsorted on purpose
        entries.push_back({it->first, std::make_shared<MemoryBytes>(it->second, "src"), std::nullopt});
    OcdbtWriteOptions opt;
    opt.commitTimeNs = 1234567890;
    writeOcdbtDatabase(db, entries, opt);

    auto store = OcdbtKvStore::open(db);
    std::vector<std::string> keys;
    for (const auto &kv : values)
        keys.push_back(kv.first);
    QCOMPARE(store->list(), keys);
    for (const auto &[k, v] : values) {
        auto got = store->get(k);
        QVERIFY(got);
        QCOMPARE(got->readRange(0, got->size()), v);
        QCOMPARE(store->fingerprint(k).empty(), v.size() <= 1024);
    }
    QCOMPARE(store->outOfLineCount(), size_t(2));
    QCOMPARE(store->valueFiles().size(), size_t(1));
    QCOMPARE(store->version().numIndirectValueBytes, uint64_t(1025 + 70000));
    QCOMPARE(store->version().commitTimeNs, uint64_t(1234567890));
    QCOMPARE(int(store->version().rootHeight), 0);
    // One value file and one node file, both named d/<32 hex>, and no temporary left behind.
    size_t dataFiles = 0;
    for (const auto &e : fs::directory_iterator(db + "/d")) {
        QCOMPARE(e.path().filename().string().size(), size_t(32));
        ++dataFiles;
    }
    QCOMPARE(dataFiles, size_t(2));
    size_t topLevel = 0;
    for (const auto &e : fs::directory_iterator(db)) {
        (void)e;
        ++topLevel;
    }
    QCOMPARE(topLevel, size_t(2)); // manifest.ocdbt and d/
    // Root statistics are consistent with the node file.
    QCOMPARE(store->version().numTreeBytes, store->version().root.length);

    // Rewriting only the root: a second database refers to the first one's value file.
    const std::string fp = store->fingerprint("arr70000/0");
    const std::string valueFile = fp.substr(0, fp.find(':'));
    const std::string rel = "d/" + fs::path(valueFile).filename().string();
    std::vector<OcdbtWriteEntry> refs;
    refs.push_back({"moved/0", nullptr, OcdbtExistingValue{rel, 1025, 70000}});
    const std::string db2 = tmp.path().toStdString() + "/db2";
    fs::create_directories(db2 + "/d");
    fs::copy_file(valueFile, db2 + "/" + rel);
    writeOcdbtDatabase(db2, refs);
    auto store2 = OcdbtKvStore::open(db2);
    auto moved = store2->get("moved/0");
    QCOMPARE(moved->readRange(0, moved->size()), values["arr70000/0"]);
}

void TestOcdbt::writerMatchesCorpusLeaf()
{
    if (!fs::exists(kDirect))
        QSKIP("corpus not available");
    auto src = OcdbtKvStore::open(kDirect);
    std::vector<OcdbtWriteEntry> entries;
    for (const auto &k : src->list())
        entries.push_back({k, src->get(k), std::nullopt});
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    OcdbtWriteOptions opt;
    opt.commitTimeNs = src->version().commitTimeNs;
    opt.uuid = src->config().uuid;
    writeOcdbtDatabase(db, entries, opt);
    auto ours = OcdbtKvStore::open(db);

    // The leaf node bodies are byte-identical to what TensorStore wrote.
    auto nodeBody = [](const std::string &dir) {
        std::string node;
        for (const auto &e : fs::directory_iterator(dir + "/d"))
            node = e.path().string();
        const auto bytes = readBytes(node);
        return decodeOcdbtEnvelope(bytes, kOcdbtBtreeNodeMagic, 1 << 20, node).bytes;
    };
    QCOMPARE(nodeBody(db), nodeBody(kDirect));
    // So are the manifests, apart from the random node file name.
    auto theirs = decodeOcdbtManifest(readBytes(kDirect + "/manifest.ocdbt"), "theirs");
    auto mine = decodeOcdbtManifest(readBytes(db + "/manifest.ocdbt"), "mine");
    mine.dataFiles = theirs.dataFiles;
    const auto reencoded = encodeOcdbtManifest(mine);
    const auto original = readBytes(kDirect + "/manifest.ocdbt");
    QCOMPARE(decodeOcdbtEnvelope(reencoded, kOcdbtManifestMagic, 1 << 20, "a").bytes,
        decodeOcdbtEnvelope(original, kOcdbtManifestMagic, 1 << 20, "b").bytes);
}

void TestOcdbt::writerMultiLevelTree()
{
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    std::vector<OcdbtWriteEntry> entries;
    std::map<std::string, std::string> expected;
    for (int layer = 0; layer < 40; ++layer)
        for (const char *p : {"bias/.zarray", "bias/0", "kernel/.zarray", "kernel/0.0", "kernel/0.1"}) {
            char key[64];
            std::snprintf(key, sizeof key, "params.layer_%03d.%s", layer, p);
            const std::string value = std::string(key) + (layer % 7 == 0 ? std::string(2000, 'x') : "");
            expected[key] = value;
            entries.push_back({key, mem(value), std::nullopt});
        }
    OcdbtWriteOptions opt;
    opt.maxNodeEntries = 3;
    opt.compress = false;
    writeOcdbtDatabase(db, entries, opt);
    auto store = OcdbtKvStore::open(db);
    QVERIFY(store->version().rootHeight >= 4);
    QCOMPARE(store->keyCount(), expected.size());
    for (const auto &[k, v] : expected)
        QCOMPARE(asString(*store->get(k)), v);
    QCOMPARE(store->list("params.layer_013.kernel/").size(), size_t(3));
    QCOMPARE(store->list("params.layer_01").size(), size_t(50));
    QVERIFY(!store->get("params.layer_013.kernel/0.2"));
    QVERIFY(!store->get("params.layer_013"));

    // The tree really uses subtree common prefixes below the root.
    std::string nodeFile;
    for (const auto &e : fs::directory_iterator(db + "/d"))
        if (readBytes(e.path().string())[3] == std::byte{0xde})
            nodeFile = e.path().string();
    QVERIFY(!nodeFile.empty());
    const auto all = readBytes(nodeFile);
    const auto &root = store->version().root;
    auto rootNode
        = decodeOcdbtBtreeNode(std::span(all).subspan(root.offset, root.length), "", 1 << 30, nodeFile, root.offset);
    QCOMPARE(int(rootNode.height), int(store->version().rootHeight));
    const auto &child = rootNode.children.back().child;
    auto childNode
        = decodeOcdbtBtreeNode(std::span(all).subspan(child.offset, child.length), "", 1 << 30, nodeFile, child.offset);
    for (const auto &c : rootNode.children) {
        QVERIFY(c.key.starts_with("params.layer_0")); // root keys are full keys
        QVERIFY(c.subtreeCommonPrefixLength >= 14);
    }
    // ... and the child's keys omit the prefix its parent entry gives it.
    const size_t l = size_t(rootNode.children.back().subtreeCommonPrefixLength);
    QVERIFY(!childNode.children.front().key.starts_with("params"));
    QCOMPARE(rootNode.children.back().key.substr(0, l) + childNode.children.front().key, rootNode.children.back().key);

    // A child whose height disagrees with its parent is refused.
    auto bad = rootNode;
    bad.height = uint8_t(bad.height + 1);
    const auto badBytes = encodeOcdbtBtreeNode(bad, false);
    OcdbtManifest m = decodeOcdbtManifest(readBytes(db + "/manifest.ocdbt"), "m");
    writeFile(db + "/d/badroot", badBytes);
    m.dataFiles = {OcdbtDataFile{"", "d/badroot"}};
    m.versions.back().root = OcdbtRef{0, 0, badBytes.size()};
    m.versions.back().rootHeight = bad.height;
    fs::remove(db + "/manifest.ocdbt");
    writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));
    auto err = errorOf([&] { OcdbtKvStore::open(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QVERIFY2(err->message.find("height") != std::string::npos, err->message.c_str());
}

void TestOcdbt::writerEmptyDatabase()
{
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    writeOcdbtDatabase(db, {});
    auto store = OcdbtKvStore::open(db);
    QCOMPARE(store->keyCount(), size_t(0));
    QVERIFY(store->list().empty());
    QVERIFY(store->version().root.missing());
    QVERIFY(!store->get("x"));
}

void TestOcdbt::writerRefusesBadInput()
{
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    auto err = errorOf([&] { writeOcdbtDatabase(db, {{"a", mem("1"), std::nullopt}, {"a", mem("2"), std::nullopt}}); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::InvalidArgument));
    writeOcdbtDatabase(db, {{"a", mem("1"), std::nullopt}});
    err = errorOf([&] { writeOcdbtDatabase(db, {{"b", mem("1"), std::nullopt}}); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::InvalidArgument));
    QCOMPARE(asString(*OcdbtKvStore::open(db)->get("a")), std::string("1")); // untouched
    err = errorOf([&] {
        writeOcdbtDatabase(tmp.path().toStdString() + "/x", {{"a", nullptr, OcdbtExistingValue{"../y", 0, 1}}});
    });
    QVERIFY(err);
}

void TestOcdbt::numberedManifests()
{
    QTemporaryDir tmp;
    const std::string a = tmp.path().toStdString() + "/a", b = tmp.path().toStdString() + "/b";
    OcdbtWriteOptions opt;
    opt.numberedManifest = true;
    opt.uuid = std::array<uint8_t, 16>{1, 2, 3};
    writeOcdbtDatabase(a, {{"old", mem("1"), std::nullopt}}, opt);
    auto store = OcdbtKvStore::open(a);
    QCOMPARE(store->list(), std::vector<std::string>{"old"});
    QVERIFY(store->manifestPath().ends_with("/manifest.0000000000000001"));
    auto configOnly = decodeOcdbtManifest(readBytes(a + "/manifest.ocdbt"), "m");
    QCOMPARE(int(configOnly.config.manifestKind), int(OcdbtConfig::Numbered));
    QVERIFY(configOnly.versions.empty());

    // Generation 2 from another writer run (same uuid): the highest-numbered manifest wins.
    writeOcdbtDatabase(b, {{"new", mem("2"), std::nullopt}}, opt);
    auto m2 = decodeOcdbtManifest(readBytes(b + "/manifest.0000000000000001"), "m");
    m2.versions.back().generation = 2;
    for (const auto &e : fs::directory_iterator(b + "/d"))
        fs::copy_file(e.path(), a + "/d/" + e.path().filename().string());
    writeFile(a + "/manifest.0000000000000002", encodeOcdbtManifest(m2));
    store = OcdbtKvStore::open(a);
    QCOMPARE(store->list(), std::vector<std::string>{"new"});
    QCOMPARE(store->version().generation, uint64_t(2));

    // A numbered file whose generation disagrees with its name is corrupt.
    m2.versions.back().generation = 3;
    writeFile(a + "/manifest.0000000000000004", encodeOcdbtManifest(m2));
    auto err = errorOf([&] { OcdbtKvStore::open(a); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QCOMPARE(err->file, a + "/manifest.0000000000000004");
    fs::remove(a + "/manifest.0000000000000004");
    // Without any numbered file: missing data.
    fs::remove(a + "/manifest.0000000000000001");
    fs::remove(a + "/manifest.0000000000000002");
    err = errorOf([&] { OcdbtKvStore::open(a); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::MissingData));
}

void TestOcdbt::versionTreeNodes()
{
    // Generation 17 inline; generations 1..16 in a leaf version node under a height-1 node.
    QTemporaryDir tmp;
    const std::string db = tmp.path().toStdString() + "/db";
    writeOcdbtDatabase(db, {{"k", mem("v"), std::nullopt}});
    OcdbtManifest m = decodeOcdbtManifest(readBytes(db + "/manifest.ocdbt"), "m");
    const OcdbtVersion current = m.versions.back();
    const OcdbtDataFile nodeFile = m.dataFiles[0];

    OcdbtVersionNode leaf;
    leaf.arityLog2 = 4;
    leaf.height = 0;
    leaf.dataFiles = {nodeFile};
    for (uint64_t g = 1; g <= 16; ++g) {
        OcdbtVersion v = current;
        v.generation = g;
        v.commitTimeNs = g;
        leaf.versions.push_back(v);
    }
    const auto leafBytes = encodeOcdbtVersionNode(leaf, true);
    OcdbtVersionNode interior;
    interior.arityLog2 = 4;
    interior.height = 1;
    interior.dataFiles = {OcdbtDataFile{"", "d/versions"}};
    OcdbtVersionNodeRef toLeaf;
    toLeaf.generation = 16;
    toLeaf.location = OcdbtRef{0, 0, leafBytes.size()};
    toLeaf.numGenerations = 16;
    interior.children = {toLeaf};
    const auto interiorBytes = encodeOcdbtVersionNode(interior, false);
    std::vector<std::byte> file = leafBytes;
    file.insert(file.end(), interiorBytes.begin(), interiorBytes.end());
    writeFile(db + "/d/versions", file);

    m.dataFiles = {nodeFile, OcdbtDataFile{"", "d/versions"}};
    std::sort(m.dataFiles.begin(), m.dataFiles.end(),
        [](const auto &x, const auto &y) { return x.relativePath < y.relativePath; });
    const uint64_t nodeId = m.dataFiles[0] == nodeFile ? 0 : 1;
    m.versions.back().generation = 17;
    m.versions.back().root.fileId = nodeId;
    OcdbtVersionNodeRef top;
    top.generation = 16;
    top.location = OcdbtRef{1 - nodeId, leafBytes.size(), interiorBytes.size()};
    top.numGenerations = 16;
    top.height = 1;
    m.versionNodes = {top};
    fs::remove(db + "/manifest.ocdbt");
    writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));

    auto store = OcdbtKvStore::open(db);
    QCOMPARE(store->version().generation, uint64_t(17));
    QCOMPARE(asString(*store->get("k")), std::string("v"));
    const auto history = readOcdbtVersionHistory(db);
    QCOMPARE(history.size(), size_t(17));
    for (size_t i = 0; i < 17; ++i)
        QCOMPARE(history[i].generation, uint64_t(i + 1));
    QCOMPARE(history[4].commitTimeNs, uint64_t(5));

    // A reference whose height does not match the node is refused.
    m.versionNodes[0].height = 2;
    writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));
    auto err = errorOf([&] { readOcdbtVersionHistory(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    // Truncated version node file.
    m.versionNodes[0].height = 1;
    writeFile(db + "/manifest.ocdbt", encodeOcdbtManifest(m));
    writeFile(db + "/d/versions", std::span(file).first(file.size() - 2));
    err = errorOf([&] { readOcdbtVersionHistory(db); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QCOMPARE(err->file, db + "/d/versions");
}

void TestOcdbt::bodyErrorsNameTheirPlace()
{
    // A manifest body cut short after the config, once raw and once zstd-compressed.
    OcdbtManifest m;
    m.dataFiles = {OcdbtDataFile{"", "d/x"}};
    OcdbtVersion v;
    v.generation = 1;
    m.versions = {v};
    m.config.zstd = false;
    const auto full = decodeOcdbtEnvelope(encodeOcdbtManifest(m), kOcdbtManifestMagic, 1 << 20, "m").bytes;
    const auto cut = std::span(full).first(30); // uuid(16) + config + part of the table
    auto raw = encodeOcdbtEnvelope(kOcdbtManifestMagic, cut, false);
    auto err = errorOf([&] { decodeOcdbtManifest(raw, "raw.ocdbt"); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QCOMPARE(err->file, std::string("raw.ocdbt"));
    QVERIFY(*err->byteOffset >= 14 && *err->byteOffset <= 14 + 30); // a file offset inside the body
    auto packed = encodeOcdbtEnvelope(kOcdbtManifestMagic, cut, true);
    err = errorOf([&] { decodeOcdbtManifest(packed, "z.ocdbt"); });
    QVERIFY(err);
    QCOMPARE(int(err->category), int(ErrorCategory::Corrupt));
    QCOMPARE(*err->byteOffset, uint64_t(0)); // the envelope, plus the body position in the message
    QVERIFY2(err->message.find("of the zstd-compressed body") != std::string::npos, err->message.c_str());
    // Trailing bytes after a complete body are refused too.
    auto longer = full;
    longer.push_back(std::byte{0});
    err = errorOf([&] { decodeOcdbtManifest(encodeOcdbtEnvelope(kOcdbtManifestMagic, longer, false), "t"); });
    QVERIFY(err);
    QVERIFY(err->message.find("unexpected bytes") != std::string::npos);
    // Unknown compression method and format version.
    auto bad = encodeOcdbtEnvelope(kOcdbtManifestMagic, full, false);
    bad[13] = std::byte{7};
    // fix the CRC so that the method itself is what fails
    const uint32_t crc = crc32c(std::span(bad).first(bad.size() - 4));
    for (int i = 0; i < 4; ++i)
        bad[bad.size() - 4 + size_t(i)] = std::byte(uint8_t(crc >> (8 * i)));
    err = errorOf([&] { decodeOcdbtManifest(bad, "c"); });
    QVERIFY(err);
    QVERIFY(err->message.find("compression") != std::string::npos);
    QCOMPARE(*err->byteOffset, uint64_t(13));
}

QTEST_GUILESS_MAIN(TestOcdbt)
#include "tst_ocdbt.moc"
