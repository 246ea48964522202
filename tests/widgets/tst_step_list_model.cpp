#include "model_helpers.h"
#include "step_list_model.h"

#include <QAbstractItemModelTester>
#include <QFont>
#include <QItemSelectionModel>
#include <QSignalSpy>
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

    void updatesInPlaceKeepingTheSelection()
    {
        StepListModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setSteps({step("1", {}, 1, std::nullopt, true), step("2", {}, 1, std::nullopt, true),
            step("3", {}, 1, std::nullopt, true)});
        QItemSelectionModel selection(&model);
        selection.setCurrentIndex(model.index(1, 0), QItemSelectionModel::SelectCurrent | QItemSelectionModel::Rows);
        const QPersistentModelIndex two(model.index(1, 0));
        const QPersistentModelIndex three(model.index(2, 0));
        QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

        // Step 1 deleted (max_to_keep), step 4 appears as an in-progress save.
        ckpt::StepInfo tmp = step("4", {}, 7, std::nullopt, false, "in-progress save");
        tmp.name = "4.orbax-checkpoint-tmp-1700000000";
        tmp.path = "/run/" + tmp.name;
        model.updateSteps({step("2", {}, 1, std::nullopt, true), step("3", {}, 1, std::nullopt, true), tmp});
        QCOMPARE(resets.count(), 0);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(changed.count(), 0);
        QCOMPARE(printTable(&model),
            (QStringList{QStringLiteral("2 |  | 1 B |  | complete"), QStringLiteral("3 |  | 1 B |  | complete"),
                QStringLiteral("4 |  | 7 B |  | incomplete")}));
        QCOMPARE(two.row(), 0);
        QCOMPARE(three.row(), 1);
        QCOMPARE(selection.currentIndex().row(), 0);
        QVERIFY(selection.isRowSelected(0));

        // The save commits: the tmp folder is renamed to 4 and the same row turns complete.
        model.updateSteps({step("2", {}, 1, std::nullopt, true), step("3", {}, 1, std::nullopt, true),
            step("4", {}, 9, 1700000000000000000, true)});
        QCOMPARE(inserted.count(), 1);
        QCOMPARE(removed.count(), 1);
        QCOMPARE(changed.count(), 1);
        QVERIFY(model.index(2, 0).data(StepListModel::CompleteRole).toBool());
        QCOMPARE(model.steps()[2].name, std::string("4"));
        QCOMPARE(model.rowCount(), 3);

        // An identical listing changes nothing; an empty one removes every row.
        model.updateSteps(std::vector<ckpt::StepInfo>(model.steps()));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(inserted.count(), 1);
        model.updateSteps({});
        QCOMPARE(model.rowCount(), 0);
        QVERIFY(!two.isValid());
        model.updateSteps({step("5", {}, 1, std::nullopt, true), step("6", {}, 1, std::nullopt, true)});
        QCOMPARE(printTable(&model),
            (QStringList{QStringLiteral("5 |  | 1 B |  | complete"), QStringLiteral("6 |  | 1 B |  | complete")}));
    }
};

QTEST_MAIN(TestStepListModel)
#include "tst_step_list_model.moc"
