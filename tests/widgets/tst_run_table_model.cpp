#include "model_helpers.h"
#include "run_table_model.h"

#include <QAbstractItemModelTester>
#include <QFileInfo>
#include <QProcess>
#include <QtTest>

#include <cmath>
#include <limits>

namespace {

ckpt::RunCell cell(ckpt::RunCell::State state, double normA = 0, double normDiff = 0)
{
    ckpt::RunCell c;
    c.state = state;
    c.normA = normA;
    c.normDiff = normDiff;
    c.maxAbs = normDiff / 2;
    c.relUpdate = normDiff == 0 ? 0 : normA == 0 ? std::numeric_limits<double>::infinity() : normDiff / normA;
    return c;
}

/// Steps 10, 20, 40; leaves w (changed, then unchanged), name (string, changed), new (absent then
/// changed from zero), emb (reshaped, then changed).
ckpt::RunDiff sampleRun()
{
    using S = ckpt::RunCell::State;
    ckpt::RunDiff r;
    r.root = "/runs/x";
    r.steps = {{"10", 10}, {"20", 20}, {"40", 40}};
    r.leaves = {"params/w", "name", "params/new", "params/emb"};
    ckpt::RunCell text = cell(S::Changed);
    text.relUpdate = std::nan("");
    r.cells = {
        {cell(S::Changed, 2, 0.5), text, cell(S::Absent), cell(S::Incompatible)},
        {cell(S::Unchanged, 2.5, 0), cell(S::Unchanged), cell(S::Changed, 0, 3), cell(S::Changed, 4, 1)},
    };
    return r;
}

} // namespace

class TestRunTableModel : public QObject {
    Q_OBJECT
private slots:
    void table()
    {
        RunTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 1);
        model.setRun(sampleRun());
        QCOMPARE(model.pairCount(), 2);
        QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QStringLiteral("10→20"));
        QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), QStringLiteral("20→40"));
        QCOMPARE(printTable(&model),
            (QStringList{
                QStringLiteral("params/w | 2.500e-01 | ="),
                QStringLiteral("name | changed | ="),
                QStringLiteral("params/new | - | inf"),
                QStringLiteral("params/emb | x | 2.500e-01"),
            }));
        const QModelIndex w1 = model.index(0, 1);
        QCOMPARE(model.cellAt(w1)->normDiff, 0.5);
        QCOMPARE(model.cellAt(model.index(0, 0)), nullptr);
        QCOMPARE(w1.data(RunTableModel::StateRole).toInt(), int(ckpt::RunCell::State::Changed));
        QCOMPARE(w1.data(RunTableModel::RelUpdateRole).toDouble(), 0.25);
        QCOMPARE(w1.data(RunTableModel::StepARole).toString(), QStringLiteral("10"));
        QCOMPARE(w1.data(RunTableModel::StepBRole).toString(), QStringLiteral("20"));
        QCOMPARE(model.index(3, 2).data(RunTableModel::LeafRole).toString(), QStringLiteral("params/emb"));
        QCOMPARE(model.index(3, 0).data(RunTableModel::LeafRole).toString(), QStringLiteral("params/emb"));
        QVERIFY(std::isnan(model.index(1, 1).data(RunTableModel::RelUpdateRole).toDouble()));

        // Colours differ per state and follow the cell's state.
        const auto bg
            = [&](int r, int c) { return model.index(r, c).data(Qt::BackgroundRole).value<QBrush>().color(); };
        QCOMPARE(bg(0, 1), RunTableModel::stateColour(ckpt::RunCell::State::Changed));
        QCOMPARE(bg(0, 2), RunTableModel::stateColour(ckpt::RunCell::State::Unchanged));
        QCOMPARE(bg(2, 1), RunTableModel::stateColour(ckpt::RunCell::State::Absent));
        QCOMPARE(bg(3, 1), RunTableModel::stateColour(ckpt::RunCell::State::Incompatible));
        QVERIFY(bg(0, 1) != bg(0, 2));
        QVERIFY(bg(2, 1) != bg(3, 1));
        QVERIFY(!model.index(0, 0).data(Qt::BackgroundRole).isValid());

        // The tooltip carries the numbers.
        const QString tip = w1.data(Qt::ToolTipRole).toString();
        QVERIFY2(tip.contains(QStringLiteral("step 10 → 20: changed")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("||B−A||/||A|| = 2.500e-01")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("||A|| = 2")), qPrintable(tip));
        QVERIFY(model.index(1, 1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("not numeric")));
        QVERIFY(!model.index(2, 1).data(Qt::ToolTipRole).toString().contains(QStringLiteral("||A||")));

        QCOMPARE(model.rowOf(QStringLiteral("params/new")), 2);
        QCOMPARE(model.rowOf(QStringLiteral("nope")), -1);
        QVERIFY(!model.index(4, 0).isValid());
        QVERIFY(!model.index(0, 3).isValid());

        model.setRun({});
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.columnCount(), 1);
    }

    void series()
    {
        RunTableModel model;
        model.setRun(sampleRun());
        // x = the later step of each pair; y = relative update; unchanged counts as 0.
        QCOMPARE(model.updateSeries(0), (std::vector<QPointF>{{20, 0.25}, {40, 0}}));
        QCOMPARE(model.updateSeries(1), (std::vector<QPointF>{{40, 0}})); // the NaN pair is left out
        QCOMPARE(model.updateSeries(2), (std::vector<QPointF>{})); // absent, then inf
        QCOMPARE(model.updateSeries(3), (std::vector<QPointF>{{40, 0.25}})); // incompatible left out
        QVERIFY(model.updateSeries(4).empty());
        QVERIFY(model.updateSeries(-1).empty());
    }

    /// On the demo run the table shows what `ckpt diff ROOT --steps ..` prints.
    void matchesTheCli()
    {
        const QString root = QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/run");
        if (!QFileInfo(root).isDir())
            QSKIP("demo run not generated");
        RunTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setRun(ckpt::diffRun(root.toStdString(), {}));
        QProcess cli;
        cli.start(
            QStringLiteral(CKPT_CLI), {QStringLiteral("diff"), root, QStringLiteral("--steps"), QStringLiteral("..")});
        QVERIFY(cli.waitForFinished(60000));
        QCOMPARE(cli.exitCode(), 1); // the demo's steps differ
        QStringList lines = QString::fromUtf8(cli.readAllStandardOutput()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(lines.size() > 2);
        const QStringList head = lines.takeFirst().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        lines.removeLast(); // the legend line
        QCOMPARE(head.size(), model.columnCount());
        for (int c = 1; c < head.size(); ++c)
            QCOMPARE(model.headerData(c, Qt::Horizontal).toString().replace(QStringLiteral("→"), QStringLiteral("->")),
                head[c]);
        QCOMPARE(lines.size(), model.rowCount());
        QStringList fromModel;
        for (const QString &line : printTable(&model))
            fromModel << line.split(QStringLiteral(" | ")).join(QLatin1Char(' '));
        QStringList fromCli;
        for (const QString &line : lines)
            fromCli << line.split(QLatin1Char(' '), Qt::SkipEmptyParts).join(QLatin1Char(' '));
        QCOMPARE(fromModel, fromCli);
        QVERIFY(fromModel.contains(QStringLiteral("metrics/accuracy = =")));
    }
};

QTEST_MAIN(TestRunTableModel)
#include "tst_run_table_model.moc"
