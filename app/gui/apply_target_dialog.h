#pragma once

#include "ops/edit.h"
#include "tree/node.h"

#include <QDialog>

/// Edit > Apply target structure…: reshapes the open checkpoint like a target tree
/// (ops/restore.h) with rename rules in both directions. UI-thread only.
class ApplyTargetDialog : public QDialog {
    Q_OBJECT
public:
    explicit ApplyTargetDialog(ckpt::NodePtr checkpoint, QWidget *parent = nullptr);

    /// Loads the target on a worker; the report refreshes when it is loaded.
    void setTarget(const ckpt::edit::SourceRef &target);

    /// The operation the dialog describes; valid after accept(): an edit::ApplyTarget.
    ckpt::edit::Operation operation() const;

private:
    ckpt::NodePtr m_checkpoint;
    ckpt::edit::ApplyTarget m_op;
};
