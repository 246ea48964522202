#include "document_controller.h"

#include <QPromise>

#include <QtConcurrent/QtConcurrentRun>
#include <filesystem>

namespace {

/// The run a checkpoint with a step belongs to: the opened folder itself (a run root) or its
/// parent (a step folder or legacy checkpoint_<n> file). Leaves `steps` empty when neither lists it.
void findRun(const ckpt::Checkpoint &c, std::vector<ckpt::StepInfo> &steps, QString &runRoot)
{
    const std::filesystem::path opened(c.path);
    for (const std::filesystem::path &candidate : {opened, opened.parent_path()}) {
        try {
            auto listed = ckpt::listSteps(candidate.string());
            for (const auto &s : listed) {
                if (s.step == *c.step) {
                    steps = std::move(listed);
                    runRoot = QString::fromStdString(candidate.string());
                    return;
                }
            }
        } catch (const ckpt::Exception &) {
            // Not a run folder; try the next candidate.
        }
    }
}

} // namespace

DocumentController::DocumentController(QObject *parent)
    : QObject(parent)
    , m_opener([](const std::string &path, const ckpt::OpenOptions &options, const ckpt::Progress &progress) {
        return ckpt::openCheckpoint(path, options, progress);
    })
{
    qRegisterMetaType<CheckpointPtr>();
    qRegisterMetaType<ckpt::Error>();
}

DocumentController::~DocumentController()
{
    if (m_watcher) {
        m_watcher->cancel();
        m_watcher->waitForFinished();
    }
}

void DocumentController::open(const QString &path, const ckpt::OpenOptions &options)
{
    if (m_watcher) {
        auto *old = m_watcher;
        m_watcher = nullptr;
        old->disconnect(this);
        old->cancel();
        connect(old, &QFutureWatcherBase::finished, old, &QObject::deleteLater);
    }
    m_pendingPath = path;
    auto *watcher = new QFutureWatcher<Result>(this);
    m_watcher = watcher;
    connect(watcher, &QFutureWatcherBase::progressValueChanged, this, &DocumentController::progress);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] { finish(watcher, path); });
    watcher->setFuture(
        QtConcurrent::run([opener = m_opener, file = path.toStdString(), options](QPromise<Result> &promise) {
            promise.setProgressRange(0, 1000);
            ckpt::Progress progress;
            progress.isCancelled = [&promise] { return promise.isCanceled(); };
            progress.report = [&promise](uint64_t done, uint64_t total) {
                if (total > 0)
                    promise.setProgressValue(int(std::min<uint64_t>(1000, done * 1000 / total)));
            };
            Result r;
            try {
                auto c = std::make_shared<ckpt::Checkpoint>(opener(file, options, progress));
                if (c->step)
                    findRun(*c, r.steps, r.runRoot);
                r.checkpoint = std::move(c);
            } catch (const ckpt::Exception &e) {
                r.error = e.error();
            } catch (const std::exception &e) {
                r.error = ckpt::Error{ckpt::ErrorCategory::Io, e.what(), file, std::nullopt, {}};
            }
            promise.addResult(std::move(r));
        }));
    emit started(path);
    emit busyChanged(true);
}

void DocumentController::cancel()
{
    if (m_watcher)
        m_watcher->cancel();
}

void DocumentController::finish(QFutureWatcher<Result> *watcher, const QString &path)
{
    if (watcher != m_watcher)
        return;
    m_watcher = nullptr;
    m_pendingPath.clear();
    watcher->deleteLater();
    const bool wasCancelled = watcher->isCanceled();
    std::optional<Result> result;
    if (watcher->future().resultCount() > 0)
        result = watcher->result();
    emit busyChanged(false);
    if (wasCancelled || !result || (result->error && result->error->category == ckpt::ErrorCategory::Cancelled)) {
        emit cancelled(path);
    } else if (result->error) {
        emit failed(path, *result->error);
    } else {
        m_current = result->checkpoint;
        m_original = m_current;
        m_steps = std::move(result->steps);
        m_runRoot = result->runRoot;
        emit opened(m_current);
    }
}

void DocumentController::setEditedRoot(const ckpt::NodePtr &root)
{
    if (!m_original)
        return;
    if (!root || root == m_original->root) {
        m_current = m_original;
        return;
    }
    auto edited = std::make_shared<ckpt::Checkpoint>(*m_original);
    edited->root = root;
    m_current = std::move(edited);
}

QString DocumentController::describe(const ckpt::Error &e)
{
    QString text
        = QString::fromUtf8(ckpt::categoryName(e.category)) + QStringLiteral(": ") + QString::fromStdString(e.message);
    if (!e.file.empty())
        text += QLatin1Char('\n') + tr("File: %1").arg(QString::fromStdString(e.file));
    if (e.byteOffset)
        text += QLatin1Char('\n') + tr("Byte offset: %1").arg(*e.byteOffset);
    if (!e.keyPath.empty())
        text += QLatin1Char('\n') + tr("Key path: %1").arg(QString::fromStdString(e.keyPath));
    return text;
}
