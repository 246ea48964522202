#include "apply_target_dialog.h"

#include <utility>

ApplyTargetDialog::ApplyTargetDialog(ckpt::NodePtr checkpoint, QWidget *parent)
    : QDialog(parent)
    , m_checkpoint(std::move(checkpoint))
{
    setWindowTitle(tr("Apply Target Structure"));
}

void ApplyTargetDialog::setTarget(const ckpt::edit::SourceRef &target)
{
    m_op.target = target;
}

ckpt::edit::Operation ApplyTargetDialog::operation() const
{
    return m_op;
}
