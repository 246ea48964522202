#include "main_window.h"

#include "all_stats_job.h"
#include "array_inspector.h"
#include "command_line.h"
#include "details_panel.h"
#include "edit_controller.h"
#include "error_banner.h"
#include "pytree_browser.h"
#include "pytree_model.h"
#include "recent_files.h"
#include "start_page.h"
#include "status_area.h"
#include "step_list_model.h"
#include "steps_dock.h"
#include "window_layout.h"

#include "layout/checkpoint.h"
#include "tree/array_info.h"

#include <QApplication>
#include <QClipboard>
#include <QDeadlineTimer>
#include <QDragEnterEvent>
#include <QFileInfo>
#include <QInputDialog>
#include <QLineEdit>
#include <QMimeData>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>
#include <QTreeView>
#include <QVBoxLayout>

MainWindow::MainWindow(QSettings *settings, QWidget *parent)
    : QMainWindow(parent)
    , m_settings(settings ? settings : new QSettings(this))
    , m_document(new DocumentController(this))
{
    setWindowTitle(tr("Checkpoint Studio"));
    setWindowIcon(style()->standardIcon(QStyle::SP_DriveHDIcon));
    setAcceptDrops(true);

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    m_errorBanner = new ErrorBanner(central);
    layout->addWidget(m_errorBanner);
    m_pages = new QStackedWidget(central);
    m_start = new StartPage(m_pages);
    m_pages->addWidget(m_start);
    m_pages->addWidget(createBrowser());
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    m_status = new StatusArea(statusBar());
    connect(m_status, &StatusArea::cancelRequested, this, &MainWindow::cancelWork);

    m_stepsDock = new StepsDock(this);
    addDockWidget(Qt::BottomDockWidgetArea, m_stepsDock);
    m_stepsDock->hide();
    connect(m_stepsDock, &StepsDock::stepActivated, this, [this](const QString &step) { openStep(step); });

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
    connect(m_document, &DocumentController::progress, m_status, &StatusArea::setProgress);
    connect(m_document, &DocumentController::busyChanged, this, &MainWindow::updateBusyUi);
    connect(m_inspector, &ArrayInspector::statsReady, m_browser->model(), &PytreeModel::setStats);

    m_start->setDemoAvailable(!demoCheckpointPath().isEmpty());
    m_start->setRecentFiles(RecentFiles(m_settings).paths());
    m_details->setCheckpoint(nullptr);
    updateBusyUi();
    resize(1400, 880);
}

MainWindow::~MainWindow()
{
    delete m_allStats;
}

QWidget *MainWindow::createBrowser()
{
    m_split = new QSplitter(Qt::Horizontal, this);
    m_split->setObjectName(QStringLiteral("mainSplitter"));
    m_browser = new PytreeBrowser(m_split);
    m_rightSplit = new QSplitter(Qt::Vertical, m_split);
    m_rightSplit->setObjectName(QStringLiteral("rightSplitter"));
    m_inspector = new ArrayInspector(m_rightSplit);
    connect(m_inspector, &ArrayInspector::errorOccurred, m_errorBanner, &ErrorBanner::showError);
    m_details = new DetailsPanel(m_rightSplit);
    m_rightSplit->setStretchFactor(0, 3);
    m_rightSplit->setStretchFactor(1, 1);
    m_rightSplit->setSizes({600, 220});
    m_split->setStretchFactor(0, 1);
    m_split->setStretchFactor(1, 1);
    m_split->setSizes({740, 660});

    connect(m_inspector, &ArrayInspector::subtreeActivated, this, [this](const QString &path) { selectKeyPath(path); });
    connect(m_browser, &PytreeBrowser::currentChanged, this, [this](const ckpt::NodePtr &node, const ckpt::Path &path) {
        if (!node)
            m_inspector->setOverviewSource(m_document->current(), m_browser->model()->root());
        m_inspector->setNode(node, node ? QString::fromStdString(ckpt::joinPath(path)) : QString());
        m_details->setSelection(node, path);
    });
    connect(m_inspector, &ArrayInspector::busyChanged, this, &MainWindow::updateBusyUi);
    return m_split;
}

void MainWindow::openPath(const QString &path, const ckpt::OpenOptions &options)
{
    if (m_edits && !m_edits->confirmDiscard(this))
        return;
    m_errorBanner->hide();
    m_openingPath = path;
    m_status->setText(tr("Opening %1…").arg(path));
    m_status->setProgress(0);
    m_document->open(path, options);
}

bool MainWindow::openStep(const QString &step)
{
    if (m_document->runRoot().isEmpty() || m_stepsDock->model()->rowOf(step) < 0)
        return false;
    ckpt::OpenOptions options;
    options.step = step.toStdString();
    openPath(m_document->runRoot(), options);
    return true;
}

