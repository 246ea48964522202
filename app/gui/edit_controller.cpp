#include "edit_controller.h"

#include "background_job.h"
#include "document_controller.h"

#include <QDeadlineTimer>
#include <QGuiApplication>
#include <QMessageBox>
#include <QTimer>
#include <QUndoCommand>
#include <QUndoStack>

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

/// Where an operation puts something, and every path it edits (for marks).
std::vector<std::string> touchedPaths(const ckpt::edit::Operation &op)
{
    using namespace ckpt::edit;
    return std::visit(
        [](const auto &o) -> std::vector<std::string> {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, Rename> || std::is_same_v<T, Graft> || std::is_same_v<T, Stack>)
                return {o.to};
            else if constexpr (std::is_same_v<T, Unstack>)
                return o.to;
            else if constexpr (std::is_same_v<T, Delete>) {
                const auto slash = o.path.rfind('/');
                return {slash == std::string::npos ? std::string() : o.path.substr(0, slash)};
            } else if constexpr (std::is_same_v<T, ApplyTarget>)
                return {std::string()};
            else
                return {o.path};
        },
        op);
}

bool isSlow(const ckpt::edit::Operation &op)
{
    return std::holds_alternative<ckpt::edit::Graft>(op) || std::holds_alternative<ckpt::edit::ApplyTarget>(op);
}

} // namespace

/// One applied operation: swaps the controller's tree between `before` and `after`.
class EditController::Command : public QUndoCommand {
public:
    Command(EditController *owner, ckpt::edit::Operation op, ckpt::NodePtr before, ckpt::NodePtr after)
        : QUndoCommand(qs(ckpt::edit::describe(op)))
        , m_owner(owner)
        , m_op(std::move(op))
        , m_before(std::move(before))
        , m_after(std::move(after))
    { }
    // The owner announces the tree on the stack's indexChanged, once operations() includes this.
    void redo() override
    {
        m_owner->m_current = m_after;
        m_owner->m_lastMove = move(false);
    }
    void undo() override
    {
        m_owner->m_current = m_before;
        m_owner->m_lastMove = move(true);
    }
    const ckpt::edit::Operation &operation() const { return m_op; }

private:
    std::pair<QString, QString> move(bool reverse) const
    {
        const auto *r = std::get_if<ckpt::edit::Rename>(&m_op);
        if (!r)
            return {};
        return reverse ? std::pair{qs(r->to), qs(r->from)} : std::pair{qs(r->from), qs(r->to)};
    }

    EditController *m_owner;
    ckpt::edit::Operation m_op;
    ckpt::NodePtr m_before, m_after;
};

EditController::EditController(QObject *parent)
    : QObject(parent)
    , m_stack(new QUndoStack(this))
    , m_job(new BackgroundJob(this))
    , m_question([](QWidget *parent, const QString &text) {
        if (QGuiApplication::platformName() == QLatin1String("offscreen"))
            return true;
        return QMessageBox::question(
                   parent, tr("Discard edits?"), text, QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel)
            == QMessageBox::Discard;
    })
{
    connect(m_stack, &QUndoStack::indexChanged, this, [this] {
        if (!m_resetting)
            emit treeChanged(m_current);
    });
}

EditController::~EditController() = default; // m_job cancels and waits

bool EditController::isBusy() const
{
    return m_job->isRunning();
}

void EditController::reset(const ckpt::NodePtr &original)
{
    m_waiting.clear();
    if (isBusy()) {
        m_job->abandon();
        emit busyChanged(false);
    }
    m_context = ckpt::edit::Context();
    m_original = original;
    m_current = original;
    m_lastMove = {};
    m_resetting = true;
    m_stack->clear();
    m_stack->setClean();
    m_resetting = false;
    emit treeChanged(original);
}

std::vector<ckpt::edit::Operation> EditController::operations() const
{
    std::vector<ckpt::edit::Operation> ops;
    for (int i = 0; i < m_stack->index(); ++i) {
        if (const auto *c = dynamic_cast<const Command *>(m_stack->command(i)))
            ops.push_back(c->operation());
    }
    return ops;
}

