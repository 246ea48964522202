// Layout detection, step listing and openCheckpoint over runs, composite steps, items and files.
#include "corpus_paths.h"
#include "expect_error.h"
#include "orbax_test_helpers.h"
#include "test_files.h"

#include "base/error.h"
#include "io/codecs/zstd_codec.h"
#include "layout/checkpoint.h"
#include "layout/layout_detect.h"
#include "layout/steps.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace ckpt;
using namespace ckpt::testing;
namespace fs = std::filesystem;

using testfiles::writeFile;

namespace {

using testcorpus::kCompatDirect;
using testcorpus::kCorpus;
const std::string kManaged = kCorpus + "/orbax_ocdbt_zarr2/managed_v0__has_metrics__has_custom_metadata";

void writeText(const fs::path &p, const std::string &s)
{
    writeFile(p, toBytes(s));
}

/// msgpack {"step": k} for 0 <= k < 128.
std::vector<std::byte> stepMsgpack(int k)
{
    std::vector<std::byte> b{std::byte(0x81), std::byte(0xa4)};
    for (char ch : std::string("step"))
        b.push_back(std::byte(ch));
    b.push_back(std::byte(k));
    return b;
}

void copyTree(const std::string &src, const std::string &dst)
{
    fs::create_directories(fs::path(dst).parent_path());
    fs::copy(src, dst, fs::copy_options::recursive);
    for (auto &e : fs::recursive_directory_iterator(dst))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
    fs::permissions(dst, fs::perms::owner_write, fs::perm_options::add);
}

int64_t stepScalar(const Checkpoint &c)
{
    return c.root->child("step")->scalar().i;
}

bool anyWarningContains(const std::vector<std::string> &warnings, const std::string &needle)
{
    for (const auto &w : warnings)
        if (w.find(needle) != std::string::npos)
            return true;
    return false;
}

std::vector<std::string> names(const std::vector<StepInfo> &steps)
{
    std::vector<std::string> out;
    for (const auto &s : steps)
        out.push_back(s.name);
    return out;
}

} // namespace

class TestLayout : public QObject {
    Q_OBJECT

private slots:
    void stepNames()
    {
        QCOMPARE(parseStepName("100")->text, std::string("100"));
        QCOMPARE(parseStepName("checkpoint_100")->value, 100.0);
        QCOMPARE(parseStepName("checkpoint_0.5")->text, std::string("0.5"));
        QCOMPARE(parseStepName("7.orbax-checkpoint-tmp-1700000000")->text, std::string("7"));
        QCOMPARE(parseStepName("ckpt_12.orbax-checkpoint-tmp")->value, 12.0);
        QVERIFY(!parseStepName("state"));
        QVERIFY(!parseStepName("metadata"));
        QVERIFY(!parseStepName("checkpoint_tmp"));
        QVERIFY(parseStepName("100")->isInteger());
        QVERIFY(!parseStepName("checkpoint_0.5")->isInteger());
    }

    void flaxFileBranchUnchanged()
    {
        const std::string f = kCorpus + "/flax_msgpack/netket_test.mpack";
        if (!fs::exists(f))
            QSKIP("corpus folder flax_msgpack is missing");
        QCOMPARE(detectLayout(f), LayoutKind::FlaxFile);
        Checkpoint c = openCheckpoint(f);
        QCOMPARE(c.format, std::string(kFormatFlaxMsgpack));
        QCOMPARE(c.era, std::string("Flax msgpack"));
        QVERIFY(!c.step);
        QVERIFY(findNode(c.root, parsePath("params/Dense/kernel")));
        auto e = captureError([&] { openCheckpoint(f, OpenOptions{std::string("1"), std::nullopt}); });
        QCOMPARE(e.category, ErrorCategory::InvalidArgument);
        QCOMPARE(e.message, std::string(kNoStepsOrItems)); // what is wrong, naming no CLI flag
    }

    void legacyFlaxFolder()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeFile(root / "checkpoint_1", stepMsgpack(1));
        writeFile(root / "checkpoint_0.5", stepMsgpack(5));
        writeFile(root / "checkpoint_10", stepMsgpack(10));
        writeFile(root / "checkpoint_2", stepMsgpack(2));
        writeFile(root / "checkpoint_tmp", stepMsgpack(99));
        writeFile(root / "checkpoint_3_gda" / "x", toBytes("ignored"));
        writeFile(root / "checkpoint_20.orbax-checkpoint-tmp-1700000000" / "checkpoint", stepMsgpack(20));
        writeText(root / "README", "not a step");
        QCOMPARE(detectLayout(root.string()), LayoutKind::Run);
        auto steps = listSteps(root.string());
        QCOMPARE(names(steps),
            (std::vector<std::string>{"checkpoint_tmp", "checkpoint_0.5", "checkpoint_1", "checkpoint_2",
                "checkpoint_10", "checkpoint_20.orbax-checkpoint-tmp-1700000000"}));
        QVERIFY(!steps.front().complete);
        QVERIFY(!steps.back().complete);
        QVERIFY(steps.back().incompleteReason.find("orbax-checkpoint-tmp") != std::string::npos);
        QCOMPARE(steps[1].step.text, std::string("0.5"));
        QVERIFY(steps[1].isFile);
        QCOMPARE(steps[1].totalBytes, uint64_t(stepMsgpack(5).size()));
        QVERIFY(steps[1].timestampNs.has_value());
        QVERIFY(!steps[1].timestampFromMetadata);
        QCOMPARE(latestCompleteStep(steps)->name, std::string("checkpoint_10"));

