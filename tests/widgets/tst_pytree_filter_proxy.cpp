#include "model_helpers.h"
#include "pytree_filter_proxy.h"
#include "pytree_model.h"
#include "tree_builders.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace testtree;

namespace {
QStringList names(const QAbstractItemModel *m, const QModelIndex &parent = {}, int depth = 0)
{
    QStringList out;
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex ix = m->index(r, 0, parent);
        out << QString(depth * 2, QLatin1Char(' ')) + ix.data().toString();
        out << names(m, ix, depth + 1);
    }
    return out;
}
} // namespace

class TestPytreeFilterProxy : public QObject {
    Q_OBJECT
private slots:
    void namesSortInNaturalOrder()
    {
        std::vector<std::pair<std::string, ckpt::NodePtr>> layers;
        for (const char *name : {"layers_10", "layers_2", "layers_1", "Layers_3"})
            layers.emplace_back(name, f32({1}, 0));
        PytreeModel model;
        model.setRoot(dict(layers));
        model.fetchAll({}, 100);
        PytreeFilterProxy proxy;
        proxy.setSourceModel(&model);
        QStringList unsorted;
        for (int r = 0; r < proxy.rowCount(); ++r)
            unsorted << proxy.index(r, PytreeModel::NameColumn).data().toString();
        QCOMPARE(
            unsorted, QStringLiteral("layers_10 layers_2 layers_1 Layers_3").split(QLatin1Char(' '))); // file order
        proxy.sort(PytreeModel::NameColumn, Qt::AscendingOrder);
        QStringList sorted;
        for (int r = 0; r < proxy.rowCount(); ++r)
            sorted << proxy.index(r, PytreeModel::NameColumn).data().toString();
        QCOMPARE(sorted, QStringLiteral("Layers_3 layers_1 layers_2 layers_10").split(QLatin1Char(' ')));
    }

    void substringKeepsAncestors()
    {
        PytreeModel source;
        source.setRoot(sample());
        source.fetchAll({}, 100);
        PytreeFilterProxy proxy;
        proxy.setSourceModel(&source);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(names(&proxy).size(), 11);
        proxy.setPathFilter(QStringLiteral("KERNEL"));
        QCOMPARE(names(&proxy),
            (QStringList{QStringLiteral("params"), QStringLiteral("  Dense_0"), QStringLiteral("    kernel"),
                QStringLiteral("  Dense_1"), QStringLiteral("    kernel")}));
        QCOMPARE(proxy.matchCount(), 2);
        // A container name matches through its descendants' paths.
        proxy.setPathFilter(QStringLiteral("dense_1"));
        QCOMPARE(printModel(&proxy),
            (QStringList{QStringLiteral("params | dict |  | 2 items | 52 B | 13 | 3 leaves"),
                QStringLiteral("  Dense_1 | dict |  | 1 item | 16 B | 4 | 1 leaf"),
                QStringLiteral("    kernel | array | int32 | (4,) | 16 B | 4")}));
        proxy.setPathFilter(QStringLiteral("nothing-like-this"));
        QCOMPARE(proxy.rowCount(), 0);
        QCOMPARE(proxy.matchCount(), 0);
        proxy.setPathFilter(QString());
        QCOMPARE(names(&proxy).size(), 11);
    }

    void regexAndDType()
    {
        PytreeModel source;
        source.setRoot(sample());
        source.fetchAll({}, 100);
        PytreeFilterProxy proxy;
        proxy.setSourceModel(&source);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setPathFilter(QStringLiteral("^params/.*/(bias|kernel)$"), true);
        QCOMPARE(proxy.matchCount(), 3);
        proxy.setPathFilter(QStringLiteral("^(step|name)$"), true);
        QCOMPARE(names(&proxy), (QStringList{QStringLiteral("step"), QStringLiteral("name")}));
        proxy.setPathFilter(QStringLiteral("(unclosed"), true);
        QVERIFY(!proxy.isRegexValid());
        QCOMPARE(proxy.rowCount(), 0);

        proxy.setPathFilter(QString());
        proxy.setDTypeFilter(QStringLiteral("int32"));
        QCOMPARE(names(&proxy),
            (QStringList{QStringLiteral("params"), QStringLiteral("  Dense_1"), QStringLiteral("    kernel")}));
        proxy.setPathFilter(QStringLiteral("bias"));
        QCOMPARE(proxy.rowCount(), 0);
        proxy.setDTypeFilter(QStringLiteral("float32"));
        QCOMPARE(names(&proxy),
            (QStringList{QStringLiteral("params"), QStringLiteral("  Dense_0"), QStringLiteral("    bias")}));
    }

    void followsSourceReset()
    {
        PytreeModel source;
        PytreeFilterProxy proxy;
        proxy.setSourceModel(&source);
        proxy.setPathFilter(QStringLiteral("step"));
        source.setRoot(sample());
        source.fetchAll({}, 100);
        QCOMPARE(names(&proxy), QStringList{QStringLiteral("step")});
        source.setRoot(ckpt::Node::makeDict({child("other", ckpt::Node::makeNone())}));
        source.fetchAll({}, 100);
        QCOMPARE(proxy.rowCount(), 0);
    }

    // A match deep in a lazy list is found: the proxy keeps fetching source batches until it shows a row.
    void findsMatchesBeyondFetchedRows()
    {
        std::vector<ckpt::Child> leaves;
        for (int i = 0; i < 10000; ++i)
            leaves.push_back(child("w" + std::to_string(i), ckpt::Node::makeNone()));
        PytreeModel source;
        source.setBatchSize(100);
        source.setRoot(ckpt::Node::makeDict({child("layers", ckpt::Node::makeDict(std::move(leaves)))}));
        PytreeFilterProxy proxy;
        proxy.setSourceModel(&source);
        proxy.setPathFilter(QStringLiteral("layers/w9050"));
        QCOMPARE(proxy.matchCount(), 1);
        QVERIFY(proxy.canFetchMore({}));
        proxy.fetchMore({});
        QCOMPARE(proxy.rowCount(), 1);
        const QModelIndex layers = proxy.index(0, 0);
        QVERIFY(proxy.hasChildren(layers));
        proxy.fetchMore(layers);
        QCOMPARE(proxy.rowCount(layers), 1);
        QCOMPARE(proxy.index(0, 0, layers).data().toString(), QStringLiteral("w9050"));
        // Fetched through the batch holding row 9050, no further.
        QCOMPARE(source.rowCount(source.index(0, 0)), 9100);
    }
};

QTEST_MAIN(TestPytreeFilterProxy)
#include "tst_pytree_filter_proxy.moc"
