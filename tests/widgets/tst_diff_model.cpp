#include "diff_filter_proxy.h"
#include "diff_model.h"
#include "model_helpers.h"
#include "tree_builders.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace testtree;
using ckpt::Node;

namespace {

/// A: {params: {dense: {kernel (2,2), bias (2,)}, old (1,), emb (2,)}, step: 1}
ckpt::NodePtr treeA()
{
    auto dense = Node::makeDict({child("kernel", floats({2, 2}, {1, 2, 3, 4})), child("bias", floats({2}, {0, 0}))});
    auto params
        = Node::makeDict({child("dense", dense), child("old", floats({1}, {1})), child("emb", floats({2}, {1, 1}))});
    return Node::makeDict({child("params", params), child("step", Node::makeScalar(ckpt::Scalar::fromInt(1)))});
}

/// B: kernel's last element 4 -> 4.5, old removed, new added, emb reshaped to (3,), step 2.
ckpt::NodePtr treeB()
{
    auto dense = Node::makeDict({child("kernel", floats({2, 2}, {1, 2, 3, 4.5f})), child("bias", floats({2}, {0, 0}))});
    auto params
        = Node::makeDict({child("dense", dense), child("emb", floats({3}, {1, 1, 1})), child("new", floats({1}, {2}))});
    return Node::makeDict({child("params", params), child("step", Node::makeScalar(ckpt::Scalar::fromInt(2)))});
}

ckpt::DiffResult sampleDiff()
{
    return ckpt::diffTrees(treeA(), treeB(), ckpt::DiffOptions{});
}

QStringList leafNames(const QAbstractItemModel *m, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex ix = m->index(r, 0, parent);
        if (m->rowCount(ix) == 0)
            out << ix.data(DiffModel::PathRole).toString();
        out << leafNames(m, ix);
    }
    return out;
}

} // namespace

class TestDiffModel : public QObject {
    Q_OBJECT
private slots:
    void dump()
    {
        DiffModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResult(sampleDiff());
        QCOMPARE(printModel(&model),
            (QStringList{
                QStringLiteral("params | changed"),
                QStringLiteral("  dense | changed"),
                QStringLiteral(
                    "    kernel | values changed | float32 | float32 | (2, 2) | (2, 2) | 0.5 | 0.111111 | 1 / 4"),
                QStringLiteral("    bias | same | float32 | float32 | (2,) | (2,) | 0 |  | 0 / 2"),
                QStringLiteral("  old | removed | float32 |  | (1,)"),
                QStringLiteral("  emb | shape changed | float32 | float32 | (2,) | (3,)"),
                QStringLiteral("  new | added |  | float32 |  | (1,)"),
                QStringLiteral("step | values changed | int | int |  |  | 1 | 0.5 | 1 / 1"),
            }));
        const QModelIndex kernel = model.indexForPath(QStringLiteral("params/dense/kernel"));
        QVERIFY(kernel.isValid());
        QCOMPARE(model.entryAt(kernel)->status, ckpt::DiffStatus::ValuesChanged);
        QCOMPARE(model.entryAt(model.indexForPath(QStringLiteral("params"))), nullptr);
        QCOMPARE(kernel.data(DiffModel::CategoryRole).toInt(), int(DiffModel::Changed));
        QCOMPARE(model.index(0, DiffModel::MaxAbsColumn, model.parent(kernel)).isValid(), true);
        // Same trees: everything same.
        model.setResult(ckpt::diffTrees(treeA(), treeA(), ckpt::DiffOptions{}));
        QCOMPARE(model.index(0, DiffModel::StatusColumn).data().toString(), QStringLiteral("same"));
        // Containers whose leaves were all added or all removed say so.
        const auto onlyStep = Node::makeDict({child("step", Node::makeScalar(ckpt::Scalar::fromInt(1)))});
        const auto statusOf = [&model](const char *path) {
            const QModelIndex ix = model.indexForPath(QString::fromLatin1(path));
            return ix.siblingAtColumn(DiffModel::StatusColumn).data().toString();
        };
        model.setResult(ckpt::diffTrees(onlyStep, treeA(), ckpt::DiffOptions{}));
        QCOMPARE(statusOf("params"), QStringLiteral("added"));
        QCOMPARE(statusOf("params/dense"), QStringLiteral("added"));
        QCOMPARE(statusOf("step"), QStringLiteral("same"));
        model.setResult(ckpt::diffTrees(treeA(), onlyStep, ckpt::DiffOptions{}));
        QCOMPARE(statusOf("params"), QStringLiteral("removed"));
        model.setResult({});
        QCOMPARE(model.rowCount(), 0);
    }

