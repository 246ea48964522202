#pragma once

#include "ops/stats.h"
#include "tree/key.h"
#include "tree/node.h"

#include <QAbstractItemModel>
#include <QHash>

#include <memory>
#include <vector>

/// Tree model over an immutable pytree snapshot (`ckpt::NodePtr`).
///
/// Children are materialised lazily in batches of `batchSize()` through canFetchMore/fetchMore, so
/// a tree with millions of leaves costs only what has been expanded. Each materialised row gets a
/// stable `internalId` (an index into an append-only item table) that stays valid until the next
/// setRoot(). data() formats only cached facts; statistics come from setStats(), never computed here.
/// UI-thread only.
class PytreeModel : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { NameColumn, KindColumn, DTypeColumn, ShapeColumn, SizeColumn, SummaryColumn, ColumnCount };
    enum Role {
        NodeRole = Qt::UserRole + 1, ///< QVariant holding a ckpt::NodePtr
        PathRole, ///< `a/b/c` path (QString)
        PythonPathRole, ///< `['a']['b']['c']` path (QString)
        DTypeNameRole, ///< dtype name of an array leaf, empty otherwise
        SortRole, ///< numeric value for the size column, text otherwise
    };

    explicit PytreeModel(QObject *parent = nullptr);
    ~PytreeModel() override;

    /// Replaces the snapshot (model reset). A null root empties the model.
    void setRoot(ckpt::NodePtr root);
    const ckpt::NodePtr &root() const { return m_root; }

    /// Rows added per fetchMore() call (default 256).
    void setBatchSize(int n) { m_batchSize = qMax(1, n); }
    int batchSize() const { return m_batchSize; }

    /// Records statistics for an array node; every row showing that node updates its summary.
    void setStats(const ckpt::Node *node, const ckpt::ArrayStats &stats);
    bool hasStats(const ckpt::Node *node) const { return m_stats.contains(node); }

    ckpt::NodePtr nodeAt(const QModelIndex &index) const;
    ckpt::Path pathAt(const QModelIndex &index) const;
    /// Index of the node at `path`, fetching batches along the way as needed; invalid if absent.
    QModelIndex indexForPath(const ckpt::Path &path, int column = 0);
    /// Materialises every row below `parent`, stopping once `maxItems` rows exist in total.
    void fetchAll(const QModelIndex &parent, int maxItems);

    /// How many fetchMore() calls added rows, and how many rows exist (for tests and diagnostics).
    int fetchCount() const { return m_fetchCount; }
    int materialisedCount() const { return int(m_items.size()) - 1; }

    /// Summary column text of a statistics record: `mean ± std [min, max]`.
    static QString statsSummary(const ckpt::ArrayStats &s);

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    bool hasChildren(const QModelIndex &parent = {}) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Item {
        ckpt::NodePtr node;
        ckpt::Key key;
        quintptr parent = 0;
        int row = 0;
        QString path; ///< `a/b/c`
        std::vector<quintptr> rows; ///< materialised children, in order
    };
    Item &item(const QModelIndex &index) const;
    /// Children of an item's node as shown: the root's pseudo-parent shows the root itself when it is a leaf.
    const std::vector<ckpt::Child> &childrenOf(const Item &it) const;
    QVariant display(const Item &it, int column) const;

    ckpt::NodePtr m_root;
    std::vector<ckpt::Child> m_rootAsChild; ///< one entry when the root is not a container
    std::vector<std::unique_ptr<Item>> m_items; ///< [0] is the invisible parent of the top rows
    QHash<const ckpt::Node *, ckpt::ArrayStats> m_stats;
    QMultiHash<const ckpt::Node *, quintptr> m_rowsOfNode;
    int m_batchSize = 256;
    int m_fetchCount = 0;
};

Q_DECLARE_METATYPE(ckpt::NodePtr)
