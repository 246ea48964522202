#pragma once

#include "ops/diff/diff.h"

#include <QAbstractItemModel>

#include <memory>
#include <vector>

/// Tree model over a finished diff (`ckpt::DiffResult`): the aligned leaf paths merged into one tree.
///
/// Leaves carry their pair's status and numbers; a container's status summarises its leaves
/// (added or removed when all of them are, changed when any differs, else same). The model owns a
/// copy of the result and never changes after setResult() (model reset). UI-thread only.
class DiffModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column {
        NameColumn,
        StatusColumn,
        DTypeAColumn,
        DTypeBColumn,
        ShapeAColumn,
        ShapeBColumn,
        MaxAbsColumn,
        MaxRelColumn,
        DifferingColumn,
        ColumnCount
    };
    /// Display groups of the engine's statuses; the filter proxy toggles them.
    enum Category { Same, Added, Removed, Changed };
    enum Role {
        CategoryRole = Qt::UserRole + 1, ///< int Category of the row
        EntryRole, ///< index into result().entries of a leaf (int), -1 for containers
        PathRole, ///< aligned `a/b/c` path (QString)
        SortRole, ///< numbers as double for the numeric columns, text otherwise
    };

    explicit DiffModel(QObject *parent = nullptr);
    ~DiffModel() override;

    void setResult(ckpt::DiffResult result);
    const ckpt::DiffResult &result() const { return m_result; }
    /// The entry shown at `index` (any column), or null for a container / invalid index.
    const ckpt::DiffEntry *entryAt(const QModelIndex &index) const;
    /// Index of the row with aligned path `path` (column 0), invalid when absent.
    QModelIndex indexForPath(const QString &path) const;

    static Category categoryOf(ckpt::DiffStatus status);
    static QString categoryName(Category c);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Item {
        QString name;
        QString path;
        int parent = -1; ///< item index, -1 for top-level rows
        int row = 0;
        int entry = -1;
        Category category = Same;
        std::vector<int> children;
    };
    int itemOf(const QModelIndex &index) const { return index.isValid() ? int(index.internalId()) : -1; }
    const std::vector<int> &childrenOf(int item) const { return item < 0 ? m_top : m_items[size_t(item)].children; }
    Category summarise(int item);

    ckpt::DiffResult m_result;
    std::vector<Item> m_items;
    std::vector<int> m_top;
};
