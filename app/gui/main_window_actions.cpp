// MainWindow's menus, toolbar and file dialogs.
#include "main_window.h"

#include "status_area.h"

#include "diff_view.h"
#include "document_controller.h"
#include "error_banner.h"
#include "export_dialog.h"
#include "pytree_browser.h"
#include "recent_files.h"
#include "step_list_model.h"
#include "steps_dock.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QToolBar>
#include <QTreeView>

namespace {
/// The main window's one diff window, created on first use; its status line is mirrored in `status`.
DiffView *reusedDiffView(DiffView *&view, QWidget *parent, StatusArea *status)
{
    if (!view) {
        view = new DiffView(parent);
        DiffView *created = view;
        QObject::connect(created, &DiffView::finished, status,
            [created, status](bool) { status->setText(created->statusLabel()->text()); });
    }
    return view;
}
} // namespace

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    auto *openFile = file->addAction(
        style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open file…"), this, &MainWindow::openFileDialog);
    openFile->setShortcut(QKeySequence::Open);
    auto *openFolder = file->addAction(
        style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open &folder…"), this, &MainWindow::openFolderDialog);
    openFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    auto *openUrl = file->addAction(
        style()->standardIcon(QStyle::SP_DriveNetIcon), tr("Open &URL…"), this, &MainWindow::openUrlDialog);
    openUrl->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(tr("Open &recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    m_reopenAction = file->addAction(
        style()->standardIcon(QStyle::SP_BrowserReload), tr("Reopen &last"), this, [this] { reopenLast(); });
    file->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Open &demo"), this, [this] { openDemo(); });
    file->addAction(style()->standardIcon(QStyle::SP_DirHomeIcon), tr("&Start page"), this, &MainWindow::showStartPage);
    file->addSeparator();
    auto *exportAction = file->addAction(tr("&Export…"), this, [this] { showExportDialog(); });
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addAction(tr("&Diff with file…"), this, &MainWindow::diffWithFileDialog);
    file->addAction(tr("Diff with f&older…"), this, &MainWindow::diffWithFolderDialog);
    file->addSeparator();
    auto *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    auto *copyPath = edit->addAction(tr("Copy path (a/b/c)"), this, [this] { copySelectedPath(false); });
    copyPath->setShortcut(QKeySequence::Copy);
    auto *copyPython = edit->addAction(tr("Copy Python path (['a']['b'])"), this, [this] { copySelectedPath(true); });
    copyPython->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    auto *find = edit->addAction(tr("&Filter…"), m_browser, &PytreeBrowser::focusFilter);
    find->setShortcut(QKeySequence::Find);
    m_browser->treeView()->addAction(copyPath);
    m_browser->treeView()->addAction(copyPython);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    auto *expand
        = view->addAction(style()->standardIcon(QStyle::SP_ArrowDown), tr("&Expand all"), this, &MainWindow::expandAll);
    auto *collapse = view->addAction(
        style()->standardIcon(QStyle::SP_ArrowUp), tr("&Collapse all"), this, &MainWindow::collapseAll);
    view->addSeparator();
    auto *stats = view->addAction(style()->standardIcon(QStyle::SP_FileDialogInfoView),
        tr("Compute &statistics of all arrays"), this, &MainWindow::computeAllStats);

    view->addSeparator();
    auto *runView = view->addAction(tr("&Run view…"), this, [this] {
        if (!showRunView())
            showError(tr("The run view needs a checkpoint of a training run (a folder of steps)."));
    });
    runView->setObjectName(QStringLiteral("runViewAction"));

    QTreeView *steps = m_stepsDock->view();
    steps->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(steps, &QTreeView::customContextMenuRequested, this, [this, steps](const QPoint &pos) {
        QMenu menu(this);
        m_stepsDock->fillContextMenu(&menu, steps->indexAt(pos), m_document->current() != nullptr);
        if (!menu.isEmpty())
            menu.exec(steps->viewport()->mapToGlobal(pos));
    });
    connect(m_stepsDock, &StepsDock::diffWithOpenRequested, this, [this](const QString &step) { diffWithStep(step); });
    connect(m_stepsDock, &StepsDock::runViewRequested, this, [this] { showRunView(); });
    connect(m_stepsDock, &StepsDock::diffStepsRequested, this, [this](const QString &older, const QString &newer) {
        const QString root = m_document->runRoot();
        if (root.isEmpty())
            return;
        ckpt::OpenOptions a, b;
        a.step = older.toStdString();
        b.step = newer.toStdString();
        if (const CheckpointPtr open = m_document->current(); open && !open->item.empty())
            a.item = b.item = open->item;
        DiffView *diff = reusedDiffView(m_diffView, this, m_status);
        diff->start(root, a, root, b);
        diff->show();
        diff->raise();
    });

    QToolBar *bar = addToolBar(tr("Main"));
    bar->setObjectName(QStringLiteral("mainToolBar"));
    bar->setMovable(false);
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    bar->addAction(openFile);
    bar->addAction(openFolder);
    bar->addAction(m_reopenAction);
    bar->addSeparator();
    bar->addAction(expand);
    bar->addAction(collapse);
    bar->addAction(stats);

    createEditActions();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList paths = RecentFiles(m_settings).paths();
    for (const QString &p : paths)
        m_recentMenu->addAction(p, this, [this, p] { openPath(p); });
    if (paths.isEmpty())
        m_recentMenu->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::openFileDialog()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Open checkpoint file"), {},
        tr("Checkpoints (*.msgpack *.mpack *.mpk *.safetensors *.index.json *.h5 checkpoint checkpoint_*);;All files "
           "(*)"));
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::openFolderDialog()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Open checkpoint folder"));
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::diffWithFileDialog()
{
    if (!m_document->current())
        return showError(tr("Open a checkpoint first, then diff it with another."));
    const QString path = QFileDialog::getOpenFileName(this, tr("Diff with checkpoint file"));
    if (!path.isEmpty())
        diffWith(path);
}

void MainWindow::diffWithFolderDialog()
{
    if (!m_document->current())
        return showError(tr("Open a checkpoint first, then diff it with another."));
    const QString path = QFileDialog::getExistingDirectory(this, tr("Diff with checkpoint folder"));
    if (!path.isEmpty())
        diffWith(path);
}

DiffView *MainWindow::diffWith(const QString &path, const ckpt::OpenOptions &options)
{
    const CheckpointPtr a = m_document->current();
    if (!a)
        return nullptr;
    reusedDiffView(m_diffView, this, m_status)->start(a, path, options);
    m_diffView->show();
    m_diffView->raise();
    return m_diffView;
}

DiffView *MainWindow::diffWithStep(const QString &step)
{
    if (m_document->runRoot().isEmpty() || m_stepsDock->model()->rowOf(step) < 0)
        return nullptr;
    ckpt::OpenOptions options;
    options.step = step.toStdString();
    return diffWith(m_document->runRoot(), options);
}

ExportDialog *MainWindow::showExportDialog()
{
    const CheckpointPtr c = m_document->current();
    if (!c) {
        showError(tr("Open a checkpoint first, then export it."));
        return nullptr;
    }
    delete m_exportDialog;
    m_exportDialog = new ExportDialog(c, this);
    connect(m_exportDialog, &ExportDialog::exported, this,
        [this](const QString &path) { m_status->setText(tr("Exported to %1").arg(path)); });
    connect(m_exportDialog, &ExportDialog::failed, this, [this](const QString &message) { showError(message); });
    m_exportDialog->show();
    return m_exportDialog;
}
