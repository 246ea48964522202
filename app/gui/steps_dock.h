#pragma once

#include "layout/steps.h"

#include <QDockWidget>

class StepListModel;
class QTreeView;

/// The "Steps" dock of a training run: a StepListModel in a flat tree view. Activating a row asks
/// for that step; the dock is shown only while the open checkpoint belongs to a run. UI-thread only.
class StepsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit StepsDock(QWidget *parent = nullptr);

    /// Replaces the listed steps (a new run was opened) and marks `current` (step text) as open.
    void showRun(std::vector<ckpt::StepInfo> steps, const QString &current);
    /// Height that shows the header and up to six rows.
    int preferredHeight() const;

    StepListModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }

signals:
    void stepActivated(const QString &step);

private:
    StepListModel *m_model;
    QTreeView *m_view;
};
