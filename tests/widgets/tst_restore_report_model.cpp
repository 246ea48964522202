// RestoreReportModel: rows per target leaf and per dropped checkpoint leaf, fate colours, the
// "problems only" filter and the summary line, under QAbstractItemModelTester.
#include "model_helpers.h"
#include "restore_report_model.h"
#include "tree_builders.h"

#include <QAbstractItemModelTester>
#include <QBrush>
#include <QMimeData>
#include <QSignalSpy>
#include <QtTest>

#include <memory>

using ckpt::Node;
using ckpt::NodePtr;
using ckpt::RenameRule;
using testtree::child;
using testtree::floats;

namespace {

/// Checkpoint {a: [1,2], b: {k: [3]}, extra: [9]}.
NodePtr checkpointTree()
{
    return Node::makeDict({child("a", floats({2}, {1, 2})), child("b", Node::makeDict({child("k", floats({1}, {3}))})),
        child("extra", floats({1}, {9}))});
}

/// Target {a: [0,0], c: {k: [0]}, d: [0, 0, 0], e: f32 (2,)}; the checkpoint has no d or e, and
/// a 1-element b/k renamed onto the 2-element e is a shape problem.
NodePtr targetTree()
{
    return Node::makeDict({child("a", floats({2}, {0, 0})), child("c", Node::makeDict({child("k", floats({1}, {0}))})),
        child("d", floats({3}, {0, 0, 0})), child("e", floats({2}, {0, 0}))});
}

ckpt::RestoreReport plan(std::vector<std::string> renames, std::vector<std::string> originalKeys = {})
{
    std::vector<RenameRule> r, o;
    for (const std::string &t : renames)
        r.push_back(RenameRule::parse(t));
    for (const std::string &t : originalKeys)
        o.push_back(RenameRule::parse(t));
    return ckpt::planRestore(checkpointTree(), targetTree(), r, o);
}

QString cell(const QAbstractItemModel &m, int row, int column, int role = Qt::DisplayRole)
{
    return m.index(row, column).data(role).toString();
}

} // namespace

