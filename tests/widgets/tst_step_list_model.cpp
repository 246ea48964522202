#include "model_helpers.h"
#include "step_list_model.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QtTest>

namespace {
ckpt::StepInfo step(const std::string &text, std::vector<std::string> items, uint64_t bytes, std::optional<int64_t> ns,
    bool complete, std::string reason = {})
{
    ckpt::StepInfo s;
    s.name = text;
    s.path = "/run/" + text;
    s.step = ckpt::StepId{text, std::stod(text)};
    s.items = std::move(items);
    s.totalBytes = bytes;
    s.timestampNs = ns;
    s.timestampFromMetadata = ns.has_value();
    s.complete = complete;
    s.incompleteReason = std::move(reason);
    return s;
}
} // namespace

class TestStepListModel : public QObject {
    Q_OBJECT
private slots:
    void dumpsSteps()
    {
        StepListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setSteps(
            {step("1", {"metrics", "state"}, 2048, 1700000000123456789, true), step("2", {}, 100, std::nullopt, true),
                step("3", {"state"}, 0, std::nullopt, false, "no commit_success.txt")});
        QCOMPARE(printTable(&model),
            (QStringList{QStringLiteral("1 | metrics, state | 2.0 KiB | 2023-11-14 22:13:20 UTC | complete"),
                QStringLiteral("2 |  | 100 B |  | complete"), QStringLiteral("3 | state | 0 B |  | incomplete")}));
        QCOMPARE(model.index(2, StepListModel::StatusColumn).data(Qt::ToolTipRole).toString(),
            QStringLiteral("no commit_success.txt"));
        QVERIFY(!model.index(2, 0).data(StepListModel::CompleteRole).toBool());
        QVERIFY(model.index(2, 0).data(Qt::ForegroundRole).isValid());
        QVERIFY(!model.index(0, 0).data(Qt::ForegroundRole).isValid());
        QCOMPARE(model.rowOf(QStringLiteral("2")), 1);
        QCOMPARE(model.rowOf(QStringLiteral("9")), -1);
    }

    void marksTheCurrentStep()
    {
        StepListModel model;
        model.setSteps({step("10", {}, 1, std::nullopt, true), step("20", {}, 1, std::nullopt, true)});
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setCurrentStep(QStringLiteral("20"));
        QVERIFY(model.index(1, 0).data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!model.index(0, 0).data(Qt::FontRole).value<QFont>().bold());
        QCOMPARE(model.index(1, 0).data(StepListModel::StepTextRole).toString(), QStringLiteral("20"));
    }
};

QTEST_MAIN(TestStepListModel)
#include "tst_step_list_model.moc"
