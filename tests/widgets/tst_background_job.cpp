// BackgroundJob: values, errors (of any exception type), progress, cancel, abandoning a running job,
// waiting on destruction; the concurrent, when-idle and streaming variants; ProgressStrip following a job.
#include "background_job.h"
#include "progress_strip.h"

#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QThread>
#include <QToolButton>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <new>
#include <stdexcept>
#include <vector>

namespace {
constexpr int kWaitMs = 10000;

/// Works until cancelled (reporting progress), then throws Cancelled like core work does.
int untilCancelled(const ckpt::Progress &p)
{
    for (uint64_t i = 0;; ++i) {
        p.update(i % 100, 100);
        p.throwIfCancelled();
        QThread::msleep(1);
    }
}
} // namespace

class TestBackgroundJob : public QObject {
    Q_OBJECT
private slots:
    void deliversValueOnOwnerThreadWithProgress()
    {
        BackgroundJob job;
        QSignalSpy progress(&job, &BackgroundJob::progress);
        std::optional<JobResult<int>> got;
        QThread *deliveredOn = nullptr;
        job.start(
            [](const ckpt::Progress &p) {
                p.update(1, 4);
                p.update(4, 4);
                return 42;
            },
            [&](JobResult<int> &&r) {
                deliveredOn = QThread::currentThread();
                got = std::move(r);
            });
        QVERIFY(job.isRunning());
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QVERIFY(!job.isRunning());
        QCOMPARE(deliveredOn, QThread::currentThread());
        QVERIFY(!got->error);
        QCOMPARE(got->value.value(), 42);
        QVERIFY(!got->cancelled());
        QVERIFY(!progress.isEmpty());
        QCOMPARE(progress.last().at(0).toInt(), 1000);
        for (const auto &args : progress)
            QVERIFY(args.at(0).toInt() >= 0 && args.at(0).toInt() <= 1000);
    }

