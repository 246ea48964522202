#pragma once

#include "layout/steps.h"

#include <QAbstractTableModel>

#include <vector>

/// The steps of a training run (CheckpointManager root or legacy Flax folder), one row each, as
/// listed by ckpt::listSteps. The open step is shown in bold; incomplete saves are greyed with
/// their reason as tooltip. Immutable snapshot per setSteps(); UI-thread only.
class StepListModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { StepColumn, ItemsColumn, SizeColumn, SavedColumn, StatusColumn, ColumnCount };
    enum Role { StepTextRole = Qt::UserRole + 1, CompleteRole };

    explicit StepListModel(QObject *parent = nullptr);

    void setSteps(std::vector<ckpt::StepInfo> steps);
    /// Replaces the list in place with a fresh listing of the same run (ckpt::listSteps order):
    /// rows of steps that vanished are removed, new ones inserted, changed ones updated, so that
    /// selections and persistent indexes on unchanged steps survive. A row is the same step when
    /// its step text and its rank among rows with that text agree, so `4.orbax-checkpoint-tmp-1`
    /// renamed to `4` is one row that turns complete.
    void updateSteps(std::vector<ckpt::StepInfo> steps);
    const std::vector<ckpt::StepInfo> &steps() const { return m_steps; }
    /// Marks the step whose text is `step` as the open one (empty for none).
    void setCurrentStep(const QString &step);
    /// Row of the step with this text, or -1.
    int rowOf(const QString &step) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<ckpt::StepInfo> m_steps;
    QString m_current;
};
