#pragma once

#include "node_mime.h"
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
    enum Column {
        NameColumn,
        KindColumn,
        DTypeColumn,
        ShapeColumn,
        SizeColumn,
        ParamsColumn,
        SummaryColumn,
        ColumnCount
    };
    enum Role {
        NodeRole = Qt::UserRole + 1, ///< QVariant holding a ckpt::NodePtr
        PathRole, ///< `a/b/c` path (QString)
        PythonPathRole, ///< `['a']['b']['c']` path (QString)
        DTypeNameRole, ///< dtype name of an array leaf, empty otherwise
        SortRole, ///< numeric value for the size column, text otherwise
        EditMarkRole, ///< EditMark (int) of the row against the baseline
    };
    /// How a row differs from the baseline tree given to setRoot(): the same node (shared),
    /// absent there, a different leaf, or a container with something edited below it.
    enum EditMark { Unchanged, Added, Changed, ContainsChanges };

    explicit PytreeModel(QObject *parent = nullptr);
    ~PytreeModel() override;

    /// Replaces the snapshot (model reset). A null root empties the model. With a `baseline`
    /// (the tree before edits) rows are marked by EditMark, compared by node identity (edits
    /// share untouched nodes), and `notes` (`a/b/c` path -> what changed) become their tooltips.
    /// `keepStats` keeps the statistics recorded so far (an edit of the same checkpoint shares
    /// most nodes); the trees they were recorded on are then kept alive until a plain setRoot().
    void setRoot(
        ckpt::NodePtr root, ckpt::NodePtr baseline = {}, QHash<QString, QString> notes = {}, bool keepStats = false);
    const ckpt::NodePtr &baseline() const { return m_baseline; }

    /// Names become editable (setData on NameColumn emits renameRequested) and rows can be dragged
    /// (kNodeMimeType) and dropped (moveRequested / graftRequested). Off by default.
    void setEditable(bool on) { m_editable = on; }
    bool isEditable() const { return m_editable; }
    /// The checkpoint the rows come from, written into dragged nodes' MIME data.
    void setSourceRef(const QString &path, const QString &step, const QString &item);
    /// Identifies this model in NodeDrag::origin.
    QString dragOrigin() const;
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
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    /// NameColumn + EditRole: a new key (sibling rename) or, when it holds '/', a whole new path.
    /// Emits renameRequested and returns true; the model itself does not change (the snapshot is
    /// immutable: the owner applies the edit and calls setRoot).
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    QStringList mimeTypes() const override;
    QMimeData *mimeData(const QModelIndexList &indexes) const override;
    Qt::DropActions supportedDropActions() const override;
    Qt::DropActions supportedDragActions() const override;
    bool canDropMimeData(
        const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent) const override;
    /// A node of this model moves into `parent` (moveRequested); one from elsewhere is grafted
    /// there (graftRequested). The target path is `parent path/last key of the dragged node`.
    bool dropMimeData(
        const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent) override;

signals:
    void renameRequested(const QString &from, const QString &to);
    void moveRequested(const QString &from, const QString &to);
    void graftRequested(const NodeDrag &source, const QString &to);

private:
    struct Item {
        ckpt::NodePtr node;
        ckpt::Key key;
        quintptr parent = 0;
        int row = 0;
        QString path; ///< `a/b/c`
        std::vector<quintptr> rows; ///< materialised children, in order
        ckpt::NodePtr base; ///< node at the same path in the baseline (null: absent)
        EditMark mark = Unchanged;
    };
    /// The drop's target path, or empty when `data` cannot be dropped on `parent`.
    QString dropTarget(const QMimeData *data, const QModelIndex &parent, std::optional<NodeDrag> *drag) const;
    Item &item(const QModelIndex &index) const;
    /// Children of an item's node as shown: the root's pseudo-parent shows the root itself when it is a leaf.
    const std::vector<ckpt::Child> &childrenOf(const Item &it) const;
    QVariant display(const Item &it, int column) const;

    ckpt::NodePtr m_root;
    std::vector<ckpt::Child> m_rootAsChild; ///< one entry when the root is not a container
    std::vector<std::unique_ptr<Item>> m_items; ///< [0] is the invisible parent of the top rows
    QHash<const ckpt::Node *, ckpt::ArrayStats> m_stats;
    std::vector<ckpt::NodePtr> m_statsRoots; ///< keeps the nodes keyed in m_stats alive (keepStats)
    QMultiHash<const ckpt::Node *, quintptr> m_rowsOfNode;
    ckpt::NodePtr m_baseline;
    QHash<QString, QString> m_notes;
    bool m_editable = false;
    NodeDrag m_sourceRef;
    int m_batchSize = 256;
    int m_fetchCount = 0;
};

Q_DECLARE_METATYPE(ckpt::NodePtr)
