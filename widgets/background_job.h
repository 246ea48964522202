#pragma once

#include "base/error.h"
#include "base/progress.h"

#include <QFutureWatcher>
#include <QObject>
#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

/// The error a worker's exception stands for: a ckpt::Exception's own error; any other
/// std::exception (std::bad_alloc included) becomes an Io error naming `file`.
ckpt::Error errorFromException(const std::exception &e, const std::string &file = {});
/// The error for whatever is being handled in the current catch block, including exceptions that
/// are not std::exception at all. Call only inside a catch block.
ckpt::Error errorFromCurrentException(const std::string &file = {});

/// What a BackgroundJob delivers: the callable's value, or the error it threw. A cancelled run
/// (cancel(), or a ckpt::Exception of category Cancelled) has an error of category Cancelled.
template <typename T> struct JobResult {
    std::optional<T> value;
    std::optional<ckpt::Error> error;
    bool cancelled() const { return error && error->category == ckpt::ErrorCategory::Cancelled; }
};

/// The one way the GUI runs work off the UI thread: callables run on Qt's global thread pool
/// (QtConcurrent::run + QPromise) and their results are delivered on the thread that owns the job
/// (the UI thread). Every exception a callable throws, of any type, arrives as a JobResult error;
/// nothing is rethrown on the UI thread.
///
/// The callable gets a ckpt::Progress whose cancel predicate is the promise's isCanceled() and
/// whose reports arrive as progress(permille, 0..1000). How runs relate to each other:
/// - start() with Policy::LatestOnly (the default): a new run abandons the running one (it is
///   cancelled and its result dropped), so only the newest request is ever delivered;
/// - start() with Policy::Concurrent: runs are independent and each is delivered (table blocks);
/// - startWhenIdle(): while a run is in flight, the newest request waits and starts once the
///   running one has been delivered; requests in between are dropped (listings, hover reads);
/// - startStreaming(): one run that hands items to `onItem` here as it produces them.
/// cancel() asks every running callable to stop (each is still delivered, as cancelled unless it
/// finished); abandon() also drops their results. The destructor cancels and waits for every
/// running callable. Not thread-safe: every member must be called from the owning thread, which is
/// checked (a call from another thread aborts with a message).
class BackgroundJob : public QObject {
    Q_OBJECT
public:
    enum class Policy { LatestOnly, Concurrent };

    explicit BackgroundJob(QObject *parent = nullptr, Policy policy = Policy::LatestOnly);
    ~BackgroundJob() override;

    /// Runs `work(const ckpt::Progress &) -> T` on a worker, then calls `done(JobResult<T>)` here.
    /// Exceptions of other than ckpt::Exception become Io errors naming `errorFile`.
    template <typename Work, typename Done> void start(Work work, Done done, std::string errorFile = {});
    /// As start(), but while a run is in flight the request waits (replacing any request already
    /// waiting) and starts after the running one has been delivered.
    template <typename Work, typename Done> void startWhenIdle(Work work, Done done, std::string errorFile = {});
    /// Runs `work(const ckpt::Progress &, const std::function<void(Item)> &yield)` on a worker; each
    /// yielded item reaches `onItem(Item)` here in order, then `done(JobResult<bool>)` (value true)
    /// once the callable returned or threw. Items yielded after cancel() may be dropped.
    template <typename Item, typename Work, typename OnItem, typename Done>
    void startStreaming(Work work, OnItem onItem, Done done, std::string errorFile = {});

    bool isRunning() const { return !m_watchers.empty(); }
    /// Number of runs in flight (at most 1 unless the policy is Concurrent).
    int runningCount() const { return int(m_watchers.size()); }
    /// True when a startWhenIdle() request waits for the running run.
    bool hasQueued() const { return bool(m_queued); }
    /// Asks every running callable to stop; each is still delivered (as cancelled unless it finished).
    void cancel();
    /// Blocks until every running callable returned (no delivery happens meanwhile).
    void waitForFinished();
    /// Cancels every running callable, drops their results and any waiting request; isRunning() is
    /// false afterwards.
    void abandon();

signals:
    void progress(int permille);

private:
    /// Takes ownership of `watcher`; `deliver` runs once it finished unless abandoned first.
    void watch(QFutureWatcherBase *watcher, std::function<void()> deliver);
    /// Aborts with a message when called from another thread than the owner's.
    void checkThread(const char *what) const;
    /// Wraps `work` so that it reports through `promise` and never lets an exception escape.
    template <typename T, typename Work>
    static void runGuarded(QPromise<std::shared_ptr<JobResult<T>>> &promise, Work &work, const std::string &file);
    /// What a finished run delivers: its last result (runGuarded() adds it after any null wake-ups
    /// of a streaming run); none, a null one, or a cancelled watcher means Cancelled.
    template <typename T> static JobResult<T> outcome(const QFutureWatcher<std::shared_ptr<JobResult<T>>> &watcher);

