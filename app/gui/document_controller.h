#pragma once

#include "layout/checkpoint.h"
#include "tree/error.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

using CheckpointPtr = std::shared_ptr<const ckpt::Checkpoint>;

/// Opens checkpoints on a worker thread and owns the one that is shown.
///
/// open() runs the opener with QtConcurrent::run + QPromise; progress arrives as permille, cancel()
/// stops it through the core's cancel predicate. A cancelled or failed open leaves current() as it
/// was. Starting an open while another runs cancels the older one. UI-thread only.
class DocumentController : public QObject {
    Q_OBJECT
public:
    /// Opens `path` (called on a worker thread; must be thread-safe). Throws ckpt::Exception.
    using Opener = std::function<ckpt::Checkpoint(const std::string &path, const ckpt::Progress &progress)>;

    explicit DocumentController(QObject *parent = nullptr);
    ~DocumentController() override;

    /// Replaces how files are opened (tests inject slow or failing openers). Default: ckpt::openCheckpoint.
    void setOpener(Opener opener) { m_opener = std::move(opener); }

    void open(const QString &path);
    void cancel();
    bool isBusy() const { return m_watcher != nullptr; }
    const CheckpointPtr &current() const { return m_current; }
    QString pendingPath() const { return m_pendingPath; }

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
        std::optional<ckpt::Error> error;
    };
    void finish(QFutureWatcher<Result> *watcher, const QString &path);

    Opener m_opener;
    CheckpointPtr m_current;
    QFutureWatcher<Result> *m_watcher = nullptr;
    QString m_pendingPath;
};

Q_DECLARE_METATYPE(CheckpointPtr)
Q_DECLARE_METATYPE(ckpt::Error)
