// Orbax items: _METADATA trees, aggregate msgpack, OCDBT and per-process recovery, corpus items.
#include "corpus_paths.h"
#include "expect_error.h"
#include "orbax_test_helpers.h"
#include "test_files.h"

#include "base/error.h"
#include "formats/orbax/pytree_item.h"
#include "formats/orbax/pytree_metadata.h"
#include "formats/zarr/zarr3_array.h"
#include "layout/checkpoint.h"
#include "tree/tree_builder.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace ckpt;
using namespace ckpt::testing;
namespace fs = std::filesystem;

using testfiles::writeFile;

namespace {

using testcorpus::kCorpus;

template <typename T> std::vector<T> readLeaf(const NodePtr &root, const std::string &path)
{
    NodePtr n = findNode(root, parsePath(path));
    if (!n || n->kind() != NodeKind::Array)
        throw std::runtime_error("no array at " + path);
    return fromBytes<T>(n->array()->readAll());
}

std::vector<int64_t> scaledRange(int64_t n, int64_t k)
{
    std::vector<int64_t> v(n);
    for (int64_t i = 0; i < n; ++i)
        v[i] = i * k;
    return v;
}

/// Copies a corpus folder into `dst` so a test can damage it (never touches the corpus).
void copyTree(const std::string &src, const std::string &dst)
{
    fs::copy(src, dst, fs::copy_options::recursive);
    for (auto &e : fs::recursive_directory_iterator(dst))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
}

bool anyWarningContains(const std::vector<std::string> &warnings, const std::string &needle)
{
    for (const auto &w : warnings)
        if (w.find(needle) != std::string::npos)
            return true;
    return false;
}

/// Every corpus item whose tree is a = int32 arange(8), b.c = int32 [1,2,3] (under state/ when composite).
std::vector<std::string> compatItems()
{
    std::vector<std::string> out;
    for (const char *folder : {"orbax_ocdbt_zarr2", "orbax_ocdbt_zarr3"}) {
        const fs::path dir = fs::path(kCorpus) / folder;
        std::error_code ec;
        for (const auto &e : fs::directory_iterator(dir, ec)) {
            const auto name = e.path().filename().string();
            if (name.starts_with("compat_") || name.starts_with("managed_"))
                out.push_back(e.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

class TestOrbax : public QObject {
    Q_OBJECT

private slots:
    void metadataParsing()
    {
        const std::string text
            = "{\"tree_metadata\": {\"('opt', '0', 'mu')\": {\"key_metadata\": [{\"key\": \"opt\", \"key_type\": 2}, "
              "{\"key\": \"0\", \"key_type\": 1}, {\"key\": \"mu\", \"key_type\": 2}], \"value_metadata\": "
              "{\"value_type\": \"jax.Array\", \"skip_deserialize\": false, \"write_shape\": [4, 2]}}, "
              "\"('opt', '1')\": {\"key_metadata\": [{\"key\": \"opt\", \"key_type\": 2}, {\"key\": \"1\", "
              "\"key_type\": 1}], \"value_metadata\": {\"value_type\": \"None\", \"skip_deserialize\": true}}}, "
              "\"use_zarr3\": false}";
        auto m = orbax::parsePyTreeMetadata(text, "_METADATA");
        QCOMPARE(m.entries.size(), size_t(2));
        QVERIFY(m.entries[0].path[1].isIndex());
        QCOMPARE(m.entries[0].path[1].index(), uint64_t(0));
        QCOMPARE(orbax::paramName(m.entries[0].path), std::string("opt.0.mu"));
        QCOMPARE(*m.entries[0].writeShape, (std::vector<uint64_t>{4, 2}));
        QVERIFY(m.entries[1].skipDeserialize);
        QCOMPARE(m.useZarr3, std::optional<bool>(false));
        QVERIFY(!m.useOcdbt);
        QCOMPARE(orbax::leafStorage("None"), orbax::LeafStorage::None);
        QCOMPARE(orbax::leafStorage("Dict"), orbax::LeafStorage::EmptyDict);
        QCOMPARE(orbax::leafStorage("Tuple"), orbax::LeafStorage::EmptyList);
        QCOMPARE(orbax::leafStorage("np.ndarray"), orbax::LeafStorage::Array);
        QCOMPARE(orbax::leafStorage("string"), orbax::LeafStorage::String);

        for (const char *bad : {"[]", "{\"tree_metadata\": 3}", "{\"tree_metadata\": {\"x\": {}}}",
                 "{\"tree_metadata\": {\"x\": {\"key_metadata\": [{\"key\": \"a\", \"key_type\": 1}]}}}", "{"}) {
            auto e = captureError([&] { orbax::parsePyTreeMetadata(bad, "_METADATA"); });
            QCOMPARE(e.category, ErrorCategory::Corrupt);
            QCOMPARE(e.file, std::string("_METADATA"));
        }
    }

    void shardingAndArrayMetadata()
    {
        auto s = orbax::parseShardingFile("{\"YQ==\":\"{\\\"sharding_type\\\": \\\"SingleDeviceSharding\\\"}\","
                                          "\"Yi5j\":\"x\",\"not base64!\":\"y\"}",
            "_sharding");
        QCOMPARE(s.size(), size_t(2));
        QCOMPARE(s.at("a"), std::string("{\"sharding_type\": \"SingleDeviceSharding\"}"));
        QCOMPARE(s.at("b.c"), std::string("x"));
        std::map<std::string, orbax::ArrayMetadata> am;
        orbax::parseArrayMetadatas("{\"array_metadatas\": [{\"array_metadata\": {\"param_name\": \"b.c\", "
                                   "\"write_shape\": [3], \"chunk_shape\": [3], \"ext_metadata\": null}}]}",
            "p0", am);
        QCOMPARE(am.at("b.c").chunkShape, std::vector<uint64_t>{3});
        QCOMPARE(captureError([&] { orbax::parseArrayMetadatas("{}", "p0", am); }).category, ErrorCategory::Corrupt);
    }

    void treeBuilding()
    {
        auto leaf = [](int v) { return Node::makeScalar(Scalar::fromInt(v)); };
        std::vector<std::pair<Path, NodePtr>> leaves{
            {{Key::name("opt"), Key::index(1)}, Node::makeNone()},
            {{Key::name("opt"), Key::index(0), Key::name("mu")}, leaf(1)},
            {{Key::name("p"), Key::index(2)}, leaf(2)}, // not dense: becomes a dict with key "2"
            {{Key::name("e")}, Node::makeDict({})},
        };
        auto root = buildTree(leaves, "t");
        QCOMPARE(root->kind(), NodeKind::Dict);
        QCOMPARE(root->child("opt")->kind(), NodeKind::List);
        QCOMPARE(root->child("opt")->children()[0].node->child("mu")->scalar().i, int64_t(1));
        QCOMPARE(root->child("opt")->children()[1].node->kind(), NodeKind::None);
        QCOMPARE(root->child("p")->kind(), NodeKind::Dict);
        QVERIFY(root->child("p")->child("2"));
        QCOMPARE(root->child("e")->kindName(), std::string_view("empty_dict"));
        // A bare leaf is the root; duplicates and leaf/container clashes are corrupt.
        QCOMPARE(buildTree({{Path{}, leaf(5)}}, "t")->scalar().i, int64_t(5));
        auto e = captureError([&] {
            buildTree({{{Key::name("a")}, leaf(1)}, {{Key::name("a"), Key::name("b")}, leaf(2)}}, "t");
        });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        e = captureError([&] { buildTree({{{Key::name("a")}, leaf(1)}, {{Key::name("a")}, leaf(2)}}, "t"); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
    }

    void compatItemsReadExactly()
    {
        const auto items = compatItems();
        if (items.empty())
            QSKIP("corpus folders orbax_ocdbt_zarr2/3 are missing");
        QVERIFY(items.size() >= 20);
        for (const auto &path : items) {
            Checkpoint c = openCheckpoint(path);
            QCOMPARE(c.format, std::string(kFormatOrbax));
            const bool zarr3 = path.find("ocdbt_zarr3") != std::string::npos;
            QCOMPARE(c.era, std::string(zarr3 ? "Orbax OCDBT + zarr v3" : "Orbax OCDBT + zarr v2"));
            NodePtr tree = c.root->child("state") ? c.root->child("state") : c.root;
            QVERIFY2(tree->child("a"), path.c_str());
            QCOMPARE(readLeaf<int32_t>(tree, "a"), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
            QCOMPARE(readLeaf<int32_t>(tree, "b/c"), (std::vector<int32_t>{1, 2, 3}));
            QCOMPARE(tree->child("a")->arrayInfo().dtype, DType::Int32);
            const NodePtr a = tree->child("a");
            QVERIFY(a->annotations().at(kAnnotStorage).starts_with(zarr3 ? "ocdbt zarr3 a" : "ocdbt zarr2 a"));
            QCOMPARE(a->annotations().at(kAnnotChunks), std::string("(8,)"));
            const bool missingMeta = path.find("pytree_checkpointable_missing_metadata") != std::string::npos;
            QCOMPARE(anyWarningContains(c.warnings, "no _METADATA"), missingMeta);
            if (!missingMeta) {
                QCOMPARE(a->annotations().at(kAnnotValueType), std::string("jax.Array"));
                QVERIFY(a->annotations().at(kAnnotSharding).find("SingleDeviceSharding") != std::string::npos);
                QCOMPARE(tree->child("b")->child("c")->annotations().at(kAnnotWriteShape), std::string("(3,)"));
            }
            if (path.find("composite") != std::string::npos) {
                QCOMPARE(c.root->child("metadata")->child("metadata")->text(), std::string("json_data"));
                QVERIFY(!c.root->child("descriptor"));
            }
            const bool metaMissing = path.find("checkpoint_metadata_missing") != std::string::npos;
            QCOMPARE(c.metadata.contains("checkpoint"), !metaMissing);
            if (path.find("missing_commit_timestamp") == std::string::npos && !metaMissing
                && path.find("managed_") == std::string::npos)
                QVERIFY(c.metadata["checkpoint"].contains("commit_timestamp_nsecs"));
        }
    }

    void aggregateItems()
    {
        const std::string all = kCorpus + "/orbax_aggregate_zarr2/orbax_aggregate_all.checkpoint";
        const std::string some = kCorpus + "/orbax_aggregate_zarr2/orbax_aggregate_some.checkpoint";
        if (!fs::exists(all))
            QSKIP("corpus folder orbax_aggregate_zarr2 is missing");
        for (const auto &path : {all, some}) {
            Checkpoint c = openCheckpoint(path);
            QCOMPARE(c.format, std::string(kFormatOrbax));
            QCOMPARE(readLeaf<int64_t>(c.root, "a"), scaledRange(8, 1));
            QCOMPARE(readLeaf<int64_t>(c.root, "b"), scaledRange(16, 2));
            QCOMPARE(readLeaf<int64_t>(c.root, "c/a"), scaledRange(8, 3));
            QCOMPARE(readLeaf<int64_t>(c.root, "c/e"), scaledRange(16, 4));
            QCOMPARE(findNode(c.root, parsePath("c/a"))->arrayInfo().shape, (std::vector<uint64_t>{2, 4}));
            QVERIFY(findNode(c.root, parsePath("c/e"))->annotations().at(kAnnotStorage).starts_with("msgpack "));
            QVERIFY(c.warnings.empty());
        }
        QCOMPARE(openCheckpoint(all).era, std::string("Orbax aggregate msgpack"));
        Checkpoint s = openCheckpoint(some);
        QCOMPARE(s.era, std::string("Orbax aggregate msgpack + zarr v2"));
        QVERIFY(s.root->child("a")->annotations().at(kAnnotStorage).starts_with("zarr2 "));
    }

    void aggregateWithoutMetadataUsesMsgpack()
    {
        const std::string some = kCorpus + "/orbax_aggregate_zarr2/orbax_aggregate_some.checkpoint";
        if (!fs::exists(some))
            QSKIP("corpus folder orbax_aggregate_zarr2 is missing");
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/item";
        copyTree(some, dir);
        fs::remove(dir + "/_METADATA");
        Checkpoint c = openCheckpoint(dir);
        QCOMPARE(readLeaf<int64_t>(c.root, "a"), scaledRange(8, 1));
        QCOMPARE(readLeaf<int64_t>(c.root, "c/e"), scaledRange(16, 4));
        // Truncated chunk of a placeholder array: corrupt, naming the key.
        fs::resize_file(dir + "/a/0", fs::file_size(dir + "/a/0") - 3);
        Checkpoint d = openCheckpoint(dir);
        auto e = captureError([&] { d.root->child("a")->array()->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY2(e.message.find("\"a/0\"") != std::string::npos, e.message.c_str());
        // A placeholder whose zarr directory is gone.
        fs::remove_all(dir + "/b");
        e = captureError([&] { openCheckpoint(dir); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
        QCOMPARE(e.keyPath, std::string("b"));
    }

    void eraA0AggregatedPrefix()
    {
        // {"a": "AGGREGATED://a", "n": 3} with a zarr v2 directory a/ (no _METADATA), as Orbax wrote in 2022.
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "item";
        fs::create_directories(dir / "a");
        std::vector<std::byte> mp{std::byte(0x82), std::byte(0xa1), std::byte('a'), std::byte(0xae)};
        for (char ch : std::string("AGGREGATED://a"))
            mp.push_back(std::byte(ch));
        for (int b : {0xa1, int('n'), 0x03})
            mp.push_back(std::byte(b));
        writeFile(dir / "checkpoint", mp);
        writeFile(dir / "a" / ".zarray",
            toBytes("{\"chunks\":[2],\"compressor\":null,\"dtype\":\"<u4\",\"fill_value\":null,"
                    "\"filters\":null,\"order\":\"C\",\"shape\":[2],\"zarr_format\":2}"));
        writeFile(dir / "a" / "0", rawBytes(std::vector<uint32_t>{11, 12}));
        Checkpoint c = openCheckpoint(dir.string());
        QCOMPARE(c.era, std::string("Orbax aggregate msgpack (AGGREGATED://) + zarr v2"));
        QCOMPARE(readLeaf<uint32_t>(c.root, "a"), (std::vector<uint32_t>{11, 12}));
        QCOMPARE(c.root->child("n")->scalar().i, int64_t(3));
    }

    void eraBStringPlaceholders()
    {
        // Orbax 0.4 without _METADATA: {"s": "PLACEHOLDER://s", "e": "PLACEHOLDER://e"} whose values are in
        // _strings.json, not in zarr arrays.
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "item";
        fs::create_directories(dir);
        std::vector<std::byte> mp{std::byte(0x82)};
        for (const char *kv : {"s", "e"}) {
            const std::string key(kv), value = "PLACEHOLDER://" + key;
            mp.push_back(std::byte(0xa0 | key.size()));
            for (char ch : key)
                mp.push_back(std::byte(ch));
            mp.push_back(std::byte(0xa0 | value.size()));
            for (char ch : value)
                mp.push_back(std::byte(ch));
        }
        std::ofstream(dir / "checkpoint", std::ios::binary)
            .write(reinterpret_cast<const char *>(mp.data()), std::streamsize(mp.size()));
        std::ofstream(dir / "_strings.json") << "{\"s\": \"hello\", \"e\": \"\"}";
        Checkpoint c = openCheckpoint(dir.string());
        QCOMPARE(c.root->child("s")->kind(), NodeKind::String);
        QCOMPARE(c.root->child("s")->text(), std::string("hello"));
        QCOMPARE(c.root->child("e")->text(), std::string());
    }

    void sar2652()
    {
        const std::string root = kCorpus + "/orbax_ocdbt_zarr2/sar2652_polynomial_expansion";
        if (!fs::exists(root))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        Checkpoint c = openCheckpoint(root);
        QCOMPARE(c.step->text, std::string("1"));
        QCOMPARE(c.item, std::string("default"));
        int arrays = 0, f32 = 0, i32 = 0, nones = 0, leaves = 0;
        forEachLeaf(c.root, [&](const Path &, const NodePtr &n) {
            ++leaves;
            if (n->kind() == NodeKind::Array) {
                ++arrays;
                f32 += n->arrayInfo().dtype == DType::Float32;
                i32 += n->arrayInfo().dtype == DType::Int32;
            }
            nones += n->kind() == NodeKind::None;
        });
        QCOMPARE(leaves, 135);
        QCOMPARE(arrays, 134);
        QCOMPARE(f32, 132);
        QCOMPARE(i32, 2);
        QCOMPARE(nones, 1);
        QCOMPARE(c.root->child("opt_state")->kind(), NodeKind::List);
        QCOMPARE(findNode(c.root, parsePath("opt_state/1"))->kind(), NodeKind::None);
        NodePtr step = c.root->child("step");
        QVERIFY(step->arrayInfo().shape.empty());
        QCOMPARE(step->arrayInfo().dtype, DType::Int32);
        NodePtr k = findNode(c.root, parsePath("params/decoder/cross_attention/key_proj/kernel"));
        QVERIFY(k);
        QCOMPARE(k->arrayInfo().shape, (std::vector<uint64_t>{64, 64}));
        // Every array decodes (out-of-line values in ocdbt.process_0/d files) and mu/nu match params' shapes.
        forEachLeaf(c.root, [&](const Path &p, const NodePtr &n) {
            if (n->kind() != NodeKind::Array)
                return;
            auto bytes = n->array()->readAll();
            QCOMPARE(uint64_t(bytes.size()), n->arrayInfo().numBytes());
            if (p.size() > 3 && p[0].str() == "opt_state" && (p[2].str() == "mu" || p[2].str() == "nu")) {
                Path q{Key::name("params")};
                q.insert(q.end(), p.begin() + 3, p.end());
                QCOMPARE(findNode(c.root, q)->arrayInfo().shape, n->arrayInfo().shape);
            }
        });
        std::vector<std::byte> one(4);
        step->array()->read(one);
        QVERIFY(fromBytes<int32_t>(one)[0] >= 0);
    }

    void recoverFromPerProcessDatabases()
    {
        const std::string src = testcorpus::kCompatDirect;
        if (!fs::exists(src))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        QTemporaryDir tmp;
        // Root manifest missing.
        const std::string d1 = tmp.path().toStdString() + "/no_manifest";
        copyTree(src, d1);
        fs::remove(d1 + "/manifest.ocdbt");
        Checkpoint c = openCheckpoint(d1);
        QVERIFY(anyWarningContains(c.warnings, "ocdbt.process_0"));
        QCOMPARE(readLeaf<int32_t>(c.root, "a"), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        QCOMPARE(readLeaf<int32_t>(c.root, "b/c"), (std::vector<int32_t>{1, 2, 3}));
        // Root d/ node file missing.
        const std::string d2 = tmp.path().toStdString() + "/no_d";
        copyTree(src, d2);
        fs::remove_all(d2 + "/d");
        c = openCheckpoint(d2);
        QVERIFY(anyWarningContains(c.warnings, "damaged"));
        QCOMPARE(readLeaf<int32_t>(c.root, "b/c"), (std::vector<int32_t>{1, 2, 3}));
        // Root node bit-flipped.
        const std::string d3 = tmp.path().toStdString() + "/flipped";
        copyTree(src, d3);
        for (const auto &e : fs::directory_iterator(d3 + "/d")) {
            std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(20);
            char ch = 0;
            f.seekg(20);
            f.get(ch);
            f.seekp(20);
            f.put(char(ch ^ 0x04));
        }
        c = openCheckpoint(d3);
        QVERIFY(anyWarningContains(c.warnings, "damaged"));
        QCOMPARE(readLeaf<int32_t>(c.root, "a"), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        // Nothing intact: the per-process database is gone too.
        fs::remove_all(d3 + "/ocdbt.process_0");
        auto e = captureError([&] { openCheckpoint(d3); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        // Optional metadata files missing: still opens, nothing inferred, no warning.
        const std::string d4 = tmp.path().toStdString() + "/bare";
        copyTree(src, d4);
        for (const char *f : {"_sharding", "_CHECKPOINT_METADATA", "array_metadatas"})
            fs::remove_all(d4 + "/" + f);
        c = openCheckpoint(d4);
        QVERIFY(c.warnings.empty());
        QVERIFY(!c.metadata.contains("checkpoint"));
        QCOMPARE(readLeaf<int32_t>(c.root, "b/c"), (std::vector<int32_t>{1, 2, 3}));
        QVERIFY(!c.root->child("a")->annotations().count(kAnnotSharding));
    }

    void brokenItemOfCompositeIsSkipped()
    {
        const std::string src = kCorpus
            + "/orbax_ocdbt_zarr3/"
              "compat_v1_composite__checkpoint_metadata_present__pytree_checkpointable_has_metadata";
        if (!fs::exists(src))
            QSKIP("corpus folder orbax_ocdbt_zarr3 is missing");
        QTemporaryDir tmp;
        const std::string dir = tmp.path().toStdString() + "/step";
        copyTree(src, dir);
        fs::remove_all(dir + "/state/ocdbt.process_0");
        fs::remove_all(dir + "/state/d");
        Checkpoint c = openCheckpoint(dir);
        QVERIFY(!c.root->child("state"));
        QCOMPARE(c.root->child("metadata")->child("metadata")->text(), std::string("json_data"));
        QVERIFY(anyWarningContains(c.warnings, "skipped item \"state\""));
        // Asking for the broken item explicitly is an error, not a warning.
        auto e = captureError([&] { openCheckpoint(dir, OpenOptions{std::nullopt, std::string("state")}); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
        // Every item broken: the first error is reported.
        fs::remove_all(dir + "/metadata");
        e = captureError([&] { openCheckpoint(dir); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
    }

    void zarr3ChunkDamageInOcdbt()
    {
        const std::string src = kCorpus
            + "/orbax_ocdbt_zarr3/"
              "compat_v1_composite__checkpoint_metadata_present__pytree_checkpointable_has_metadata";
        if (!fs::exists(src))
            QSKIP("corpus folder orbax_ocdbt_zarr3 is missing");
        // Build a store holding the real shard with one index byte flipped.
        Checkpoint c = openCheckpoint(src);
        auto store = std::make_shared<MemoryKvStore>();
        auto item = orbax::openPyTreeItem(src + "/state");
        for (const auto &key : item.store->list("a/")) {
            auto v = item.store->get(key);
            store->put(key, v->readRange(0, v->size()));
        }
        QVERIFY(store->get("a/c/0"));
        auto &shard = store->at("a/c/0");
        QCOMPARE(shard.size(), size_t(61));
        shard[shard.size() - 10] ^= std::byte(0x80);
        auto e = captureError([&] { zarr::openZarrArray(store, "a")->readAll(); });
        QCOMPARE(e.category, ErrorCategory::Corrupt);
        QVERIFY(e.message.find("\"a/c/0\"") != std::string::npos);
        QVERIFY(e.message.find("crc32c") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestOrbax)
#include "tst_orbax.moc"
