#include "app_test_helpers.h"

#include "diff_filter_proxy.h"
#include "diff_model.h"
#include "diff_view.h"
#include "document_controller.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "main_window.h"
#include "step_list_model.h"
#include "steps_dock.h"

#include "ops/edit/recipe.h"
#include "ops/export.h"

#include "tree/key.h"

#include <QCheckBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QPlainTextEdit>
#include <QTreeView>
#include <QtTest>

#include <numeric>

namespace {

constexpr int kWaitMs = 30000;

QString statusOf(DiffModel *m, const char *path)
{
    const QModelIndex ix = m->indexForPath(QString::fromLatin1(path));
    return ix.isValid() ? ix.siblingAtColumn(DiffModel::StatusColumn).data().toString() : QStringLiteral("<absent>");
}

/// Plane cell (row, col) of the leaf at `path`, read straight from its source.
double cell(const ckpt::NodePtr &root, const char *path, const ckpt::PlaneSpec &spec, uint64_t row, uint64_t col)
{
    const ckpt::NodePtr node = ckpt::findNode(root, ckpt::parsePath(path));
    const ckpt::PlaneWindow w = ckpt::readPlaneWindow(*node->array(), spec, row + 1, col + 1);
    return w.values[row * w.cols + col];
}

QAction *actionNamed(QMenu &menu, const QString &prefix)
{
    for (QAction *a : menu.actions())
        if (a->text().startsWith(prefix))
            return a;
    return nullptr;
}

uint64_t countOf(DiffView *view, ckpt::DiffStatus s)
{
    return view->model()->result().summary.counts[int(s)];
}

} // namespace

