// MainWindow's menus, toolbar and file dialogs.
#include "main_window.h"

#include "pytree_browser.h"
#include "recent_files.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QMenuBar>
#include <QToolBar>
#include <QTreeView>

void MainWindow::createActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    auto *openFile = file->addAction(
        style()->standardIcon(QStyle::SP_DialogOpenButton), tr("&Open file…"), this, &MainWindow::openFileDialog);
    openFile->setShortcut(QKeySequence::Open);
    auto *openFolder = file->addAction(
        style()->standardIcon(QStyle::SP_DirOpenIcon), tr("Open &folder…"), this, &MainWindow::openFolderDialog);
    openFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O));
    m_recentMenu = file->addMenu(tr("Open &recent"));
    connect(m_recentMenu, &QMenu::aboutToShow, this, &MainWindow::rebuildRecentMenu);
    m_reopenAction = file->addAction(
        style()->standardIcon(QStyle::SP_BrowserReload), tr("Reopen &last"), this, [this] { reopenLast(); });
    file->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Open &demo"), this, [this] { openDemo(); });
    file->addAction(style()->standardIcon(QStyle::SP_DirHomeIcon), tr("&Start page"), this, &MainWindow::showStartPage);
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
    treeView()->addAction(copyPath);
    treeView()->addAction(copyPython);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    auto *expand
        = view->addAction(style()->standardIcon(QStyle::SP_ArrowDown), tr("&Expand all"), this, &MainWindow::expandAll);
    auto *collapse = view->addAction(
        style()->standardIcon(QStyle::SP_ArrowUp), tr("&Collapse all"), this, &MainWindow::collapseAll);
    view->addSeparator();
    auto *stats = view->addAction(style()->standardIcon(QStyle::SP_FileDialogInfoView),
        tr("Compute &statistics of all arrays"), this, &MainWindow::computeAllStats);

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
        tr("Checkpoints (*.msgpack *.mpack *.mpk checkpoint checkpoint_*);;All files (*)"));
    if (!path.isEmpty())
        openPath(path);
}

void MainWindow::openFolderDialog()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Open checkpoint folder"));
    if (!path.isEmpty())
        openPath(path);
}
