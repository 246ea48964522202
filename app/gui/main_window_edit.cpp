// MainWindow's Edit menu, history dock and the tree's edit actions.
#include "main_window.h"

#include "status_area.h"
#include "tree_edit_actions.h"

#include "apply_target_dialog.h"
#include "details_panel.h"
#include "diff_view.h"
#include "edit_controller.h"
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
        if (m_browser->model()->root() != root)
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

    installTreeEditActions(m_browser, edits, this);

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
