#pragma once

#include "ops/stats.h"
#include "tree/node.h"

#include <QObject>

class BackgroundJob;

/// Computes the statistics of every array below a root on one worker thread (a streaming
/// BackgroundJob), one array after the other, delivering each result as it is ready. Damaged arrays are skipped
/// (selecting one shows its error). Deletes nothing by itself; the destructor cancels and waits. UI-thread only.
class AllStatsJob : public QObject {
    Q_OBJECT
public:
    AllStatsJob(const ckpt::NodePtr &root, QObject *parent = nullptr);
    ~AllStatsJob() override;

    const ckpt::NodePtr &root() const { return m_root; }
    void cancel();

signals:
    /// `node` is a leaf below root(); the pointer stays valid while root() is held.
    void statsReady(const ckpt::Node *node, const ckpt::ArrayStats &stats);
    void progress(int permille);
    /// The job ended; `computed` arrays were delivered.
    void finished(bool cancelled, int computed);

private:
    using Item = std::pair<const ckpt::Node *, ckpt::ArrayStats>;
    ckpt::NodePtr m_root;
    BackgroundJob *m_job; ///< one streaming run, started by the constructor
    int m_computed = 0;
};