class TestDiffView : public QObject {
    Q_OBJECT
private slots:
    void corpusPair()
    {
        const QString a = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_depth/checkpoint_0"));
        const QString b = corpusFile(QStringLiteral("flax_msgpack/transformer_mpc_map/checkpoint_0"));
        if (a.isEmpty() || b.isEmpty())
            QSKIP("corpus transformer_mpc_depth / transformer_mpc_map missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        QCOMPARE(w.diffWith(b), nullptr); // nothing open yet
        w.openPath(a);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        DiffView *view = w.diffWith(b);
        QVERIFY(view);
        QVERIFY(view->isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("115 leaves: 111 changed, 0 added, 0 removed"));
        QVERIFY(w.statusText().contains(QStringLiteral("111 changed")));

        DiffModel *m = view->model();
        QCOMPARE(statusOf(m, "params/Transformer/posembed_input/pos_embedding"), QStringLiteral("shape changed"));
        const QModelIndex pos = m->indexForPath(QStringLiteral("params/Transformer/posembed_input/pos_embedding"));
        QCOMPARE(pos.siblingAtColumn(DiffModel::ShapeAColumn).data().toString(), QStringLiteral("(1, 768, 42)"));
        QCOMPARE(pos.siblingAtColumn(DiffModel::ShapeBColumn).data().toString(), QStringLiteral("(1, 400, 42)"));
        QCOMPARE(statusOf(m, "params/head/kernel"), QStringLiteral("values changed"));
        const QModelIndex head = m->indexForPath(QStringLiteral("params/head/kernel"));
        QCOMPARE(head.siblingAtColumn(DiffModel::DifferingColumn).data().toString(), QStringLiteral("1512 / 1764"));
        QCOMPARE(head.siblingAtColumn(DiffModel::MaxAbsColumn).data().toString().left(5), QStringLiteral("0.153"));
        QCOMPARE(statusOf(m, "params"), QStringLiteral("changed"));

        // Sorted by max difference, descending: step (6840) is the first row.
        QCOMPARE(view->proxy()->index(0, 0).data().toString(), QStringLiteral("step"));
        // Differences only hides the 4 same leaves; the Same toggle shows them.
        int sameLeaves = 0;
        for (const auto &e : m->result().entries)
            sameLeaves += e.status == ckpt::DiffStatus::Same;
        QCOMPARE(sameLeaves, 4);
        QVERIFY(view->proxy()->differencesOnly());

        // The selected changed array shows A, B and A-B of the same plane.
        QVERIFY(view->selectPath(QStringLiteral("params/head/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapDiff()->window().rows == 42, kWaitMs);
        const ckpt::PlaneSpec spec = view->slice();
        const ckpt::NodePtr ra = w.document()->current()->root;
        const auto rb = std::make_shared<ckpt::Checkpoint>(ckpt::openCheckpoint(b.toStdString()));
        const ckpt::PlaneWindow &wa = view->heatmapA()->window();
        const ckpt::PlaneWindow &wb = view->heatmapB()->window();
        const ckpt::PlaneWindow &wd = view->heatmapDiff()->window();
        QCOMPARE(wa.values.size(), size_t(42 * 42));
        QCOMPARE(wa.values[5 * 42 + 7], cell(ra, "params/head/kernel", spec, 5, 7));
        QCOMPARE(wb.values[5 * 42 + 7], cell(rb->root, "params/head/kernel", spec, 5, 7));
        QCOMPARE(wd.values[5 * 42 + 7], wa.values[5 * 42 + 7] - wb.values[5 * 42 + 7]);
        const auto &counts = view->histogram()->counts();
        QCOMPARE(std::accumulate(counts.begin(), counts.end(), quint64(0)), quint64(42 * 42));

        // Linked slicing: one spec drives A, B and A-B (embedding kernel is 5x5x1x42).
        QVERIFY(view->selectPath(QStringLiteral("params/embedding/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().planeRows == 5, kWaitMs);
        ckpt::PlaneSpec s2 = view->slice();
        QCOMPARE(s2.rowDim, 1);
        QCOMPARE(s2.colDim, 3);
        s2.fixed[0] = 3;
        QVERIFY(view->setSlice(s2));
        ckpt::PlaneSpec bad = s2;
        bad.fixed[0] = 5;
        QVERIFY(!view->setSlice(bad));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().values.size() == 5 * 42
                && view->heatmapA()->window().values[2 * 42 + 9] == cell(ra, "params/embedding/kernel", s2, 2, 9),
            kWaitMs);
        QCOMPARE(view->heatmapB()->window().values[2 * 42 + 9], cell(rb->root, "params/embedding/kernel", s2, 2, 9));
        QCOMPARE(view->heatmapDiff()->window().values[2 * 42 + 9],
            cell(ra, "params/embedding/kernel", s2, 2, 9) - cell(rb->root, "params/embedding/kernel", s2, 2, 9));

        // A shape-changed pair shows no planes.
        QVERIFY(view->selectPath(QStringLiteral("params/Transformer/posembed_input/pos_embedding")));
        QVERIFY(view->heatmapA()->window().values.empty());
        QVERIFY(view->selectPath(QStringLiteral("params/Transformer/encoderblock_0/MlpBlock_0/Dense_0/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().planeRows == 42, kWaitMs);
        QVERIFY(saveScreenshot(view, QStringLiteral("diff_view"), {1400, 900}));
    }

    void stepOfTheSameRun()
    {
        const auto demo = openDemoRunWindow(kWaitMs);
        if (!demo)
            QSKIP("demo run not generated");
        QVERIFY(demo->opened);
        MainWindow &w = *demo->window;
        QCOMPARE(QString::fromStdString(w.document()->current()->step->text), QStringLiteral("3"));
        QCOMPARE(w.diffWithStep(QStringLiteral("99")), nullptr); // not a step of this run
        DiffView *view = w.diffWithStep(QStringLiteral("1"));
        QVERIFY(view);
        QVERIFY(view->windowTitle().contains(QStringLiteral("(step 3)")));
        QVERIFY(view->windowTitle().contains(QStringLiteral("(step 1)")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("32 leaves: 30 changed, 0 added, 0 removed"));
        QCOMPARE(statusOf(view->model(), "metrics/accuracy"), QStringLiteral("same"));
        // Same leaves are hidden by default and shown by the "same" toggle.
        const auto visible = [view] {
            return view->proxy()->mapFromSource(view->model()->indexForPath(QStringLiteral("metrics/accuracy")));
        };
        QVERIFY(!visible().isValid());
        view->proxy()->setCategoryShown(DiffModel::Same, true);
        QVERIFY(visible().isValid());

        // Compare again with a tolerance wide enough for every update: identical.
        QCOMPARE(view->options().compare.atol, 0.0);
        view->atolEdit()->setText(QStringLiteral("1e9"));
        view->nanEqualBox()->setChecked(true);
        QCOMPARE(view->options().compare.atol, 1e9);
        QVERIFY(view->options().compare.nanEqual);
        QVERIFY(view->recompare());
        QVERIFY(!view->recompare()); // one at a time
        QVERIFY(view->windowTitle().contains(QStringLiteral("(step 1)")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("Identical: 32 leaves"));
        QCOMPARE(view->atolEdit()->text(), QStringLiteral("1000000000"));
        QCOMPARE(view->model()->result().summary.counts[int(ckpt::DiffStatus::Same)], uint64_t(32));
    }

    void twoStepsFromTheStepPanel()
    {
        const auto demo = openDemoRunWindow(kWaitMs);
        if (!demo)
            QSKIP("demo run not generated");
        QVERIFY(demo->opened);
        MainWindow &w = *demo->window;
        const QString &run = demo->run;
        StepsDock *dock = w.stepsDock();
        QTreeView *steps = w.stepsDock()->view();
        QCOMPARE(steps->selectionMode(), QAbstractItemView::ExtendedSelection);
        const auto rowOf = [&](const char *step) {
            return w.stepsDock()->model()->index(w.stepsDock()->model()->rowOf(QLatin1String(step)), 0);
        };
        // Picked newer first: A is still the older step; neither is the open step (3).
        steps->selectionModel()->select(rowOf("2"), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        steps->selectionModel()->select(rowOf("1"), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(dock->selectedSteps(), (QStringList{QStringLiteral("1"), QStringLiteral("2")}));
        QMenu menu;
        dock->fillContextMenu(&menu, rowOf("2"), true);
        QAction *two = actionNamed(menu, QStringLiteral("Diff these two steps"));
        QVERIFY(two);
        QVERIFY2(two->text().contains(QStringLiteral("1 → 2")), qPrintable(two->text()));
        QSignalSpy asked(dock, &StepsDock::diffStepsRequested);
        two->trigger();
        QCOMPARE(asked.count(), 1);
        QCOMPARE(asked.at(0).at(0).toString(), QStringLiteral("1"));
        QCOMPARE(asked.at(0).at(1).toString(), QStringLiteral("2"));
        DiffView *view = w.diffView();
        QVERIFY(view);
        QVERIFY(view->isRunning());
        QVERIFY2(view->windowTitle().contains(QStringLiteral(" (step 1), B = ")), qPrintable(view->windowTitle()));
        QVERIFY(view->windowTitle().endsWith(QStringLiteral(" (step 2)")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->sideA()->step->text, std::string("1"));
        QCOMPARE(view->sideB()->step->text, std::string("2"));
        // The same numbers as diffing the two steps directly.
        ckpt::OpenOptions o1, o2;
        o1.step = "1";
        o2.step = "2";
        const ckpt::DiffResult direct = ckpt::diffTrees(ckpt::openCheckpoint(run.toStdString(), o1).root,
            ckpt::openCheckpoint(run.toStdString(), o2).root, ckpt::DiffOptions{});
        QCOMPARE(view->model()->result().summary.pairs, direct.summary.pairs);
        QCOMPARE(countOf(view, ckpt::DiffStatus::ValuesChanged),
            direct.summary.counts[int(ckpt::DiffStatus::ValuesChanged)]);
        const QModelIndex loss = view->model()->indexForPath(QStringLiteral("metrics/loss"));
        QCOMPARE(view->model()->entryAt(loss)->numbers.maxAbs, 0.028937999999999686);
        // Compare again keeps both steps.
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->sideA()->step->text, std::string("1"));
        QCOMPARE(view->sideB()->step->text, std::string("2"));

        // Three selected steps: no two-step diff offered; the run view is.
        steps->selectionModel()->select(rowOf("3"), QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QMenu three;
        dock->fillContextMenu(&three, rowOf("3"), true);
        QVERIFY(!actionNamed(three, QStringLiteral("Diff these two steps")));
        QVERIFY(actionNamed(three, QStringLiteral("Run view")));
        QVERIFY(actionNamed(three, QStringLiteral("Diff with the open step")));
        // requestDiff orders its steps too.
        dock->requestDiff(QStringLiteral("3"), QStringLiteral("1"));
        QCOMPARE(asked.count(), 2);
        QCOMPARE(asked.at(1).at(0).toString(), QStringLiteral("1"));
        QCOMPARE(asked.at(1).at(1).toString(), QStringLiteral("3"));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
    }

    void renameRulesRealign()
    {
        // A: the demo Flax file. B: the same state written by our exporter with params/ renamed model/.
        const QString a = QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/flax_state.msgpack");
        if (!QFileInfo::exists(a))
            QSKIP("demo checkpoint missing");
        QTemporaryDir tmp;
        const ckpt::Checkpoint source = ckpt::openCheckpoint(a.toStdString());
        std::vector<ckpt::Child> top;
        for (const ckpt::Child &c : source.root->children())
            top.push_back({c.key.str() == "params" ? ckpt::Key::name("model") : c.key, c.node});
        ckpt::ExportOptions eo;
        eo.format = ckpt::ExportFormat::FlaxMsgpack;
        const QString b = tmp.path() + QStringLiteral("/renamed.msgpack");
        ckpt::exportTree(ckpt::Node::makeDict(std::move(top)), b.toStdString(), eo);

        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(a);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        DiffView *view = w.diffWith(b);
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("37 leaves: 0 changed, 8 added, 8 removed"));
        QCOMPARE(statusOf(view->model(), "params/conv/kernel"), QStringLiteral("removed"));
        QCOMPARE(statusOf(view->model(), "model/conv/kernel"), QStringLiteral("added"));
        QVERIFY(view->renamesValid());
        QVERIFY(view->renameMessage()->text().isEmpty());

        // An invalid rule is shown with the parser's message and blocks Compare again.
        view->renameEdit()->setPlainText(QStringLiteral("step=step\nparams/(.*"));
        QVERIFY(!view->renamesValid());
        QVERIFY2(view->renameMessage()->text().startsWith(QStringLiteral("Line 2: rename rule 'params/(.*'")),
            qPrintable(view->renameMessage()->text()));
        QVERIFY(view->renameEdit()->styleSheet().contains(QStringLiteral("#b00020")));
        QVERIFY(!view->recompare());
        view->renameEdit()->setPlainText(QStringLiteral("no equals sign"));
        QVERIFY(view->renameMessage()->text().contains(QStringLiteral("has no '='")));

        // The rule lines the renamed leaves up: identical.
        view->renameEdit()->setPlainText(QStringLiteral("params/(.*)=model/\\1\n"));
        QVERIFY(view->renamesValid());
        QVERIFY(view->renameEdit()->styleSheet().isEmpty());
        QCOMPARE(view->options().renames.size(), size_t(1));
        QCOMPARE(view->renameMessage()->text(), QStringLiteral("1 rule(s); Compare again to apply."));
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("Identical: 29 leaves"));
        QCOMPARE(view->renameMessage()->text(), QStringLiteral("1 rule(s) applied."));
        const ckpt::DiffEntry *kernel
            = view->model()->entryAt(view->model()->indexForPath(QStringLiteral("model/conv/kernel")));
        QVERIFY(kernel);
        QVERIFY(kernel->renamed);
        QCOMPARE(kernel->a->path, std::string("params/conv/kernel"));
        QCOMPARE(kernel->status, ckpt::DiffStatus::Same);
        QCOMPARE(statusOf(view->model(), "model/conv/kernel"), QStringLiteral("same, renamed"));
        QCOMPARE(view->renameEdit()->toPlainText(), QStringLiteral("params/(.*)=model/\\1\n")); // kept as typed

        // Screenshot with the rule applied, the aligned leaves shown and a renamed pair selected.
        view->proxy()->setCategoryShown(DiffModel::Same, true);
        QVERIFY(view->selectPath(QStringLiteral("model/hidden/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().rows == 8, kWaitMs);
        QVERIFY(saveScreenshot(view, QStringLiteral("diff_view_rules"), {1400, 900}));

        // Two A paths renamed onto one: the engine's error is shown, and fixing the rule runs again.
        view->renameEdit()->setPlainText(QStringLiteral("params/(bn|conv)/bias=model/conv/bias"));
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY2(view->statusLabel()->text().startsWith(QStringLiteral("Diff failed:")),
            qPrintable(view->statusLabel()->text()));
        QVERIFY(view->statusLabel()->text().contains(QStringLiteral("model/conv/bias")));
        view->renameEdit()->setPlainText(QStringLiteral("params/(.*)=model/\\1"));
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("Identical: 29 leaves"));

        view->renameEdit()->setPlainText(QStringLiteral("params/(.*)=model/\\1\nopt_state/(.*=\\1"));
        QVERIFY(saveScreenshot(view, QStringLiteral("diff_view_bad_rule")));
    }

    void recipeMapsOneSide()
    {
        // B: the demo state after a recipe (every kernel transposed, params/ renamed model/), as a
        // conversion to another framework's names would make it. A recipe on A lines them up again.
        const QString a = QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/flax_state.msgpack");
        if (!QFileInfo::exists(a))
            QSKIP("demo checkpoint missing");
        QTemporaryDir tmp;
        const QString recipe = tmp.filePath(QStringLiteral("map.json"));
        const ckpt::Recipe r = ckpt::recipeFromJson(nlohmann::json::parse(R"json({"ckpt_recipe": 1, "operations": [
            {"op": "transpose", "match": "params/.*/kernel"},
            {"op": "rename", "match": "params/(.*)", "to": "model/\\1"}]})json"));
        ckpt::saveRecipe(r, recipe.toStdString());
        ckpt::edit::Context ctx;
        const ckpt::NodePtr mapped = ckpt::replay(ckpt::openCheckpoint(a.toStdString()).root, r, ctx);
        ckpt::ExportOptions eo;
        eo.format = ckpt::ExportFormat::FlaxMsgpack;
        const QString b = tmp.filePath(QStringLiteral("mapped.msgpack"));
        ckpt::exportTree(mapped, b.toStdString(), eo);

        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(a);
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr, kWaitMs);
        DiffView *view = w.diffWith(b);
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(statusOf(view->model(), "params/conv/kernel"), QStringLiteral("removed"));

        // A recipe that cannot be read fails the diff with its message; the sides stay for a retry.
        view->recipeAEdit()->setText(tmp.filePath(QStringLiteral("missing.json")));
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY2(view->statusLabel()->text().startsWith(QStringLiteral("Diff failed:")),
            qPrintable(view->statusLabel()->text()));
        view->recipeAEdit()->setText(recipe);
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("Identical: 29 leaves"));
        QCOMPARE(statusOf(view->model(), "model/hidden/kernel"), QStringLiteral("same"));
        // The heatmaps read the mapped side: A's kernel is shown transposed like B's.
        QVERIFY(view->sideA()->root->child("model"));
        view->proxy()->setCategoryShown(DiffModel::Same, true);
        QVERIFY(view->selectPath(QStringLiteral("model/hidden/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().rows > 0, kWaitMs);
        QCOMPARE(view->heatmapA()->window().rows, view->heatmapB()->window().rows);
        QVERIFY(saveScreenshot(view, QStringLiteral("diff_view_recipe"), {1400, 900}));
        // Compare again starts from the sides as opened: the recipe is not applied twice.
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(view->statusLabel()->text(), QStringLiteral("Identical: 29 leaves"));
        view->recipeAEdit()->clear();
        QVERIFY(view->recompare());
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QCOMPARE(statusOf(view->model(), "params/conv/kernel"), QStringLiteral("removed"));
    }

    void sharedScale()
    {
        const auto demo = openDemoRunWindow(kWaitMs);
        if (!demo)
            QSKIP("demo run not generated");
        QVERIFY(demo->opened);
        MainWindow &w = *demo->window;
        DiffView *view = w.diffWithStep(QStringLiteral("1"));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY(view->sharedScaleBox()->isChecked());
        QVERIFY(view->selectPath(QStringLiteral("state/params/hidden/kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!view->isReadingPlanes() && view->heatmapA()->window().rows == 8, kWaitMs);
        const ckpt::PlaneWindow &wa = view->heatmapA()->window();
        const ckpt::PlaneWindow &wb = view->heatmapB()->window();
        QVERIFY(wa.values != wb.values);
        const ColourScale sa = view->heatmapA()->scale(), sb = view->heatmapB()->scale();
        QCOMPARE(sa.lo, sb.lo);
        QCOMPARE(sa.hi, sb.hi);
        QCOMPARE(sa.diverging, sb.diverging);
        // The shared range covers both planes.
        const auto [aLo, aHi] = std::minmax_element(wa.values.begin(), wa.values.end());
        const auto [bLo, bHi] = std::minmax_element(wb.values.begin(), wb.values.end());
        QVERIFY(sa.lo <= std::min(*aLo, *bLo));
        QVERIFY(sa.hi >= std::max(*aHi, *bHi));
        std::vector<double> both = wa.values;
        both.insert(both.end(), wb.values.begin(), wb.values.end());
        const ColourScale expected = chooseScale(both, true);
        QCOMPARE(sa.lo, expected.lo);
        QCOMPARE(sa.hi, expected.hi);
        // A-B keeps its own symmetric diverging scale.
        const ColourScale sd = view->heatmapDiff()->scale();
        QVERIFY(sd.diverging);
        QCOMPARE(sd.lo, -sd.hi);
        QVERIFY(!view->heatmapDiff()->fixedScale());

        // Off: each heatmap chooses from its own plane again.
        view->sharedScaleBox()->setChecked(false);
        QVERIFY(!view->heatmapA()->fixedScale());
        const ColourScale ownA = chooseScale(wa.values, wa.isSigned), ownB = chooseScale(wb.values, wb.isSigned);
        QCOMPARE(view->heatmapA()->scale().lo, ownA.lo);
        QCOMPARE(view->heatmapA()->scale().hi, ownA.hi);
        QCOMPARE(view->heatmapB()->scale().lo, ownB.lo);
        QCOMPARE(view->heatmapB()->scale().hi, ownB.hi);
        QVERIFY(ownA.lo != ownB.lo || ownA.hi != ownB.hi);
        view->sharedScaleBox()->setChecked(true);
        QCOMPARE(view->heatmapA()->scale().lo, expected.lo);
        QCOMPARE(view->heatmapB()->scale().hi, expected.hi);
    }

    void missingSecondSideFails()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        QTemporaryDir tmp;
        w.openPath(QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/flax_state.msgpack"));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr || !w.errorText().isEmpty(), kWaitMs);
        if (!w.document()->current())
            QSKIP("demo checkpoint missing");
        DiffView *view = w.diffWith(tmp.path() + QStringLiteral("/nothing-here"));
        QVERIFY(view);
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY2(view->statusLabel()->text().startsWith(QStringLiteral("Diff failed:")),
            qPrintable(view->statusLabel()->text()));
        QCOMPARE(view->model()->rowCount(), 0);
    }

    void cancelStopsDiff()
    {
        TestSettings s;
        MainWindow w(s.settings.get());
        w.openPath(QStringLiteral(CKPT_SOURCE_DIR "/resources/demo/flax_state.msgpack"));
        QTRY_VERIFY_WITH_TIMEOUT(w.document()->current() != nullptr || !w.errorText().isEmpty(), kWaitMs);
        if (!w.document()->current())
            QSKIP("demo checkpoint missing");
        DiffView view;
        QSignalSpy done(&view, &DiffView::finished);
        // Cancelled before the worker reports: the view says so whatever the worker got to.
        view.start(w.document()->current(), w.document()->current());
        view.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 1, kWaitMs);
        QCOMPARE(done.at(0).at(0).toBool(), false);
        QCOMPARE(view.statusLabel()->text(), QStringLiteral("Diff cancelled"));
    }
};

QTEST_MAIN(TestDiffView)
#include "tst_diff_view.moc"
