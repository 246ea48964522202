#include "main_window.h"

#include "array_inspector.h"
#include "command_line.h"
#include "details_panel.h"
#include "pytree_filter_proxy.h"
#include "pytree_model.h"
#include "recent_files.h"
#include "start_page.h"
#include "step_list_model.h"

#include "tree/dtype.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QDeadlineTimer>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QFileInfo>
#include <QFrame>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMimeData>
#include <QProgressBar>
#include <QPromise>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <set>

namespace {
/// Rows a single "expand" may materialise; beyond this the tree stays collapsed (lazy by design).
constexpr int kExpandLimit = 5000;
} // namespace

MainWindow::MainWindow(QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings ? settings : new QSettings(this))
    , m_document(new DocumentController(this))
    , m_model(new PytreeModel(this))
    , m_proxy(new PytreeFilterProxy(this))
    , m_stepModel(new StepListModel(this))
{
    setWindowTitle(tr("Checkpoint Studio"));
    setWindowIcon(style()->standardIcon(QStyle::SP_DriveHDIcon));
    setAcceptDrops(true);
    m_proxy->setSourceModel(m_model);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);

    m_errorBanner = new QFrame(central);
    m_errorBanner->setObjectName(QStringLiteral("errorBanner"));
    m_errorBanner->setStyleSheet(
        QStringLiteral("#errorBanner { background: #fde7e9; border-bottom: 1px solid #e0a0a6; }"
                       "#errorBanner QLabel { color: #5c1018; }"));
    auto *bannerLayout = new QHBoxLayout(m_errorBanner);
    auto *bannerIcon = new QLabel(m_errorBanner);
    bannerIcon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(24, 24));
    bannerLayout->addWidget(bannerIcon, 0, Qt::AlignTop);
    m_errorLabel = new QLabel(m_errorBanner);
    m_errorLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorLabel->setWordWrap(true);
    bannerLayout->addWidget(m_errorLabel, 1);
    auto *dismiss = new QToolButton(m_errorBanner);
    dismiss->setIcon(style()->standardIcon(QStyle::SP_DialogCloseButton));
    dismiss->setAutoRaise(true);
    dismiss->setToolTip(tr("Dismiss"));
    bannerLayout->addWidget(dismiss, 0, Qt::AlignTop);
    connect(dismiss, &QToolButton::clicked, m_errorBanner, &QWidget::hide);
    m_errorBanner->hide();
    layout->addWidget(m_errorBanner);

    m_pages = new QStackedWidget(central);
    m_start = new StartPage(m_pages);
    m_pages->addWidget(m_start);
    m_pages->addWidget(createBrowser());
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    m_status = new QLabel(this);
    statusBar()->addWidget(m_status, 1);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(false);
    statusBar()->addPermanentWidget(m_progress);
    m_cancel = new QToolButton(this);
    m_cancel->setIcon(style()->standardIcon(QStyle::SP_BrowserStop));
    m_cancel->setText(tr("Cancel"));
    m_cancel->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_cancel->setAutoRaise(true);
    statusBar()->addPermanentWidget(m_cancel);
    connect(m_cancel, &QToolButton::clicked, this, &MainWindow::cancelWork);

    m_stepsDock = new QDockWidget(tr("Steps"), this);
    m_stepsDock->setObjectName(QStringLiteral("stepsDock"));
    m_stepsDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    m_stepView = new QTreeView(m_stepsDock);
    m_stepView->setModel(m_stepModel);
    m_stepView->setRootIsDecorated(false);
    m_stepView->setUniformRowHeights(true);
    m_stepView->setAlternatingRowColors(true);
    m_stepView->header()->setStretchLastSection(true);
    m_stepView->setColumnWidth(StepListModel::StepColumn, 70);
    m_stepView->setColumnWidth(StepListModel::ItemsColumn, 150);
    m_stepView->setColumnWidth(StepListModel::SizeColumn, 80);
    m_stepView->setColumnWidth(StepListModel::SavedColumn, 200);
    m_stepsDock->setWidget(m_stepView);
    addDockWidget(Qt::BottomDockWidgetArea, m_stepsDock);
    m_stepsDock->hide();
    connect(m_stepView, &QTreeView::activated, this,
        [this](const QModelIndex &ix) { openStep(ix.data(StepListModel::StepTextRole).toString()); });

    createActions();

    connect(m_start, &StartPage::openFileRequested, this, &MainWindow::openFileDialog);
    connect(m_start, &StartPage::openFolderRequested, this, &MainWindow::openFolderDialog);
    connect(m_start, &StartPage::openDemoRequested, this, [this] { openDemo(); });
    connect(m_start, &StartPage::openPathRequested, this, [this](const QString &path) { openPath(path); });
    connect(m_document, &DocumentController::opened, this, &MainWindow::onOpened);
    connect(m_document, &DocumentController::failed, this, &MainWindow::onFailed);
    connect(m_document, &DocumentController::cancelled, this, [this](const QString &path) {
        m_status->setText(tr("Opening %1 was cancelled").arg(QFileInfo(path).fileName()));
    });
    connect(m_document, &DocumentController::progress, m_progress, &QProgressBar::setValue);
    connect(m_document, &DocumentController::busyChanged, this, &MainWindow::updateBusyUi);
    connect(m_inspector, &ArrayInspector::statsReady, m_model, &PytreeModel::setStats);

    m_start->setDemoAvailable(!demoCheckpointPath().isEmpty());
    m_start->setRecentFiles(RecentFiles(m_settings).paths());
    m_details->setCheckpoint(nullptr);
    updateBusyUi();
    resize(1400, 880);
}

