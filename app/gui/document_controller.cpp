#include "document_controller.h"

#include "background_job.h"

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
    , m_job(new BackgroundJob(this))
{
    qRegisterMetaType<CheckpointPtr>();
    qRegisterMetaType<ckpt::Error>();
    connect(m_job, &BackgroundJob::progress, this, &DocumentController::progress);
}

DocumentController::~DocumentController() = default; // m_job cancels and waits

bool DocumentController::isBusy() const
{
    return m_job->isRunning();
}

void DocumentController::open(const QString &path, const ckpt::OpenOptions &options)
{
    m_pendingPath = path;
    m_job->start(
        [opener = m_opener, file = path.toStdString(), options](const ckpt::Progress &progress) {
            Result r;
            auto c = std::make_shared<ckpt::Checkpoint>(opener(file, options, progress));
            if (c->step)
                findRun(*c, r.steps, r.runRoot);
            r.checkpoint = std::move(c);
            return r;
        },
        [this, path](JobResult<Result> &&r) { finish(std::move(r), path); }, path.toStdString());
    emit started(path);
    emit busyChanged(true);
}

void DocumentController::cancel()
{
    m_job->cancel();
}

void DocumentController::finish(JobResult<Result> &&result, const QString &path)
{
    m_pendingPath.clear();
    emit busyChanged(false);
    if (result.cancelled()) {
        emit cancelled(path);
    } else if (result.error) {
        emit failed(path, *result.error);
    } else {
        m_current = result.value->checkpoint;
        m_original = m_current;
        m_steps = std::move(result.value->steps);
        m_runRoot = result.value->runRoot;
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
