// Recipes (core/ops/recipe): JSON <-> operations round trips, replay digests, malformed recipes.
#include "tst_edit_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "layout/checkpoint.h"
#include "ops/edit/recipe.h"
#include "ops/tree_json.h"

#include <QTemporaryDir>

#include <fstream>

using namespace ckpt;
using namespace repairtest;
using nlohmann::json;

namespace {

/// One operation of every kind, valid on sampleTree() after the earlier ones (graft source: `other`).
std::vector<edit::Operation> everyOperation(const std::string &other, const std::string &skeleton)
{
    return {
        edit::Rename{"params/Dense_0", "params/dense0"},
        edit::Graft{"batch_stats", {other, {}, {}}, "stats", false},
        edit::AddLeaf{"params/extra", edit::AddLeaf::Fill::Constant, -1.5, "bfloat16", {2, 2}, {}},
        edit::AddLeaf{"params/like", edit::AddLeaf::Fill::Ones, {}, "float32", {}, "params/dense0/kernel"},
        edit::Cast{"params", "float16"},
        edit::Reshape{"params/dense0/kernel", {3, -1}},
        edit::Transpose{"params/dense0/kernel", {1, 0}},
        edit::Cast{"opt/1", "float16"},
        edit::Stack{{"opt/1", "params/dense0/bias"}, "stacked", 1},
        edit::Unstack{"stacked", {"u/a", "u/b"}, 1},
        edit::SetValue{"step", 12},
        edit::SetValue{"name", "run-1"},
        edit::SetElements{"params/dense0/kernel", {{{0, 1}, "inf"}, {{1, 2}, 7}}},
        edit::Delete{"params/Dense_1"},
        edit::ApplyTarget{{skeleton, {}, {}}, {"params/dense0/(.*)=model/\\1", "u/(a|b)=unstacked/\\1"}},
    };
}

json digestDoc(const NodePtr &root)
{
    Checkpoint c;
    c.path = "mem";
    c.format = kFormatFlaxMsgpack;
    c.root = root;
    TreeJsonOptions o;
    o.digest = true;
    return treeJson(c, o)["leaves"];
}

} // namespace

