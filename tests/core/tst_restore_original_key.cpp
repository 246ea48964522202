// Original-key rules (core/ops/restore): Orbax `Transform(original_key=...)` direction, target path
// -> checkpoint path, alone and combined with checkpoint -> target renames.
#include "tst_edit_helpers.h"
#include "tst_restore_helpers.h"

#include "ops/edit/restore.h"

using namespace ckpt;
using namespace repairtest;
using namespace restoretest;
using nlohmann::json;

namespace {

NodePtr dict(std::initializer_list<std::pair<const char *, NodePtr>> items)
{
    std::vector<Child> v;
    for (const auto &[k, n] : items)
        v.push_back({Key::name(k), n});
    return Node::makeDict(std::move(v));
}

/// sampleTree() renamed: params/Dense_N -> model/layers/N, plus the step.
NodePtr layersTarget()
{
    NodePtr l0 = dict({{"kernel", f32({2, 3}, std::vector<float>(6, -1))}, {"bias", f32({3}, {-1, -1, -1})}});
    NodePtr l1 = dict({{"kernel", f32({3, 1}, {-1, -1, -1})}});
    return dict(
        {{"model", dict({{"layers", dict({{"0", l0}, {"1", l1}})}})}, {"step", Node::makeScalar(Scalar::fromInt(0))}});
}

/// {"x": [1, 2, 3], "y": [4, 5, 6]}
NodePtr xyCheckpoint()
{
    return dict({{"x", f32({3}, {1, 2, 3})}, {"y", f32({3}, {4, 5, 6})}});
}

NodePtr aTarget()
{
    return dict({{"a", f32({3}, {-1, -1, -1})}});
}

} // namespace

class TestRestoreOriginalKey : public QObject {
    Q_OBJECT
private slots:
    void backReferencesNameTheCheckpointKey()
    {
        const NodePtr ckpt = sampleTree();
        const NodePtr target = layersTarget();
        const RestoreReport r = planRestore(ckpt, target, {}, rules({"model/layers/(\\d+)/(.*)=params/Dense_\\1/\\2"}));
        QCOMPARE(r.leaves.size(), size_t(4));
        const RestoreLeaf &k0 = leafOf(r, "model/layers/0/kernel");
        QCOMPARE(int(k0.fate), int(RestoreLeaf::Fate::Renamed));
        QCOMPARE(k0.source, std::string("params/Dense_0/kernel"));
        QCOMPARE(int(k0.ruleKind), int(RestoreLeaf::RuleKind::OriginalKey));
        QCOMPARE(k0.rule, std::string("model/layers/(\\d+)/(.*)=params/Dense_\\1/\\2"));
        QCOMPARE(describeFate(k0),
            std::string("renamed from params/Dense_0/kernel (original-key rule "
                        "model/layers/(\\d+)/(.*)=params/Dense_\\1/\\2)"));
        QCOMPARE(leafOf(r, "model/layers/1/kernel").source, std::string("params/Dense_1/kernel"));
        QCOMPARE(int(leafOf(r, "step").fate), int(RestoreLeaf::Fate::Taken));
        QVERIFY(leafOf(r, "step").rule.empty());
        QCOMPARE(r.extras, (std::vector<std::string>{"opt/0", "opt/1"}));
        QVERIFY(r.restorable());

        const NodePtr out = applyRestore(ckpt, target, r);
        QCOMPARE(values(at(out, "model/layers/0/kernel")), values(iota({2, 3})));
        QCOMPARE(values(at(out, "model/layers/0/bias")), (std::vector<double>{1, 2, 3}));
        QCOMPARE(at(out, "model/layers/1/kernel").get(), at(ckpt, "params/Dense_1/kernel").get());

        const json j = reportJson(r);
        QCOMPARE(j["leaves"][0]["rule_kind"].get<std::string>(), std::string("original_key"));
        QVERIFY(!j["leaves"][3].contains("rule_kind"));
    }

    void fullMatchNotSearch()
    {
        // Orbax uses re.fullmatch: `kernel` does not match `model/layers/0/kernel`.
        const NodePtr target = layersTarget();
        const RestoreReport r = planRestore(sampleTree(), target, {}, rules({"kernel=params/Dense_0/kernel"}));
        QCOMPARE(int(leafOf(r, "model/layers/0/kernel").fate), int(RestoreLeaf::Fate::Filled));
        QVERIFY(hasProblem(leafOf(r, "model/layers/0/kernel"), "missing", true));
        QVERIFY(leafOf(r, "model/layers/0/kernel").rule.empty());
        QVERIFY(!r.restorable());
    }