        Checkpoint c = openCheckpoint(root.string());
        QCOMPARE(c.step->text, std::string("10"));
        QCOMPARE(stepScalar(c), int64_t(10));
        QVERIFY(anyWarningContains(c.warnings, "checkpoint_20"));
        QCOMPARE(c.format, std::string(kFormatFlaxMsgpack));
        QCOMPARE(stepScalar(openCheckpoint(root.string(), {std::string("0.5"), std::nullopt})), int64_t(5));
        QCOMPARE(stepScalar(openCheckpoint(root.string(), {std::string("2.0"), std::nullopt})), int64_t(2));
        QCOMPARE(stepScalar(openCheckpoint(root.string(), {std::string("checkpoint_1"), std::nullopt})), int64_t(1));
        auto e = captureError([&] { openCheckpoint(root.string(), {std::string("7"), std::nullopt}); });
        QCOMPARE(e.category, ErrorCategory::InvalidArgument);
        QVERIFY(e.message.find("checkpoint_10") != std::string::npos);

        // An Orbax-backed checkpoint_N/ directory (Flax with the Orbax backend) becomes the latest.
        if (fs::exists(kCompatDirect)) {
            copyTree(kCompatDirect, (root / "checkpoint_11").string());
            Checkpoint o = openCheckpoint(root.string());
            QCOMPARE(o.step->text, std::string("11"));
            QCOMPARE(o.format, std::string(kFormatOrbax));
            QCOMPARE(fromBytes<int32_t>(findNode(o.root, parsePath("b/c"))->array()->readAll()),
                (std::vector<int32_t>{1, 2, 3}));
            QVERIFY(listSteps(root.string())[5].timestampFromMetadata);
        }
    }

    void managerRootFromCorpus()
    {
        if (!fs::exists(kManaged))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        QCOMPARE(detectLayout(kManaged), LayoutKind::Run);
        QCOMPARE(detectLayout(kManaged + "/0"), LayoutKind::CompositeStep);
        QCOMPARE(detectLayout(kManaged + "/0/state"), LayoutKind::Item);
        auto steps = listSteps(kManaged);
        QCOMPARE(steps.size(), size_t(1));
        const StepInfo &s = steps[0];
        QCOMPARE(s.name, std::string("0"));
        QCOMPARE(s.step.text, std::string("0"));
        QVERIFY(s.complete);
        QCOMPARE(s.items, (std::vector<std::string>{"baz", "metadata", "metrics", "state"}));
        QVERIFY(s.timestampFromMetadata);
        QCOMPARE(*s.timestampNs, int64_t(1778139890858878738));
        QVERIFY(s.totalBytes > 2000);

        Checkpoint c = openCheckpoint(kManaged);
        QCOMPARE(c.step->text, std::string("0"));
        QCOMPARE(c.metadata["root"]["custom_metadata"]["foo"], nlohmann::json("bar"));
        QCOMPARE(c.metadata["checkpoint"]["custom_metadata"]["custom"], nlohmann::json("meta"));
        QCOMPARE(c.root->child("metrics")->child("loss")->scalar().f, 0.5);
        QCOMPARE(c.root->child("baz")->child("int_val")->scalar().i, int64_t(123));
        QVERIFY(!findNode(c.root, parsePath("state/descriptor")));

        Checkpoint st = openCheckpoint(kManaged, {std::nullopt, std::string("state")});
        QCOMPARE(st.item, std::string("state"));
        QCOMPARE(fromBytes<int32_t>(st.root->child("a")->array()->readAll()),
            (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7}));
        auto e = captureError([&] { openCheckpoint(kManaged, {std::nullopt, std::string("nope")}); });
        QCOMPARE(e.category, ErrorCategory::InvalidArgument);
        QVERIFY(e.message.find("state") != std::string::npos);
    }

    void inProgressAndCommitMarkers()
    {
        if (!fs::exists(kManaged))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        QTemporaryDir tmp;
        const fs::path root = fs::path(tmp.path().toStdString()) / "run";
        copyTree(kManaged, root.string());
        copyTree((root / "0").string(), (root / "1.orbax-checkpoint-tmp").string());
        auto steps = listSteps(root.string());
        QCOMPARE(names(steps), (std::vector<std::string>{"0", "1.orbax-checkpoint-tmp"}));
        QVERIFY(!steps[1].complete);
        Checkpoint c = openCheckpoint(root.string());
        QCOMPARE(c.step->text, std::string("0"));
        QVERIFY(anyWarningContains(c.warnings, "1.orbax-checkpoint-tmp"));
        // Explicitly asking for the in-progress step opens it, with a warning.
        Checkpoint p = openCheckpoint(root.string(), {std::string("1"), std::nullopt});
        QCOMPARE(p.step->text, std::string("1"));
        QVERIFY(anyWarningContains(p.warnings, "incomplete"));

        // The writer uses commit markers: a step without one is uncommitted.
        writeText(root / "0" / "commit_success.txt", "Checkpoint commit was successful");
        copyTree((root / "0").string(), (root / "2").string());
        fs::remove(root / "2" / "commit_success.txt");
        steps = listSteps(root.string());
        QCOMPARE(names(steps), (std::vector<std::string>{"0", "1.orbax-checkpoint-tmp", "2"}));
        QVERIFY(!steps[2].complete);
        QVERIFY(steps[2].incompleteReason.find("commit_success.txt") != std::string::npos);
        QCOMPARE(openCheckpoint(root.string()).step->text, std::string("0"));
        writeText(root / "2" / "commit_success.txt", "ok");
        QCOMPARE(openCheckpoint(root.string()).step->text, std::string("2"));

        // No complete step at all.
        QTemporaryDir empty;
        fs::create_directories(fs::path(empty.path().toStdString()) / "5.orbax-checkpoint-tmp" / "state");
        writeText(fs::path(empty.path().toStdString()) / "5.orbax-checkpoint-tmp" / "state" / "_METADATA", "{}");
        auto e = captureError([&] { openCheckpoint(empty.path().toStdString()); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
    }

    void defaultItemIsUnwrapped()
    {
        const std::string sar = kCorpus + "/orbax_ocdbt_zarr2/sar2652_polynomial_expansion";
        if (!fs::exists(sar))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        QCOMPARE(detectLayout(sar), LayoutKind::Run);
        Checkpoint c = openCheckpoint(sar + "/1");
        QCOMPARE(c.item, std::string("default"));
        QVERIFY(c.root->child("params"));
        QVERIFY(!c.root->child("default"));
        QVERIFY(!c.step); // opened as a step folder, not through the run
        QCOMPARE(listSteps(sar)[0].items, std::vector<std::string>{"default"});
    }

    void jsonItemsNextToCommitMarkers()
    {
        if (!fs::exists(kCompatDirect))
            QSKIP("corpus folder orbax_ocdbt_zarr2 is missing");
        QTemporaryDir tmp;
        const fs::path step = fs::path(tmp.path().toStdString()) / "step";
        copyTree(kCompatDirect, (step / "state").string());
        writeText(step / "state" / "commit_success.txt", "ok");
        writeText(
            step / "config" / "metadata", "{\"lr\": 0.5, \"layers\": [64, 32], \"n\": {\"f\": true, \"z\": null}}");
        writeText(step / "config" / "commit_success.txt", "Checkpoint commit was successful");
        writeText(step / "descriptor" / "descriptor.pbtxt", "uuid: \"x\"");
        writeText(step / "descriptor" / "uuid-x", "not json either");
        QCOMPARE(detectLayout(step.string()), LayoutKind::CompositeStep);
        QCOMPARE(listStepItems(step.string()), (std::vector<std::string>{"config", "state"}));
        Checkpoint c = openCheckpoint(step.string());
        QCOMPARE(c.root->children().size(), size_t(2));
        QCOMPARE(findNode(c.root, parsePath("config/lr"))->scalar().f, 0.5);
        QCOMPARE(findNode(c.root, parsePath("config/layers"))->kind(), NodeKind::List);
        QCOMPARE(findNode(c.root, parsePath("config/layers/1"))->scalar().i, int64_t(32));
        QCOMPARE(findNode(c.root, parsePath("config/n/f"))->scalar().type, Scalar::Type::Bool);
        QCOMPARE(findNode(c.root, parsePath("config/n/z"))->kind(), NodeKind::None);
        QVERIFY(findNode(c.root, parsePath("state/b/c")));
        Checkpoint only = openCheckpoint(step.string(), {std::nullopt, std::string("config")});
        QCOMPARE(only.item, std::string("config"));
        QCOMPARE(only.root->child("lr")->scalar().f, 0.5);
    }

    void corpusKinds()
    {
        if (!fs::exists(kCorpus + "/orbax_aggregate_zarr2"))
            QSKIP("corpus is missing");
        QCOMPARE(detectLayout(kCorpus + "/orbax_aggregate_zarr2/orbax_aggregate_some.checkpoint"), LayoutKind::Item);
        QCOMPARE(detectLayout(kCompatDirect), LayoutKind::Item);
        QCOMPARE(detectLayout(kCorpus
                     + "/orbax_ocdbt_zarr3/"
                       "compat_v1_composite__checkpoint_metadata_missing__pytree_checkpointable_missing_metadata"),
            LayoutKind::CompositeStep);
        QCOMPARE(detectLayout(kCorpus + "/tensorstore_zarr3/neuroglancer_single_res"), LayoutKind::ZarrHierarchy);
        Checkpoint n = openCheckpoint(kCorpus + "/tensorstore_zarr3/neuroglancer_single_res");
        QCOMPARE(n.format, std::string(kFormatZarr));
        QCOMPARE(n.era, std::string("TensorStore zarr v3"));
        QCOMPARE(n.root->kind(), NodeKind::Array);
        auto v = fromBytes<uint16_t>(n.root->array()->readAll());
        for (size_t i = 0; i < v.size(); ++i)
            QCOMPARE(int(v[i]), int(i));
        QCOMPARE(std::string(layoutKindName(LayoutKind::CompositeStep)), std::string("composite_step"));
    }

    void rawZarrHierarchy()
    {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        writeText(root / "zarr.json", "{\"zarr_format\":3,\"node_type\":\"group\"}");
        writeText(root / "g" / "zarr.json", "{\"zarr_format\":3,\"node_type\":\"group\"}");
        writeText(root / "g" / "arr" / ".zarray",
            "{\"chunks\":[2],\"compressor\":{\"id\":\"zstd\"},\"dtype\":\"<i2\",\"fill_value\":0,"
            "\"filters\":null,\"order\":\"C\",\"shape\":[3],\"zarr_format\":2}");
        writeFile(root / "g" / "arr" / "0", zstdCompress(rawBytes(std::vector<int16_t>{4, 5})));
        writeFile(root / "g" / "arr" / "1", zstdCompress(rawBytes(std::vector<int16_t>{6, 0})));
        writeText(root / "x" / "zarr.json",
            "{\"zarr_format\":3,\"node_type\":\"array\",\"data_type\":\"float32\",\"shape\":[2],"
            "\"chunk_grid\":{\"name\":\"regular\",\"configuration\":{\"chunk_shape\":[2]}},"
            "\"chunk_key_encoding\":{\"name\":\"default\"},\"fill_value\":\"NaN\","
            "\"codecs\":[{\"name\":\"bytes\",\"configuration\":{\"endian\":\"little\"}}]}");
        QCOMPARE(detectLayout(root.string()), LayoutKind::ZarrHierarchy);
        Checkpoint c = openCheckpoint(root.string());
        QCOMPARE(c.format, std::string(kFormatZarr));
        QCOMPARE(c.era, std::string("TensorStore zarr v2 and v3"));
        NodePtr arr = findNode(c.root, parsePath("g/arr"));
        QVERIFY(arr);
        QCOMPARE(fromBytes<int16_t>(arr->array()->readAll()), (std::vector<int16_t>{4, 5, 6}));
        QVERIFY(std::isnan(fromBytes<float>(c.root->child("x")->array()->readAll())[1]));
        QVERIFY(arr->annotations().at("storage").starts_with("zarr2 "));
    }

    void errors()
    {
        QTemporaryDir tmp;
        auto e = captureError([&] { openCheckpoint(tmp.path().toStdString()); });
        QCOMPARE(e.category, ErrorCategory::NotACheckpoint);
        e = captureError([&] { openCheckpoint(tmp.path().toStdString() + "/nothing"); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
        writeText(fs::path(tmp.path().toStdString()) / "notes.txt", "hello");
        e = captureError([&] { openCheckpoint(tmp.path().toStdString() + "/notes.txt"); });
        QCOMPARE(e.category, ErrorCategory::NotACheckpoint);
        if (fs::exists(kCompatDirect)) {
            e = captureError([&] { openCheckpoint(kCompatDirect, {std::string("1"), std::nullopt}); });
            QCOMPARE(e.category, ErrorCategory::InvalidArgument);
            QCOMPARE(e.message, std::string(kNoStepsInCheckpoint));
            e = captureError([&] { openCheckpoint(kCompatDirect, {std::nullopt, std::string("state")}); });
            QCOMPARE(e.category, ErrorCategory::InvalidArgument);
            QCOMPARE(e.message, std::string(kNoItemsInItem));
        }
        e = captureError([&] { listSteps(tmp.path().toStdString() + "/nothing"); });
        QCOMPARE(e.category, ErrorCategory::MissingData);
    }
};

QTEST_GUILESS_MAIN(TestLayout)
#include "tst_layout.moc"
