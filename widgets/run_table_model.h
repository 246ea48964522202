#pragma once

#include "ops/diff/diff_run.h"

#include <QAbstractTableModel>
#include <QColor>
#include <QPointF>

#include <vector>

/// Table over a finished run view (`ckpt::RunDiff`): one row per leaf, column 0 the leaf path and
/// one column per pair of consecutive steps. A cell shows what `ckpt diff ROOT --steps` prints for
/// it ("=" unchanged, ||B-A||/||A|| as %.3e when changed, "-" absent, "x" shape or kind changed),
/// is coloured by its state and has the numbers as tooltip. The model owns a copy of the run and
/// changes only by setRun() (model reset). UI-thread only.
class RunTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { LeafColumn, FirstPairColumn };
    enum Role {
        StateRole = Qt::UserRole + 1, ///< int ckpt::RunCell::State of a pair cell
        RelUpdateRole, ///< double ||B-A||/||A|| of a pair cell (NaN when not numeric)
        LeafRole, ///< QString leaf path (any column)
        StepARole, ///< QString text of the earlier step of a pair column
        StepBRole, ///< QString text of the later step of a pair column
    };

    explicit RunTableModel(QObject *parent = nullptr);

    void setRun(ckpt::RunDiff run);
    const ckpt::RunDiff &run() const { return m_run; }
    /// Number of consecutive step pairs (columns after the leaf column).
    int pairCount() const { return m_run.steps.size() < 2 ? 0 : int(m_run.steps.size() - 1); }
    /// The cell of `index`, or null for the leaf column / an invalid index.
    const ckpt::RunCell *cellAt(const QModelIndex &index) const;
    /// Row of the leaf `path`, or -1.
    int rowOf(const QString &path) const;

    /// Update norms of leaf `row` over the run for a plot: x is the later step's value of each
    /// pair, y its ||B-A||/||A||. Pairs where the leaf is absent, incompatible or not numeric, and
    /// infinite norms, are left out.
    std::vector<QPointF> updateSeries(int row) const;

    /// The cell text `ckpt diff --steps` prints.
    static QString cellText(const ckpt::RunCell &cell);
    /// Background colour of a cell state.
    static QColor stateColour(ckpt::RunCell::State state);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QString tooltip(int row, int pair) const;

    ckpt::RunDiff m_run;
    QStringList m_leaves;
};