    void noMatchLeavesTheDefault()
    {
        const NodePtr ckpt = sampleTree();
        const RestoreReport plain = planRestore(ckpt, ckpt, {});
        const RestoreReport r = planRestore(ckpt, ckpt, {}, rules({"nothing/(.*)=params/\\1"}));
        QVERIFY(reportJson(plain) == reportJson(r));
        QVERIFY(r.restorable());
        QCOMPARE(r.count(RestoreLeaf::Fate::Taken), r.leaves.size());
    }

    void identityTemplateIsTaken()
    {
        const RestoreReport r = planRestore(xyCheckpoint(), dict({{"x", f32({3}, {0, 0, 0})}}), {}, rules({"(x)=\\1"}));
        QCOMPARE(int(r.leaves[0].fate), int(RestoreLeaf::Fate::Taken));
        QCOMPARE(int(r.leaves[0].ruleKind), int(RestoreLeaf::RuleKind::OriginalKey));
        QCOMPARE(r.extras, std::vector<std::string>{"y"});
    }

    void twoMatchingRulesTheOneSortingLastWins()
    {
        // Orbax applies every matching transform in sorted key order; "(a)" < "a", so "a=y" wins
        // whichever order the rules are given in, and the other match is only a warning.
        for (const auto &order : {rules({"a=y", "(a)=x"}), rules({"(a)=x", "a=y"})}) {
            const RestoreReport r = planRestore(xyCheckpoint(), aTarget(), {}, order);
            QCOMPARE(r.leaves[0].source, std::string("y"));
            QCOMPARE(r.leaves[0].rule, std::string("a=y"));
            QVERIFY(hasProblem(r.leaves[0], "ambiguous", false));
            QVERIFY(r.restorable());
            QCOMPARE(values(applyRestore(xyCheckpoint(), aTarget(), r)->child("a")), (std::vector<double>{4, 5, 6}));
        }
    }

    void templateNamingAMissingKey()
    {
        // Orbax raises ValueError: the report says so and the leaf keeps the target's value.
        const RestoreReport r = planRestore(xyCheckpoint(), aTarget(), {}, rules({"a=nope"}));
        QCOMPARE(int(r.leaves[0].fate), int(RestoreLeaf::Fate::Filled));
        QVERIFY(hasProblem(r.leaves[0], "missing", true));
        QVERIFY(r.leaves[0].problems[0].detail.find("'nope'") != std::string::npos);
        QVERIFY(!r.restorable());
        QCOMPARE(r.extras, (std::vector<std::string>{"x", "y"}));
        const NodePtr out = applyRestore(xyCheckpoint(), aTarget(), r);
        QCOMPARE(values(out->child("a")), (std::vector<double>{-1, -1, -1}));
        QVERIFY(out->child("a")->annotations().count("filled") == 1);

        // A matching rule naming a missing key is fatal even when the winning rule supplies a value.
        const RestoreReport both = planRestore(xyCheckpoint(), aTarget(), {}, rules({"(a)=nope", "a=y"}));
        QCOMPARE(both.leaves[0].source, std::string("y"));
        QVERIFY(hasProblem(both.leaves[0], "missing", true));
        QVERIFY(!both.restorable());

        // A template naming a container is not a leaf of the checkpoint either.
        const RestoreReport container = planRestore(sampleTree(), aTarget(), {}, rules({"a=params/Dense_0"}));
        QVERIFY(hasProblem(container.leaves[0], "missing", true));
    }