    void renamedPairs()
    {
        // A's params/old lines up with B's params/new under a rule; both hold one float.
        ckpt::DiffOptions o;
        o.renames.push_back(ckpt::RenameRule::parse("params/old=params/new"));
        DiffModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setResult(ckpt::diffTrees(treeA(), treeB(), o));
        const QModelIndex renamed = model.indexForPath(QStringLiteral("params/new"));
        QVERIFY(renamed.isValid());
        QVERIFY(model.entryAt(renamed)->renamed);
        QCOMPARE(renamed.siblingAtColumn(DiffModel::StatusColumn).data().toString(),
            QStringLiteral("values changed, renamed"));
        QCOMPARE(renamed.data(Qt::ToolTipRole).toString(), QStringLiteral("A's params/old, renamed by a rule"));
        QVERIFY(!model.indexForPath(QStringLiteral("params/old")).isValid());
        const QModelIndex kernel = model.indexForPath(QStringLiteral("params/dense/kernel"));
        QCOMPARE(kernel.siblingAtColumn(DiffModel::StatusColumn).data().toString(), QStringLiteral("values changed"));
        QVERIFY(!kernel.data(Qt::ToolTipRole).isValid());
    }

    void filterToggles()
    {
        DiffModel model;
        model.setResult(sampleDiff());
        DiffFilterProxy proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(proxy.differencesOnly());
        QCOMPARE(leafNames(&proxy),
            (QStringList{QStringLiteral("params/dense/kernel"), QStringLiteral("params/old"),
                QStringLiteral("params/emb"), QStringLiteral("params/new"), QStringLiteral("step")}));
        proxy.setDifferencesOnly(false);
        QCOMPARE(leafNames(&proxy).size(), 6);
        QVERIFY(!proxy.differencesOnly());
        proxy.setDifferencesOnly(true);
        proxy.setCategoryShown(DiffModel::Changed, false);
        QCOMPARE(leafNames(&proxy), (QStringList{QStringLiteral("params/old"), QStringLiteral("params/new")}));
        proxy.setCategoryShown(DiffModel::Added, false);
        QCOMPARE(leafNames(&proxy), (QStringList{QStringLiteral("params/old")}));
        proxy.setCategoryShown(DiffModel::Removed, false);
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setCategoryShown(DiffModel::Same, true);
        QCOMPARE(leafNames(&proxy), (QStringList{QStringLiteral("params/dense/bias")}));
        QVERIFY(proxy.categoryShown(DiffModel::Same));
        QVERIFY(!proxy.categoryShown(DiffModel::Changed));
    }

    void sortByMaxDifference()
    {
        DiffModel model;
        model.setResult(sampleDiff());
        DiffFilterProxy proxy;
        proxy.setSourceModel(&model);
        proxy.setDifferencesOnly(false);
        proxy.sort(DiffModel::MaxAbsColumn, Qt::DescendingOrder);
        // Top level: step (max 1) before params (a container, no number).
        QCOMPARE(proxy.index(0, 0).data().toString(), QStringLiteral("step"));
        const QModelIndex params = proxy.index(1, 0);
        const QModelIndex dense = proxy.index(0, 0, params);
        QCOMPARE(dense.data().toString(), QStringLiteral("dense"));
        QCOMPARE(proxy.index(0, 0, dense).data().toString(), QStringLiteral("kernel"));
        QCOMPARE(proxy.index(1, 0, dense).data().toString(), QStringLiteral("bias"));
        proxy.sort(DiffModel::MaxAbsColumn, Qt::AscendingOrder);
        QCOMPARE(proxy.index(0, 0, proxy.index(0, 0, proxy.index(0, 0))).data().toString(), QStringLiteral("bias"));
    }
};

QTEST_MAIN(TestDiffModel)
#include "tst_diff_model.moc"
