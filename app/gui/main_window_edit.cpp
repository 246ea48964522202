// MainWindow's Edit menu, history dock and the tree's edit actions.
#include "main_window.h"

#include "apply_target_dialog.h"
#include "details_panel.h"
#include "diff_view.h"
#include "edit_controller.h"
#include "edit_dialogs.h"
#include "error_banner.h"
#include "pytree_browser.h"
#include "pytree_model.h"

#include "tree/array_info.h"

#include <QAction>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTreeView>
#include <QUndoStack>
#include <QUndoView>

namespace {

QMenu *menuNamed(QMenuBar *bar, const QString &text)
{
    for (QAction *a : bar->actions()) {
        if (a->menu() && a->text() == text)
            return a->menu();
    }
    return nullptr;
}

} // namespace

void MainWindow::createEditActions()
{
    m_edits = new EditController(this);
    EditController *edits = m_edits;
    QUndoStack *stack = edits->undoStack();

    auto *modifiedLabel = new QLabel(this);
    modifiedLabel->setObjectName(QStringLiteral("editStateLabel"));
    statusBar()->addPermanentWidget(modifiedLabel);
    modifiedLabel->hide();

    auto *historyDock = new QDockWidget(tr("Edit history"), this);
    historyDock->setObjectName(QStringLiteral("historyDock"));
    auto *history = new QUndoView(stack, historyDock);
    history->setObjectName(QStringLiteral("historyView"));
    history->setEmptyLabel(tr("<original>"));
    historyDock->setWidget(history);
    addDockWidget(Qt::RightDockWidgetArea, historyDock);
    historyDock->hide();

    m_browser->setEditable(true);
    connect(edits, &EditController::treeChanged, this, [this, modifiedLabel](const ckpt::NodePtr &root) {
        m_document->setEditedRoot(root);
        const bool modified = m_edits->isModified();
        QStringList done;
        for (const auto &op : m_edits->operations())
            done << QString::fromStdString(ckpt::edit::describe(op));
        // Details first: the browser's restored selection then fills its selection part.
        if (const CheckpointPtr c = m_document->current()) {
            m_details->setCheckpoint(c);
            m_details->setEdits(done);
            if (m_edits->undoStack()->count() > 0)
                m_status->setText(
                    tr("%1 · %2 · %3 leaves · %4 · edited")
                        .arg(QString::fromStdString(c->era), QFileInfo(QString::fromStdString(c->path)).fileName())
                        .arg(c->root->leafCount())
                        .arg(QString::fromStdString(ckpt::humanBytes(c->root->arrayBytes()))));
        }
        if (treeModel()->root() != root)
            m_browser->showEdited(
                root, modified ? m_edits->originalTree() : ckpt::NodePtr(), m_edits->notes(), m_edits->lastMove());
        setWindowModified(modified);
        modifiedLabel->setVisible(modified);
        modifiedLabel->setText(done.size() == 1 ? tr("Modified · 1 edit") : tr("Modified · %1 edits").arg(done.size()));
        modifiedLabel->setToolTip(tr("The tree shown is the edited one; File > Export writes it, "
                                     "Edit > Preview changes compares it with the original."));
    });
    connect(edits, &EditController::errorOccurred, m_errorBanner, &ErrorBanner::showError);
    connect(edits, &EditController::busyChanged, this, &MainWindow::updateBusyUi);
    connect(edits, &EditController::applied, this, [this, historyDock](const QString &focus) {
        m_errorBanner->hide();
        if (!historyDock->isVisible()) {
            historyDock->show();
            resizeDocks({historyDock}, {300}, Qt::Horizontal);
        }
        if (!focus.isEmpty())
            selectKeyPath(focus);
    });

    connect(m_browser, &PytreeBrowser::renameRequested, this, [edits](const QString &from, const QString &to) {
        edits->push(ckpt::edit::Rename{from.toStdString(), to.toStdString()});
    });
    connect(m_browser, &PytreeBrowser::moveRequested, this, [edits](const QString &from, const QString &to) {
        edits->push(ckpt::edit::Rename{from.toStdString(), to.toStdString()});
    });
    connect(m_browser, &PytreeBrowser::deleteRequested, this,
        [edits](const QString &path) { edits->push(ckpt::edit::Delete{path.toStdString()}); });
    connect(m_browser, &PytreeBrowser::graftRequested, this, [edits](const NodeDrag &drag, const QString &to) {
        ckpt::edit::Graft op;
        op.to = to.toStdString();
        op.source.path = drag.path.toStdString();
        if (!drag.step.isEmpty())
            op.source.step = drag.step.toStdString();
        if (!drag.item.isEmpty())
            op.source.item = drag.item.toStdString();
        op.from = drag.keyPath.toStdString();
        edits->push(op);
    });

    // Tree context menu (the tree shows its actions as its context menu). The keys F2 and Delete
    // are handled by the browser itself; the shortcuts here only label the menu entries.
    QTreeView *tree = treeView();
    auto addTreeAction = [this, tree](const QString &text, const QKeySequence &key, auto ask) {
        auto *a = new QAction(text, tree);
        a->setShortcut(key);
        a->setShortcutContext(Qt::WidgetShortcut);
        connect(a, &QAction::triggered, this, [this, ask] {
            const QModelIndex ix = treeView()->currentIndex();
            if (!ix.isValid() || !m_edits->currentTree())
                return;
            const QString path = ix.data(PytreeModel::PathRole).toString();
            const ckpt::NodePtr node = ix.data(PytreeModel::NodeRole).value<ckpt::NodePtr>();
            if (auto op = ask(path, node))
                m_edits->push(*op);
        });
        tree->addAction(a);
        return a;
    };
    auto *separator = new QAction(tree);
    separator->setSeparator(true);
    tree->addAction(separator);
    auto *rename = new QAction(tr("Rename"), tree);
    rename->setShortcut(QKeySequence(Qt::Key_F2));
    rename->setShortcutContext(Qt::WidgetShortcut);
    connect(rename, &QAction::triggered, m_browser, [this] { m_browser->editCurrentName(); });
    tree->addAction(rename);
    addTreeAction(tr("Delete"), QKeySequence(QKeySequence::Delete),
        [](const QString &path, const ckpt::NodePtr &) -> std::optional<ckpt::edit::Operation> {
            return ckpt::edit::Delete{path.toStdString()};
        });
    addTreeAction(tr("Move to…"), {},
        [this](const QString &path, const ckpt::NodePtr &) { return edit_dialogs::askMove(this, path); });
    addTreeAction(tr("Cast to…"), {},
        [this](const QString &path, const ckpt::NodePtr &node) { return edit_dialogs::askCast(this, node, path); });
    addTreeAction(tr("Add leaf…"), {},
        [this](const QString &path, const ckpt::NodePtr &node) { return edit_dialogs::askAddLeaf(this, node, path); });
    addTreeAction(tr("Set value…"), {},
        [this](const QString &path, const ckpt::NodePtr &node) { return edit_dialogs::askSetValue(this, node, path); });
    addTreeAction(tr("Graft from…"), {},
        [this](const QString &path, const ckpt::NodePtr &node) { return edit_dialogs::askGraft(this, node, path); });

    // Edit menu: undo/redo first, recipes and the repair tools after the existing entries.
    QMenu *edit = menuNamed(menuBar(), tr("&Edit"));
    if (!edit)
        edit = menuBar()->addMenu(tr("&Edit"));
    QAction *first = edit->actions().value(0);
    QAction *undo = stack->createUndoAction(this, tr("&Undo"));
    undo->setObjectName(QStringLiteral("undoAction"));
    undo->setShortcut(QKeySequence::Undo);
    undo->setIcon(style()->standardIcon(QStyle::SP_ArrowBack));
    QAction *redo = stack->createRedoAction(this, tr("&Redo"));
    redo->setObjectName(QStringLiteral("redoAction"));
    redo->setShortcut(QKeySequence::Redo);
    redo->setIcon(style()->standardIcon(QStyle::SP_ArrowForward));
    edit->insertAction(first, undo);
    edit->insertAction(first, redo);
    edit->insertSeparator(first);
    edit->addSeparator();
    edit->addAction(historyDock->toggleViewAction());
    edit->addAction(tr("&Save recipe…"), this, [this] {
        if (!m_edits->isModified())
            return showError(tr("There are no edits to save as a recipe."));
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save recipe"), QStringLiteral("recipe.json"), tr("Recipes (*.json);;All files (*)"));
        if (!path.isEmpty() && m_edits->saveRecipe(path))
            m_status->setText(tr("Saved the recipe to %1").arg(path));
    });
    edit->addAction(tr("&Load recipe…"), this, [this] {
        if (!m_edits->currentTree())
            return showError(tr("Open a checkpoint first, then load a recipe onto it."));
        const QString path
            = QFileDialog::getOpenFileName(this, tr("Load recipe"), {}, tr("Recipes (*.json);;All files (*)"));
        if (!path.isEmpty())
            m_edits->loadRecipe(path);
    });
    edit->addSeparator();
    edit->addAction(tr("&Preview changes…"), this, [this] { previewEdits(); });
    edit->addAction(tr("Apply &target structure…"), this, [this] { showApplyTargetDialog(); });

    QMenu *file = menuNamed(menuBar(), tr("&File"));
    if (file) {
        auto *newWindow = new QAction(tr("&New window"), this);
        newWindow->setShortcut(QKeySequence::New);
        connect(newWindow, &QAction::triggered, this, [this] { openNewWindow(); });
        file->insertAction(file->actions().value(0), newWindow);
    }
}

MainWindow *MainWindow::openNewWindow()
{
    auto *w = new MainWindow(m_settings->parent() == this ? nullptr : m_settings);
    w->setAttribute(Qt::WA_DeleteOnClose);
    w->show();
    return w;
}

DiffView *MainWindow::previewEdits()
{
    const CheckpointPtr original = m_document->original();
    if (!original || !m_edits->isModified()) {
        showError(tr("There are no edits to preview."));
        return nullptr;
    }
    auto *view = findChild<DiffView *>(QStringLiteral("editPreview"));
    if (!view) {
        view = new DiffView(this);
        view->setObjectName(QStringLiteral("editPreview"));
    }
    view->setWindowTitle(
        tr("Preview: original → edited — %1").arg(QFileInfo(QString::fromStdString(original->path)).fileName()));
    view->start(original, m_document->current());
    view->show();
    view->raise();
    return view;
}

ApplyTargetDialog *MainWindow::showApplyTargetDialog()
{
    if (!m_edits->currentTree()) {
        showError(tr("Open a checkpoint first, then apply a target structure to it."));
        return nullptr;
    }
    auto *dialog = new ApplyTargetDialog(m_edits->currentTree(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] { m_edits->push(dialog->operation()); });
    dialog->show();
    return dialog;
}
