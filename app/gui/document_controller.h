#pragma once

#include "base/error.h"
#include "layout/checkpoint.h"
#include "layout/steps.h"

#include <QObject>
#include <QString>

#include <functional>
#include <memory>

using CheckpointPtr = std::shared_ptr<const ckpt::Checkpoint>;

class BackgroundJob;
template <typename T> struct JobResult;

/// Opens checkpoints on a worker thread and owns the one that is shown.
///
/// open() runs the opener on a BackgroundJob; progress arrives as permille, cancel()
/// stops it through the core's cancel predicate. A cancelled or failed open leaves current() as it
/// was. Starting an open while another runs cancels the older one. UI-thread only.
class DocumentController : public QObject {
    Q_OBJECT
public:
    /// Opens `path` (called on a worker thread; must be thread-safe). Throws ckpt::Exception.
    using Opener = std::function<ckpt::Checkpoint(
        const std::string &path, const ckpt::OpenOptions &options, const ckpt::Progress &progress)>;

    explicit DocumentController(QObject *parent = nullptr);
    ~DocumentController() override;

    /// Replaces how files are opened (tests inject slow or failing openers). Default: ckpt::openCheckpoint.
    void setOpener(Opener opener) { m_opener = std::move(opener); }

    /// Opens `path`; `options.step` picks a step of a run (empty: the latest complete one).
    void open(const QString &path, const ckpt::OpenOptions &options = {});
    void cancel();
    bool isBusy() const;
    /// The checkpoint as shown: the opened one, or a copy of it whose root is the edited tree
    /// (setEditedRoot). Export, details and statistics follow it.
    const CheckpointPtr &current() const { return m_current; }
    /// The checkpoint as opened, before any edit; null before the first successful open.
    const CheckpointPtr &original() const { return m_original; }
    /// Makes current() a copy of original() with `root` (original() itself when `root` is its
    /// root or null). The opened checkpoint is never modified. No-op when nothing is open.
    void setEditedRoot(const ckpt::NodePtr &root);
    bool isEdited() const { return m_current != m_original; }
    QString pendingPath() const { return m_pendingPath; }
    /// Steps of the run the current checkpoint belongs to (empty for a lone checkpoint), and the
    /// run's root folder, to reopen another step with open(runRoot(), {step}).
    const std::vector<ckpt::StepInfo> &steps() const { return m_steps; }
    const QString &runRoot() const { return m_runRoot; }

    /// "<category>: <message>" plus the file, byte offset and key path on their own lines.
    static QString describe(const ckpt::Error &error);

signals:
    void started(const QString &path);
    void progress(int permille);
    void opened(const CheckpointPtr &checkpoint);
    void failed(const QString &path, const ckpt::Error &error);
    void cancelled(const QString &path);
    void busyChanged(bool busy);

private:
    struct Result {
        CheckpointPtr checkpoint;
        std::vector<ckpt::StepInfo> steps;
        QString runRoot;
    };
    void finish(JobResult<Result> &&result, const QString &path);

    Opener m_opener;
    CheckpointPtr m_current;
    CheckpointPtr m_original;
    std::vector<ckpt::StepInfo> m_steps;
    QString m_runRoot;
    BackgroundJob *m_job;
    QString m_pendingPath;
};

Q_DECLARE_METATYPE(CheckpointPtr)
Q_DECLARE_METATYPE(ckpt::Error)
