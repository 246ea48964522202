#pragma once

#include "layout/steps.h"

#include <QFileSystemWatcher>
#include <QObject>
#include <QTimer>

#include <memory>

class BackgroundJob;

/// Watches the root folder of a training run (and the folders of its incomplete steps) and
/// re-lists the steps with ckpt::listSteps on a worker thread when something changes there, so
/// that a run still being written shows new and newly committed steps. Changes are debounced;
/// at most one listing runs at a time, and a change during a listing lists again afterwards.
/// Listing errors (the folder vanished) keep the last list. Runs behind a storage URL (gs://,
/// s3://, https://) have no file system to watch: they are re-listed every pollInterval() ms
/// (setting `remote/pollSeconds`, 30 s by default). UI-thread only.
class RunWatcher : public QObject {
    Q_OBJECT
public:
    /// Milliseconds between the last change and the re-listing.
    static constexpr int kDebounceMs = 250;

    explicit RunWatcher(QObject *parent = nullptr);
    ~RunWatcher() override;

    /// Watches `root`, whose current listing is `steps` (its incomplete step folders are watched
    /// too); an empty root stops watching. Results of listings started for an older root are dropped.
    void watch(const QString &root, const std::vector<ckpt::StepInfo> &steps);
    const QString &root() const { return m_root; }
    /// Paths currently under the file system watcher.
    QStringList watchedPaths() const;
    /// Whether root() is re-listed by the poll timer (a remote run) rather than watched.
    bool isPolling() const { return m_poll.isActive(); }
    int pollInterval() const { return m_poll.interval(); }
    void setPollInterval(int ms) { m_poll.setInterval(ms); }

signals:
    /// A fresh listing of root(), in ckpt::listSteps order.
    void stepsListed(const QString &root, const std::vector<ckpt::StepInfo> &steps);

private:
    void scheduleListing();
    void startListing();
    void watchIncomplete(const std::vector<ckpt::StepInfo> &steps);

    QFileSystemWatcher m_fs;
    QTimer m_debounce;
    QTimer m_poll;
    QString m_root;
    BackgroundJob *m_listing; ///< one listing at a time; a change meanwhile lists again afterwards
};