    void errorsBecomeCkptErrors()
    {
        BackgroundJob job;
        std::optional<JobResult<int>> got;
        job.start([](const ckpt::Progress &) -> int { ckpt::fail(ckpt::ErrorCategory::Corrupt, "bad", "f.bin", 12); },
            [&](JobResult<int> &&r) { got = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QVERIFY(!got->value);
        QVERIFY(got->error);
        QCOMPARE(got->error->category, ckpt::ErrorCategory::Corrupt);
        QCOMPARE(got->error->file, std::string("f.bin"));
        QCOMPARE(got->error->byteOffset.value(), uint64_t(12));
        QVERIFY(!got->cancelled());

        got.reset();
        job.start([](const ckpt::Progress &) -> int { throw std::runtime_error("boom"); },
            [&](JobResult<int> &&r) { got = std::move(r); }, "named.file");
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QCOMPARE(got->error->category, ckpt::ErrorCategory::Io);
        QCOMPARE(got->error->message, std::string("boom"));
        QCOMPARE(got->error->file, std::string("named.file"));
    }

    void cancelDeliversCancelled()
    {
        BackgroundJob job;
        std::optional<JobResult<int>> got;
        job.start(untilCancelled, [&](JobResult<int> &&r) { got = std::move(r); });
        QTest::qWait(20);
        QVERIFY(job.isRunning());
        job.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QVERIFY(got->cancelled());
        QVERIFY(!got->value);
        QVERIFY(!job.isRunning());
    }

    void newerRunAbandonsOlder()
    {
        BackgroundJob job;
        int olderDelivered = 0;
        std::optional<JobResult<int>> newer;
        job.start(untilCancelled, [&](JobResult<int> &&) { ++olderDelivered; });
        job.start([](const ckpt::Progress &) { return 7; }, [&](JobResult<int> &&r) { newer = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(newer.has_value(), kWaitMs);
        QCOMPARE(newer->value.value(), 7);
        QTest::qWait(50); // the abandoned run has long seen its cancel by now
        QCOMPARE(olderDelivered, 0);

        job.start(untilCancelled, [&](JobResult<int> &&) { ++olderDelivered; });
        job.abandon();
        QVERIFY(!job.isRunning());
        QTest::qWait(50);
        QCOMPARE(olderDelivered, 0);
    }

    void everyExceptionTypeBecomesAnError()
    {
        BackgroundJob job;
        std::optional<JobResult<int>> got;
        job.start([](const ckpt::Progress &) -> int { throw std::bad_alloc(); },
            [&](JobResult<int> &&r) { got = std::move(r); }, "big.bin");
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QCOMPARE(got->error->category, ckpt::ErrorCategory::Io);
        QCOMPARE(got->error->message, std::string("out of memory"));
        QCOMPARE(got->error->file, std::string("big.bin"));

        got.reset();
        job.start([](const ckpt::Progress &) -> int { throw 42; }, [&](JobResult<int> &&r) { got = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QVERIFY(got->error);
        QVERIFY(!got->value);
        QCOMPARE(got->error->message, std::string("unknown exception in a worker"));
    }

    void concurrentRunsAreEachDelivered()
    {
        BackgroundJob job(nullptr, BackgroundJob::Policy::Concurrent);
        std::vector<int> got;
        std::atomic<int> started{0};
        for (int i = 0; i < 4; ++i)
            job.start(
                [i, &started](const ckpt::Progress &) {
                    ++started;
                    QThread::msleep(20);
                    return i;
                },
                [&](JobResult<int> &&r) { got.push_back(r.value.value()); });
        QVERIFY(job.runningCount() >= 1);
        QTRY_COMPARE_WITH_TIMEOUT(int(got.size()), 4, kWaitMs);
        std::sort(got.begin(), got.end());
        QCOMPARE(got, (std::vector<int>{0, 1, 2, 3}));
        QVERIFY(!job.isRunning());

        // cancel() stops every run but still delivers each, as cancelled.
        int cancelled = 0;
        job.start(untilCancelled, [&](JobResult<int> &&r) { cancelled += r.cancelled(); });
        job.start(untilCancelled, [&](JobResult<int> &&r) { cancelled += r.cancelled(); });
        QCOMPARE(job.runningCount(), 2);
        job.cancel();
        QTRY_COMPARE_WITH_TIMEOUT(cancelled, 2, kWaitMs);

        // abandon() drops them all.
        int dropped = 0;
        job.start(untilCancelled, [&](JobResult<int> &&) { ++dropped; });
        job.start(untilCancelled, [&](JobResult<int> &&) { ++dropped; });
        job.abandon();
        QVERIFY(!job.isRunning());
        QTest::qWait(50);
        QCOMPARE(dropped, 0);
    }

    void whenIdleRunsTheNewestWaitingRequestAfterTheRunningOne()
    {
        BackgroundJob job;
        auto release = std::make_shared<std::atomic<bool>>(false);
        std::vector<int> order;
        job.startWhenIdle(
            [release](const ckpt::Progress &) {
                while (!release->load())
                    QThread::msleep(1);
                return 1;
            },
            [&](JobResult<int> &&r) {
                order.push_back(r.value.value());
                QVERIFY(job.hasQueued()); // the waiting request starts after this delivery
            });
        job.startWhenIdle(
            [](const ckpt::Progress &) { return 2; }, [&](JobResult<int> &&r) { order.push_back(r.value.value()); });
        job.startWhenIdle(
            [](const ckpt::Progress &) { return 3; }, [&](JobResult<int> &&r) { order.push_back(r.value.value()); });
        QVERIFY(job.hasQueued());
        QCOMPARE(job.runningCount(), 1);
        release->store(true);
        QTRY_COMPARE_WITH_TIMEOUT(int(order.size()), 2, kWaitMs);
        QTest::qWait(20);
        QCOMPARE(order, (std::vector<int>{1, 3})); // request 2 was replaced by 3 while waiting
        QVERIFY(!job.isRunning());
        QVERIFY(!job.hasQueued());

        // abandon() also drops the waiting request.
        int delivered = 0;
        job.startWhenIdle(untilCancelled, [&](JobResult<int> &&) { ++delivered; });
        job.startWhenIdle([](const ckpt::Progress &) { return 4; }, [&](JobResult<int> &&) { ++delivered; });
        job.abandon();
        QVERIFY(!job.hasQueued());
        QTest::qWait(50);
        QCOMPARE(delivered, 0);
    }

    void streamingDeliversItemsInOrderThenTheOutcome()
    {
        BackgroundJob job;
        std::vector<int> items;
        std::optional<JobResult<bool>> outcome;
        size_t itemsAtOutcome = 0;
        job.startStreaming<int>(
            [](const ckpt::Progress &p, const std::function<void(int)> &yield) {
                for (int i = 0; i < 100; ++i) {
                    yield(i);
                    p.update(uint64_t(i + 1), 100);
                }
            },
            [&](int i) { items.push_back(i); },
            [&](JobResult<bool> &&r) {
                itemsAtOutcome = items.size();
                outcome = std::move(r);
            });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), kWaitMs);
        QVERIFY(outcome->value.value_or(false));
        QCOMPARE(itemsAtOutcome, size_t(100)); // every item arrives before the outcome
        for (int i = 0; i < 100; ++i)
            QCOMPARE(items[size_t(i)], i);

        // An error after some items: the items so far arrive, then the error.
        items.clear();
        outcome.reset();
        job.startStreaming<int>(
            [](const ckpt::Progress &, const std::function<void(int)> &yield) {
                yield(1);
                yield(2);
                ckpt::fail(ckpt::ErrorCategory::Corrupt, "bad leaf", "x.bin", 5);
            },
            [&](int i) { items.push_back(i); }, [&](JobResult<bool> &&r) { outcome = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), kWaitMs);
        QCOMPARE(items, (std::vector<int>{1, 2}));
        QCOMPARE(outcome->error->category, ckpt::ErrorCategory::Corrupt);
        QCOMPARE(outcome->error->byteOffset.value(), uint64_t(5));

        // Cancelled while streaming: the outcome says so.
        outcome.reset();
        job.startStreaming<int>(
            [](const ckpt::Progress &p, const std::function<void(int)> &yield) {
                for (int i = 0;; ++i) {
                    yield(i);
                    p.throwIfCancelled();
                    QThread::msleep(1);
                }
            },
            [](int) {}, [&](JobResult<bool> &&r) { outcome = std::move(r); });
        QTest::qWait(20);
        job.cancel();
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), kWaitMs);
        QVERIFY(outcome->cancelled());
    }

    void destructorCancelsAndWaits()
    {
        auto finished = std::make_shared<std::atomic<bool>>(false);
        bool delivered = false;
        {
            BackgroundJob job;
            job.start(
                [finished](const ckpt::Progress &p) {
                    try {
                        untilCancelled(p);
                    } catch (...) {
                        QThread::msleep(30);
                        finished->store(true);
                        throw;
                    }
                    return 0;
                },
                [&](JobResult<int> &&) { delivered = true; });
            QTest::qWait(10);
        }
        QVERIFY(finished->load());
        QCoreApplication::processEvents();
        QVERIFY(!delivered);
    }

    void progressStripFollowsJob()
    {
        ProgressStrip strip;
        BackgroundJob job;
        strip.follow(&job);
        QVERIFY(!strip.progressBar()->isVisibleTo(&strip));
        QVERIFY(!strip.cancelButton()->isVisibleTo(&strip));
        strip.progressBar()->setValue(500);
        strip.showBusy(QStringLiteral("Working"));
        QCOMPARE(strip.statusLabel()->text(), QStringLiteral("Working"));
        QCOMPARE(strip.progressBar()->value(), 0);
        QCOMPARE(strip.progressBar()->maximum(), 1000);
        QVERIFY(strip.progressBar()->isVisibleTo(&strip));
        QVERIFY(strip.cancelButton()->isVisibleTo(&strip));

        std::optional<JobResult<int>> got;
        job.start(untilCancelled, [&](JobResult<int> &&r) { got = std::move(r); });
        QTRY_VERIFY_WITH_TIMEOUT(strip.progressBar()->value() > 0, kWaitMs);
        strip.cancelButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(got.has_value(), kWaitMs);
        QVERIFY(got->cancelled());
        strip.showDone(QStringLiteral("Stopped"));
        QCOMPARE(strip.statusLabel()->text(), QStringLiteral("Stopped"));
        QVERIFY(!strip.progressBar()->isVisibleTo(&strip));
        QVERIFY(!strip.cancelButton()->isVisibleTo(&strip));
    }
};

QTEST_MAIN(TestBackgroundJob)
#include "tst_background_job.moc"