class TestRestoreReportModel : public QObject {
    Q_OBJECT
private slots:
    void rowsColumnsAndColours()
    {
        RestoreReportModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setReport(plan({"b/(.*)=c/\\1"}, {"e=extra"}));
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.columnCount(), int(RestoreReportModel::ColumnCount));
        // a taken, c/k renamed, d filled, e renamed from extra (original key); b/k used: no extras.
        QCOMPARE(model.rowCount(), 4);
        QCOMPARE(printTable(&model).at(0), QStringLiteral("a | taken | a |  | float32[2] | float32[2] | "));
        QCOMPARE(cell(model, 1, RestoreReportModel::FateColumn), QStringLiteral("renamed"));
        QCOMPARE(cell(model, 1, RestoreReportModel::SourceColumn), QStringLiteral("b/k"));
        QCOMPARE(cell(model, 1, RestoreReportModel::RuleColumn), QStringLiteral("\u2192 b/(.*)=c/\\1"));
        QCOMPARE(cell(model, 3, RestoreReportModel::RuleColumn), QStringLiteral("\u2190 e=extra"));
        QVERIFY(cell(model, 1, 0, Qt::ToolTipRole).contains(QStringLiteral("renamed from b/k (rule b/(.*)=c/\\1)")));
        QCOMPARE(cell(model, 2, RestoreReportModel::FateColumn), QStringLiteral("filled"));
        QCOMPARE(cell(model, 2, RestoreReportModel::ProblemsColumn, Qt::ToolTipRole),
            cell(model, 2, RestoreReportModel::ProblemsColumn));
        QVERIFY(cell(model, 2, RestoreReportModel::ProblemsColumn).startsWith(QStringLiteral("missing: ")));
        QVERIFY(cell(model, 3, RestoreReportModel::ProblemsColumn).startsWith(QStringLiteral("shape: ")));
        QCOMPARE(model.index(2, 0).data(RestoreReportModel::RowKindRole).toInt(), int(RestoreReportModel::Filled));
        QCOMPARE(model.index(2, 0).data(RestoreReportModel::FatalRole).toBool(), true);
        QCOMPARE(model.index(0, 0).data(RestoreReportModel::FatalRole).toBool(), false);
        // Colours: taken, renamed and fatal rows differ.
        const QColor taken = model.index(0, 3).data(Qt::BackgroundRole).value<QBrush>().color();
        const QColor renamed = model.index(1, 3).data(Qt::BackgroundRole).value<QBrush>().color();
        const QColor fatal = model.index(2, 3).data(Qt::BackgroundRole).value<QBrush>().color();
        QVERIFY(taken != renamed && renamed != fatal && taken != fatal);
        QCOMPARE(model.index(3, 0).data(Qt::BackgroundRole).value<QBrush>().color(), fatal);
        QCOMPARE(model.headerData(RestoreReportModel::SourceColumn, Qt::Horizontal).toString(),
            QStringLiteral("From checkpoint"));
        QCOMPARE(model.summary(), QStringLiteral("1 taken, 2 renamed, 1 filled, 2 problems \u2014 would restore: no"));
        QVERIFY(!model.index(0, 0).data(Qt::UserRole + 99).isValid());
        QCOMPARE(model.leafAt(4), nullptr);
        QCOMPARE(model.leafAt(1)->source, std::string("b/k"));
    }

    void extrasAndTheProblemsFilter()
    {
        RestoreReportModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(plan({}));
        // a taken; c/k, d, e filled; b/k and extra dropped.
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.rowOf(QStringLiteral("extra")), 5);
        QCOMPARE(cell(model, 4, RestoreReportModel::FateColumn), QStringLiteral("dropped"));
        QCOMPARE(cell(model, 4, RestoreReportModel::SourceColumn), QStringLiteral("b/k"));
        QCOMPARE(cell(model, 4, RestoreReportModel::TargetColumn), QString());
        QCOMPARE(model.index(4, 0).data(RestoreReportModel::LeafRole).toInt(), -1);
        QCOMPARE(model.index(4, 0).data(RestoreReportModel::RowKindRole).toInt(), int(RestoreReportModel::Extra));
        QCOMPARE(model.leafAt(4), nullptr);

        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        model.setProblemsOnly(true);
        QCOMPARE(resets.count(), 1);
        QCOMPARE(model.rowCount(), 5); // a is fine and hidden
        QCOMPARE(model.rowOf(QStringLiteral("a")), -1);
        QCOMPARE(model.rowOf(QStringLiteral("d")), 1);
        model.setProblemsOnly(true);
        QCOMPARE(resets.count(), 1); // no change, no reset
        model.setReport(ckpt::planRestore(checkpointTree(), checkpointTree(), {}));
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(model.summary().endsWith(QStringLiteral("would restore: yes")));
        model.setProblemsOnly(false);
        QCOMPARE(model.rowCount(), 3);
        QVERIFY(!model.index(0, 0).parent().isValid());
        QCOMPARE(model.rowCount(model.index(0, 0)), 0);
    }

    void dragAnExtraOntoAMissingLeaf()
    {
        RestoreReportModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setReport(plan({}));
        const int extra = model.rowOf(QStringLiteral("extra")), d = model.rowOf(QStringLiteral("d"));
        const int a = model.rowOf(QStringLiteral("a"));
        QVERIFY(model.flags(model.index(extra, 0)) & Qt::ItemIsDragEnabled);
        QVERIFY(!(model.flags(model.index(d, 0)) & Qt::ItemIsDragEnabled));
        QVERIFY(model.flags(model.index(d, 0)) & Qt::ItemIsDropEnabled);
        QVERIFY(!(model.flags(model.index(a, 0)) & Qt::ItemIsDropEnabled)); // taken: nothing to align
        QCOMPARE(model.mimeData({model.index(d, 0)}), nullptr); // only checkpoint leaves are dragged
        std::unique_ptr<QMimeData> data(model.mimeData({model.index(extra, 2)}));
        QVERIFY(data);
        QCOMPARE(model.mimeTypes(), QStringList{QString::fromLatin1(RestoreReportModel::kMimeType)});
        QCOMPARE(data->data(QString::fromLatin1(RestoreReportModel::kMimeType)), QByteArray("extra"));
        QVERIFY(!model.canDropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(a, 0)));
        QVERIFY(!model.canDropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(extra, 0)));
        QMimeData text;
        text.setText(QStringLiteral("extra"));
        QVERIFY(!model.canDropMimeData(&text, Qt::CopyAction, -1, -1, model.index(d, 0)));
        QVERIFY(model.canDropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(d, 0)));
        QSignalSpy align(&model, &RestoreReportModel::alignRequested);
        QVERIFY(!model.dropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(a, 0)));
        QCOMPARE(align.count(), 0);
        model.dropMimeData(data.get(), Qt::CopyAction, -1, -1, model.index(d, 0));
        QCOMPARE(align.count(), 1);
        QCOMPARE(align.at(0).at(0).toString(), QStringLiteral("d"));
        QCOMPARE(align.at(0).at(1).toString(), QStringLiteral("extra"));
        QCOMPARE(model.rowCount(), 6); // the model itself is unchanged
    }
};

QTEST_MAIN(TestRestoreReportModel)
#include "tst_restore_report_model.moc"