MainWindow::~MainWindow()
{
    if (m_allStats) {
        m_allStats->cancel();
        m_allStats->waitForFinished();
    }
}

QWidget *MainWindow::createBrowser()
{
    m_split = new QSplitter(Qt::Horizontal, this);

    auto *left = new QWidget(m_split);
    auto *leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(4, 4, 0, 4);
    auto *filterRow = new QHBoxLayout;
    m_filter = new QLineEdit(left);
    m_filter->setPlaceholderText(tr("Filter by path, e.g. Dense_0/kernel"));
    m_filter->setClearButtonEnabled(true);
    m_filter->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView), QLineEdit::LeadingPosition);
    filterRow->addWidget(m_filter, 1);
    m_regex = new QCheckBox(tr("Regex"), left);
    m_regex->setToolTip(tr("Treat the filter as a regular expression"));
    filterRow->addWidget(m_regex);
    m_dtype = new QComboBox(left);
    m_dtype->setToolTip(tr("Show only arrays of this dtype"));
    m_dtype->addItem(tr("All dtypes"), QString());
    m_dtype->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    filterRow->addWidget(m_dtype);
    leftLayout->addLayout(filterRow);

    m_tree = new QTreeView(left);
    m_tree->setModel(m_proxy);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->setSortingEnabled(false);
    m_tree->setContextMenuPolicy(Qt::ActionsContextMenu);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(PytreeModel::NameColumn, 210);
    m_tree->setColumnWidth(PytreeModel::KindColumn, 66);
    m_tree->setColumnWidth(PytreeModel::DTypeColumn, 64);
    m_tree->setColumnWidth(PytreeModel::ShapeColumn, 110);
    m_tree->setColumnWidth(PytreeModel::SizeColumn, 76);
    leftLayout->addWidget(m_tree, 1);
    m_matches = new QLabel(left);
    m_matches->hide();
    leftLayout->addWidget(m_matches);

    auto *right = new QSplitter(Qt::Vertical, m_split);
    m_inspector = new ArrayInspector(right);
    m_details = new DetailsPanel(right);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 1);
    right->setSizes({600, 220});

    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 1);
    m_split->setSizes({740, 660});

    auto *filterTimer = new QTimer(this);
    filterTimer->setSingleShot(true);
    filterTimer->setInterval(200);
    connect(m_filter, &QLineEdit::textChanged, filterTimer, qOverload<>(&QTimer::start));
    connect(filterTimer, &QTimer::timeout, this, &MainWindow::applyFilter);
    connect(m_regex, &QCheckBox::toggled, this, &MainWindow::applyFilter);
    connect(m_dtype, &QComboBox::currentIndexChanged, this, &MainWindow::applyFilter);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &MainWindow::onSelectionChanged);
    connect(m_inspector, &ArrayInspector::busyChanged, this, &MainWindow::updateBusyUi);
    return m_split;
}

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
    auto *find = edit->addAction(tr("&Filter…"), this, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    find->setShortcut(QKeySequence::Find);
    m_tree->addAction(copyPath);
    m_tree->addAction(copyPython);

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

void MainWindow::openPath(const QString &path, const ckpt::OpenOptions &options)
{
    m_errorBanner->hide();
    m_openingPath = path;
    m_status->setText(tr("Opening %1…").arg(path));
    m_progress->setValue(0);
    m_document->open(path, options);
}

bool MainWindow::openStep(const QString &step)
{
    if (m_document->runRoot().isEmpty() || m_stepModel->rowOf(step) < 0)
        return false;
    ckpt::OpenOptions options;
    options.step = step.toStdString();
    openPath(m_document->runRoot(), options);
    return true;
}

bool MainWindow::openDemo()
{
    const QString demo = demoCheckpointPath();
    if (demo.isEmpty()) {
        showError(tr("The demo checkpoint is not installed."));
        return false;
    }
    openPath(demo);
    return true;
}

bool MainWindow::reopenLast()
{
    const QStringList paths = RecentFiles(m_settings).paths();
    if (paths.isEmpty())
        return false;
    openPath(paths.first());
    return true;
}

void MainWindow::showStartPage()
{
    m_start->setRecentFiles(RecentFiles(m_settings).paths());
    m_pages->setCurrentWidget(m_start);
}

bool MainWindow::isStartPageShown() const
{
    return m_pages->currentWidget() == m_start;
}

void MainWindow::onOpened(const CheckpointPtr &c)
{
    const QString path = QString::fromStdString(c->path);
    RecentFiles(m_settings).add(path);
    setWindowTitle(QFileInfo(path).fileName() + QStringLiteral(" — ") + tr("Checkpoint Studio"));
    setWindowFilePath(path);
    m_model->setRoot(c->root);
    m_details->setCheckpoint(c);
    m_inspector->setNode(nullptr, {});
    m_stepModel->setSteps(m_document->steps());
    m_stepModel->setCurrentStep(c->step ? QString::fromStdString(c->step->text) : QString());
    m_stepsDock->setVisible(!m_document->steps().empty());
    if (m_stepsDock->isVisible()) {
        const int rows = std::min(6, m_stepModel->rowCount());
        resizeDocks({m_stepsDock}, {m_stepView->header()->height() + (rows + 1) * (fontMetrics().height() + 4) + 24},
            Qt::Vertical);
    }

    std::set<std::string> dtypes;
    ckpt::forEachLeaf(c->root, [&](const ckpt::Path &, const ckpt::NodePtr &n) {
        if (n->kind() == ckpt::NodeKind::Array)
            dtypes.insert(std::string(ckpt::dtypeName(n->arrayInfo().dtype)));
    });
    const QString keep = m_dtype->currentData().toString();
    {
        const QSignalBlocker block(m_dtype);
        m_dtype->clear();
        m_dtype->addItem(tr("All dtypes"), QString());
        for (const auto &d : dtypes)
            m_dtype->addItem(QString::fromStdString(d), QString::fromStdString(d));
        m_dtype->setCurrentIndex(std::max(0, m_dtype->findData(keep)));
    }
    applyFilter();
    // Show the first level opened; deeper levels are fetched as the user expands.
    if (m_proxy->canFetchMore({}))
        m_proxy->fetchMore({});
    if (m_proxy->rowCount() <= 20) {
        for (int r = 0; r < m_proxy->rowCount(); ++r)
            m_tree->expand(m_proxy->index(r, 0));
    }
    m_pages->setCurrentIndex(1);
    m_status->setText(tr("%1 · %2 · %3 leaves · %4")
                          .arg(QString::fromStdString(c->era), QFileInfo(path).fileName())
                          .arg(c->root->leafCount())
                          .arg(QString::fromStdString(ckpt::humanBytes(c->root->arrayBytes()))));
}

void MainWindow::onFailed(const QString &path, const ckpt::Error &error)
{
    showError(tr("Could not open %1").arg(path) + QLatin1Char('\n') + DocumentController::describe(error));
    m_status->setText(tr("Could not open %1").arg(QFileInfo(path).fileName()));
}

void MainWindow::showError(const QString &text)
{
    m_errorLabel->setText(text);
    m_errorBanner->show();
}

QString MainWindow::errorText() const
{
    return m_errorBanner->isVisibleTo(const_cast<MainWindow *>(this)) ? m_errorLabel->text() : QString();
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

void MainWindow::onSelectionChanged()
{
    const QModelIndex src = m_proxy->mapToSource(m_tree->currentIndex());
    if (!src.isValid()) {
        m_inspector->setNode(nullptr, {});
        m_details->setSelection(nullptr, {});
        return;
    }
    const ckpt::NodePtr node = m_model->nodeAt(src);
    const ckpt::Path path = m_model->pathAt(src);
    m_inspector->setNode(node, QString::fromStdString(ckpt::joinPath(path)));
    m_details->setSelection(node, path);
}

bool MainWindow::selectKeyPath(const QString &keyPath)
{
    const QModelIndex src = m_model->indexForPath(ckpt::parsePath(keyPath.toStdString()));
    if (!src.isValid())
        return false;
    QModelIndex ix = m_proxy->mapFromSource(src);
    if (!ix.isValid()) { // hidden by the filter: clear it so the selection is visible
        m_filter->clear();
        m_dtype->setCurrentIndex(0);
        applyFilter();
        ix = m_proxy->mapFromSource(src);
    }
    for (QModelIndex p = ix.parent(); p.isValid(); p = p.parent())
        m_tree->expand(p);
    m_tree->setCurrentIndex(ix);
    m_tree->scrollTo(ix);
    return true;
}

QString MainWindow::copySelectedPath(bool python)
{
    const QModelIndex ix = m_tree->currentIndex();
    if (!ix.isValid())
        return {};
    const QString text = ix.data(python ? PytreeModel::PythonPathRole : PytreeModel::PathRole).toString();
    QGuiApplication::clipboard()->setText(text);
    m_status->setText(tr("Copied %1").arg(text));
    return text;
}

void MainWindow::applyFilter()
{
    m_proxy->setPathFilter(m_filter->text(), m_regex->isChecked());
    m_proxy->setDTypeFilter(m_dtype->currentData().toString());
    const bool invalid = !m_proxy->isRegexValid();
    m_filter->setStyleSheet(invalid ? QStringLiteral("QLineEdit { background: #fde7e9; }") : QString());
    if (!m_proxy->isFiltering()) {
        m_matches->hide();
        return;
    }
    m_matches->setText(
        invalid ? tr("Invalid regular expression") : tr("%1 matching leaves").arg(m_proxy->matchCount()));
    m_matches->show();
    expandMatches();
}

void MainWindow::expandMatches()
{
    // Fetch and expand down to the matches, breadth-first, within a bounded number of rows.
    QList<QModelIndex> queue{QModelIndex()};
    int budget = kExpandLimit;
    while (!queue.isEmpty() && budget > 0) {
        const QModelIndex p = queue.takeFirst();
        while (m_proxy->canFetchMore(p) && budget > 0) {
            const int before = m_proxy->rowCount(p);
            m_proxy->fetchMore(p);
            if (m_proxy->rowCount(p) == before)
                break;
        }
        if (p.isValid())
            m_tree->expand(p);
        for (int r = 0; r < m_proxy->rowCount(p) && budget > 0; ++r, --budget) {
            const QModelIndex c = m_proxy->index(r, 0, p);
            if (m_proxy->hasChildren(c))
                queue.append(c);
        }
    }
}

void MainWindow::expandAll()
{
    m_model->fetchAll({}, kExpandLimit);
    m_tree->expandAll();
    if (m_model->materialisedCount() >= kExpandLimit)
        m_status->setText(tr("Expanded the first %1 rows; expand deeper branches by hand").arg(kExpandLimit));
}

void MainWindow::collapseAll()
{
    m_tree->collapseAll();
}

void MainWindow::computeAllStats()
{
    const CheckpointPtr c = m_document->current();
    if (!c || m_allStats)
        return;
    using Item = std::pair<const ckpt::Node *, ckpt::ArrayStats>;
    m_allStats = new QFutureWatcher<Item>(this);
    const ckpt::NodePtr root = c->root;
    connect(m_allStats, &QFutureWatcherBase::resultReadyAt, this, [this, root](int i) {
        if (m_model->root() == root) {
            const Item item = m_allStats->resultAt(i);
            m_model->setStats(item.first, item.second);
        }
    });
    connect(m_allStats, &QFutureWatcherBase::progressValueChanged, m_progress, &QProgressBar::setValue);
    connect(m_allStats, &QFutureWatcherBase::finished, this, [this] {
        m_status->setText(m_allStats->isCanceled()
                ? tr("Statistics cancelled")
                : tr("Statistics of %1 arrays computed").arg(m_allStats->future().resultCount()));
        m_allStats->deleteLater();
        m_allStats = nullptr;
        updateBusyUi();
    });
    m_status->setText(tr("Computing statistics…"));
    m_allStats->setFuture(QtConcurrent::run([root](QPromise<Item> &promise) {
        std::vector<ckpt::NodePtr> arrays;
        ckpt::forEachLeaf(root, [&](const ckpt::Path &, const ckpt::NodePtr &n) {
            if (n->kind() == ckpt::NodeKind::Array)
                arrays.push_back(n);
        });
        promise.setProgressRange(0, 1000);
        ckpt::Progress p;
        p.isCancelled = [&promise] { return promise.isCanceled(); };
        for (size_t i = 0; i < arrays.size() && !promise.isCanceled(); ++i) {
            try {
                promise.addResult(Item{arrays[i].get(), ckpt::computeStats(*arrays[i]->array(), p)});
            } catch (const ckpt::Exception &) {
                // Damaged arrays keep an empty summary; selecting one shows its error.
            }
            promise.setProgressValue(int((i + 1) * 1000 / arrays.size()));
        }
    }));
    updateBusyUi();
}

void MainWindow::cancelWork()
{
    m_document->cancel();
    if (m_allStats)
        m_allStats->cancel();
}

bool MainWindow::isBusy() const
{
    return m_document->isBusy() || m_allStats || m_inspector->isBusy();
}

void MainWindow::updateBusyUi()
{
    const bool longWork = m_document->isBusy() || m_allStats;
    m_progress->setVisible(longWork);
    m_cancel->setVisible(longWork);
}

bool MainWindow::waitUntilIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (isBusy() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents | QEventLoop::WaitForMoreEvents, 20);
    QCoreApplication::processEvents();
    return !isBusy();
}

bool MainWindow::saveScreenshot(const QString &file)
{
    return grab().save(file, "PNG");
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile()) {
        openPath(urls.first().toLocalFile());
        event->acceptProposedAction();
    }
}
