#include "all_stats_job.h"

#include "base/error.h"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

AllStatsJob::AllStatsJob(const ckpt::NodePtr &root, QObject *parent)
    : QObject(parent)
    , m_root(root)
{
    connect(&m_watcher, &QFutureWatcherBase::resultReadyAt, this, [this](int i) {
        const Item item = m_watcher.resultAt(i);
        emit statsReady(item.first, item.second);
    });
    connect(&m_watcher, &QFutureWatcherBase::progressValueChanged, this, &AllStatsJob::progress);
    connect(&m_watcher, &QFutureWatcherBase::finished, this,
        [this] { emit finished(m_watcher.isCanceled(), m_watcher.future().resultCount()); });
    m_watcher.setFuture(QtConcurrent::run([root](QPromise<Item> &promise) {
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
}

AllStatsJob::~AllStatsJob()
{
    m_watcher.disconnect(this);
    m_watcher.cancel();
    m_watcher.waitForFinished();
}

void AllStatsJob::cancel()
{
    m_watcher.cancel();
}
