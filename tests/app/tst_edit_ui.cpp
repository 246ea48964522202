#include "app_test_helpers.h"

#include "details_panel.h"

#include "apply_target_dialog.h"

#include "diff_view.h"
#include "document_controller.h"
#include "edit_controller.h"
#include "main_window.h"
#include "node_mime.h"
#include "pytree_browser.h"
#include "pytree_filter_proxy.h"
#include "pytree_model.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "ops/digest.h"
#include "tree/key.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTreeView>
#include <QUndoStack>
#include <QUndoView>
#include <QtTest>

#include <map>

namespace {

constexpr int kWaitMs = 60000;

std::map<std::string, std::string> digests(const ckpt::NodePtr &root)
{
    std::map<std::string, std::string> out;
    ckpt::forEachLeaf(root, [&out](const ckpt::Path &path, const ckpt::NodePtr &n) {
        out[ckpt::joinPath(path)] = n->kind() == ckpt::NodeKind::Array
            ? std::string(ckpt::dtypeName(n->arrayInfo().dtype)) + ' ' + ckpt::arrayDigest(*n->array())
            : std::string(n->kindName());
    });
    return out;
}

struct Files {
    QTemporaryDir dir;
    QString main, other;
    Files()
        : main(dir.filePath(QStringLiteral("main.msgpack")))
        , other(dir.filePath(QStringLiteral("other.msgpack")))
    {
        auto key = [](const char *k) { return ckpt::Key::name(k); };
        ckpt::flaxmsgpack::writeFile(syntheticCheckpoint("x").root, main.toStdString());
        auto stats = ckpt::Node::makeDict(
            {{key("mean"), floatArray({3}, {0.25f, 0.5f, 0.75f})}, {key("var"), floatArray({3}, {1.f, 2.f, 3.f})}});
        ckpt::flaxmsgpack::writeFile(ckpt::Node::makeDict({{key("batch_stats"), stats}}), other.toStdString());
    }
};

/// The view (proxy) index of `path` in the window's tree.
QModelIndex viewIndex(MainWindow &w, const QString &path)
{
    return w.browser()->proxy()->mapFromSource(w.browser()->model()->indexForPath(ckpt::parsePath(path.toStdString())));
}

int mark(MainWindow &w, const QString &path)
{
    return viewIndex(w, path).data(PytreeModel::EditMarkRole).toInt();
}

bool hasPath(MainWindow &w, const QString &path)
{
    return w.browser()->model()->indexForPath(ckpt::parsePath(path.toStdString())).isValid();
}

} // namespace

