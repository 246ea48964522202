#include "background_job.h"

#include <QThread>

#include <cstdio>
#include <cstdlib>
#include <new>

ckpt::Error errorFromException(const std::exception &e, const std::string &file)
{
    if (const auto *ce = dynamic_cast<const ckpt::Exception *>(&e))
        return ce->error();
    if (dynamic_cast<const std::bad_alloc *>(&e))
        return ckpt::Error{ckpt::ErrorCategory::Io, "out of memory", file, std::nullopt, {}};
    return ckpt::Error{ckpt::ErrorCategory::Io, e.what(), file, std::nullopt, {}};
}

ckpt::Error errorFromCurrentException(const std::string &file)
{
    try {
        throw;
    } catch (const std::exception &e) {
        return errorFromException(e, file);
    } catch (...) {
        return ckpt::Error{ckpt::ErrorCategory::Io, "unknown exception in a worker", file, std::nullopt, {}};
    }
}

BackgroundJob::BackgroundJob(QObject *parent, Policy policy)
    : QObject(parent)
    , m_policy(policy)
{ }

BackgroundJob::~BackgroundJob()
{
    m_queued = nullptr;
    for (QFutureWatcherBase *w : m_watchers)
        w->cancel();
    for (QFutureWatcherBase *w : m_watchers)
        w->waitForFinished();
}

void BackgroundJob::checkThread(const char *what) const
{
    if (QThread::currentThread() != thread()) {
        std::fprintf(stderr, "BackgroundJob::%s called from a thread that does not own the job\n", what);
        std::abort();
    }
}

void BackgroundJob::watch(QFutureWatcherBase *watcher, std::function<void()> deliver)
{
    m_watchers.push_back(watcher);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, deliver = std::move(deliver)] {
        const auto it = std::find(m_watchers.begin(), m_watchers.end(), watcher);
        if (it == m_watchers.end())
            return;
        m_watchers.erase(it);
        watcher->deleteLater();
        deliver();
        if (m_queued && !isRunning())
            std::exchange(m_queued, nullptr)();
    });
}

void BackgroundJob::cancel()
{
    checkThread("cancel");
    for (QFutureWatcherBase *w : m_watchers)
        w->cancel();
}

void BackgroundJob::waitForFinished()
{
    checkThread("waitForFinished");
    for (QFutureWatcherBase *w : m_watchers)
        w->waitForFinished();
}

void BackgroundJob::abandon()
{
    checkThread("abandon");
    m_queued = nullptr;
    for (QFutureWatcherBase *old : std::exchange(m_watchers, {})) {
        old->disconnect(this);
        old->cancel();
        connect(old, &QFutureWatcherBase::finished, old, &QObject::deleteLater);
    }
}
