#pragma once

#include "base/error.h"
#include "base/progress.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

/// The error a worker's exception stands for: a ckpt::Exception's own error; any other
/// std::exception becomes an Io error naming `file`.
ckpt::Error errorFromException(const std::exception &e, const std::string &file = {});

/// What a BackgroundJob delivers: the callable's value, or the error it threw. A cancelled run
/// (cancel(), or a ckpt::Exception of category Cancelled) has an error of category Cancelled.
template <typename T> struct JobResult {
    std::optional<T> value;
    std::optional<ckpt::Error> error;
    bool cancelled() const { return error && error->category == ckpt::ErrorCategory::Cancelled; }
};

/// Runs one callable at a time on Qt's global thread pool (QtConcurrent::run + QPromise) and
/// delivers its JobResult on the thread that owns the job (the UI thread).
///
/// The callable gets a ckpt::Progress whose cancel predicate is the promise's isCanceled() and
/// whose reports arrive as progress(permille, 0..1000). Starting a run while one is running
/// abandons the older one: it is cancelled and its result is dropped. The destructor cancels the
/// running callable and waits for it to return. Not thread-safe: use from the owning thread.
class BackgroundJob : public QObject {
    Q_OBJECT
public:
    explicit BackgroundJob(QObject *parent = nullptr);
    ~BackgroundJob() override;

    /// Runs `work(const ckpt::Progress &) -> T` on a worker, then calls `done(JobResult<T>)` here.
    /// Exceptions of other than ckpt::Exception become Io errors naming `errorFile`.
    template <typename Work, typename Done> void start(Work work, Done done, std::string errorFile = {});
    bool isRunning() const { return m_watcher != nullptr; }
    /// Asks the running callable to stop; it is still delivered (as cancelled unless it finished).
    void cancel();
    /// Blocks until the running callable returned (no delivery happens meanwhile).
    void waitForFinished();
    /// Cancels the running callable and drops its result; isRunning() is false afterwards.
    void abandon();

signals:
    void progress(int permille);

private:
    /// Takes ownership of `watcher`; `deliver` runs once it finished unless abandoned first.
    void watch(QFutureWatcherBase *watcher, std::function<void()> deliver);

    QFutureWatcherBase *m_watcher = nullptr;
};

template <typename Work, typename Done> void BackgroundJob::start(Work work, Done done, std::string errorFile)
{
    using T = std::invoke_result_t<Work &, const ckpt::Progress &>;
    using Shared = std::shared_ptr<JobResult<T>>;
    abandon();
    auto *watcher = new QFutureWatcher<Shared>(this);
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, &BackgroundJob::progress);
    watch(watcher, [watcher, done = std::move(done)]() mutable {
        Shared r;
        if (!watcher->isCanceled() && watcher->future().resultCount() > 0)
            r = watcher->result();
        if (!r) {
            r = std::make_shared<JobResult<T>>();
            r->error = ckpt::Error{ckpt::ErrorCategory::Cancelled, "cancelled", {}, std::nullopt, {}};
        }
        done(std::move(*r));
    });
    watcher->setFuture(
        QtConcurrent::run([work = std::move(work), file = std::move(errorFile)](QPromise<Shared> &promise) mutable {
            promise.setProgressRange(0, 1000);
            ckpt::Progress progress;
            progress.isCancelled = [&promise] { return promise.isCanceled(); };
            progress.report = [&promise](uint64_t done, uint64_t total) {
                if (total > 0)
                    promise.setProgressValue(int(std::min<uint64_t>(1000, done * 1000 / total)));
            };
            auto r = std::make_shared<JobResult<T>>();
            try {
                r->value.emplace(work(progress));
            } catch (const std::exception &e) {
                r->error = errorFromException(e, file);
            }
            promise.addResult(std::move(r));
        }));
}