bool MainWindow::openDemo(const ckpt::OpenOptions &options)
{
    const QString demo = demoCheckpointPath();
    if (demo.isEmpty()) {
        showError(tr("The demo checkpoint is not installed."));
        return false;
    }
    openPath(demo, options);
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
    setWindowTitle(QFileInfo(path).fileName() + QStringLiteral("[*] — ") + tr("Checkpoint Studio"));
    setWindowFilePath(path);
    m_details->setCheckpoint(c);
    m_inspector->setOverviewSource(c, c->root);
    m_inspector->setNode(nullptr, {});
    m_stepsDock->showRun(
        m_document->runRoot(), m_document->steps(), c->step ? QString::fromStdString(c->step->text) : QString());
    const bool dockWasShown = m_stepsDock->isVisible();
    m_stepsDock->setVisible(!m_document->steps().empty());
    if (m_stepsDock->isVisible() && !dockWasShown)
        resizeDocks({m_stepsDock}, {m_stepsDock->preferredHeight()}, Qt::Vertical);
    m_browser->setRoot(c->root);
    // What a node dragged out of this window grafts from: the run and step, or the opened path.
    const bool inRun = c->step && !m_document->runRoot().isEmpty();
    m_browser->model()->setSourceRef(QFileInfo(inRun ? m_document->runRoot() : path).absoluteFilePath(),
        inRun ? QString::fromStdString(c->step->text) : QString(), QString::fromStdString(c->item));
    if (m_edits)
        m_edits->reset(c->root); // the browser already shows c->root: this only clears the stack
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
    m_errorBanner->showError(text);
}

QString MainWindow::errorText() const
{
    return m_errorBanner->visibleText();
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

bool MainWindow::selectKeyPath(const QString &keyPath)
{
    return m_browser->selectKeyPath(keyPath);
}

QString MainWindow::copySelectedPath(bool python)
{
    if (!m_browser->treeView()->currentIndex().isValid())
        return {};
    const QString text = m_browser->currentPathText(python);
    QGuiApplication::clipboard()->setText(text);
    m_status->setText(tr("Copied %1").arg(text));
    return text;
}

void MainWindow::expandAll()
{
    if (!m_browser->expandAll())
        m_status->setText(
            tr("Expanded the first %1 rows; expand deeper branches by hand").arg(PytreeBrowser::kExpandLimit));
}

void MainWindow::collapseAll()
{
    m_browser->collapseAll();
}

void MainWindow::computeAllStats()
{
    const CheckpointPtr c = m_document->current();
    if (!c || m_allStats)
        return;
    m_allStats = new AllStatsJob(c->root, this);
    connect(m_allStats, &AllStatsJob::statsReady, this, [this](const ckpt::Node *node, const ckpt::ArrayStats &s) {
        if (m_browser->model()->root() == m_allStats->root())
            m_browser->model()->setStats(node, s);
    });
    connect(m_allStats, &AllStatsJob::progress, m_status, &StatusArea::setProgress);
    connect(m_allStats, &AllStatsJob::finished, this, [this](bool cancelled, int computed) {
        m_status->setText(
            cancelled ? tr("Statistics cancelled") : tr("Statistics of %1 arrays computed").arg(computed));
        m_allStats->deleteLater();
        m_allStats = nullptr;
        updateBusyUi();
    });
    m_status->setText(tr("Computing statistics…"));
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
    return m_document->isBusy() || m_allStats || m_inspector->isBusy() || (m_edits && m_edits->isBusy());
}

void MainWindow::updateBusyUi()
{
    const bool longWork = m_document->isBusy() || m_allStats || (m_edits && m_edits->isBusy());
    m_status->setBusy(longWork);
}

bool MainWindow::waitUntilIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QTimer wake; // bounds each wait below so that the deadline is checked; sleeps, never spins
    wake.start(20);
    while (isBusy() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    QCoreApplication::processEvents();
    return !isBusy();
}

bool MainWindow::saveScreenshot(const QString &file)
{
    return grab().save(file, "PNG");
}

bool MainWindow::restoreLayout()
{
    if (!restoreWindowLayout(*m_settings, this, {m_split, m_rightSplit}))
        return false;
    m_stepsDock->setVisible(!m_document->steps().empty()); // the saved state may show an empty dock
    return true;
}

void MainWindow::saveLayout()
{
    saveWindowLayout(*m_settings, this, {m_split, m_rightSplit});
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    if (m_edits && !m_edits->confirmDiscard(this)) {
        event->ignore();
        return;
    }
    saveLayout();
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (!droppedLocation(event->mimeData()).isEmpty())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QString location = droppedLocation(event->mimeData());
    if (!location.isEmpty()) {
        openPath(location);
        event->acceptProposedAction();
    }
}

QString MainWindow::droppedLocation(const QMimeData *mime)
{
    const auto urls = mime->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        return urls.first().toLocalFile();
    // gs://, s3:// and http(s):// arrive as URLs from browsers and as text from terminals.
    QString text = urls.isEmpty() ? mime->text().trimmed() : urls.first().toString();
    if (text.contains(QLatin1Char('\n')))
        text = text.left(text.indexOf(QLatin1Char('\n'))).trimmed();
    return ckpt::isRemoteLocation(text.toStdString()) ? text : QString();
}

void MainWindow::openUrlDialog()
{
    bool ok = false;
    const QString url = QInputDialog::getText(this, tr("Open URL"),
        tr("A checkpoint, step or run in a bucket or on a web server:\n"
           "gs://bucket/run/checkpoints    s3://bucket/run/4    https://host/model.safetensors"),
        QLineEdit::Normal, QString(), &ok)
                            .trimmed();
    if (!ok || url.isEmpty())
        return;
    if (!ckpt::isRemoteLocation(url.toStdString())) {
        showError(tr("%1 is not a gs://, s3://, http:// or https:// URL; use Open file or Open folder for local paths.")
                      .arg(url));
        return;
    }
    openPath(url);
}