class TestEditUi : public QObject {
    Q_OBJECT
private slots:
    void renameThroughTheModelMarksTheRow()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        QVERIFY(w.selectKeyPath(QStringLiteral("params/Dense_0/kernel")));
        const QModelIndex dense = viewIndex(w, QStringLiteral("params/Dense_0"));
        QVERIFY(dense.flags() & Qt::ItemIsEditable);
        QVERIFY(!viewIndex(w, QStringLiteral("params/Dense_0"))
                     .siblingAtColumn(PytreeModel::KindColumn)
                     .flags()
                     .testFlag(Qt::ItemIsEditable));
        QCOMPARE(dense.data(Qt::EditRole).toString(), QStringLiteral("Dense_0"));
        QVERIFY(w.browser()->proxy()->setData(dense, QStringLiteral("dense")));
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 1, kWaitMs);
        QVERIFY(hasPath(w, QStringLiteral("params/dense/kernel")));
        QVERIFY(!hasPath(w, QStringLiteral("params/Dense_0")));
        QCOMPARE(w.browser()->currentPath(), QStringLiteral("params/dense"));
        QVERIFY(
            w.browser()->treeView()->isExpanded(viewIndex(w, QStringLiteral("params/dense")))); // expansion moved along
        QCOMPARE(mark(w, QStringLiteral("params/dense")), int(PytreeModel::Added));
        QCOMPARE(mark(w, QStringLiteral("params")), int(PytreeModel::ContainsChanges));
        QCOMPARE(mark(w, QStringLiteral("step")), int(PytreeModel::Unchanged));
        QVERIFY(viewIndex(w, QStringLiteral("params/dense"))
                    .data(Qt::ToolTipRole)
                    .toString()
                    .contains(QStringLiteral("rename params/Dense_0 -> params/dense")));
        QVERIFY(viewIndex(w, QStringLiteral("params/dense")).data(Qt::FontRole).value<QFont>().italic());
        QVERIFY(w.isWindowModified());
        // The details list the edits and still show the selected (renamed) node.
        const QString details = w.details()->toPlainText();
        QVERIFY2(details.contains(QStringLiteral("Edited (1 operation")), qPrintable(details));
        QVERIFY(details.contains(QStringLiteral("rename params/Dense_0 -> params/dense")));
        QVERIFY(details.contains(QStringLiteral("['params']['dense']")));
        QVERIFY(w.statusText().endsWith(QStringLiteral("edited")));
        // A key with '/' is a whole new path; the same key is no edit.
        QVERIFY(w.browser()->proxy()->setData(viewIndex(w, QStringLiteral("name")), QStringLiteral("meta/run_name")));
        QTRY_VERIFY_WITH_TIMEOUT(hasPath(w, QStringLiteral("meta/run_name")), kWaitMs);
        QVERIFY(!w.browser()->proxy()->setData(viewIndex(w, QStringLiteral("step")), QStringLiteral("step")));

        // Undo/redo actions carry the operation's description; undo restores the tree and its marks.
        auto *undo = w.findChild<QAction *>(QStringLiteral("undoAction"));
        auto *redo = w.findChild<QAction *>(QStringLiteral("redoAction"));
        QVERIFY(undo && redo);
        QVERIFY2(undo->text().contains(QStringLiteral("rename name -> meta/run_name")), qPrintable(undo->text()));
        QCOMPARE(undo->shortcut(), QKeySequence(QKeySequence::Undo));
        undo->trigger();
        undo->trigger();
        QVERIFY(!undo->isEnabled());
        QVERIFY(redo->text().contains(QStringLiteral("rename params/Dense_0 -> params/dense")));
        QVERIFY(hasPath(w, QStringLiteral("params/Dense_0/kernel")));
        QCOMPARE(mark(w, QStringLiteral("params")), int(PytreeModel::Unchanged));
        QVERIFY(w.browser()->treeView()->isExpanded(viewIndex(w, QStringLiteral("params/Dense_0"))));
        QVERIFY(!w.isWindowModified());
        QVERIFY(digests(w.browser()->model()->root()) == digests(w.document()->original()->root));
        QCOMPARE(w.document()->current(), w.document()->original());
        redo->trigger();
        QVERIFY(hasPath(w, QStringLiteral("params/dense/kernel")));
        auto *history = w.findChild<QUndoView *>(QStringLiteral("historyView"));
        QVERIFY(history);
        QCOMPARE(history->stack(), w.edits()->undoStack());
        QVERIFY(w.findChild<QDockWidget *>(QStringLiteral("historyDock"))->isVisibleTo(&w));
    }

    void f2AndDeleteKeys()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        QVERIFY(w.selectKeyPath(QStringLiteral("params/Dense_0/bias")));
        QTest::keyClick(w.browser()->treeView(), Qt::Key_F2);
        QLineEdit *editor = nullptr;
        for (QLineEdit *e : w.browser()->treeView()->viewport()->findChildren<QLineEdit *>()) {
            if (e->isVisibleTo(w.browser()->treeView()))
                editor = e;
        }
        QVERIFY(editor);
        QCOMPARE(editor->text(), QStringLiteral("bias"));
        editor->setText(QStringLiteral("b"));
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 1, kWaitMs);
        QVERIFY(hasPath(w, QStringLiteral("params/Dense_0/b")));
        QCOMPARE(w.edits()->undoStack()->text(0), QStringLiteral("rename params/Dense_0/bias -> params/Dense_0/b"));

        // Expanded rows and the current row survive the edit.
        QVERIFY(w.browser()->treeView()->isExpanded(viewIndex(w, QStringLiteral("params/Dense_0"))));
        QVERIFY(w.selectKeyPath(QStringLiteral("blob")));
        QTest::keyClick(w.browser()->treeView(), Qt::Key_Delete);
        QCOMPARE(w.edits()->undoStack()->count(), 2);
        QVERIFY(!hasPath(w, QStringLiteral("blob")));
        QVERIFY(w.browser()->treeView()->isExpanded(viewIndex(w, QStringLiteral("params/Dense_0"))));
        QCOMPARE(w.edits()->operations().size(), size_t(2));
        QVERIFY(std::holds_alternative<ckpt::edit::Delete>(w.edits()->operations()[1]));

        // Renaming onto an existing key is refused: the stack is unchanged and the banner says why.
        QVERIFY(
            w.browser()->proxy()->setData(viewIndex(w, QStringLiteral("params/Dense_0/b")), QStringLiteral("kernel")));
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), kWaitMs);
        QCOMPARE(w.edits()->undoStack()->count(), 2);
        QVERIFY2(w.errorText().contains(QStringLiteral("params/Dense_0/kernel")), qPrintable(w.errorText()));
        QVERIFY(hasPath(w, QStringLiteral("params/Dense_0/b")));
    }

    void dropsGraftFromAnotherWindowAndMoveWithinOne()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        MainWindow *second = w.openNewWindow();
        QVERIFY(second);
        QVERIFY(openAndWait(*second, f.other, kWaitMs));

        // The second window's node, as a drag would carry it.
        std::unique_ptr<QMimeData> mime(
            second->browser()->proxy()->mimeData({viewIndex(*second, QStringLiteral("batch_stats"))}));
        QVERIFY(mime && mime->hasFormat(QString::fromLatin1(kNodeMimeType)));
        const auto drag = decodeNodeDrag(mime->data(QString::fromLatin1(kNodeMimeType)));
        QVERIFY(drag);
        QCOMPARE(drag->path, f.other);
        QCOMPARE(drag->keyPath, QStringLiteral("batch_stats"));
        QVERIFY(drag->origin != w.browser()->model()->dragOrigin());

        // Leaves accept no drop; containers and the root do.
        QVERIFY(!w.browser()->proxy()->canDropMimeData(
            mime.get(), Qt::CopyAction, -1, -1, viewIndex(w, QStringLiteral("step"))));
        const QModelIndex params = viewIndex(w, QStringLiteral("params"));
        QVERIFY(w.browser()->proxy()->canDropMimeData(mime.get(), Qt::CopyAction, -1, -1, params));
        QVERIFY(w.browser()->proxy()->dropMimeData(mime.get(), Qt::CopyAction, -1, -1, params));
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 1, kWaitMs);
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
        const auto edited = digests(w.edits()->currentTree());
        const auto source = digests(second->document()->current()->root);
        QCOMPARE(edited.at("params/batch_stats/mean"), source.at("batch_stats/mean"));
        QCOMPARE(edited.at("params/batch_stats/var"), source.at("batch_stats/var"));
        const std::vector<ckpt::edit::Operation> ops = w.edits()->operations();
        const auto *graft = std::get_if<ckpt::edit::Graft>(&ops[0]);
        QVERIFY(graft);
        QCOMPARE(QString::fromStdString(graft->to), QStringLiteral("params/batch_stats"));
        QCOMPARE(QString::fromStdString(graft->from), QStringLiteral("batch_stats"));
        QCOMPARE(graft->source.path, f.other.toStdString());
        QCOMPARE(mark(w, QStringLiteral("params/batch_stats")), int(PytreeModel::Added));

        // The same drop again collides: refused with the reason, nothing pushed.
        QVERIFY(w.browser()->proxy()->dropMimeData(
            mime.get(), Qt::CopyAction, -1, -1, viewIndex(w, QStringLiteral("params"))));
        QTRY_VERIFY_WITH_TIMEOUT(!w.errorText().isEmpty(), kWaitMs);
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QCOMPARE(w.edits()->undoStack()->count(), 1);
        QVERIFY2(w.errorText().contains(QStringLiteral("params/batch_stats")), qPrintable(w.errorText()));

        // A node of the same tree moves (rename) to the container it is dropped on, never into itself.
        std::unique_ptr<QMimeData> own(
            w.browser()->proxy()->mimeData({viewIndex(w, QStringLiteral("params/Dense_0/bias"))}));
        QVERIFY(!w.browser()->proxy()->canDropMimeData(
            own.get(), Qt::MoveAction, -1, -1, viewIndex(w, QStringLiteral("params/Dense_0"))));
        std::unique_ptr<QMimeData> denseMime(
            w.browser()->proxy()->mimeData({viewIndex(w, QStringLiteral("params/Dense_0"))}));
        QVERIFY(!w.browser()->proxy()->canDropMimeData(
            denseMime.get(), Qt::MoveAction, -1, -1, viewIndex(w, QStringLiteral("params/Dense_0"))));
        QVERIFY(w.browser()->proxy()->dropMimeData(
            own.get(), Qt::MoveAction, -1, -1, viewIndex(w, QStringLiteral("params/batch_stats"))));
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 2, kWaitMs);
        QVERIFY(std::holds_alternative<ckpt::edit::Rename>(w.edits()->operations()[1]));
        QVERIFY(hasPath(w, QStringLiteral("params/batch_stats/bias")));
        QVERIFY(!hasPath(w, QStringLiteral("params/Dense_0/bias")));
        second->close();
    }

    void previewDiffsOriginalAgainstEdited()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QCOMPARE(w.previewEdits(), nullptr);
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        QCOMPARE(w.previewEdits(), nullptr); // nothing edited yet
        QVERIFY(w.errorText().contains(QStringLiteral("no edits")));
        w.edits()->push(ckpt::edit::Cast{"params/Dense_0/kernel", "float16"});
        DiffView *view = w.previewEdits();
        QVERIFY(view);
        QSignalSpy done(view, &DiffView::finished);
        QTRY_VERIFY_WITH_TIMEOUT(!view->isRunning(), kWaitMs);
        QVERIFY(view->selectPath(QStringLiteral("params/Dense_0/kernel")));
        view->close();
    }

    void screenshotOfEditedTree()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        w.edits()->push(ckpt::edit::Rename{"params/Dense_0", "params/dense"});
        ckpt::edit::Graft graft;
        graft.to = "batch_stats";
        graft.source.path = f.other.toStdString();
        graft.from = "batch_stats";
        w.edits()->push(graft);
        w.edits()->push(ckpt::edit::Cast{"params/dense/kernel", "bfloat16"});
        w.edits()->push(ckpt::edit::Delete{"blob"});
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QCOMPARE(w.edits()->undoStack()->count(), 4);
        w.expandAll();
        QVERIFY(w.selectKeyPath(QStringLiteral("params/dense/kernel")));
        QCOMPARE(mark(w, QStringLiteral("params/dense/kernel")), int(PytreeModel::Added));
        QCOMPARE(mark(w, QStringLiteral("batch_stats/mean")), int(PytreeModel::Added));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(w.waitUntilIdle(kWaitMs));
        const QString dir = QStringLiteral(CKPT_BINARY_DIR "/screenshots");
        QDir().mkpath(dir);
        QVERIFY(w.saveScreenshot(dir + QStringLiteral("/edit_session.png")));

        // The tree's context menu, as the view would show it.
        QMenu menu;
        menu.addActions(w.browser()->treeView()->actions());
        QStringList texts;
        for (QAction *a : menu.actions())
            texts << a->text();
        for (const char *expected :
            {"Rename", "Delete", "Move to…", "Cast to…", "Add leaf…", "Set value…", "Graft from…"})
            QVERIFY2(texts.contains(QString::fromUtf8(expected)), expected);
        QVERIFY(menu.grab().save(dir + QStringLiteral("/edit_context_menu.png")));

        // Closing with unsaved edits asks; a refusal keeps the window open.
        int asked = 0;
        w.edits()->setDiscardQuestion([&asked](QWidget *, const QString &) { return ++asked > 1; });
        QVERIFY(!w.close());
        QVERIFY(w.isVisible());
        QVERIFY(w.close());
        QCOMPARE(asked, 2);
    }
    void graftFromAnotherStepOfTheDemoRun()
    {
        const QString run = QStringLiteral(CKPT_DEMO_DIR "/run");
        if (!QFileInfo::exists(run))
            QSKIP("demo run missing");
        TestSettings s;
        MainWindow w(s.settings.get());
        QVERIFY(openAndWait(w, run, kWaitMs));
        QCOMPARE(w.document()->current()->step->text, std::string("3"));
        MainWindow *first = w.openNewWindow();
        ckpt::OpenOptions step1;
        step1.step = "1";
        first->openPath(run, step1);
        QVERIFY(first->waitUntilIdle(kWaitMs) && first->document()->current());
        QCOMPARE(first->document()->current()->step->text, std::string("1"));

        const QString head = QStringLiteral("state/params/head");
        QVERIFY(w.selectKeyPath(head));
        QTest::keyClick(w.browser()->treeView(), Qt::Key_Delete);
        QVERIFY(!hasPath(w, head));
        std::unique_ptr<QMimeData> mime(first->browser()->proxy()->mimeData({viewIndex(*first, head)}));
        const auto drag = decodeNodeDrag(mime->data(QString::fromLatin1(kNodeMimeType)));
        QVERIFY(drag);
        QCOMPARE(drag->step, QStringLiteral("1"));
        QVERIFY(w.browser()->proxy()->dropMimeData(
            mime.get(), Qt::CopyAction, -1, -1, viewIndex(w, QStringLiteral("state/params"))));
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 2, kWaitMs);
        QVERIFY(w.waitUntilIdle(kWaitMs));
        const auto edited = digests(w.edits()->currentTree());
        const auto step1Tree = digests(first->document()->current()->root);
        const auto step3Tree = digests(w.document()->original()->root);
        const std::string kernel = "state/params/head/kernel";
        QCOMPARE(edited.at(kernel), step1Tree.at(kernel));
        QVERIFY(edited.at(kernel) != step3Tree.at(kernel)); // training moved it between steps
        QCOMPARE(edited.at("state/params/conv/kernel"), step3Tree.at("state/params/conv/kernel"));
        first->close();
    }

    void applyTargetDialogPushesItsOperation()
    {
        Files f;
        TestSettings s;
        MainWindow w(s.settings.get());
        QCOMPARE(w.showApplyTargetDialog(), nullptr);
        QVERIFY(openAndWait(w, f.main, kWaitMs));
        ApplyTargetDialog *dialog = w.showApplyTargetDialog();
        QVERIFY(dialog);
        ckpt::edit::SourceRef target;
        target.path = f.other.toStdString();
        dialog->setTarget(target);
        QTRY_VERIFY_WITH_TIMEOUT(!dialog->isPlanning(), kWaitMs);
        dialog->accept();
        QTRY_COMPARE_WITH_TIMEOUT(w.edits()->undoStack()->count(), 1, kWaitMs);
        QVERIFY(w.waitUntilIdle(kWaitMs));
        QVERIFY2(w.errorText().isEmpty(), qPrintable(w.errorText()));
        const std::vector<ckpt::edit::Operation> ops = w.edits()->operations();
        const auto *op = std::get_if<ckpt::edit::ApplyTarget>(&ops.front());
        QVERIFY(op);
        QCOMPARE(QString::fromStdString(op->target.path), f.other);
        // Shaped like the target: its leaves only, taken from it where the checkpoint lacks them.
        std::vector<std::string> paths;
        for (const auto &[path, digest] : digests(w.edits()->currentTree()))
            paths.push_back(path);
        QCOMPARE(paths, (std::vector<std::string>{"batch_stats/mean", "batch_stats/var"}));
        QVERIFY(hasPath(w, QStringLiteral("batch_stats/mean")));
        QVERIFY(!hasPath(w, QStringLiteral("params")));
        w.edits()->undoStack()->undo();
        QVERIFY(hasPath(w, QStringLiteral("params/Dense_0/kernel")));
    }
};

QTEST_MAIN(TestEditUi)
#include "tst_edit_ui.moc"
