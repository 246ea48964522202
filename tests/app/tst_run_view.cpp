#include "app_test_helpers.h"

#include "diff_filter_proxy.h"
#include "diff_model.h"
#include "diff_view.h"
#include "document_controller.h"
#include "line_plot.h"
#include "main_window.h"
#include "run_table_model.h"
#include "run_view.h"
#include "step_list_model.h"
#include "steps_dock.h"

#include <QAction>
#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTreeView>
#include <QtTest>

namespace {

constexpr int kWaitMs = 60000;

QAction *actionNamed(QMenu &menu, const QString &prefix)
{
    for (QAction *a : menu.actions())
        if (a->text().startsWith(prefix))
            return a;
    return nullptr;
}

} // namespace

class TestRunView : public QObject {
    Q_OBJECT
private slots:
    void demoRunTable()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("demo run not generated");
        TestSettings s;
        MainWindow w(s.settings.get());
        QCOMPARE(w.showRunView(), nullptr); // nothing open
        QVERIFY(openAndWait(w, run, kWaitMs));

        // The View menu offers it.
        QAction *menuAction = w.menuBar()->findChild<QAction *>(QStringLiteral("runViewAction"));
        QVERIFY(menuAction);
        menuAction->trigger();
        RunView *view = w.runView();
        QVERIFY(view);
        QCOMPARE(w.showRunView(), view);
        QCOMPARE(view->root(), w.document()->runRoot());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY2(view->hasResult(), qPrintable(view->statusLabel()->text()));
        QVERIFY(w.statusText().contains(QStringLiteral("32 leaves over 3 steps")));

        // The table holds exactly what ckpt::diffRun computes.
        const ckpt::RunDiff expected = ckpt::diffRun(w.document()->runRoot().toStdString(), {});
        RunTableModel *m = view->model();
        QCOMPARE(m->rowCount(), int(expected.leaves.size()));
        QCOMPARE(m->rowCount(), 32);
        QCOMPARE(m->pairCount(), 2);
        QCOMPARE(m->headerData(1, Qt::Horizontal).toString(), QStringLiteral("1→2"));
        for (int l = 0; l < m->rowCount(); ++l) {
            QCOMPARE(m->index(l, 0).data().toString(), QString::fromStdString(expected.leaves[size_t(l)]));
            for (int t = 0; t < 2; ++t)
                QCOMPARE(m->index(l, t + 1).data().toString(),
                    RunTableModel::cellText(expected.cells[size_t(t)][size_t(l)]));
        }
        const int loss = m->rowOf(QStringLiteral("metrics/loss"));
        QCOMPARE(m->index(loss, 1).data().toString(), QStringLiteral("1.223e-02"));
        QCOMPARE(m->index(m->rowOf(QStringLiteral("metrics/accuracy")), 2).data().toString(), QStringLiteral("="));

        // The largest updates are plotted to start with; the selection drives the plot.
        QCOMPARE(view->plottedLeaves().size(), 5);
        QCOMPARE(view->selectLeaves(
                     {QStringLiteral("metrics/loss"), QStringLiteral("metrics/step"), QStringLiteral("no/such")}),
            2);
        QCOMPARE(view->plottedLeaves(), (QStringList{QStringLiteral("metrics/loss"), QStringLiteral("metrics/step")}));
        QCOMPARE(view->plot()->series()[0].points,
            (std::vector<QPointF>{
                {2, expected.cells[0][size_t(loss)].relUpdate}, {3, expected.cells[1][size_t(loss)].relUpdate}}));
        QVERIFY(view->plot()->logY());
        // An unchanged leaf has nothing above 0 for the log axis; the linear axis shows its zeros.
        QCOMPARE(view->selectLeaves({QStringLiteral("metrics/accuracy")}), 1);
        QCOMPARE(view->plot()->series()[0].points, (std::vector<QPointF>{{2, 0}, {3, 0}}));
        QVERIFY(!view->plot()->toPixel({2, 0}));
        view->logScaleBox()->setChecked(false);
        QVERIFY(!view->plot()->logY());
        QVERIFY(view->plot()->toPixel({2, 0}));
        view->logScaleBox()->setChecked(true);

        // Leaf filter: text anywhere, or a wildcard over the whole path.
        view->filterEdit()->setText(QStringLiteral("BN/"));
        int bn = 0;
        for (const auto &leaf : expected.leaves)
            bn += QString::fromStdString(leaf).contains(QStringLiteral("bn/"));
        QVERIFY(bn > 2);
        QCOMPARE(view->proxy()->rowCount(), bn);
        view->filterEdit()->setText(QStringLiteral("state/batch_stats/bn/*"));
        QCOMPARE(view->proxy()->rowCount(), 2);
        QCOMPARE(view->selectLeaves({QStringLiteral("metrics/loss")}), 0); // filtered out
        QVERIFY(view->plottedLeaves().isEmpty());
        view->filterEdit()->clear();
        QCOMPARE(view->proxy()->rowCount(), 32);

