// Edit operations (core/ops/edit*): results, sharing, laziness, slab reads and every error path.
#include "tst_edit_helpers.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "ops/edit/edit_tree.h"

#include <QTemporaryDir>

using namespace ckpt;
using namespace repairtest;

class TestEdit : public QObject {
    Q_OBJECT
private slots:
    void updateSharesUntouchedNodes()
    {
        const NodePtr t = sampleTree();
        const NodePtr r = removeAt(t, parsePath("params/Dense_0/bias"));
        QVERIFY(!at(r, "params/Dense_0/bias"));
        QVERIFY(at(r, "params/Dense_0/kernel") == at(t, "params/Dense_0/kernel"));
        QVERIFY(at(r, "params/Dense_1") == at(t, "params/Dense_1"));
        QVERIFY(at(r, "opt") == at(t, "opt"));
        QVERIFY(at(t, "params/Dense_0/bias")); // the input is untouched
        // Emptied containers vanish; the root stays.
        const NodePtr r2 = removeAt(t, parsePath("params/Dense_1/kernel"));
        QVERIFY(!at(r2, "params/Dense_1"));
        QVERIFY(at(r2, "params/Dense_0"));
        // List items shift down after a removal and keep list kind.
        const NodePtr r3 = removeAt(t, parsePath("opt/0"));
        QCOMPARE(at(r3, "opt")->kind(), NodeKind::List);
        QCOMPARE(at(r3, "opt")->children().size(), size_t(1));
        QCOMPARE(at(r3, "opt/0")->arrayInfo().shape, (std::vector<uint64_t>{3}));
        // A list only grows at its end.
        QVERIFY(at(insertAt(t, parsePath("opt/2"), iota({1})), "opt/2"));
        const Error e
            = expectError([&] { insertAt(t, parsePath("opt/5"), iota({1})); }, ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("opt/5"));
        expectError([&] { removeAt(t, parsePath("nope/x")); }, ErrorCategory::InvalidArgument);
        expectError([&] { removeAt(t, {}); }, ErrorCategory::InvalidArgument);
    }