bool EditController::isModified() const
{
    return m_stack->index() > 0;
}

bool EditController::hasUnsavedEdits() const
{
    return !m_stack->isClean();
}

QHash<QString, QString> EditController::notes() const
{
    QHash<QString, QString> out;
    for (const auto &op : operations()) {
        const QString text = qs(ckpt::edit::describe(op));
        for (const std::string &p : touchedPaths(op)) {
            QString &note = out[qs(p)];
            note = note.isEmpty() ? text : QString(note + QLatin1Char('\n') + text);
        }
    }
    return out;
}

QString EditController::describeError(const ckpt::edit::Operation &op, const ckpt::Error &error)
{
    return tr("Could not %1").arg(qs(ckpt::edit::describe(op))) + QLatin1Char('\n')
        + DocumentController::describe(error);
}

void EditController::push(const ckpt::edit::Operation &op)
{
    if (!m_current)
        return;
    m_waiting.push_back(op);
    if (!isBusy())
        pump();
}

void EditController::pump()
{
    while (!m_waiting.empty() && !isBusy()) {
        ckpt::edit::Operation op = std::move(m_waiting.front());
        m_waiting.pop_front();
        const ckpt::NodePtr before = m_current;
        if (!isSlow(op)) {
            try {
                ckpt::NodePtr after = ckpt::edit::apply(before, op, m_context);
                finish(op, before, after);
            } catch (const ckpt::Exception &e) {
                fail(op, e.error());
            }
            continue;
        }
        m_job->start([context = m_context, op, before](
                         const ckpt::Progress &) mutable { return ckpt::edit::apply(before, op, context); },
            [this, op, before](JobResult<ckpt::NodePtr> &&r) {
                emit busyChanged(false);
                if (r.error)
                    fail(op, *r.error);
                else if (before != m_current) // the tree moved on (undo) while this ran: refuse
                    fail(op,
                        ckpt::Error{ckpt::ErrorCategory::Cancelled, "the tree changed while the operation ran", {},
                            std::nullopt, {}});
                else
                    finish(op, before, *r.value);
                pump();
            });
        emit busyChanged(true);
    }
}

void EditController::finish(const ckpt::edit::Operation &op, const ckpt::NodePtr &before, const ckpt::NodePtr &after)
{
    m_stack->push(new Command(this, op, before, after));
    const std::vector<std::string> paths = touchedPaths(op);
    emit applied(paths.empty() ? QString() : qs(paths.front()));
}

void EditController::fail(const ckpt::edit::Operation &op, const ckpt::Error &error)
{
    m_waiting.clear();
    emit errorOccurred(describeError(op, error));
}

bool EditController::waitUntilIdle(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QTimer wake; // bounds each wait so that the deadline is checked
    wake.start(20);
    while (isBusy() && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
    QCoreApplication::processEvents();
    return !isBusy();
}

bool EditController::saveRecipe(const QString &path)
{
    try {
        ckpt::saveRecipe(recipe(), path.toStdString());
    } catch (const ckpt::Exception &e) {
        emit errorOccurred(
            tr("Could not save the recipe") + QLatin1Char('\n') + DocumentController::describe(e.error()));
        return false;
    }
    m_stack->setClean();
    return true;
}

bool EditController::loadRecipe(const QString &path)
{
    if (!m_current) {
        emit errorOccurred(tr("Open a checkpoint first, then load a recipe onto it."));
        return false;
    }
    ckpt::Recipe recipe;
    try {
        recipe = ckpt::loadRecipe(path.toStdString());
    } catch (const ckpt::Exception &e) {
        emit errorOccurred(
            tr("Could not load the recipe") + QLatin1Char('\n') + DocumentController::describe(e.error()));
        return false;
    }
    for (const auto &op : recipe.operations)
        m_waiting.push_back(op);
    if (!isBusy())
        pump();
    return true;
}

bool EditController::confirmDiscard(QWidget *parent)
{
    if (!hasUnsavedEdits() || !isModified())
        return true;
    return m_question(parent,
        tr("The open checkpoint has %1 edit(s) that are not saved as a recipe. Discard them?").arg(m_stack->index()));
}
