#include "background_job.h"

ckpt::Error errorFromException(const std::exception &e, const std::string &file)
{
    if (const auto *ce = dynamic_cast<const ckpt::Exception *>(&e))
        return ce->error();
    return ckpt::Error{ckpt::ErrorCategory::Io, e.what(), file, std::nullopt, {}};
}

BackgroundJob::BackgroundJob(QObject *parent)
    : QObject(parent)
{ }

BackgroundJob::~BackgroundJob()
{
    if (m_watcher) {
        m_watcher->cancel();
        m_watcher->waitForFinished();
    }
}

void BackgroundJob::watch(QFutureWatcherBase *watcher, std::function<void()> deliver)
{
    m_watcher = watcher;
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, deliver = std::move(deliver)] {
        if (watcher != m_watcher)
            return;
        m_watcher = nullptr;
        watcher->deleteLater();
        deliver();
    });
}

void BackgroundJob::cancel()
{
    if (m_watcher)
        m_watcher->cancel();
}

void BackgroundJob::waitForFinished()
{
    if (m_watcher)
        m_watcher->waitForFinished();
}

void BackgroundJob::abandon()
{
    if (!m_watcher)
        return;
    QFutureWatcherBase *old = std::exchange(m_watcher, nullptr);
    old->disconnect(this);
    old->cancel();
    connect(old, &QFutureWatcherBase::finished, old, &QObject::deleteLater);
}
