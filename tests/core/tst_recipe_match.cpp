// Recipe operations with a `match` regex (ops/edit/edit.h), and the worked example recipes shipped
// in docs/recipes/ applied to the trees they are written for.
#include "expect_error.h"
#include "tree_builders.h"

#include "ops/edit/recipe.h"

#include <QTest>

#include <cstring>

using namespace ckpt;

namespace {

/// A float32 array of `shape` holding 0, 1, 2, ... + base.
NodePtr iota(std::vector<uint64_t> shape, float base = 0)
{
    return testtree::f32(std::move(shape), base);
}

std::vector<float> values(const NodePtr &n)
{
    const auto bytes = n->array()->readAll();
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}

NodePtr at(const NodePtr &root, const std::string &path)
{
    return findNode(root, parsePath(path));
}

NodePtr run(const NodePtr &root, const nlohmann::json &ops)
{
    const Recipe r = recipeFromJson({{"ckpt_recipe", 1}, {"operations", ops}});
    // Every operation survives a JSON round trip unchanged.
    const Recipe again = recipeFromJson(recipeToJson(r));
    for (size_t i = 0; i < r.operations.size(); ++i)
        if (operationToJson(again.operations[i]) != operationToJson(r.operations[i]))
            qFatal("operation %zu changed in a JSON round trip", i);
    edit::Context ctx;
    return replay(root, again, ctx);
}

} // namespace

class TestRecipeMatch : public QObject {
    Q_OBJECT

private slots:
    void transposeAndRenameEveryMatch()
    {
        using testtree::dict;
        const NodePtr tree = dict({{"params",
            dict({{"Dense_0", dict({{"kernel", iota({2, 3})}, {"bias", iota({3})}})},
                {"Dense_1", dict({{"kernel", iota({3, 4})}})}})}});
        const NodePtr out = run(tree,
            {{{"op", "transpose"}, {"match", "params/Dense_\\d+/kernel"}},
                {{"op", "rename"}, {"match", "params/Dense_(\\d+)/(kernel|bias)"}, {"to", "layers/\\1/\\2"}}});
        QVERIFY(!at(out, "params"));
        QCOMPARE(at(out, "layers/0/kernel")->arrayInfo().shape, (std::vector<uint64_t>{3, 2}));
        QCOMPARE(at(out, "layers/1/kernel")->arrayInfo().shape, (std::vector<uint64_t>{4, 3}));
        QCOMPARE(values(at(out, "layers/0/kernel")), (std::vector<float>{0, 3, 1, 4, 2, 5}));
        QCOMPARE(values(at(out, "layers/0/bias")), (std::vector<float>{0, 1, 2}));
    }

    void renameMovesOntoTheContainerThatHeldIt()
    {
        using testtree::dict;
        const NodePtr tree
            = dict({{"a", dict({{"value", iota({2})}})}, {"b", dict({{"c", dict({{"value", iota({1}, 5)}})}})}});
        const NodePtr out = run(tree, {{{"op", "rename"}, {"match", "(.*)/value"}, {"to", "\\1"}}});
        QCOMPARE(at(out, "a")->kind(), NodeKind::Array);
        QCOMPARE(values(at(out, "b/c")), (std::vector<float>{5}));
    }

    void failures()
    {
        using testtree::dict;
        const NodePtr tree = dict({{"a", iota({2})}, {"b", iota({2})}});
        edit::Context ctx;
        auto apply = [&](const nlohmann::json &op) {
            return replay(tree, recipeFromJson({{"ckpt_recipe", 1}, {"operations", {op}}}), ctx);
        };
        Error e = expectError(
            [&] {
                apply({{"op", "transpose"}, {"match", "nothing/.*"}});
            },
            ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains("no array leaf path matches"));
        e = expectError(
            [&] {
                apply({{"op", "cast"}, {"match", "(unclosed"}, {"dtype", "bfloat16"}});
            },
            ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains("bad match regex"));
        e = expectError([&] { apply({{"op", "rename"}, {"match", "a|b"}, {"to", "same"}}); }, ErrorCategory::Mismatch);
        QVERIFY(QString::fromStdString(e.message).contains("collision"));
        expectError(
            [&] {
                recipeFromJson(
                    {{"ckpt_recipe", 1}, {"operations", {{{"op", "delete"}, {"match", "a"}, {"path", "a"}}}}});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                recipeFromJson({{"ckpt_recipe", 1}, {"operations", {{{"op", "set"}, {"match", "a"}, {"value", 1}}}}});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                apply({{"op", "unstack"}, {"match", "a"}, {"to", "no_index"}});
            },
            ErrorCategory::InvalidArgument);
    }

    void docsLinenRecipe()
    {
        using testtree::dict;
        const Recipe r = loadRecipe(CKPT_SOURCE_DIR "/docs/recipes/linen_mlp_to_torch.json");
        const NodePtr tree = dict({{"params",
            dict({{"Dense_0", dict({{"kernel", iota({8, 4})}, {"bias", iota({4})}})},
                {"Dense_1", dict({{"kernel", iota({4, 2})}, {"bias", iota({2})}})}})}});
        edit::Context ctx;
        const NodePtr out = replay(tree, r, ctx);
        QCOMPARE(out->leafCount(), uint64_t(4));
        QCOMPARE(at(out, "layers/0/weight")->arrayInfo().shape, (std::vector<uint64_t>{4, 8}));
        QCOMPARE(at(out, "layers/1/bias")->arrayInfo().shape, (std::vector<uint64_t>{2}));
    }

    void docsNnxScannedRecipe()
    {
        // An NNX state with `value` wrappers and layers scanned into a leading axis of 3.
        using testtree::dict;
        const Recipe r = loadRecipe(CKPT_SOURCE_DIR "/docs/recipes/nnx_scanned_to_torch.json");
        auto wrap = [](NodePtr n) { return dict({{"value", std::move(n)}}); };
        const NodePtr tree = dict({{"embed", dict({{"embedding", wrap(iota({10, 4}))}})},
            {"layers",
                dict({{"mlp", dict({{"kernel", wrap(iota({3, 4, 6}))}, {"bias", wrap(iota({3, 6}))}})},
                    {"norm", dict({{"scale", wrap(iota({3, 4}))}})}})}});
        edit::Context ctx;
        const NodePtr out = replay(tree, r, ctx);
        QCOMPARE(at(out, "model/embed_tokens/weight")->arrayInfo().shape, (std::vector<uint64_t>{10, 4}));
        for (int i = 0; i < 3; ++i) {
            const std::string layer = "model/layers/" + std::to_string(i);
            const NodePtr w = at(out, layer + "/mlp/weight");
            QVERIFY2(w, layer.c_str());
            QCOMPARE(w->arrayInfo().shape, (std::vector<uint64_t>{6, 4})); // torch (out, in)
            // weight[o][k] of layer i is kernel[i][k][o] = i*24 + k*6 + o.
            const auto v = values(w);
            QCOMPARE(v[1 * 4 + 2], float(i * 24 + 2 * 6 + 1));
            QCOMPARE(at(out, layer + "/mlp/bias")->arrayInfo().shape, (std::vector<uint64_t>{6}));
            QCOMPARE(values(at(out, layer + "/norm/scale"))[0], float(i * 4));
        }
        QVERIFY(!at(out, "layers"));
        QCOMPARE(out->leafCount(), uint64_t(1 + 3 * 3));
    }
};

QTEST_GUILESS_MAIN(TestRecipeMatch)
#include "tst_recipe_match.moc"
