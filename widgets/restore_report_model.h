#pragma once

#include "ops/edit/restore.h"

#include <QAbstractTableModel>

#include <vector>

/// Table model over a restore report (ckpt::RestoreReport, ops/edit/restore.h): one row per target
/// leaf in target order, then one row per dropped checkpoint leaf ("extra"). Rows are coloured by
/// fate (problems override). With problemsOnly() the table shows only rows needing attention:
/// filled leaves, leaves with any problem, and extras. The model owns a copy of the report and
/// changes only by setReport()/setProblemsOnly() (model reset). UI-thread only.
class RestoreReportModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        TargetColumn,
        FateColumn,
        SourceColumn,
        RuleColumn,
        TargetTypeColumn,
        SourceTypeColumn,
        ProblemsColumn, ///< last: the widest, it stretches
        ColumnCount
    };
    /// What a row shows: a target leaf's fate or a dropped checkpoint leaf.
    enum RowKind { Taken, Renamed, Filled, Extra };
    enum Role {
        RowKindRole = Qt::UserRole + 1, ///< int RowKind
        LeafRole, ///< index into report().leaves (int), -1 for extras
        PathRole, ///< target path, or the checkpoint path of an extra (QString)
        FatalRole, ///< bool: a fatal problem, a filled leaf (a real restore fails)
    };

    explicit RestoreReportModel(QObject *parent = nullptr);

    void setReport(ckpt::RestoreReport report);
    const ckpt::RestoreReport &report() const { return m_report; }

    void setProblemsOnly(bool on);
    bool problemsOnly() const { return m_problemsOnly; }

    /// Row showing the target leaf `path` (or extra `path`), -1 when hidden or absent.
    int rowOf(const QString &path) const;
    /// The report leaf of `row`, or null for an extra / out of range.
    const ckpt::RestoreLeaf *leafAt(int row) const;

    /// "N taken, M renamed, K filled, P problems — would restore: yes/no".
    QString summary() const;

    static QString rowKindName(RowKind k);

    /// Drag and drop for manual alignment: a dropped checkpoint leaf (extra row) drags its path
    /// (kMimeType, UTF-8); dropping it on a target leaf that is not taken emits alignRequested().
    /// The model itself never changes by a drop.
    static constexpr const char *kMimeType = "application/x-ckpt-checkpoint-leaf";
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDropActions() const override;
    bool canDropMimeData(
        const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent) const override;
    bool dropMimeData(
        const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent) override;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

signals:
    /// The user dropped checkpoint leaf `checkpointPath` on target leaf `targetPath`.
    void alignRequested(const QString &targetPath, const QString &checkpointPath);

private:
    void rebuildRows();
    /// The target leaf a drop at (row, parent) lands on, or null.
    const ckpt::RestoreLeaf *dropTarget(int row, const QModelIndex &parent) const;
    bool needsAttention(int entry) const;

    ckpt::RestoreReport m_report;
    bool m_problemsOnly = false;
    std::vector<int> m_rows; ///< visible rows: a leaf index, or -(extra index + 1)
};
