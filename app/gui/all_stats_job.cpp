#include "all_stats_job.h"

#include "background_job.h"

#include "base/error.h"

AllStatsJob::AllStatsJob(const ckpt::NodePtr &root, QObject *parent)
    : QObject(parent)
    , m_root(root)
    , m_job(new BackgroundJob(this))
{
    connect(m_job, &BackgroundJob::progress, this, &AllStatsJob::progress);
    m_job->startStreaming<Item>(
        [root](const ckpt::Progress &p, const std::function<void(Item)> &yield) {
            std::vector<ckpt::NodePtr> arrays;
            ckpt::forEachLeaf(root, [&](const ckpt::Path &, const ckpt::NodePtr &n) {
                if (n->kind() == ckpt::NodeKind::Array)
                    arrays.push_back(n);
            });
            // The per-array statistics report nothing; progress counts finished arrays.
            ckpt::Progress quiet;
            quiet.isCancelled = p.isCancelled;
            for (size_t i = 0; i < arrays.size() && !p.cancelled(); ++i) {
                try {
                    yield(Item{arrays[i].get(), ckpt::computeStats(*arrays[i]->array(), quiet)});
                } catch (const ckpt::Exception &e) {
                    if (e.error().category == ckpt::ErrorCategory::Cancelled)
                        throw;
                    // Damaged arrays keep an empty summary; selecting one shows its error.
                }
                p.update(i + 1, arrays.size());
            }
            p.throwIfCancelled();
        },
        [this](Item item) {
            ++m_computed;
            emit statsReady(item.first, item.second);
        },
        [this](JobResult<bool> &&r) { emit finished(r.cancelled(), m_computed); });
}

AllStatsJob::~AllStatsJob()
{
    m_job->cancel();
    m_job->waitForFinished();
}

void AllStatsJob::cancel()
{
    m_job->cancel();
}
