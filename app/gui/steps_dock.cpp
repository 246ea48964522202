#include "steps_dock.h"

#include "run_watcher.h"
#include "step_list_model.h"

#include <QHeaderView>
#include <QMenu>
#include <QTreeView>

#include <algorithm>

StepsDock::StepsDock(QWidget *parent)
    : QDockWidget(tr("Steps"), parent)
    , m_model(new StepListModel(this))
    , m_watcher(new RunWatcher(this))
{
    setObjectName(QStringLiteral("stepsDock"));
    setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetClosable);
    m_view = new QTreeView(this);
    m_view->setModel(m_model);
    m_view->setRootIsDecorated(false);
    m_view->setUniformRowHeights(true);
    m_view->setAlternatingRowColors(true);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->header()->setStretchLastSection(true);
    m_view->setColumnWidth(StepListModel::StepColumn, 70);
    m_view->setColumnWidth(StepListModel::ItemsColumn, 150);
    m_view->setColumnWidth(StepListModel::SizeColumn, 80);
    m_view->setColumnWidth(StepListModel::SavedColumn, 200);
    setWidget(m_view);
    connect(m_view, &QTreeView::activated, this,
        [this](const QModelIndex &ix) { emit stepActivated(ix.data(StepListModel::StepTextRole).toString()); });
    connect(m_watcher, &RunWatcher::stepsListed, this,
        [this](const QString &root, const std::vector<ckpt::StepInfo> &steps) {
            if (root == m_watcher->root())
                m_model->updateSteps(steps);
        });
}

void StepsDock::showRun(const QString &root, std::vector<ckpt::StepInfo> steps, const QString &current)
{
    m_watcher->watch(root, steps);
    m_model->setSteps(std::move(steps));
    m_model->setCurrentStep(current);
}

int StepsDock::preferredHeight() const
{
    const int rows = std::min(6, m_model->rowCount());
    return m_view->header()->height() + (rows + 1) * (fontMetrics().height() + 4) + 24;
}

double StepsDock::valueOf(const QString &step) const
{
    const int row = m_model->rowOf(step);
    return row < 0 ? 0 : m_model->steps()[size_t(row)].step.value;
}

QStringList StepsDock::selectedSteps() const
{
    QStringList steps;
    for (const QModelIndex &ix : m_view->selectionModel()->selectedRows(StepListModel::StepColumn))
        steps << ix.data(StepListModel::StepTextRole).toString();
    std::stable_sort(
        steps.begin(), steps.end(), [this](const QString &a, const QString &b) { return valueOf(a) < valueOf(b); });
    return steps;
}

void StepsDock::requestDiff(const QString &step1, const QString &step2)
{
    if (valueOf(step2) < valueOf(step1))
        emit diffStepsRequested(step2, step1);
    else
        emit diffStepsRequested(step1, step2);
}

void StepsDock::fillContextMenu(QMenu *menu, const QModelIndex &at, bool hasOpen)
{
    if (at.isValid() && hasOpen) {
        const QString step = at.data(StepListModel::StepTextRole).toString();
        menu->addAction(tr("Diff with the open step"), this, [this, step] { emit diffWithOpenRequested(step); });
    }
    const QStringList two = selectedSteps();
    if (two.size() == 2)
        menu->addAction(tr("Diff these two steps (%1 → %2)").arg(two[0], two[1]), this,
            [this, two] { emit diffStepsRequested(two[0], two[1]); });
    if (m_model->rowCount() >= 2) {
        if (!menu->isEmpty())
            menu->addSeparator();
        menu->addAction(tr("Run view"), this, [this] { emit runViewRequested(); });
    }
}
