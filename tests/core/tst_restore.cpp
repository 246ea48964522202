// Apply a target structure (core/ops/restore): report, result, skeleton targets.
#include "tst_edit_helpers.h"
#include "tst_restore_helpers.h"

#include "layout/checkpoint.h"
#include "ops/edit/restore.h"
#include "ops/tree_json.h"

using namespace ckpt;
using namespace repairtest;
using namespace restoretest;
using nlohmann::json;

namespace {

/// Target: Dense_0 renamed to dense, a new batch_stats leaf, opt as a 2-list, step as a 0-d array.
NodePtr targetTree()
{
    NodePtr dense = Node::makeDict(
        {{Key::name("kernel"), f32({2, 3}, std::vector<float>(6, -1))}, {Key::name("bias"), f32({3}, {-1, -1, -1})}});
    NodePtr params = Node::makeDict({{Key::name("dense"), dense},
        {Key::name("Dense_1"), Node::makeDict({{Key::name("kernel"), f32({3, 1}, {-1, -1, -1})}})}});
    return Node::makeDict({{Key::name("params"), params},
        {Key::name("batch_stats"), Node::makeDict({{Key::name("mean"), f32({3}, {9, 9, 9})}})},
        {Key::name("opt"), Node::makeList({iota({2}), iota({3})})}, {Key::name("step"), i32({}, {0})}});
}

} // namespace

class TestRestore : public QObject {
    Q_OBJECT
private slots:
    void reportSaysWhatHappensToEveryLeaf()
    {
        const NodePtr ckpt = sampleTree();
        const RestoreReport r = planRestore(ckpt, targetTree(), rules({"params/Dense_0/(.*)=params/dense/\\1"}));
        QCOMPARE(r.leaves.size(), size_t(7));
        const RestoreLeaf &k = leafOf(r, "params/dense/kernel");
        QCOMPARE(k.fate, RestoreLeaf::Fate::Renamed);
        QCOMPARE(k.source, std::string("params/Dense_0/kernel"));
        QCOMPARE(k.rule, std::string("params/Dense_0/(.*)=params/dense/\\1"));
        QVERIFY(k.problems.empty());
        QCOMPARE(leafOf(r, "params/Dense_1/kernel").fate, RestoreLeaf::Fate::Taken);
        const RestoreLeaf &m = leafOf(r, "batch_stats/mean");
        QCOMPARE(m.fate, RestoreLeaf::Fate::Filled);
        QVERIFY(hasProblem(m, "missing", true));
        // A Python int where the target has a 0-d int32 array: reported, not fatal.
        QVERIFY(hasProblem(leafOf(r, "step"), "kind", false));
        QVERIFY(r.extras.empty());
        QVERIFY(!r.restorable());
        QCOMPARE(r.count(RestoreLeaf::Fate::Renamed), size_t(2));
        QCOMPARE(r.count(RestoreLeaf::Fate::Filled), size_t(1));
        // Without the rule the Dense_0 leaves are missing and the checkpoint's become extras.
        const RestoreReport plain = planRestore(ckpt, targetTree(), {});
        QCOMPARE(plain.count(RestoreLeaf::Fate::Filled), size_t(3));
        QCOMPARE(plain.extras, (std::vector<std::string>{"params/Dense_0/kernel", "params/Dense_0/bias"}));
        // A target the checkpoint fully covers is restorable.
        QVERIFY(planRestore(ckpt, ckpt, {}).restorable());
        const json j = reportJson(r);
        QCOMPARE(j["counts"]["filled"].get<int>(), 1);
        QCOMPARE(j["restorable"].get<bool>(), false);
        QCOMPARE(j["leaves"][0]["fate"].get<std::string>(), std::string("renamed"));
    }

    void mismatchesAreReported()
    {
        const NodePtr ckpt = Node::makeDict({{Key::name("a"), iota({2, 3})}, {Key::name("b"), i32({2}, {1, 2})},
            {Key::name("c"), Node::makeDict({{Key::name("x"), iota({1})}})}, {Key::name("d"), iota({2})},
            {Key::name("old_d"), iota({2})}});
        const NodePtr target = Node::makeDict({{Key::name("a"), iota({3, 2})}, {Key::name("b"), f32({2}, {0, 0})},
            {Key::name("c"), iota({1})}, {Key::name("d"), iota({2})}, {Key::name("e"), iota({2})}});
        const RestoreReport r = planRestore(ckpt, target, rules({"old_d=d", "d=e"}));
        QVERIFY(hasProblem(leafOf(r, "a"), "shape", true));
        QVERIFY(hasProblem(leafOf(r, "b"), "dtype", true));
        QCOMPARE(leafOf(r, "c").fate, RestoreLeaf::Fate::Filled);
        QVERIFY(hasProblem(leafOf(r, "c"), "kind", true));
        // old_d is renamed onto d, shadowing the checkpoint's own d (which itself moved to e).
        QCOMPARE(leafOf(r, "d").source, std::string("old_d"));
        QVERIFY(hasProblem(leafOf(r, "d"), "collision", false));
        QCOMPARE(leafOf(r, "e").source, std::string("d"));
        QCOMPARE(r.extras, (std::vector<std::string>{"c/x"}));
        // Two leaves renamed onto one path: fatal collision, the first wins.
        const RestoreReport two = planRestore(ckpt, target, rules({"(old_d|d)=e"}));
        QCOMPARE(leafOf(two, "e").source, std::string("d"));
        QVERIFY(hasProblem(leafOf(two, "e"), "collision", true));
    }