    Policy m_policy;
    std::vector<QFutureWatcherBase *> m_watchers;
    std::function<void()> m_queued;
};

template <typename T, typename Work>
void BackgroundJob::runGuarded(QPromise<std::shared_ptr<JobResult<T>>> &promise, Work &work, const std::string &file)
{
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
    } catch (...) {
        r->error = errorFromCurrentException(file);
    }
    promise.addResult(std::move(r));
}

template <typename T> JobResult<T> BackgroundJob::outcome(const QFutureWatcher<std::shared_ptr<JobResult<T>>> &watcher)
{
    const int n = watcher.future().resultCount();
    if (!watcher.isCanceled() && n > 0) {
        if (const std::shared_ptr<JobResult<T>> last = watcher.future().resultAt(n - 1))
            return std::move(*last); // delivered once: the stored result is not read again
    }
    JobResult<T> r;
    r.error = ckpt::Error{ckpt::ErrorCategory::Cancelled, "cancelled", {}, std::nullopt, {}};
    return r;
}

template <typename Work, typename Done> void BackgroundJob::start(Work work, Done done, std::string errorFile)
{
    checkThread("start");
    using T = std::invoke_result_t<Work &, const ckpt::Progress &>;
    using Shared = std::shared_ptr<JobResult<T>>;
    if (m_policy == Policy::LatestOnly)
        abandon();
    auto *watcher = new QFutureWatcher<Shared>(this);
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, &BackgroundJob::progress);
    watch(watcher, [watcher, done = std::move(done)]() mutable { done(outcome(*watcher)); });
    watcher->setFuture(
        QtConcurrent::run([work = std::move(work), file = std::move(errorFile)](
                              QPromise<Shared> &promise) mutable { runGuarded<T>(promise, work, file); }));
}

template <typename Work, typename Done> void BackgroundJob::startWhenIdle(Work work, Done done, std::string errorFile)
{
    checkThread("startWhenIdle");
    if (!isRunning()) {
        start(std::move(work), std::move(done), std::move(errorFile));
        return;
    }
    // std::function needs copyable callables: keep move-only state behind a shared_ptr.
    auto pending
        = std::make_shared<std::tuple<Work, Done, std::string>>(std::move(work), std::move(done), std::move(errorFile));
    m_queued = [this, pending] {
        start(std::move(std::get<0>(*pending)), std::move(std::get<1>(*pending)), std::move(std::get<2>(*pending)));
    };
}

template <typename Item, typename Work, typename OnItem, typename Done>
void BackgroundJob::startStreaming(Work work, OnItem onItem, Done done, std::string errorFile)
{
    checkThread("startStreaming");
    using Shared = std::shared_ptr<JobResult<bool>>;
    if (m_policy == Policy::LatestOnly)
        abandon();
    // Items travel through a queue the worker fills and the owner drains on each wake-up, so they
    // arrive in order and none is delivered after the run was abandoned.
    struct Channel {
        std::mutex mutex;
        std::vector<Item> items;
    };
    auto channel = std::make_shared<Channel>();
    auto *watcher = new QFutureWatcher<Shared>(this);
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, &BackgroundJob::progress);
    auto drain = [channel, onItem = std::move(onItem)]() mutable {
        std::vector<Item> items;
        {
            std::lock_guard lock(channel->mutex);
            items.swap(channel->items);
        }
        for (Item &item : items)
            onItem(std::move(item));
    };
    auto sharedDrain = std::make_shared<decltype(drain)>(std::move(drain));
    connect(watcher, &QFutureWatcherBase::resultReadyAt, this, [sharedDrain] { (*sharedDrain)(); });
    watch(watcher, [watcher, sharedDrain, done = std::move(done)]() mutable {
        (*sharedDrain)();
        done(outcome(*watcher));
    });
    watcher->setFuture(QtConcurrent::run(
        [work = std::move(work), channel, file = std::move(errorFile)](QPromise<Shared> &promise) mutable {
            // A null result wakes the owner to drain the channel; the last result is the outcome.
            const std::function<void(Item)> yield = [&promise, &channel](Item item) {
                {
                    std::lock_guard lock(channel->mutex);
                    channel->items.push_back(std::move(item));
                }
                promise.addResult(Shared{});
            };
            auto run = [&work, &yield](const ckpt::Progress &p) {
                work(p, yield);
                return true;
            };
            runGuarded<bool>(promise, run, file);
        }));
}