    void renameAndMove()
    {
        const NodePtr t = sampleTree();
        NodePtr r = run(t, edit::Rename{"params/Dense_0", "model/layers/0"});
        QVERIFY(!at(r, "params/Dense_0"));
        QVERIFY(at(r, "model/layers/0/kernel") == at(t, "params/Dense_0/kernel"));
        QVERIFY(at(r, "params/Dense_1") == at(t, "params/Dense_1"));
        r = run(t, edit::Rename{"step", "meta/step"});
        QCOMPARE(at(r, "meta/step")->scalar().i, int64_t(7));
        // Collision, missing source, a leaf in the way, moving into itself, the root.
        Error e = expectError(
            [&] {
                run(t, edit::Rename{"params/Dense_0", "params/Dense_1"});
            },
            ErrorCategory::Mismatch);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("params/Dense_1"));
        QVERIFY(QString::fromStdString(e.message).contains(QStringLiteral("collision")));
        e = expectError([&] { run(t, edit::Rename{"params/nope", "x"}); }, ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("params/nope"));
        e = expectError(
            [&] {
                run(t, edit::Rename{"params/Dense_0/bias", "step/bias"});
            },
            ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("step"));
        expectError([&] { run(t, edit::Rename{"params", "params/inner"}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::Rename{"", "x"}); }, ErrorCategory::InvalidArgument);
    }

    void deleteLeavesAndSubtrees()
    {
        const NodePtr t = sampleTree();
        const NodePtr r = run(t, edit::Delete{"params"});
        QVERIFY(!at(r, "params"));
        QCOMPARE(r->leafCount(), t->leafCount() - 3);
        const Error e = expectError([&] { run(t, edit::Delete{"params/Dense_9"}); }, ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("params/Dense_9"));
        expectError([&] { run(t, edit::Delete{""}); }, ErrorCategory::InvalidArgument);
    }

    void graftFromAnotherFileStaysLazy()
    {
        QTemporaryDir dir;
        const std::string other = dir.filePath(QStringLiteral("other.msgpack")).toStdString();
        const NodePtr donor = Node::makeDict(
            {{Key::name("batch_stats"), Node::makeDict({{Key::name("mean"), f32({2}, {0.5f, 1.5f})}})}});
        flaxmsgpack::writeFile(donor, other);
        const NodePtr t = sampleTree();
        edit::Graft g{"batch_stats", {other, {}, {}}, "batch_stats", false};
        const NodePtr r = run(t, g);
        const NodePtr mean = at(r, "batch_stats/mean");
        QVERIFY(mean);
        QVERIFY(QString::fromStdString(mean->array()->location()).contains(QStringLiteral("other.msgpack")));
        QCOMPARE(values(mean), (std::vector<double>{0.5, 1.5}));
        QVERIFY(at(r, "params") == at(t, "params"));
        // Whole source at a new key.
        QVERIFY(at(run(t, edit::Graft{"old", {other, {}, {}}, "", false}), "old/batch_stats/mean"));
        // Onto a leaf, onto an existing node (collision unless replace), a missing source path, a missing file.
        Error e = expectError(
            [&] {
                run(t, edit::Graft{"step/stats", {other, {}, {}}, "batch_stats", false});
            },
            ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("step"));
        expectError(
            [&] {
                run(t, edit::Graft{"params/Dense_1", {other, {}, {}}, "batch_stats", false});
            },
            ErrorCategory::Mismatch);
        const NodePtr replaced = run(t, edit::Graft{"params/Dense_1", {other, {}, {}}, "batch_stats", true});
        QVERIFY(at(replaced, "params/Dense_1/mean"));
        QVERIFY(!at(replaced, "params/Dense_1/kernel"));
        e = expectError(
            [&] {
                run(t, edit::Graft{"x", {other, {}, {}}, "params", false});
            },
            ErrorCategory::InvalidArgument);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("params"));
        QVERIFY(QString::fromStdString(e.file).contains(QStringLiteral("other.msgpack")));
        QVERIFY_THROWS_EXCEPTION(Exception, run(t, edit::Graft{"x", {other + ".missing", {}, {}}, "", false}));
    }

    void addLeavesAreLazyFills()
    {
        const NodePtr t = sampleTree();
        NodePtr r = run(t, edit::AddLeaf{"batch_stats/var", edit::AddLeaf::Fill::Ones, {}, "bfloat16", {2, 2}, {}});
        QCOMPARE(at(r, "batch_stats/var")->arrayInfo().dtype, DType::BFloat16);
        QCOMPARE(values(at(r, "batch_stats/var")), (std::vector<double>{1, 1, 1, 1}));
        r = run(t, edit::AddLeaf{"c", edit::AddLeaf::Fill::Constant, 2.5, "float16", {3}, {}});
        QCOMPARE(values(at(r, "c")), (std::vector<double>{2.5, 2.5, 2.5}));
        r = run(t, edit::AddLeaf{"c", edit::AddLeaf::Fill::Constant, "-inf", "float32", {}, {}});
        QVERIFY(std::isinf(values(at(r, "c"))[0]) && values(at(r, "c"))[0] < 0);
        r = run(t, edit::AddLeaf{"z", edit::AddLeaf::Fill::Zeros, {}, "float32", {}, "params/Dense_0/kernel"});
        QCOMPARE(at(r, "z")->arrayInfo().shape, (std::vector<uint64_t>{2, 3}));
        QCOMPARE(values(at(r, "z")), std::vector<double>(6, 0.0));
        // A 4 TiB array costs nothing until read; a slab of it reads fine.
        r = run(t, edit::AddLeaf{"huge", edit::AddLeaf::Fill::Constant, 3, "int32", {1u << 20, 1u << 20}, {}});
        QCOMPARE(at(r, "huge")->arrayBytes(), uint64_t(1) << 42);
        QCOMPARE(slabValues(at(r, "huge"), {5, 7}, {2, 2}), (std::vector<double>{3, 3, 3, 3}));
        // Errors: existing path, unknown dtype, bad constant, `like` not an array, a leaf in the way.
        expectError(
            [&] {
                run(t, edit::AddLeaf{"step", edit::AddLeaf::Fill::Zeros, {}, "float32", {}, {}});
            },
            ErrorCategory::Mismatch);
        expectError(
            [&] {
                run(t, edit::AddLeaf{"q", edit::AddLeaf::Fill::Zeros, {}, "float33", {}, {}});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                run(t, edit::AddLeaf{"q", edit::AddLeaf::Fill::Constant, "abc", "float32", {}, {}});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                run(t, edit::AddLeaf{"q", edit::AddLeaf::Fill::Zeros, {}, "float32", {}, "step"});
            },
            ErrorCategory::InvalidArgument);
        expectError(
            [&] {
                run(t, edit::AddLeaf{"step/q", edit::AddLeaf::Fill::Zeros, {}, "float32", {}, {}});
            },
            ErrorCategory::InvalidArgument);
    }

    void castLeafAndSubtree()
    {
        const NodePtr t = Node::makeDict({{Key::name("w"), f32({4}, {1.0f, 1.00390625f, 1.01171875f, -3e38f})},
            {Key::name("n"), i32({2}, {300, -1})}});
        NodePtr r = run(t, edit::Cast{"w", "bfloat16"});
        // bfloat16 keeps 8 significant bits: 1+2^-8 is a tie that goes to even (1.0); 1+3*2^-8 to 1+2^-6.
        const std::vector<double> bf = values(at(r, "w"));
        QCOMPARE(bf[0], 1.0);
        QCOMPARE(bf[1], 1.0);
        QCOMPARE(bf[2], 1.015625);
        QVERIFY(std::fabs(bf[3] / -3e38 - 1) < 0.01);
        QVERIFY(at(r, "n") == at(t, "n"));
        // A container casts its floating leaves only.
        r = run(t, edit::Cast{"", "float16"});
        QCOMPARE(at(r, "w")->arrayInfo().dtype, DType::Float16);
        QCOMPARE(at(r, "n")->arrayInfo().dtype, DType::Int32);
        QVERIFY(std::isinf(values(at(r, "w"))[3]));
        // Integers wrap like NumPy astype.
        r = run(t, edit::Cast{"n", "int8"});
        QCOMPARE(values(at(r, "n")), (std::vector<double>{44, -1}));
        r = run(t, edit::Cast{"n", "uint4"});
        QCOMPARE(values(at(r, "n")), (std::vector<double>{12, 15}));
        // Slab reads of a cast.
        r = run(t, edit::Cast{"w", "float64"});
        QCOMPARE(slabValues(at(r, "w"), {1}, {2}), (std::vector<double>{1.00390625, 1.01171875}));
        expectError([&] { run(sampleTree(), edit::Cast{"step", "float32"}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::Cast{"w", "float128"}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::Cast{"nope", "float32"}); }, ErrorCategory::InvalidArgument);
    }

    void reshapeIsALazyView()
    {
        const NodePtr t = Node::makeDict({{Key::name("a"), iota({2, 3, 4})}});
        NodePtr r = run(t, edit::Reshape{"a", {4, -1}});
        QCOMPARE(at(r, "a")->arrayInfo().shape, (std::vector<uint64_t>{4, 6}));
        QCOMPARE(values(at(r, "a")), values(at(t, "a")));
        // Rows 1..2, columns 2..4 of the (4, 6) view are flat elements 8..10 and 14..16.
        QCOMPARE(slabValues(at(r, "a"), {1, 2}, {2, 3}), (std::vector<double>{8, 9, 10, 14, 15, 16}));
        r = run(t, edit::Reshape{"a", {24}});
        QCOMPARE(slabValues(at(r, "a"), {5}, {3}), (std::vector<double>{5, 6, 7}));
        Error e = expectError([&] { run(t, edit::Reshape{"a", {5, 5}}); }, ErrorCategory::Mismatch);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("a"));
        expectError([&] { run(t, edit::Reshape{"a", {5, -1}}); }, ErrorCategory::Mismatch);
        expectError([&] { run(t, edit::Reshape{"a", {-2, 12}}); }, ErrorCategory::InvalidArgument);
    }

    void transposeMapsSlabs()
    {
        const NodePtr t = Node::makeDict({{Key::name("a"), iota({2, 3, 4})}});
        const NodePtr r = run(t, edit::Transpose{"a", {2, 0, 1}});
        const NodePtr a = at(r, "a");
        QCOMPARE(a->arrayInfo().shape, (std::vector<uint64_t>{4, 2, 3}));
        const std::vector<double> all = values(a);
        for (uint64_t i = 0; i < 4; ++i)
            for (uint64_t j = 0; j < 2; ++j)
                for (uint64_t k = 0; k < 3; ++k)
                    QCOMPARE(all[(i * 2 + j) * 3 + k], double((j * 3 + k) * 4 + i));
        // out[1:3, 1, 0:2] = base[1, 0:2, 1:3] transposed
        QCOMPARE(slabValues(a, {1, 1, 0}, {2, 1, 2}), (std::vector<double>{13, 17, 14, 18}));
        const NodePtr rev = at(run(t, edit::Transpose{"a", {}}), "a");
        QCOMPARE(rev->arrayInfo().shape, (std::vector<uint64_t>{4, 3, 2}));
        QCOMPARE(slabValues(rev, {3, 2, 1}, {1, 1, 1}), (std::vector<double>{23}));
        expectError([&] { run(t, edit::Transpose{"a", {0, 0, 1}}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::Transpose{"a", {0, 1}}); }, ErrorCategory::InvalidArgument);
    }

    void stackAndUnstack()
    {
        const NodePtr t = Node::makeDict({{Key::name("layers_0"), Node::makeDict({{Key::name("w"), f32({2}, {1, 2})}})},
            {Key::name("layers_1"), Node::makeDict({{Key::name("w"), f32({2}, {3, 4})}})},
            {Key::name("layers_2"), Node::makeDict({{Key::name("w"), f32({2}, {5, 6})}})},
            {Key::name("odd"), f32({3}, {0, 0, 0})}});
        const NodePtr s = run(t, edit::Stack{{"layers_0/w", "layers_1/w", "layers_2/w"}, "layers/w", 0});
        QVERIFY(!at(s, "layers_0"));
        QCOMPARE(at(s, "layers/w")->arrayInfo().shape, (std::vector<uint64_t>{3, 2}));
        QCOMPARE(values(at(s, "layers/w")), (std::vector<double>{1, 2, 3, 4, 5, 6}));
        QCOMPARE(slabValues(at(s, "layers/w"), {1, 1}, {2, 1}), (std::vector<double>{4, 6}));
        const NodePtr s1 = run(t, edit::Stack{{"layers_0/w", "layers_1/w", "layers_2/w"}, "w", 1});
        QCOMPARE(at(s1, "w")->arrayInfo().shape, (std::vector<uint64_t>{2, 3}));
        QCOMPARE(values(at(s1, "w")), (std::vector<double>{1, 3, 5, 2, 4, 6}));
        // Unstack is the inverse.
        const NodePtr u = run(s, edit::Unstack{"layers/w", {"layers_0/w", "layers_1/w", "layers_2/w"}, 0});
        QVERIFY(!at(u, "layers"));
        for (const char *k : {"layers_0/w", "layers_1/w", "layers_2/w"})
            QCOMPARE(values(at(u, k)), values(at(t, k)));
        const NodePtr u1 = run(s1, edit::Unstack{"w", {"a", "b", "c"}, 1});
        QCOMPARE(values(at(u1, "b")), (std::vector<double>{3, 4}));
        Error e = expectError([&] { run(t, edit::Stack{{"layers_0/w", "odd"}, "x", 0}); }, ErrorCategory::Mismatch);
        QCOMPARE(QString::fromStdString(e.keyPath), QStringLiteral("x"));
        expectError([&] { run(t, edit::Stack{{"layers_0/w"}, "x", 2}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(s, edit::Unstack{"layers/w", {"a", "b"}, 0}); }, ErrorCategory::Mismatch);
        expectError([&] { run(s, edit::Unstack{"layers/w", {"a", "b"}, 2}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::Stack{{"layers_0/w", "missing"}, "x", 0}); }, ErrorCategory::InvalidArgument);
    }

    void setValuesAndElements()
    {
        const NodePtr t = Node::makeDict({{Key::name("step"), Node::makeScalar(Scalar::fromInt(7))},
            {Key::name("lr"), f32({}, {0.1f})}, {Key::name("m"), iota({2, 3})}});
        NodePtr r = run(t, edit::SetValue{"step", 100});
        QCOMPARE(at(r, "step")->scalar().i, int64_t(100));
        r = run(t, edit::SetValue{"name", "resnet"});
        QCOMPARE(at(r, "name")->text(), std::string("resnet"));
        r = run(t, edit::SetValue{"lr", 0.5});
        QCOMPARE(at(r, "lr")->arrayInfo().dtype, DType::Float32); // a 0-d array keeps its dtype
        QCOMPARE(values(at(r, "lr")), (std::vector<double>{0.5}));
        r = run(t, edit::SetValue{"flag", true});
        QCOMPARE(at(r, "flag")->scalar().type, Scalar::Type::Bool);
        expectError([&] { run(sampleTree(), edit::SetValue{"params", 1}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::SetValue{"m", 1}); }, ErrorCategory::InvalidArgument);

        edit::SetElements se{"m", {{{0, 1}, -5}, {{1, 2}, "nan"}}};
        r = run(t, se);
        const std::vector<double> v = values(at(r, "m"));
        QCOMPARE(v[1], -5.0);
        QVERIFY(std::isnan(v[5]));
        QCOMPARE(v[4], 4.0);
        QCOMPARE(slabValues(at(r, "m"), {0, 1}, {2, 1}), (std::vector<double>{-5, 4}));
        QCOMPARE(values(at(t, "m"))[1], 1.0); // the original is untouched
        expectError([&] { run(t, edit::SetElements{"m", {{{2, 0}, 1}}}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::SetElements{"m", {{{0}, 1}}}); }, ErrorCategory::InvalidArgument);
        expectError([&] { run(t, edit::SetElements{"step", {{{}, 1}}}); }, ErrorCategory::InvalidArgument);
    }

    void describeNamesTheOperation()
    {
        QCOMPARE(
            QString::fromStdString(edit::describe(edit::Rename{"a/b", "a/c"})), QStringLiteral("rename a/b -> a/c"));
        QCOMPARE(
            QString::fromStdString(edit::describe(edit::Cast{"p", "bfloat16"})), QStringLiteral("cast p to bfloat16"));
    }
};

QTEST_APPLESS_MAIN(TestEdit)
#include "tst_edit.moc"
