#include "steps_dock.h"

#include "step_list_model.h"

#include <QHeaderView>
#include <QTreeView>

StepsDock::StepsDock(QWidget *parent)
    : QDockWidget(tr("Steps"), parent)
    , m_model(new StepListModel(this))
{
    setObjectName(QStringLiteral("stepsDock"));
    setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    m_view = new QTreeView(this);
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(StepListModel::StepColumn, 70);
    m_view->setColumnWidth(StepListModel::ItemsColumn, 150);
    m_view->setColumnWidth(StepListModel::SizeColumn, 80);
    m_view->setColumnWidth(StepListModel::SavedColumn, 200);
    setWidget(m_view);
    connect(m_view, &QTreeView::activated, this,
        [this](const QModelIndex &ix) { emit stepActivated(ix.data(StepListModel::StepTextRole).toString()); });
}

void StepsDock::showRun(std::vector<ckpt::StepInfo> steps, const QString &current)
{
    m_model->setSteps(std::move(steps));
    m_model->setCurrentStep(current);
}

int StepsDock::preferredHeight() const
{
    const int rows = std::min(6, m_model->rowCount());
    return m_view->header()->height() + (rows + 1) * (fontMetrics().height() + 4) + 24;
}
