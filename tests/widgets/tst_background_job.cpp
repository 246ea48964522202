// BackgroundJob: values, errors, progress, cancel, abandoning a running job, waiting on destruction;
// ProgressStrip following a job.
#include "background_job.h"
#include "progress_strip.h"

#include <QLabel>
#include <QProgressBar>
#include <QSignalSpy>
#include <QThread>
#include <QToolButton>
#include <QtTest>

#include <atomic>
#include <stdexcept>

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
