#include "app_test_helpers.h"

#include "array_inspector.h"
#include "array_table_model.h"
#include "command_line.h"
#include "details_panel.h"
#include "main_window.h"
#include "pytree_browser.h"
#include "pytree_filter_proxy.h"
#include "pytree_model.h"
#include "recent_files.h"
#include "run_watcher.h"
#include "start_page.h"
#include "stats_panel.h"
#include "step_list_model.h"
#include "steps_dock.h"

#include "base/error.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDockWidget>
#include <QFontDatabase>
#include <QItemSelectionModel>
#include <QLineEdit>
#include <QListWidget>
#include <QMimeData>
#include <QProgressBar>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTreeView>
#include <QtTest>

#include <atomic>
#include <thread>

namespace {

constexpr int kWaitMs = 20000;

QString element(const ckpt::NodePtr &node, std::vector<uint64_t> index)
{
    const ckpt::ArrayInfo &info = node->arrayInfo();
    ckpt::Slab slab{std::move(index), std::vector<uint64_t>(info.shape.size(), 1)};
    std::vector<std::byte> one(ckpt::itemSize(info.dtype));
    node->array()->readSlab(slab, one);
    return QString::fromStdString(ckpt::formatElement(info.dtype, one.data()));
}

/// Visible leaf paths of the tree view's model.
QStringList visibleLeaves(const QAbstractItemModel *m, const QModelIndex &parent = {})
{
    QStringList out;
    for (int r = 0; r < m->rowCount(parent); ++r) {
        const QModelIndex ix = m->index(r, 0, parent);
        if (m->hasChildren(ix))
            out << visibleLeaves(m, ix);
        else
            out << ix.data(PytreeModel::PathRole).toString();
    }
    return out;
}

/// Copies the folder `from` to `to` recursively.
bool copyTree(const QString &from, const QString &to)
{
    if (!QDir().mkpath(to))
        return false;
    const QDir src(from);
    for (const QFileInfo &fi : src.entryInfoList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        const QString target = to + QLatin1Char('/') + fi.fileName();
        if (fi.isDir() ? !copyTree(fi.filePath(), target) : !QFile::copy(fi.filePath(), target))
            return false;
    }
    return true;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void commandLine()
    {
        CommandLine cl = CommandLine::parse(
            {QStringLiteral("checkpoint-studio"), QStringLiteral("x.msgpack"), QStringLiteral("--select"),
                QStringLiteral("a/b"), QStringLiteral("--screenshot"), QStringLiteral("o.png")});
        QVERIFY(cl.error.isEmpty());
        QCOMPARE(cl.path, QStringLiteral("x.msgpack"));
        QCOMPARE(cl.select, QStringLiteral("a/b"));
        QCOMPARE(cl.screenshot, QStringLiteral("o.png"));
        QVERIFY(!cl.demo);
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("--demo")});
        QVERIFY(cl.demo && cl.path.isEmpty());
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("--bogus")});
        QVERIFY(!cl.error.isEmpty());
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("a"), QStringLiteral("b")});
        QVERIFY(!cl.error.isEmpty());
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("/run"), QStringLiteral("--step"),
            QStringLiteral("2"), QStringLiteral("--item"), QStringLiteral("state")});
        QVERIFY2(cl.error.isEmpty(), qPrintable(cl.error));
        QCOMPARE(cl.step, QStringLiteral("2"));
        QCOMPARE(cl.item, QStringLiteral("state"));
        QCOMPARE(cl.openOptions().step, std::optional<std::string>("2"));
        QCOMPARE(cl.openOptions().item, std::optional<std::string>("state"));
        QVERIFY(!CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("/run")}).openOptions().step);
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("--step"), QStringLiteral("2")});
        QVERIFY(!cl.error.isEmpty()); // a step of what?
        cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), QStringLiteral("--demo"),
            QStringLiteral("--step"), QStringLiteral("1")});
        QVERIFY(cl.error.isEmpty());
        cl = CommandLine::parse(
            {QStringLiteral("checkpoint-studio"), QStringLiteral("/run"), QStringLiteral("--step")});
        QVERIFY(!cl.error.isEmpty());
    }

    void recentFilesAreBoundedAndOrdered()
    {
        TestSettings s;
        RecentFiles recent(s.settings.get());
        for (int i = 0; i < RecentFiles::kMaxEntries + 3; ++i)
            recent.add(QStringLiteral("/f%1").arg(i));
        recent.add(QStringLiteral("/f5"));
        const QStringList p = recent.paths();
        QCOMPARE(p.size(), RecentFiles::kMaxEntries);
        QCOMPARE(p.first(), QStringLiteral("/f5"));
        QCOMPARE(p.count(QStringLiteral("/f5")), 1);
        QVERIFY(!p.contains(QStringLiteral("/f0")));
        recent.remove(QStringLiteral("/f5"));
        QVERIFY(!recent.paths().contains(QStringLiteral("/f5")));
    }

    void startPageWhenNothingIsOpen()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(w.isStartPageShown());
        QVERIFY(!w.reopenLast());
        QVERIFY(w.errorText().isEmpty());
        QCOMPARE(w.startPage()->recentList()->count(), 1); // the "No recent checkpoints" line
        if (demoCheckpointPath().isEmpty())
            return;
        QVERIFY(w.openDemo());
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QVERIFY(!w.isStartPageShown());
        QVERIFY(w.errorText().isEmpty());
    }

    void treeColumnsFitTheirLongestKinds()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        const QFontMetrics fm = w.browser()->treeView()->fontMetrics();
        const QFontMetrics fixed(QFontDatabase::systemFont(QFontDatabase::FixedFont));
        const QTreeView *t = w.browser()->treeView();
        QVERIFY(t->columnWidth(PytreeModel::KindColumn) > fm.horizontalAdvance(QStringLiteral("empty_dict")));
        QVERIFY(t->columnWidth(PytreeModel::DTypeColumn) > fm.horizontalAdvance(QStringLiteral("bfloat16")));
        QVERIFY(t->columnWidth(PytreeModel::ShapeColumn) > fixed.horizontalAdvance(QStringLiteral("(3, 3, 1, 8)")));
        QVERIFY(t->columnWidth(PytreeModel::SizeColumn) > fixed.horizontalAdvance(QStringLiteral("999.9 KiB")));
    }

    void opensSelectsAndInspectsACorpusFile()
    {
        const QString file = corpusFile(QStringLiteral("flax_msgpack/scico_dncnn6L.mpk"));
        if (file.isEmpty())
            QSKIP("corpus not available");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(file);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QVERIFY(!w.isStartPageShown());
        QCOMPARE(RecentFiles(s.settings.get()).paths(), QStringList{file});
        QVERIFY(w.details()->toPlainText().contains(QStringLiteral("flax-msgpack")));
        QCOMPARE(w.browser()->treeView()->model()->rowCount(), 2); // params, batch_stats

        const QString key = QStringLiteral("params/ConvBNBlock_0/Conv_0/kernel");
        QVERIFY(w.selectKeyPath(key));
        QVERIFY(w.waitUntilIdle(kWaitMs));
        const ckpt::NodePtr node = w.inspector()->node();
        QVERIFY(node);
        QCOMPARE(node->arrayInfo().shape, (std::vector<uint64_t>{3, 3, 64, 64}));
        QVERIFY(w.details()->toPlainText().contains(key));
        QVERIFY(w.inspector()->headline().contains(QStringLiteral("(3, 3, 64, 64)")));

        // Table: last two dims at [0, 0, :, :].
        ArrayTableModel *table = w.inspector()->tableModel();
        QCOMPARE(table->rowCount(), 64);
        QCOMPARE(table->columnCount(), 64);
        table->index(5, 7).data();
        QTRY_VERIFY_WITH_TIMEOUT(table->index(5, 7).data().isValid(), kWaitMs);
        QCOMPARE(table->index(5, 7).data().toString(), element(node, {0, 0, 5, 7}));

        // Statistics reached the panel and the tree's summary column.
        QCOMPARE(w.inspector()->statsPanel()->valueText(QStringLiteral("count")), QStringLiteral("36864"));
        const QModelIndex summary = w.browser()->treeView()->currentIndex().siblingAtColumn(PytreeModel::SummaryColumn);
        QVERIFY2(summary.data().toString().contains(QStringLiteral("±")), qPrintable(summary.data().toString()));

        // Slice through the spin boxes: fix dim 0 at 2 and dim 1 at 1.
        const auto spins = w.inspector()->findChildren<QSpinBox *>();
        QCOMPARE(spins.size(), 2);
        spins[0]->setValue(2);
        spins[1]->setValue(1);
        QCOMPARE(w.inspector()->slice().fixed, (std::vector<uint64_t>{2, 1, 0, 0}));
        QTRY_VERIFY_WITH_TIMEOUT(table->index(3, 9).data().isValid(), kWaitMs);
        QCOMPARE(table->index(3, 9).data().toString(), element(node, {2, 1, 3, 9}));

        // Choose rows = dim 0 and columns = dim 3 with dims 1, 2 fixed.
        ckpt::PlaneSpec spec{0, 3, {0, 2, 5, 0}};
        QVERIFY(w.inspector()->setSlice(spec));
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->columnCount(), 64);
        QTRY_VERIFY_WITH_TIMEOUT(table->index(1, 7).data().isValid(), kWaitMs);
        QCOMPARE(table->index(1, 7).data().toString(), element(node, {1, 2, 5, 7}));
        QVERIFY(w.waitUntilIdle(kWaitMs));

        // Copy a 2 x 2 selection as TSV: exact values of the bounding box, read from the array.
        QItemSelectionModel *sel = w.inspector()->tableView()->selectionModel();
        sel->select(QItemSelection(table->index(0, 6), table->index(1, 7)), QItemSelectionModel::ClearAndSelect);
        const QString tsv = element(node, {0, 2, 5, 6}) + QLatin1Char('\t') + element(node, {0, 2, 5, 7})
            + QLatin1Char('\n') + element(node, {1, 2, 5, 6}) + QLatin1Char('\t') + element(node, {1, 2, 5, 7})
            + QLatin1Char('\n');
        QCOMPARE(w.inspector()->selectionAsTsv(), tsv);
        w.inspector()->copySelection();
        QCOMPARE(QGuiApplication::clipboard()->text(), tsv);

        // Copy paths in both forms.
        QCOMPARE(w.copySelectedPath(false), key);
        QCOMPARE(w.copySelectedPath(true), QStringLiteral("['params']['ConvBNBlock_0']['Conv_0']['kernel']"));
        QCOMPARE(
            QGuiApplication::clipboard()->text(), QStringLiteral("['params']['ConvBNBlock_0']['Conv_0']['kernel']"));

        w.collapseAll();
        QVERIFY(!w.browser()->treeView()->isExpanded(w.browser()->treeView()->model()->index(0, 0)));
        w.expandAll();
        const QModelIndex deep = w.browser()->proxy()->mapFromSource(
            w.browser()->model()->indexForPath(ckpt::parsePath("batch_stats/ConvBNBlock_3/BatchNorm_0")));
        QVERIFY(deep.isValid());
        QVERIFY(w.browser()->treeView()->isExpanded(deep));
        QVERIFY(!w.selectKeyPath(QStringLiteral("params/nope")));
    }

    void filtersByPathAndDType()
    {
        const QString file = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        if (file.isEmpty())
            QSKIP("corpus not available");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(file);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QVERIFY(w.browser()->dtypeCombo()->findData(QStringLiteral("int32")) > 0);
        QVERIFY(w.browser()->dtypeCombo()->findData(QStringLiteral("float32")) > 0);

        w.browser()->filterEdit()->setText(QStringLiteral("pos_embedding"));
        QTRY_COMPARE(w.browser()->proxy()->pathFilter(), QStringLiteral("pos_embedding"));
        // params and its optimizer trace.
        QCOMPARE(w.browser()->proxy()->matchCount(), 2);
        QStringList leaves = visibleLeaves(w.browser()->treeView()->model());
        QCOMPARE(leaves.size(), 2);
        for (const QString &p : leaves)
            QVERIFY2(p.endsWith(QStringLiteral("posembed_input/pos_embedding")), qPrintable(p));

        w.browser()->regexBox()->setChecked(true);
        w.browser()->filterEdit()->setText(QStringLiteral("^params/.*bias$"));
        QTRY_COMPARE(w.browser()->proxy()->pathFilter(), QStringLiteral("^params/.*bias$"));
        QVERIFY(w.browser()->proxy()->matchCount() > 3);
        for (const QString &p : visibleLeaves(w.browser()->treeView()->model()))
            QVERIFY2(p.startsWith(QStringLiteral("params/")) && p.endsWith(QStringLiteral("bias")), qPrintable(p));

        w.browser()->filterEdit()->clear();
        w.browser()->regexBox()->setChecked(false);
        w.browser()->dtypeCombo()->setCurrentIndex(w.browser()->dtypeCombo()->findData(QStringLiteral("int32")));
        QTRY_COMPARE(w.browser()->proxy()->pathFilter(), QString());
        QCOMPARE(w.browser()->proxy()->matchCount(), 3);
        leaves = visibleLeaves(w.browser()->treeView()->model());
        QCOMPARE(leaves.size(), 3);
        for (const QString &p : leaves) {
            const QModelIndex src = w.browser()->model()->indexForPath(ckpt::parsePath(p.toStdString()));
            QCOMPARE(src.data(PytreeModel::DTypeNameRole).toString(), QStringLiteral("int32"));
        }
    }

    void showsNonArrayLeavesPlainly()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.document()->setOpener([](const std::string &path, const ckpt::OpenOptions &, const ckpt::Progress &) {
            return syntheticCheckpoint(path);
        });
        w.openPath(QStringLiteral("/virtual/ckpt"));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        const QString details = w.details()->toPlainText();
        QVERIFY(details.contains(QStringLiteral("step 7 was incomplete and skipped")));
        QVERIFY(details.contains(QStringLiteral("custom.lr")));
        QVERIFY(details.contains(QStringLiteral("0.1")));
        QVERIFY(details.contains(QStringLiteral("2023-11-14 22:13:20.123 UTC"))); // commit_timestamp_nsecs
        QVERIFY(!details.contains(QStringLiteral("empty")));
        QVERIFY(w.selectKeyPath(QStringLiteral("step")));
        QCOMPARE(w.inspector()->plainText(), QStringLiteral("4"));
        QVERIFY(w.selectKeyPath(QStringLiteral("name")));
        QCOMPARE(w.inspector()->plainText(), QStringLiteral("run"));
        QVERIFY(w.selectKeyPath(QStringLiteral("nothing")));
        QCOMPARE(w.inspector()->plainText(), QStringLiteral("None"));
        QVERIFY(w.selectKeyPath(QStringLiteral("blob")));
        QCOMPARE(w.inspector()->plainText().trimmed(), QStringLiteral("00 01"));
        QVERIFY(w.selectKeyPath(QStringLiteral("params/Dense_0/bias")));
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QCOMPARE(w.inspector()->tableModel()->rowCount(), 3);
        QCOMPARE(w.inspector()->statsPanel()->valueText(QStringLiteral("max")), QStringLiteral("2.0"));
    }

    void cancelledOpenKeepsThePreviousCheckpoint()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        std::atomic_bool slowStarted = false;
        w.document()->setOpener(
            [&slowStarted](const std::string &path, const ckpt::OpenOptions &, const ckpt::Progress &progress) {
                if (path != "/slow")
                    return syntheticCheckpoint(path);
                slowStarted = true;
                for (uint64_t i = 0;; ++i) {
                    progress.update(i % 100, 100);
                    progress.throwIfCancelled();
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                }
            });
        w.openPath(QStringLiteral("/first"));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QVERIFY(w.selectKeyPath(QStringLiteral("step")));
        const CheckpointPtr first = w.document()->current();

        w.openPath(QStringLiteral("/slow"));
        QTRY_VERIFY_WITH_TIMEOUT(slowStarted.load(), kWaitMs);
        QVERIFY(w.isBusy());
        QVERIFY(w.findChild<QProgressBar *>()->isVisibleTo(&w));
        w.cancelWork();
        QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy(), kWaitMs);
        QCOMPARE(w.document()->current(), first);
        QVERIFY2(w.statusText().contains(QStringLiteral("cancelled")), qPrintable(w.statusText()));
        QVERIFY(w.errorText().isEmpty());
        QVERIFY(!w.findChild<QProgressBar *>()->isVisibleTo(&w));
        QCOMPARE(w.browser()->model()->root(), first->root);
        QCOMPARE(w.inspector()->plainText(), QStringLiteral("4"));
    }

    void garbageFileShowsAnErrorAndKeepsThePrevious()
    {
        const QString good = corpusFile(QStringLiteral("flax_msgpack/netket_testOp.mpack"));
        if (good.isEmpty())
            QSKIP("corpus not available");
        QTemporaryDir dir;
        const QString garbage = dir.filePath(QStringLiteral("garbage.msgpack"));
        QFile f(garbage);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("this is not a checkpoint at all");
        f.close();

        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(good);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        const CheckpointPtr first = w.document()->current();
        w.openPath(garbage);
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), kWaitMs);
        const QString error = w.errorText();
        QVERIFY2(error.contains(QStringLiteral("not_a_checkpoint")), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("File: ") + garbage), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("Byte offset: 0")), qPrintable(error));
        QCOMPARE(w.document()->current(), first);
        QCOMPARE(w.browser()->model()->root(), first->root);
        QVERIFY(!RecentFiles(s.settings.get()).paths().contains(garbage));
        // A successful open hides the banner again.
        w.openPath(good);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != first, kWaitMs);
        QVERIFY(w.errorText().isEmpty());
    }

    void errorsNameTheKeyPath()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.document()->setOpener(
            [](const std::string &path, const ckpt::OpenOptions &, const ckpt::Progress &) -> ckpt::Checkpoint {
                ckpt::fail(ckpt::ErrorCategory::Corrupt, "array bytes end early", path + "/d/abc", 4096,
                    "params/Dense_0/kernel");
            });
        w.openPath(QStringLiteral("/run/7"));
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), kWaitMs);
        QCOMPARE(w.errorText(),
            QStringLiteral("Could not open /run/7\ncorrupt: array bytes end early\nFile: "
                           "/run/7/d/abc\nByte offset: 4096\nKey path: params/Dense_0/kernel"));
        QVERIFY(w.isStartPageShown());
    }

    void runsListStepsAndSwitchBetweenThem()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("demo run not generated");
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(run);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        const CheckpointPtr latest = w.document()->current();
        QVERIFY(latest->step.has_value());
        QVERIFY(w.stepsDock()->isVisibleTo(&w));
        QCOMPARE(w.document()->runRoot(), run);
        QVERIFY(w.stepsDock()->model()->rowCount() >= 2);
        const int latestRow = w.stepsDock()->model()->rowOf(QString::fromStdString(latest->step->text));
        QVERIFY(latestRow >= 0);
        QVERIFY(w.stepsDock()->model()->index(latestRow, 0).data(Qt::FontRole).value<QFont>().bold());
        const QString first = w.stepsDock()->model()->index(0, 0).data(StepListModel::StepTextRole).toString();
        QVERIFY(first != QString::fromStdString(latest->step->text));

        QVERIFY(w.openStep(first));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != latest, kWaitMs);
        QCOMPARE(QString::fromStdString(w.document()->current()->step->text), first);
        QVERIFY(w.stepsDock()->model()->index(0, 0).data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!w.openStep(QStringLiteral("no-such-step")));

        // A lone file hides the panel.
        w.document()->setOpener([](const std::string &path, const ckpt::OpenOptions &, const ckpt::Progress &) {
            return syntheticCheckpoint(path);
        });
        w.openPath(QStringLiteral("/virtual"));
        QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy(), kWaitMs);
        QVERIFY(!w.stepsDock()->isVisibleTo(&w));
    }

    void stepAndItemOpenFromOptions()
    {
        const QString run = demoRun();
        if (run.isEmpty())
            QSKIP("demo run not generated");
        TestSettings s;
        MainWindow w(s.settings.get());
        const CommandLine cl = CommandLine::parse({QStringLiteral("checkpoint-studio"), run, QStringLiteral("--step"),
            QStringLiteral("2"), QStringLiteral("--item"), QStringLiteral("state")});
        w.openPath(cl.path, cl.openOptions());
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QCOMPARE(QString::fromStdString(w.document()->current()->step->text), QStringLiteral("2"));
        QCOMPARE(QString::fromStdString(w.document()->current()->item), QStringLiteral("state"));
        QVERIFY(w.selectKeyPath(QStringLiteral("params")));
        QVERIFY(!w.selectKeyPath(QStringLiteral("metrics")));
        w.openPath(run,
            CommandLine::parse({QStringLiteral("x"), run, QStringLiteral("--step"), QStringLiteral("99")})
                .openOptions());
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), kWaitMs);
        QCOMPARE(QString::fromStdString(w.document()->current()->step->text), QStringLiteral("2"));
    }

    void runGainsStepsWhileOpen()
    {
        const QString demo = demoRun();
        if (demo.isEmpty())
            QSKIP("demo run not generated");
        QTemporaryDir dir;
        const QString run = dir.filePath(QStringLiteral("run"));
        QVERIFY(copyTree(demo, run));
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(run);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QCOMPARE(w.stepsDock()->model()->rowCount(), 3);
        QCOMPARE(w.stepsDock()->runWatcher()->root(), run);
        w.stepsDock()->view()->setCurrentIndex(w.stepsDock()->model()->index(1, 0));

        // A training job starts saving step 4: Orbax writes into a temporary folder, then renames it.
        const QString tmp = run + QStringLiteral("/4.orbax-checkpoint-tmp-1700000000");
        QVERIFY(copyTree(run + QStringLiteral("/3"), tmp));
        QTRY_COMPARE_WITH_TIMEOUT(w.stepsDock()->model()->rowCount(), 4, kWaitMs);
        QCOMPARE(w.stepsDock()->model()->index(3, 0).data(StepListModel::StepTextRole).toString(), QStringLiteral("4"));
        QVERIFY(!w.stepsDock()->model()->index(3, 0).data(StepListModel::CompleteRole).toBool());
        QVERIFY(w.stepsDock()->runWatcher()->watchedPaths().contains(tmp));
        QVERIFY(QDir().rename(tmp, run + QStringLiteral("/4")));
        QTRY_VERIFY_WITH_TIMEOUT(
            w.stepsDock()->model()->index(3, 0).data(StepListModel::CompleteRole).toBool(), kWaitMs);
        QCOMPARE(w.stepsDock()->model()->rowCount(), 4);
        QCOMPARE(w.stepsDock()->view()->currentIndex().row(), 1); // the selection survived both updates
        QVERIFY(w.openStep(QStringLiteral("4")));
        QTRY_VERIFY_WITH_TIMEOUT(
            w.document()->current() && w.document()->current()->step->text == "4" && !w.document()->isBusy(), kWaitMs);

        // An old step deleted (max_to_keep) disappears.
        QVERIFY(QDir(run + QStringLiteral("/1")).removeRecursively());
        QTRY_COMPARE_WITH_TIMEOUT(w.stepsDock()->model()->rowCount(), 3, kWaitMs);
        QCOMPARE(w.stepsDock()->model()->index(0, 0).data(StepListModel::StepTextRole).toString(), QStringLiteral("2"));
    }

    void remembersTheLayout()
    {
        TestSettings s;
        QList<int> sizes;
        {
            MainWindow w(s.settings.get());
            QVERIFY(!w.restoreLayout());
            w.resize(1000, 700);
            w.show();
            w.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->setSizes({300, 700});
            sizes = w.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes();
            w.close();
        }
        MainWindow w(s.settings.get());
        QVERIFY(w.restoreLayout());
        w.show();
        QCOMPARE(w.size(), QSize(1000, 700));
        QCOMPARE(w.findChild<QSplitter *>(QStringLiteral("mainSplitter"))->sizes(), sizes);
        QVERIFY(!w.stepsDock()->isVisibleTo(&w));
    }

    void dropOpensTheFile()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.document()->setOpener([](const std::string &path, const ckpt::OpenOptions &, const ckpt::Progress &) {
            return syntheticCheckpoint(path);
        });
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(QStringLiteral("/tmp/dropped.msgpack"))});
        QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        QCOMPARE(QString::fromStdString(w.document()->current()->path), QStringLiteral("/tmp/dropped.msgpack"));
        // Reopen last uses the recent list.
        QVERIFY(w.reopenLast());
        QTRY_VERIFY_WITH_TIMEOUT(!w.document()->isBusy(), kWaitMs);
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