class TestRecipe : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_dir;
    std::string m_other, m_skeleton;

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_other = m_dir.filePath(QStringLiteral("other.msgpack")).toStdString();
        flaxmsgpack::writeFile(
            Node::makeDict({{Key::name("stats"), Node::makeDict({{Key::name("mean"), f32({2}, {0.25f, 4})}})}}),
            m_other);
        // Target skeleton: what the edited tree should restore into (one leaf missing on purpose).
        m_skeleton = m_dir.filePath(QStringLiteral("target.json")).toStdString();
        json skel = {{"ckpt_json", 1},
            {"leaves",
                json::array(
                    {{{"path", {"model", "kernel"}}, {"kind", "array"}, {"dtype", "float16"}, {"shape", {2, 3}}},
                        {{"path", {"model", "bias"}}, {"kind", "array"}, {"dtype", "float16"}, {"shape", {3}}},
                        {{"path", {"unstacked", "a"}}, {"kind", "array"}, {"dtype", "float16"}, {"shape", {3}}},
                        {{"path", {"batch_stats", "mean"}}, {"kind", "array"}, {"dtype", "float32"}, {"shape", {2}}},
                        {{"path", {"fresh"}}, {"kind", "array"}, {"dtype", "int8"}, {"shape", {4}}},
                        {{"path", {"step"}}, {"kind", "scalar"}, {"dtype", "int"}, {"value", 0}}})}};
        std::ofstream(m_skeleton) << skel.dump();
    }

    void jsonRoundTripIsIdentical()
    {
        const Recipe r{everyOperation(m_other, m_skeleton)};
        const json doc = recipeToJson(r);
        QCOMPARE(doc["ckpt_recipe"].get<int>(), kRecipeVersion);
        QCOMPARE(doc["operations"].size(), r.operations.size());
        const Recipe back = recipeFromJson(doc);
        QCOMPARE(recipeToJson(back).dump(), doc.dump());
        // Hand-written canonical text -> ops -> the same JSON.
        const json text = json::parse(R"({"ckpt_recipe": 1, "operations": [
            {"op": "rename", "from": "a/b", "to": "a/c"},
            {"op": "graft", "to": "x", "source": {"path": "/tmp/o", "step": "3", "item": "state"}, "from": "p", "replace": true},
            {"op": "add", "path": "z", "fill": "zeros", "dtype": "int8", "shape": [4, 0]},
            {"op": "transpose", "path": "t"},
            {"op": "set", "path": "s", "value": null},
            {"op": "apply_target", "target": {"path": "t.json"}}]})");
        QCOMPARE(recipeToJson(recipeFromJson(text)).dump(), text.dump());
        // A numeric step is accepted and written back as text.
        const json numeric = json::parse(
            R"({"ckpt_recipe": 1, "operations": [{"op": "graft", "to": "x", "source": {"path": "o", "step": 3}}]})");
        QCOMPARE(recipeToJson(recipeFromJson(numeric))["operations"][0]["source"]["step"].get<std::string>(),
            std::string("3"));
    }

    void replayGivesTheSameDigests()
    {
        const std::vector<edit::Operation> ops = everyOperation(m_other, m_skeleton);
        edit::Context ctx;
        NodePtr direct = sampleTree();
        for (const edit::Operation &op : ops) {
            try {
                direct = edit::apply(direct, op, ctx);
            } catch (const Exception &e) {
                QFAIL(qPrintable(QString::fromStdString(edit::describe(op) + ": " + e.what())));
            }
        }
        // The target decided the shape of the result.
        QVERIFY(at(direct, "model/kernel") && at(direct, "unstacked/a") && at(direct, "fresh"));
        QVERIFY(!at(direct, "opt"));
        QCOMPARE(values(at(direct, "batch_stats/mean")), (std::vector<double>{0.25, 4}));
        QCOMPARE(values(at(direct, "fresh")), std::vector<double>(4, 0.0));
        QCOMPARE(at(direct, "step")->scalar().i, int64_t(12));

        const std::string path = m_dir.filePath(QStringLiteral("r.json")).toStdString();
        saveRecipe(Recipe{ops}, path);
        const Recipe loaded = loadRecipe(path);
        edit::Context ctx2;
        const NodePtr replayed = replay(sampleTree(), loaded, ctx2);
        const json a = digestDoc(direct), b = digestDoc(replayed);
        QCOMPARE(QString::fromStdString(b.dump()), QString::fromStdString(a.dump()));
        QVERIFY(a.dump().find("sha256") != std::string::npos);
        // The edited kernel: reshape (3,2) of float16 iota, transposed, two elements set.
        QCOMPARE(values(at(replayed, "model/kernel")),
            (std::vector<double>{0, std::numeric_limits<double>::infinity(), 4, 1, 3, 7}));
    }

    void applyTargetOriginalKeys()
    {
        // The optional "original_keys" member (Orbax direction) round-trips within version 1.
        edit::ApplyTarget a{{"t.json", {}, {}}, {"p/(.*)=q/\\1"}, {"model/(\\d+)=params/layer_\\1", "x=y"}};
        const json doc = recipeToJson(Recipe{{a}});
        QCOMPARE(doc["ckpt_recipe"].get<int>(), 1);
        QCOMPARE(doc["operations"][0]["original_keys"].size(), size_t(2));
        QCOMPARE(
            doc["operations"][0]["original_keys"][0].get<std::string>(), std::string("model/(\\d+)=params/layer_\\1"));
        const Recipe back = recipeFromJson(doc);
        const auto &b = std::get<edit::ApplyTarget>(back.operations.at(0));
        QCOMPARE(b.originalKeys, a.originalKeys);
        QCOMPARE(b.renames, a.renames);
        // Without the member (older recipes) there are none, and none are written back.
        json old = doc;
        old["operations"][0].erase("original_keys");
        const Recipe oldRecipe = recipeFromJson(old); // keep it: `c` refers into its operations
        const auto &c = std::get<edit::ApplyTarget>(oldRecipe.operations.at(0));
        QVERIFY(c.originalKeys.empty());
        QVERIFY(!recipeToJson(recipeFromJson(old))["operations"][0].contains("original_keys"));
        // Not a list of strings: refused.
        json bad = doc;
        bad["operations"][0]["original_keys"] = "x=y";
        expectError([&] { recipeFromJson(bad); }, ErrorCategory::InvalidArgument);
        bad["operations"][0]["original_keys"] = json::array({1});
        expectError([&] { recipeFromJson(bad); }, ErrorCategory::InvalidArgument);
    }

    void malformedRecipesAreRefused()
    {
        auto parse = [](const char *text) { return recipeFromJson(json::parse(text)); };
        expectError([&] { parse(R"({"ckpt_recipe": 2, "operations": []})"); }, ErrorCategory::Unsupported);
        expectError([&] { parse(R"({"operations": []})"); }, ErrorCategory::InvalidArgument);
        expectError([&] { parse(R"({"ckpt_recipe": 1, "operations": {}})"); }, ErrorCategory::InvalidArgument);
        expectError([&] { parse(R"({"ckpt_recipe": 1, "operations": [], "x": 1})"); }, ErrorCategory::InvalidArgument);
        Error e = expectError([&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "rename", "from": "a"}]})"); },
            ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("operation 0 (rename)")));
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("\"to\"")));
        e = expectError(
            [&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "delete", "path": "a"}, {"op": "explode"}]})"); },
            ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("operation 1")));
        e = expectError(
            [&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "delete", "path": "a", "pth": 1}]})"); },
            ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("pth")));
        expectError(
            [&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "reshape", "path": "a", "shape": [1.5]}]})"); },
            ErrorCategory::InvalidArgument);
        expectError([&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "stack", "from": "a", "to": "b"}]})"); },
            ErrorCategory::InvalidArgument);
        expectError([&] { parse(R"({"ckpt_recipe": 1, "operations": [{"op": "add", "path": "a", "fill": "twos"}]})"); },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                parse(
                    R"({"ckpt_recipe": 1, "operations": [{"op": "add", "path": "a", "like": "b", "dtype": "int8"}]})");
            },
            ErrorCategory::InvalidArgument);
        // Files: unreadable, not JSON (with the byte offset).
        expectError([&] { loadRecipe("/nonexistent/recipe.json"); }, ErrorCategory::Io);
        const std::string bad = m_dir.filePath(QStringLiteral("bad.json")).toStdString();
        std::ofstream(bad) << "{\"ckpt_recipe\": 1,, }";
        e = expectError([&] { loadRecipe(bad); }, ErrorCategory::InvalidArgument);
        QVERIFY(e.byteOffset.has_value());
        QCOMPARE(QString::fromStdString(e.file), QString::fromStdString(bad));
        // A number no JSON type holds is an error, not an escaping out_of_range exception.
        std::ofstream(bad) << "{\"ckpt_recipe\": 1e999, \"operations\": []}";
        e = expectError([&] { loadRecipe(bad); }, ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.file), QString::fromStdString(bad));
        // A replay error names the operation's key path.
        const Recipe r = parse(R"({"ckpt_recipe": 1, "operations": [{"op": "delete", "path": "params/nope"}]})");
        edit::Context ctx;
        e = expectError([&] { replay(sampleTree(), r, ctx); }, ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("params/nope"));
    }
};

QTEST_APPLESS_MAIN(TestRecipe)
#include "tst_recipe.moc"
