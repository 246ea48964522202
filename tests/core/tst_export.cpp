// Export writers: every format reads back to the same leaves, Orbax's chunking rules, atomicity,
// refusal to overwrite or touch the source, clean io errors.
#include "expect_error.h"
#include "export_test_helpers.h"

#include "base/error.h"
#include "formats/orbax/python_json.h"
#include "formats/orbax/zarr_layout.h"
#include "layout/checkpoint.h"
#include "ops/export.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace ckpt;

Q_DECLARE_METATYPE(ckpt::ExportOptions)

namespace {

bool threw(const std::function<void()> &fn, ErrorCategory want)
{
    try {
        fn();
    } catch (const Exception &e) {
        if (e.error().category != want)
            qWarning("unexpected error: %s", e.what());
        return e.error().category == want;
    }
    return false;
}

std::string readText(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> entries(const fs::path &dir)
{
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir))
        out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

ExportOptions orbaxOptions(bool zarr3, bool ocdbt, uint64_t target = orbax::kOrbaxTargetDataFileBytes)
{
    ExportOptions o;
    o.format = ExportFormat::Orbax;
    o.orbax.useZarr3 = zarr3;
    o.orbax.useOcdbt = ocdbt;
    o.orbax.targetDataFileBytes = target;
    return o;
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
private slots:
    void roundTrip_data()
    {
        QTest::addColumn<ExportOptions>("options");
        QTest::addColumn<QString>("name");
        QTest::newRow("orbax ocdbt zarr2") << orbaxOptions(false, true) << "out_orbax";
        QTest::newRow("orbax ocdbt zarr3") << orbaxOptions(true, true) << "out_orbax3";
        QTest::newRow("orbax zarr2 folders") << orbaxOptions(false, false) << "out_folders";
        QTest::newRow("orbax zarr3 folders") << orbaxOptions(true, false) << "out_folders3";
        QTest::newRow("orbax split 4 KiB") << orbaxOptions(false, true, 4096) << "out_split";
        QTest::newRow("orbax zarr3 split") << orbaxOptions(true, true, 4096) << "out_split3";
        ExportOptions raw;
        raw.orbax.compress = false;
        QTest::newRow("orbax uncompressed") << raw << "out_raw";
        ExportOptions h5;
        h5.format = ExportFormat::Hdf5;
        QTest::newRow("hdf5") << h5 << "out.h5";
        h5.hdf5Widen = true;
        QTest::newRow("hdf5 widened") << h5 << "out_wide.h5";
        ExportOptions flax;
        flax.format = ExportFormat::FlaxMsgpack;
        QTest::newRow("flax msgpack") << flax << "out.msgpack";
    }
    void roundTrip()
    {
        QFETCH(ExportOptions, options);
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const bool flax = options.format == ExportFormat::FlaxMsgpack;
        const NodePtr tree = testing::exportSampleTree(!flax);
        const std::string dst = tmp.filePath(name).toStdString();
        const auto r = exportTree(tree, dst, options);
        QCOMPARE(r.path, dst);
        const Checkpoint c = openCheckpoint(dst);
        const auto want = testing::digestLeaves(tree);
        const auto got = testing::digestLeaves(c.root);
        QCOMPARE(QString::fromStdString(got.dump(1)), QString::fromStdString(want.dump(1)));
        // Nothing but the destination is left in the folder.
        QCOMPARE(entries(tmp.path().toStdString()), std::vector<std::string>{name.toStdString()});
    }

    void orbaxFilesAsOrbaxWrites()
    {
        QTemporaryDir tmp;
        const fs::path dst = tmp.filePath(QStringLiteral("item")).toStdString();
        exportTree(testing::exportSampleTree(), dst.string(), orbaxOptions(false, true));
        for (const char *f : {"_METADATA", "_sharding", "_strings.json", "_CHECKPOINT_METADATA", "commit_success.txt",
                 "manifest.ocdbt", "array_metadatas/process_0"})
            QVERIFY2(fs::is_regular_file(dst / f), f);
        const auto meta = nlohmann::json::parse(readText(dst / "_METADATA"));
        QCOMPARE(meta["use_ocdbt"], true);
        QCOMPARE(meta["use_zarr3"], false);
        QCOMPARE(meta["store_array_data_equal_to_fill_value"], true);
        QVERIFY(meta["custom_metadata"].is_null());
        const auto &kernel = meta["tree_metadata"]["('params', 'kernel')"];
        QCOMPARE(kernel["value_metadata"]["value_type"], "jax.Array");
        QCOMPARE(kernel["value_metadata"]["write_shape"], nlohmann::json::array({300, 257}));
        QCOMPARE(meta["tree_metadata"]["('seq', '1')"]["key_metadata"][1]["key_type"], 1);
        QCOMPARE(meta["tree_metadata"]["('step',)"]["value_metadata"]["value_type"], "scalar");
        QCOMPARE(meta["tree_metadata"]["('nothing',)"]["value_metadata"]["value_type"], "None");
        QCOMPARE(meta["tree_metadata"]["('empty_list',)"]["value_metadata"]["skip_deserialize"], true);
        // Python json.dumps separators, as Orbax writes.
        QVERIFY(readText(dst / "_METADATA").starts_with("{\"tree_metadata\": {\"('params', 'kernel')\": "));
        const auto sharding = nlohmann::json::parse(readText(dst / "_sharding"));
        QCOMPARE(sharding[orbax::base64UrlEncode("params.kernel")],
            R"({"sharding_type": "SingleDeviceSharding", "device_str": "cpu:0"})");
        QVERIFY(!sharding.contains(orbax::base64UrlEncode("step"))); // Python scalars have no sharding
        QCOMPARE(nlohmann::json::parse(readText(dst / "_strings.json"))["seq.2"], "in a list");
        const auto cm = nlohmann::json::parse(readText(dst / "_CHECKPOINT_METADATA"));
        QCOMPARE(cm["item_handlers"], orbax::kPyTreeHandlerName);
        QVERIFY(cm["commit_timestamp_nsecs"].get<int64_t>() >= cm["init_timestamp_nsecs"].get<int64_t>());
    }

    void orbaxNoOcdbtLayout()
    {
        QTemporaryDir tmp;
        const fs::path dst = tmp.filePath(QStringLiteral("item")).toStdString();
        exportTree(testing::exportSampleTree(), dst.string(), orbaxOptions(false, false));
        QVERIFY(!fs::exists(dst / "manifest.ocdbt"));
        QVERIFY(fs::is_regular_file(dst / "params.kernel" / ".zarray"));
        QVERIFY(fs::is_regular_file(dst / "params.kernel" / "0.0"));
        QVERIFY(fs::is_regular_file(dst / "zero_d" / "0"));
        QVERIFY(fs::is_regular_file(dst / "empty_arr" / ".zarray"));
        QVERIFY(!fs::exists(dst / "empty_arr" / "0.0")); // zero-size arrays have no chunks
        const auto zarray = nlohmann::json::parse(readText(dst / "params.kernel" / ".zarray"));
        QCOMPARE(QString::fromStdString(zarray.dump()),
            QStringLiteral(
                R"({"chunks":[300,257],"compressor":{"id":"zstd","level":1},"dimension_separator":".",)"
                R"("dtype":"<f4","fill_value":null,"filters":null,"order":"C","shape":[300,257],"zarr_format":2})"));
        QCOMPARE(nlohmann::json::parse(readText(dst / "params.bf16" / ".zarray"))["dtype"], "bfloat16");
        QCOMPARE(
            nlohmann::json::parse(readText(dst / "empty_arr" / ".zarray"))["chunks"], nlohmann::json::array({1, 3}));
    }

    void zarr3Layout()
    {
        QTemporaryDir tmp;
        const fs::path dst = tmp.filePath(QStringLiteral("item")).toStdString();
        exportTree(testing::exportSampleTree(), dst.string(), orbaxOptions(true, false));
        const auto z = nlohmann::json::parse(readText(dst / "params.bias" / "zarr.json"));
        QCOMPARE(z["codecs"][0]["name"], "sharding_indexed");
        QCOMPARE(z["codecs"][0]["configuration"]["codecs"][1]["configuration"]["level"], 3);
        QCOMPARE(z["fill_value"], 0);
        QVERIFY(fs::is_regular_file(dst / "params.bias" / "c" / "0"));
        QVERIFY(fs::is_regular_file(dst / "zero_d" / "c"));
        // Shard = zstd frame + index {0, frame length} + crc32c.
        const std::string shard = readText(dst / "params.bias" / "c" / "0");
        QVERIFY(shard.size() > 20);
        uint64_t off = 0, len = 0;
        std::memcpy(&off, shard.data() + shard.size() - 20, 8);
        std::memcpy(&len, shard.data() + shard.size() - 12, 8);
        QCOMPARE(off, 0u);
        QCOMPARE(len, shard.size() - 20);
    }

    void chunkShapesFollowOrbax()
    {
        // Expected values computed with orbax.checkpoint._src.arrays.subchunking.choose_chunk_shape (0.12.8).
        using V = std::vector<uint64_t>;
        QCOMPARE(orbax::chooseChunkShape({300, 257}, 4, 4096), (V{150, 1}));
        QCOMPARE(orbax::chooseChunkShape({64, 48}, 4, 4096), (V{32, 24}));
        QCOMPARE(orbax::chooseChunkShape({1000}, 1, 300), (V{250}));
        QCOMPARE(orbax::chooseChunkShape({7, 11, 13}, 8, 1000), (V{7, 11, 1}));
        QCOMPARE(orbax::chooseChunkShape({12, 0}, 4, 8), (V{2, 1}));
        QCOMPARE(orbax::chooseChunkShape({12, 0}, 4, std::nullopt), (V{12, 1}));
        QCOMPARE(orbax::chooseChunkShape({}, 4, 8), V{});
        QVERIFY(threw([] { orbax::chooseChunkShape({4}, 8, 4); }, ErrorCategory::InvalidArgument));
        QVERIFY(!orbax::chunkByteLimit(100, true, 100));
        QCOMPARE(*orbax::chunkByteLimit(101, true, 100), 100u);
        QVERIFY(!orbax::chunkByteLimit(101, false, 100)); // no limit without OCDBT
        QVERIFY(!orbax::chunkByteLimit(101, true, 0)); // 0 = unlimited
    }

    void splitDataFiles()
    {
        QTemporaryDir tmp;
        const fs::path dst = tmp.filePath(QStringLiteral("item")).toStdString();
        exportTree(testing::exportSampleTree(true, 600), dst.string(), orbaxOptions(false, true, 256 << 10));
        // 600x257 float32 (616,800 bytes) over a 256 KiB target: Orbax cuts 600 -> 300 -> 200, giving
        // three 205,600-byte chunks; data files roll over once past 256 KiB: two value files + nodes.
        QCOMPARE(entries(dst / "d").size(), size_t(3));
        const auto am = nlohmann::json::parse(readText(dst / "array_metadatas" / "process_0"));
        bool found = false;
        for (const auto &e : am["array_metadatas"])
            if (e["array_metadata"]["param_name"] == "params.kernel") {
                found = true;
                QCOMPARE(e["array_metadata"]["chunk_shape"], nlohmann::json::array({200, 257}));
            }
        QVERIFY(found);
        const Checkpoint c = openCheckpoint(dst.string());
        QCOMPARE(testing::digestLeaves(c.root), testing::digestLeaves(testing::exportSampleTree(true, 600)));
    }

    void pythonJson()
    {
        QCOMPARE(orbax::pythonTupleRepr({}), std::string("()"));
        QCOMPARE(orbax::pythonTupleRepr({"a"}), std::string("('a',)"));
        QCOMPARE(orbax::pythonTupleRepr({"b", "c"}), std::string("('b', 'c')"));
        QCOMPARE(orbax::pythonTupleRepr({"it's"}), std::string("(\"it's\",)"));
        QCOMPARE(orbax::pythonTupleRepr({"a'\"b"}), std::string("('a\\'\"b',)"));
        QCOMPARE(orbax::base64UrlEncode("a"), std::string("YQ=="));
        QCOMPARE(orbax::base64UrlEncode("b.c"), std::string("Yi5j"));
        QCOMPARE(orbax::base64UrlEncode("b.d"), std::string("Yi5k"));
        QCOMPARE(orbax::base64UrlEncode("\xfb\xff"), std::string("-_8="));
        nlohmann::ordered_json j = {{"x", {1, 2}}, {"y", {{"z", nullptr}}}, {"s", "é"}};
        QCOMPARE(orbax::pythonJsonDumps(j), std::string(R"({"x": [1, 2], "y": {"z": null}, "s": "\u00e9"})"));
    }

    void refusesExistingDestinationUnlessForced()
    {
        QTemporaryDir tmp;
        const std::string dst = tmp.filePath(QStringLiteral("item")).toStdString();
        fs::create_directory(dst);
        std::ofstream(dst + "/keep.txt") << "old";
        auto o = orbaxOptions(false, true);
        QVERIFY(threw([&] { exportTree(testing::exportSampleTree(), dst, o); }, ErrorCategory::InvalidArgument));
        QCOMPARE(readText(dst + "/keep.txt"), std::string("old"));
        o.force = true;
        exportTree(testing::exportSampleTree(), dst, o);
        QVERIFY(!fs::exists(dst + "/keep.txt"));
        QVERIFY(fs::exists(dst + "/_METADATA"));
        QCOMPARE(entries(tmp.path().toStdString()), std::vector<std::string>{"item"});
        // Files too.
        const std::string h5 = tmp.filePath(QStringLiteral("x.h5")).toStdString();
        std::ofstream(h5) << "old";
        ExportOptions ho;
        ho.format = ExportFormat::Hdf5;
        QVERIFY(threw([&] { exportTree(testing::exportSampleTree(), h5, ho); }, ErrorCategory::InvalidArgument));
        QCOMPARE(readText(h5), std::string("old"));
        ho.force = true;
        exportTree(testing::exportSampleTree(), h5, ho);
        QVERIFY(readText(h5).starts_with("\x89HDF"));
    }

    void neverTouchesTheSource()
    {
        QTemporaryDir tmp;
        const std::string src = tmp.filePath(QStringLiteral("src")).toStdString();
        exportTree(testing::exportSampleTree(), src, orbaxOptions(false, true));
        const auto before = testing::fileDigests(src);
        const Checkpoint c = openCheckpoint(src);
        for (auto o : {orbaxOptions(false, true), orbaxOptions(true, false)}) {
            o.sourcePaths = {src};
            o.force = true;
            QVERIFY(threw([&] { exportTree(c.root, src, o); }, ErrorCategory::InvalidArgument));
            QVERIFY(threw([&] { exportTree(c.root, src + "/inner", o); }, ErrorCategory::InvalidArgument));
            QVERIFY(threw([&] { exportTree(c.root, tmp.path().toStdString(), o); }, ErrorCategory::InvalidArgument));
            o.force = false;
            exportTree(c.root, tmp.filePath(QStringLiteral("copy%1").arg(o.orbax.useZarr3)).toStdString(), o);
        }
        ExportOptions h5;
        h5.format = ExportFormat::Hdf5;
        h5.sourcePaths = {src};
        exportTree(c.root, tmp.filePath(QStringLiteral("copy.h5")).toStdString(), h5);
        QCOMPARE(testing::fileDigests(src), before);
    }

    void unwritableDestinationIsAnIoError()
    {
        QTemporaryDir tmp;
        const std::string file = tmp.filePath(QStringLiteral("plain")).toStdString();
        std::ofstream(file) << "x";
        for (auto f : {ExportFormat::Orbax, ExportFormat::Hdf5, ExportFormat::FlaxMsgpack}) {
            ExportOptions o;
            o.format = f;
            QCOMPARE(
                categoryOf([&] { exportTree(testing::exportSampleTree(false), file + "/out", o); }), ErrorCategory::Io);
        }
        if (::geteuid() != 0) {
            const fs::path ro = tmp.filePath(QStringLiteral("ro")).toStdString();
            fs::create_directory(ro);
            fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
            QCOMPARE(categoryOf([&] { exportTree(testing::exportSampleTree(), (ro / "out").string(), {}); }),
                ErrorCategory::Io);
            fs::permissions(ro, fs::perms::owner_all);
            QVERIFY(fs::is_empty(ro));
        }
    }

    void cancelLeavesNothing()
    {
        QTemporaryDir tmp;
        for (auto f : {ExportFormat::Orbax, ExportFormat::Hdf5}) {
            ExportOptions o;
            o.format = f;
            Progress p;
            int calls = 0;
            p.isCancelled = [&] { return ++calls > 3; };
            const std::string dst = tmp.filePath(QStringLiteral("cancelled")).toStdString();
            QVERIFY(threw([&] { exportTree(testing::exportSampleTree(), dst, o, p); }, ErrorCategory::Cancelled));
            QVERIFY(fs::is_empty(tmp.path().toStdString()));
        }
    }

    void bytesLeavesAreRefusedByOrbax()
    {
        QTemporaryDir tmp;
        auto tree = Node::makeDict({{Key::name("b"), Node::makeBytes("\x01\x02")}});
        QVERIFY(threw([&] { exportTree(tree, tmp.filePath(QStringLiteral("o")).toStdString(), {}); },
            ErrorCategory::Unsupported));
        auto clash = Node::makeDict({{Key::name("a.b"), Node::makeString("x")},
            {Key::name("a"), Node::makeDict({{Key::name("b"), Node::makeString("y")}})}});
        QVERIFY(threw([&] { exportTree(clash, tmp.filePath(QStringLiteral("o")).toStdString(), {}); },
            ErrorCategory::InvalidArgument));
        QVERIFY(fs::is_empty(tmp.path().toStdString()));
    }

    void asStepIntoManagerRoot()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.filePath(QStringLiteral("run")).toStdString();
        auto o = orbaxOptions(false, true);
        o.asStep = "7";
        auto r = exportTree(testing::exportSampleTree(), root.string(), o);
        QCOMPARE(r.item, std::string("default"));
        QVERIFY(fs::is_regular_file(root / "7" / "default" / "_METADATA"));
        QVERIFY(fs::is_regular_file(root / "7" / "_CHECKPOINT_METADATA"));
        QVERIFY(fs::is_regular_file(root / "7" / "commit_success.txt"));
        QCOMPARE(nlohmann::json::parse(readText(root / "7" / "_CHECKPOINT_METADATA"))["item_handlers"]["default"],
            orbax::kPyTreeHandlerName);
        o.asStep = "12";
        exportTree(testing::exportSampleTree(), root.string(), o);
        const Checkpoint c = openCheckpoint(root.string());
        QCOMPARE(c.step->text, std::string("12"));
        QCOMPARE(testing::digestLeaves(c.root), testing::digestLeaves(testing::exportSampleTree()));
        QVERIFY(
            threw([&] { exportTree(testing::exportSampleTree(), root.string(), o); }, ErrorCategory::InvalidArgument));
        o.asStep = "x1";
        QVERIFY(
            threw([&] { exportTree(testing::exportSampleTree(), root.string(), o); }, ErrorCategory::InvalidArgument));
        QCOMPARE(entries(root), (std::vector<std::string>{"12", "7"}));

        // Naming follows the steps already there: prefix, zero padding, item names.
        const fs::path other = tmp.filePath(QStringLiteral("other")).toStdString();
        fs::create_directories(other / "ckpt_0010" / "state");
        std::ofstream(other / "ckpt_0010" / "state" / "_METADATA") << "{}";
        QCOMPARE(managerStepDirName(other.string(), "20"), std::string("ckpt_0020"));
        QCOMPARE(managerStepDirName(root.string(), "20"), std::string("20"));
        QCOMPARE(managerItemNames(other.string(), testing::exportSampleTree()), std::vector<std::string>{"state"});
        QCOMPARE(managerItemNames(tmp.filePath(QStringLiteral("none")).toStdString(), nullptr),
            std::vector<std::string>{"default"});
    }

    void flaxAsStep()
    {
        QTemporaryDir tmp;
        ExportOptions o;
        o.format = ExportFormat::FlaxMsgpack;
        o.asStep = "3";
        const std::string dir = tmp.filePath(QStringLiteral("ckpts")).toStdString();
        exportTree(testing::exportSampleTree(false), dir, o);
        o.asStep = "0.5";
        exportTree(testing::exportSampleTree(false), dir, o);
        QCOMPARE(entries(dir), (std::vector<std::string>{"checkpoint_0.5", "checkpoint_3"}));
        const Checkpoint c = openCheckpoint(dir);
        QCOMPARE(c.step->text, std::string("3"));
        o.asStep = "../x";
        QVERIFY(threw([&] { exportTree(testing::exportSampleTree(false), dir, o); }, ErrorCategory::InvalidArgument));
    }

    void formatNames()
    {
        QCOMPARE(*exportFormatFromName("orbax"), ExportFormat::Orbax);
        QCOMPARE(*exportFormatFromName("flax-msgpack"), ExportFormat::FlaxMsgpack);
        QCOMPARE(*exportFormatFromName("hdf5"), ExportFormat::Hdf5);
        QVERIFY(!exportFormatFromName("zip"));
    }
};

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