    void combinedWithCheckpointToTargetRules()
    {
        const NodePtr ckpt = sampleTree();
        const NodePtr target = layersTarget();
        // Layer 0 by an original-key rule, layer 1 by a checkpoint -> target rule.
        const RestoreReport r = planRestore(ckpt, target, rules({"params/Dense_1/(.*)=model/layers/1/\\1"}),
            rules({"model/layers/0/(.*)=params/Dense_0/\\1"}));
        QVERIFY(r.restorable());
        QCOMPARE(int(leafOf(r, "model/layers/0/bias").ruleKind), int(RestoreLeaf::RuleKind::OriginalKey));
        QCOMPARE(int(leafOf(r, "model/layers/1/kernel").ruleKind), int(RestoreLeaf::RuleKind::Rename));
        QCOMPARE(leafOf(r, "model/layers/1/kernel").source, std::string("params/Dense_1/kernel"));
        QCOMPARE(describeFate(leafOf(r, "model/layers/1/kernel")),
            std::string("renamed from params/Dense_1/kernel (rule params/Dense_1/(.*)=model/layers/1/\\1)"));

        // Both directions onto one leaf: the original-key rule decides, the other is shadowed
        // (non-fatal) and its source becomes an extra.
        const RestoreReport clash = planRestore(ckpt, target, rules({"params/Dense_1/kernel=model/layers/1/kernel"}),
            rules({"model/layers/1/kernel=params/Dense_0/bias"}));
        const RestoreLeaf &k1 = leafOf(clash, "model/layers/1/kernel");
        QCOMPARE(k1.source, std::string("params/Dense_0/bias"));
        QVERIFY(hasProblem(k1, "collision", false));
        QVERIFY(hasProblem(k1, "shape", true));
        QVERIFY(std::find(clash.extras.begin(), clash.extras.end(), "params/Dense_1/kernel") != clash.extras.end());
    }

    void editOperationAppliesBothDirections()
    {
        const NodePtr ckpt = sampleTree();
        const NodePtr target = layersTarget();
        edit::Context ctx;
        ctx.open = [&](const edit::SourceRef &) { return target; };
        edit::ApplyTarget op{{"target.json", {}, {}}, {"params/Dense_1/(.*)=model/layers/1/\\1"},
            {"model/layers/0/(.*)=params/Dense_0/\\1"}};
        const NodePtr out = edit::apply(ckpt, op, ctx);
        QCOMPARE(at(out, "model/layers/0/kernel").get(), at(ckpt, "params/Dense_0/kernel").get());
        QCOMPARE(at(out, "model/layers/1/kernel").get(), at(ckpt, "params/Dense_1/kernel").get());
        QVERIFY(!at(out, "params"));
        QCOMPARE(edit::describe(op), std::string("apply target target.json with 2 rules"));
        op.originalKeys = {"model/layers/(\\d+=x"};
        expectError([&] { edit::apply(ckpt, op, ctx); }, ErrorCategory::InvalidArgument);
        op.originalKeys = {"model/(x)=\\2"};
        expectError([&] { edit::apply(ckpt, op, ctx); }, ErrorCategory::InvalidArgument);
    }

    void suggestedRulesGeneraliseAnAlignment()
    {
        // Used by the GUI's manual alignment and "Promote to rule".
        QCOMPARE(suggestRenameRule("params/Dense_0/kernel", "model/layers/0/kernel"),
            std::string("params/Dense_(\\d+)/(.*)=model/layers/\\1/\\2"));
        QCOMPARE(
            suggestRenameRule("a/b_12/c3/w", "x/c3/y12/w"), std::string("a/b_(\\d+)/c(\\d+)/(.*)=x/c\\2/y\\1/\\3"));
        QCOMPARE(suggestRenameRule("a.b/x", "c"), std::string("a\\.b/x=c"));
        QCOMPARE(exactRenameRule("a.b(1)/k=v", "x\\y=z"), std::string("a\\.b\\(1\\)/k\\=v=x\\\\y\\=z"));
        // Every suggestion maps its own example, and the general one lines up the other layers.
        const std::vector<std::pair<std::string, std::string>> examples
            = {{"params/Dense_0/kernel", "model/layers/0/kernel"}, {"a/b_12/c3/w", "x/c3/y12/w"}, {"a.b/x", "c"},
                {"same/path", "same/path"}, {"k", "k"}, {"opt/0/mu/(x)", "opt_state/0/mu/(x)"}};
        for (const auto &[from, to] : examples) {
            const std::vector<RenameRule> general{RenameRule::parse(suggestRenameRule(from, to))};
            QCOMPARE(applyRenames(general, from), to);
            const std::vector<RenameRule> exact{RenameRule::parse(exactRenameRule(from, to))};
            bool matched = false;
            QCOMPARE(applyRenames(exact, from, &matched), to);
            QVERIFY(matched);
            QCOMPARE(applyRenames(exact, from + "x", &matched), from + "x");
            QVERIFY(!matched);
        }
        const std::vector<RenameRule> layers{
            RenameRule::parse(suggestRenameRule("params/Dense_0/kernel", "model/layers/0/kernel"))};
        QCOMPARE(applyRenames(layers, "params/Dense_7/bias"), std::string("model/layers/7/bias"));
    }
};

QTEST_APPLESS_MAIN(TestRestoreOriginalKey)
#include "tst_restore_original_key.moc"
