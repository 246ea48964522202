// MainWindow's run view: the change of every leaf across the steps of the open run.
#include "main_window.h"

#include "status_area.h"

#include "diff_view.h"
#include "run_view.h"
#include "steps_dock.h"

#include <QLabel>

RunView *MainWindow::showRunView()
{
    const QString root = m_document->runRoot();
    if (root.isEmpty())
        return nullptr;
    if (!m_runView) {
        m_runView = new RunView(this);
        connect(
            m_runView, &RunView::finished, this, [this](bool) { m_status->setText(m_runView->statusLabel()->text()); });
        connect(m_runView, &RunView::diffRequested, this,
            [this](const QString &stepA, const QString &stepB, const QString &leaf) {
                if (m_runView->root() != m_document->runRoot())
                    return showError(
                        tr("The run view shows another run than the one open; open it to diff its steps."));
                m_stepsDock->requestDiff(stepA, stepB);
                if (m_diffView)
                    m_diffView->selectWhenFinished(leaf);
            });
    }
    const CheckpointPtr open = m_document->current();
    const std::optional<QString> item
        = open && !open->item.empty() ? std::optional<QString>(QString::fromStdString(open->item)) : std::nullopt;
    if (m_runView->root() != root || (!m_runView->hasResult() && !m_runView->isRunning()))
        m_runView->start(root, item);
    m_runView->show();
    m_runView->raise();
    return m_runView;
}
