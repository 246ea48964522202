#pragma once

#include "base/error.h"
#include "ops/edit/edit.h"
#include "ops/edit/recipe.h"

#include <QHash>
#include <QObject>
#include <QString>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

class BackgroundJob;
class QUndoStack;
class QWidget;

/// The repair session of the open checkpoint: the original tree, and a QUndoStack whose commands
/// each hold one ckpt::edit::Operation with the trees before and after it (cheap: edits share
/// untouched nodes, so undo and redo only swap roots).
///
/// push() applies an operation: Graft and ApplyTarget open other checkpoints and run on a worker
/// (isBusy() meanwhile); the others are instant and run on the caller's thread. Operations pushed
/// while one runs wait their turn, in order. A failing operation pushes nothing, emits
/// errorOccurred() with the error (category, file, key path) and drops the operations still
/// waiting behind it. UI-thread only.
class EditController : public QObject {
    Q_OBJECT
public:
    /// Asked before unsaved edits are discarded; true discards.
    using DiscardQuestion = std::function<bool(QWidget *parent, const QString &text)>;

    explicit EditController(QObject *parent = nullptr);
    ~EditController() override;

    /// Starts a new session on `original` (null: none): clears the stack, forgets waiting
    /// operations and opened sources, and emits treeChanged(original).
    void reset(const ckpt::NodePtr &original);
    const ckpt::NodePtr &originalTree() const { return m_original; }
    const ckpt::NodePtr &currentTree() const { return m_current; }
    /// The operations that produced currentTree(): those below the stack's index.
    std::vector<ckpt::edit::Operation> operations() const;
    /// True when currentTree() is the result of at least one operation.
    bool isModified() const;
    /// True when the stack differs from what was last saved as a recipe (or the session start).
    bool hasUnsavedEdits() const;
    bool isBusy() const;
    QUndoStack *undoStack() const { return m_stack; }
    /// The node move (from, to) behind the latest tree change: a Rename done or undone; empty
    /// otherwise. Lets views carry expansion and selection along.
    const std::pair<QString, QString> &lastMove() const { return m_lastMove; }
    /// `a/b/c` path -> what the operations did there, for the tree's marks.
    QHash<QString, QString> notes() const;

    /// Applies `op` to the current tree (see the class comment). Ignored when no tree is open.
    void push(const ckpt::edit::Operation &op);
    /// Waits (running the event loop) until !isBusy() or `timeoutMs` passes; returns !isBusy().
    bool waitUntilIdle(int timeoutMs);

    ckpt::Recipe recipe() const { return ckpt::Recipe{operations()}; }
    /// Writes recipe(); marks the stack clean. False (and errorOccurred) on failure.
    bool saveRecipe(const QString &path);
    /// Reads a recipe and replays it on the current tree, one undo command per operation. False
    /// (and errorOccurred) when the file cannot be read or parsed; replay errors come later.
    bool loadRecipe(const QString &path);

    /// True when there are no unsaved edits or the question agrees to discard them.
    bool confirmDiscard(QWidget *parent);
    /// Replaces the question (tests answer without a dialog). The default asks with a message box,
    /// and discards without asking on the offscreen platform, where nobody could answer.
    void setDiscardQuestion(DiscardQuestion question) { m_question = std::move(question); }

    /// Replaces how grafts and targets open other checkpoints (default: ckpt::edit::Context()).
    void setContext(const ckpt::edit::Context &context) { m_context = context; }

    /// "<what>: <category>: <message>" plus file, byte offset and key path lines.
    static QString describeError(const ckpt::edit::Operation &op, const ckpt::Error &error);

signals:
    /// The current tree changed (an operation, undo, redo or reset).
    void treeChanged(const ckpt::NodePtr &root);
    /// A pushed operation succeeded; `focusPath` is where it put something (empty: nowhere useful).
    void applied(const QString &focusPath);
    void errorOccurred(const QString &text);
    void busyChanged(bool busy);

private:
    class Command;
    friend class Command;
    void pump();
    void finish(const ckpt::edit::Operation &op, const ckpt::NodePtr &before, const ckpt::NodePtr &after);
    void fail(const ckpt::edit::Operation &op, const ckpt::Error &error);

    QUndoStack *m_stack;
    ckpt::NodePtr m_original;
    ckpt::NodePtr m_current;
    ckpt::edit::Context m_context;
    std::deque<ckpt::edit::Operation> m_waiting;
    BackgroundJob *m_job;
    DiscardQuestion m_question;
    bool m_resetting = false;
    std::pair<QString, QString> m_lastMove;
};
