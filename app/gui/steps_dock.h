#pragma once

#include "layout/steps.h"

#include <QDockWidget>

class RunWatcher;
class StepListModel;
class QMenu;
class QTreeView;

/// The "Steps" dock of a training run: a StepListModel in a flat tree view with extended
/// selection, kept in step with a run that is still being written (RunWatcher). Activating a row
/// asks for that step; its context menu offers diffs (with the open
/// step, or of exactly two selected steps) and the run view, as signals. The dock is shown only
/// while the open checkpoint belongs to a run. UI-thread only.
class StepsDock : public QDockWidget {
    Q_OBJECT
public:
    explicit StepsDock(QWidget *parent = nullptr);

    /// Replaces the listed steps (a new run was opened at `root`; empty: no run) and marks `current`
    /// (step text) as open; from now on changes under `root` re-list its steps.
    void showRun(const QString &root, std::vector<ckpt::StepInfo> steps, const QString &current);
    /// Height that shows the header and up to six rows.
    int preferredHeight() const;

    /// Texts of the selected steps, the older (smaller step value) first.
    QStringList selectedSteps() const;
    /// Adds the context menu's actions for a click on `at` (a row of the view or invalid):
    /// "Diff with the open step" (a row, `hasOpen`), "Diff these two steps" (exactly two selected)
    /// and "Run view" (two or more steps listed). Triggering one emits the matching signal.
    void fillContextMenu(QMenu *menu, const QModelIndex &at, bool hasOpen);
    /// Emits diffStepsRequested with the two steps ordered older first.
    void requestDiff(const QString &step1, const QString &step2);

    StepListModel *model() const { return m_model; }
    QTreeView *view() const { return m_view; }
    RunWatcher *runWatcher() const { return m_watcher; }

signals:
    void stepActivated(const QString &step);
    void diffWithOpenRequested(const QString &step);
    /// Diff step `older` (A) with step `newer` (B) of the listed run.
    void diffStepsRequested(const QString &older, const QString &newer);
    void runViewRequested();

private:
    double valueOf(const QString &step) const;

    StepListModel *m_model;
    QTreeView *m_view;
    RunWatcher *m_watcher;
};