        // Double-clicking a cell diffs its two steps and shows the leaf.
        QTableView *table = view->table();
        view->show();
        QVERIFY(QTest::qWaitForWindowExposed(view));
        const QModelIndex cell = view->proxy()->mapFromSource(m->index(loss, 1));
        table->scrollTo(cell);
        const QPoint centre = table->visualRect(cell).center();
        QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, centre);
        QTest::mouseDClick(table->viewport(), Qt::LeftButton, {}, centre);
        DiffView *diff = w.diffView();
        QVERIFY(diff);
        QVERIFY(diff->windowTitle().contains(QStringLiteral("(step 1)")));
        QVERIFY(diff->windowTitle().contains(QStringLiteral("(step 2)")));
        QVERIFY(!diff->windowTitle().contains(QStringLiteral("(step 3)"))); // the open step is not involved
        QTRY_VERIFY_WITH_TIMEOUT(!diff->isRunning(), kWaitMs);
        QCOMPARE(diff->sideA()->step->text, std::string("1"));
        QCOMPARE(diff->sideB()->step->text, std::string("2"));
        const ckpt::DiffEntry *selected
            = diff->model()->entryAt(diff->proxy()->mapToSource(diff->tree()->currentIndex()));
        QVERIFY(selected);
        QCOMPARE(selected->path, std::string("metrics/loss"));
        QCOMPARE(selected->numbers.normDiff, expected.cells[0][size_t(loss)].normDiff);

        // Screenshot for a human look.
        view->selectLeaves({QStringLiteral("metrics/loss"), QStringLiteral("state/batch_stats/bn/mean"),
            QStringLiteral("state/params/conv/kernel"), QStringLiteral("state/opt_state/0/mu/head/bias")});
        QVERIFY(saveScreenshot(view, QStringLiteral("run_view"), {1100, 760}));
    }

    void rangeAndTolerance()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("demo run not generated");
        RunView view;
        QSignalSpy done(&view, &RunView::finished);
        QVERIFY(!view.recompute()); // nothing started yet
        view.fromEdit()->setText(QStringLiteral("2"));
        QCOMPARE(view.options().from, std::optional<double>(2));
        QCOMPARE(view.options().to, std::nullopt);
        view.start(run);
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, kWaitMs);
        QVERIFY(done.at(0).at(0).toBool());
        QCOMPARE(view.model()->pairCount(), 1);
        QCOMPARE(view.model()->headerData(1, Qt::Horizontal).toString(), QStringLiteral("2→3"));

        // A tolerance wide enough for every update: nothing changed.
        view.atolEdit()->setText(QStringLiteral("1e9"));
        QCOMPARE(view.options().diff.compare.atol, 1e9);
        QVERIFY(view.recompute());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 2, kWaitMs);
        for (int r = 0; r < view.model()->rowCount(); ++r)
            QCOMPARE(view.model()->index(r, 1).data().toString(), QStringLiteral("="));
        QVERIFY(view.statusLabel()->text().contains(QStringLiteral("0 changed cells")));

        // One step in range is an error the view shows, with an empty table.
        view.fromEdit()->setText(QStringLiteral("3"));
        QVERIFY(view.recompute());
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, kWaitMs);
        QCOMPARE(done.at(2).at(0).toBool(), false);
        QVERIFY2(view.statusLabel()->text().startsWith(QStringLiteral("Run view failed:")),
            qPrintable(view.statusLabel()->text()));
        QVERIFY(view.statusLabel()->text().contains(QStringLiteral("two or more")));
        QCOMPARE(view.model()->rowCount(), 0);
        QVERIFY(!view.hasResult());

        // Cancelled before the worker reports.
        view.fromEdit()->clear();
        view.start(run);
        view.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, kWaitMs);
        QCOMPARE(done.at(3).at(0).toBool(), false);
        QCOMPARE(view.statusLabel()->text(), QStringLiteral("Run view cancelled"));
    }

    void notARun()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/flax_state.msgpack"));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr || !w.errorText().isEmpty(), kWaitMs);
        if (!w.document()->current())
            QSKIP("demo checkpoint missing");
        QCOMPARE(w.showRunView(), nullptr);
        w.menuBar()->findChild<QAction *>(QStringLiteral("runViewAction"))->trigger();
        QVERIFY(w.errorText().contains(QStringLiteral("training run")));
    }

    void stepsDockMenu()
    {
        const auto demo = openDemoRunWindow(kWaitMs);
        if (!demo)
            QSKIP("demo run not generated");
        QVERIFY(demo->opened);
        MainWindow &w = *demo->window;
        StepsDock *dock = w.stepsDock();
        QCOMPARE(dock->model()->rowCount(), 3);
        QSignalSpy runView(dock, &StepsDock::runViewRequested);
        QMenu menu;
        dock->fillContextMenu(&menu, dock->model()->index(0, 0), true);
        QVERIFY(actionNamed(menu, QStringLiteral("Diff with the open step")));
        QVERIFY(!actionNamed(menu, QStringLiteral("Diff these two steps"))); // nothing selected
        QAction *open = actionNamed(menu, QStringLiteral("Run view"));
        QVERIFY(open);
        open->trigger();
        QCOMPARE(runView.count(), 1);
        QVERIFY(w.runView());
        QTRY_VERIFY_WITH_TIMEOUT(!w.runView()->isRunning(), kWaitMs);
        QCOMPARE(w.runView()->model()->pairCount(), 2);
    }
};

QTEST_MAIN(TestRunView)
#include "tst_run_view.moc"
