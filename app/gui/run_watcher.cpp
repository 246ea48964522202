#include "run_watcher.h"

#include "base/error.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

RunWatcher::RunWatcher(QObject *parent)
    : QObject(parent)
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &RunWatcher::startListing);
    connect(&m_fs, &QFileSystemWatcher::directoryChanged, this, &RunWatcher::scheduleListing);
}

RunWatcher::~RunWatcher()
{
    if (m_listing) {
        m_listing->disconnect(this);
        m_listing->waitForFinished();
    }
}

void RunWatcher::watch(const QString &root, const std::vector<ckpt::StepInfo> &steps)
{
    const QStringList old = m_fs.directories();
    if (!old.isEmpty())
        m_fs.removePaths(old);
    m_debounce.stop();
    m_dirty = false;
    m_root = root;
    if (root.isEmpty())
        return;
    m_fs.addPath(root);
    watchIncomplete(steps);
}

QStringList RunWatcher::watchedPaths() const
{
    return m_fs.directories();
}

void RunWatcher::watchIncomplete(const std::vector<ckpt::StepInfo> &steps)
{
    // A step folder that turns complete in place (commit_success.txt appears) changes only inside.
    QStringList wanted{m_root};
    for (const auto &s : steps) {
        if (!s.complete && !s.isFile)
            wanted << QString::fromStdString(s.path);
    }
    const QStringList current = m_fs.directories();
    QStringList gone;
    for (const QString &p : current) {
        if (!wanted.contains(p))
            gone << p;
    }
    if (!gone.isEmpty())
        m_fs.removePaths(gone);
    QStringList added;
    for (const QString &p : std::as_const(wanted)) {
        if (!current.contains(p))
            added << p;
    }
    if (!added.isEmpty())
        m_fs.addPaths(added);
}

void RunWatcher::scheduleListing()
{
    m_debounce.start();
}

void RunWatcher::startListing()
{
    if (m_root.isEmpty())
        return;
    if (m_listing) {
        m_dirty = true;
        return;
    }
    using Result = std::optional<std::vector<ckpt::StepInfo>>;
    m_listing = new QFutureWatcher<Result>(this);
    const QString root = m_root;
    connect(m_listing, &QFutureWatcherBase::finished, this, [this, root] {
        const Result steps = m_listing->result();
        m_listing->deleteLater();
        m_listing = nullptr;
        if (root == m_root && steps) {
            watchIncomplete(*steps);
            emit stepsListed(root, *steps);
        }
        if (m_dirty) {
            m_dirty = false;
            startListing();
        }
    });
    m_listing->setFuture(QtConcurrent::run([path = root.toStdString()]() -> Result {
        try {
            return ckpt::listSteps(path);
        } catch (const ckpt::Exception &) {
            return std::nullopt;
        }
    }));
}