    void resultHasTheTargetsShapeAndSharesLeaves()
    {
        const NodePtr ckpt = sampleTree();
        const NodePtr target = targetTree();
        const RestoreReport r = planRestore(ckpt, target, rules({"params/Dense_0/(.*)=params/dense/\\1"}));
        const NodePtr out = applyRestore(ckpt, target, r);
        QVERIFY(at(out, "params/dense/kernel") == at(ckpt, "params/Dense_0/kernel"));
        QVERIFY(at(out, "params/Dense_1/kernel") == at(ckpt, "params/Dense_1/kernel"));
        QCOMPARE(values(at(out, "batch_stats/mean")), (std::vector<double>{9, 9, 9}));
        QCOMPARE(at(out, "batch_stats/mean")->annotations().count("filled"), size_t(1));
        QCOMPARE(at(out, "opt")->kind(), NodeKind::List);
        QVERIFY(!at(out, "params/Dense_0"));
        QCOMPARE(at(out, "step")->kind(), NodeKind::Scalar); // the checkpoint's value, as Orbax
        // Leaf order follows the target.
        std::vector<std::string> order;
        forEachLeaf(out, [&](const Path &p, const NodePtr &) { order.push_back(joinPath(p)); });
        QCOMPARE(order.front(), std::string("params/dense/kernel"));
        QCOMPARE(order.back(), std::string("step"));
        // A report of another target is refused.
        expectError([&] { applyRestore(ckpt, sampleTree(), r); }, ErrorCategory::InvalidArgument);
    }

    void skeletonTargets()
    {
        Checkpoint c;
        c.path = "mem";
        c.format = kFormatFlaxMsgpack;
        c.root = targetTree();
        const json doc = treeJson(c, {});
        const NodePtr skel = loadSkeleton(doc);
        QCOMPARE(at(skel, "params/dense/kernel")->arrayInfo().shape, (std::vector<uint64_t>{2, 3}));
        QCOMPARE(values(at(skel, "batch_stats/mean")), (std::vector<double>{0, 0, 0}));
        QCOMPARE(at(skel, "step")->arrayInfo().dtype, DType::Int32);
        QCOMPARE(at(skel, "opt")->kind(), NodeKind::Dict); // the document does not say list
        const RestoreReport r = planRestore(sampleTree(), skel, rules({"params/Dense_0/(.*)=params/dense/\\1"}));
        QCOMPARE(r.count(RestoreLeaf::Fate::Filled), size_t(1));
        const NodePtr out = applyRestore(sampleTree(), skel, r);
        QVERIFY(at(out, "batch_stats/mean")->annotations().count("skeleton"));
        QVERIFY(at(out, "batch_stats/mean")->annotations().count("filled"));
        // Every leaf kind of the contract loads.
        const json kinds = json::parse(R"({"ckpt_json": 1, "leaves": [
            {"path": ["s"], "kind": "scalar", "dtype": "float", "value": "nan"},
            {"path": ["i"], "kind": "scalar", "dtype": "int", "value": 3},
            {"path": ["b"], "kind": "scalar", "dtype": "bool", "value": true},
            {"path": ["z"], "kind": "scalar", "dtype": "complex", "value": [1, -2]},
            {"path": ["t"], "kind": "string", "value": "x"},
            {"path": ["n"], "kind": "none"},
            {"path": ["e", "d"], "kind": "empty_dict"},
            {"path": ["e", "l"], "kind": "empty_list"},
            {"path": ["y"], "kind": "bytes", "size": 3}]})");
        const NodePtr k = loadSkeleton(kinds);
        QVERIFY(std::isnan(at(k, "s")->scalar().f));
        QCOMPARE(at(k, "z")->scalar().c, std::complex<double>(1, -2));
        QCOMPARE(std::string(at(k, "e/l")->kindName()), std::string("empty_list"));
        QCOMPARE(k->leafCount(), uint64_t(9));
        // Malformed documents.
        auto bad = [](const char *text) { loadSkeleton(json::parse(text), "t.json"); };
        Error e = expectError([&] { bad(R"({"ckpt_json": 1, "error": "io: gone"})"); }, ErrorCategory::InvalidArgument);
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("io: gone")));
        expectError([&] { bad(R"({"leaves": [{"path": ["a"], "kind": "array", "dtype": "float99", "shape": []}]})"); },
            ErrorCategory::InvalidArgument);
        e = expectError(
            [&] { bad(R"({"leaves": [{"path": ["a"], "kind": "array", "dtype": "int8", "shape": [-1]}]})"); },
            ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("a"));
        QCOMPARE(QString::fromStdString(e.file), QStringLiteral("t.json"));
        expectError([&] { bad(R"({"leaves": [{"path": "a", "kind": "none"}]})"); }, ErrorCategory::InvalidArgument);
        expectError([&] { bad(R"({"leaves": [{"path": ["a"], "kind": "weird"}]})"); }, ErrorCategory::InvalidArgument);
        expectError([&] { bad(R"({"leaves": [{"path": ["a"], "kind": "none"}, {"path": ["a"], "kind": "none"}]})"); },
            ErrorCategory::Mismatch);
        expectError(
            [&] { bad(R"({"leaves": [{"path": ["a"], "kind": "none"}, {"path": ["a", "b"], "kind": "none"}]})"); },
            ErrorCategory::InvalidArgument);
    }
};

QTEST_APPLESS_MAIN(TestRestore)
#include "tst_restore.moc"
