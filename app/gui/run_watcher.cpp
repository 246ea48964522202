#include "run_watcher.h"

#include "base/error.h"
#include "layout/checkpoint.h"

#include "background_job.h"

#include <QSettings>

#include <algorithm>

RunWatcher::RunWatcher(QObject *parent)
    : QObject(parent)
    , m_listing(new BackgroundJob(this))
{
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kDebounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &RunWatcher::startListing);
    connect(&m_fs, &QFileSystemWatcher::directoryChanged, this, &RunWatcher::scheduleListing);
    m_poll.setInterval(std::max(1, QSettings().value(QStringLiteral("remote/pollSeconds"), 30).toInt()) * 1000);
    connect(&m_poll, &QTimer::timeout, this, &RunWatcher::startListing);
}

RunWatcher::~RunWatcher()
{
    m_listing->abandon();
}

void RunWatcher::watch(const QString &root, const std::vector<ckpt::StepInfo> &steps)
{
    const QStringList old = m_fs.directories();
    if (!old.isEmpty())
        m_fs.removePaths(old);
    m_debounce.stop();
    m_poll.stop();
    m_listing->abandon(); // a listing of the old root is never delivered
    m_root = root;
    if (root.isEmpty())
        return;
    if (ckpt::isRemoteLocation(root.toStdString())) {
        m_poll.start();
        return;
    }
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
    const QString root = m_root;
    m_listing->startWhenIdle([path = root.toStdString()](const ckpt::Progress &) { return ckpt::listSteps(path); },
        [this, root](JobResult<std::vector<ckpt::StepInfo>> &&steps) {
            if (root == m_root && steps.value) {
                if (!m_poll.isActive())
                    watchIncomplete(*steps.value);
                emit stepsListed(root, *steps.value);
            }
        });
}
