#include "pytree_model.h"

#include "tree/array_info.h"
#include "tree/dtype.h"

#include <QBrush>
#include <QColor>
#include <QFont>
#include <QFontDatabase>

namespace {

QString qs(std::string_view s)
{
    return QString::fromUtf8(s.data(), qsizetype(s.size()));
}

QString num(double v)
{
    return QString::number(v, 'g', 4);
}

QString counted(quint64 n, const char *one, const char *many)
{
    return QString::number(n) + QLatin1Char(' ') + QLatin1String(n == 1 ? one : many);
}

QString elide(const QString &s, int max)
{
    return s.size() <= max ? s : s.left(max - 1) + QChar(0x2026);
}

} // namespace

PytreeModel::PytreeModel(QObject *parent)
    : QAbstractItemModel(parent)
{
    m_items.push_back(std::make_unique<Item>());
}

PytreeModel::~PytreeModel() = default;

void PytreeModel::setRoot(ckpt::NodePtr root, ckpt::NodePtr baseline, QHash<QString, QString> notes, bool keepStats)
{
    beginResetModel();
    if (keepStats && !m_stats.isEmpty() && m_root) {
        m_statsRoots.push_back(m_root);
    } else if (!keepStats) {
        m_stats.clear();
        m_statsRoots.clear();
    }
    m_root = std::move(root);
    m_baseline = std::move(baseline);
    m_notes = std::move(notes);
    m_items.clear();
    m_rowsOfNode.clear();
    m_rootAsChild.clear();
    m_fetchCount = 0;
    auto top = std::make_unique<Item>();
    top->node = m_root;
    top->base = m_baseline ? m_baseline : m_root;
    top->mark = top->base == m_root ? Unchanged : ContainsChanges;
    if (m_root && !m_root->isContainer())
        m_rootAsChild.push_back(ckpt::Child{ckpt::Key::name({}), m_root});
    m_items.push_back(std::move(top));
    endResetModel();
}

void PytreeModel::setStats(const ckpt::Node *node, const ckpt::ArrayStats &stats)
{
    m_stats.insert(node, stats);
    for (auto it = m_rowsOfNode.constFind(node); it != m_rowsOfNode.cend() && it.key() == node; ++it) {
        const Item &row = *m_items[*it];
        const QModelIndex ix = createIndex(row.row, SummaryColumn, *it);
        emit dataChanged(ix, ix);
    }
}

PytreeModel::Item &PytreeModel::item(const QModelIndex &index) const
{
    return *m_items[index.isValid() ? index.internalId() : 0];
}

const std::vector<ckpt::Child> &PytreeModel::childrenOf(const Item &it) const
{
    static const std::vector<ckpt::Child> none;
    if (&it == m_items[0].get() && !m_rootAsChild.empty())
        return m_rootAsChild;
    return it.node ? it.node->children() : none;
}

ckpt::NodePtr PytreeModel::nodeAt(const QModelIndex &index) const
{
    return index.isValid() ? item(index).node : m_root;
}

ckpt::Path PytreeModel::pathAt(const QModelIndex &index) const
{
    ckpt::Path p;
    for (quintptr id = index.isValid() ? index.internalId() : 0; id != 0; id = m_items[id]->parent) {
        if (!m_rootAsChild.empty() && m_items[id]->parent == 0)
            break; // the leaf root has the empty path
        p.push_back(m_items[id]->key);
    }
    std::reverse(p.begin(), p.end());
    return p;
}

QModelIndex PytreeModel::indexForPath(const ckpt::Path &path, int column)
{
    QModelIndex current;
    for (const ckpt::Key &key : path) {
        const Item &parent = item(current);
        const auto &children = childrenOf(parent);
        int pos = -1;
        for (size_t i = 0; i < children.size(); ++i) {
            if (children[i].key.str() == key.str()) {
                pos = int(i);
                break;
            }
        }
        if (pos < 0)
            return {};
        while (rowCount(current) <= pos && canFetchMore(current))
            fetchMore(current);
        current = index(pos, 0, current);
    }
    return current.isValid() && column != 0 ? current.siblingAtColumn(column) : current;
}

void PytreeModel::fetchAll(const QModelIndex &parent, int maxItems)
{
    while (canFetchMore(parent) && materialisedCount() < maxItems)
        fetchMore(parent);
    for (int r = 0; r < rowCount(parent) && materialisedCount() < maxItems; ++r) {
        const QModelIndex child = index(r, 0, parent);
        if (hasChildren(child))
            fetchAll(child, maxItems);
    }
}

QModelIndex PytreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= ColumnCount || (parent.isValid() && parent.column() != 0))
        return {};
    const Item &p = item(parent);
    if (size_t(row) >= p.rows.size())
        return {};
    return createIndex(row, column, p.rows[size_t(row)]);
}

QModelIndex PytreeModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    const quintptr pid = m_items[child.internalId()]->parent;
    if (pid == 0)
        return {};
    return createIndex(m_items[pid]->row, 0, pid);
}

int PytreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(item(parent).rows.size());
}

int PytreeModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() && parent.column() != 0 ? 0 : ColumnCount;
}

bool PytreeModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return false;
    return !childrenOf(item(parent)).empty();
}

bool PytreeModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return false;
    const Item &p = item(parent);
    return p.rows.size() < childrenOf(p).size();
}

void PytreeModel::fetchMore(const QModelIndex &parent)
{
    if (!canFetchMore(parent))
        return;
    const quintptr pid = parent.isValid() ? parent.internalId() : 0;
    const auto &children = childrenOf(*m_items[pid]);
    const size_t first = m_items[pid]->rows.size();
    const size_t last = std::min(children.size(), first + size_t(m_batchSize)) - 1;
    beginInsertRows(parent, int(first), int(last));
    for (size_t i = first; i <= last; ++i) {
        auto it = std::make_unique<Item>();
        it->node = children[i].node;
        it->key = children[i].key;
        it->parent = pid;
        it->row = int(i);
        const Item &parentItem = *m_items[pid];
        if (parentItem.mark == Unchanged) {
            it->base = it->node;
        } else if (parentItem.base) {
            if (&parentItem == m_items[0].get() && !m_rootAsChild.empty())
                it->base = parentItem.base;
            else if (parentItem.base->isContainer())
                it->base = parentItem.base->child(children[i].key.str());
        }
        if (!it->base)
            it->mark = Added;
        else if (it->base == it->node)
            it->mark = Unchanged;
        else if (it->node->isContainer() && it->base->isContainer())
            it->mark = ContainsChanges;
        else
            it->mark = Changed;
        const QString key = qs(children[i].key.str());
        const QString &parentPath = m_items[pid]->path;
        it->path = parentPath.isEmpty() ? key : parentPath + QLatin1Char('/') + key;
        const quintptr id = m_items.size();
        m_rowsOfNode.insert(it->node.get(), id);
        m_items.push_back(std::move(it));
        m_items[pid]->rows.push_back(id);
    }
    ++m_fetchCount;
    endInsertRows();
}

QString PytreeModel::statsSummary(const ckpt::ArrayStats &s)
{
    if (s.count == 0)
        return tr("empty");
    QString text;
    if (s.finite > 0)
        text = num(s.mean) + QStringLiteral(" ± ") + num(s.std) + QStringLiteral("  [") + num(s.min)
            + QStringLiteral(", ") + num(s.max) + QLatin1Char(']');
    if (s.nanCount > 0)
        text += QStringLiteral("  NaN×") + QString::number(s.nanCount);
    if (s.infCount > 0)
        text += QStringLiteral("  Inf×") + QString::number(s.infCount);
    return text.trimmed();
}

QVariant PytreeModel::display(const Item &it, int column) const
{
    const ckpt::Node &n = *it.node;
    switch (column) {
    case NameColumn: return it.path.isEmpty() ? tr("(root)") : qs(it.key.str());
    case KindColumn: return qs(n.kindName());
    case DTypeColumn:
        if (n.kind() == ckpt::NodeKind::Array)
            return qs(ckpt::dtypeName(n.arrayInfo().dtype));
        if (n.kind() == ckpt::NodeKind::Scalar)
            return qs(n.scalar().typeName());
        return {};
    case ShapeColumn:
        if (n.kind() == ckpt::NodeKind::Array)
            return qs(ckpt::shapeString(n.arrayInfo().shape));
        if (n.isContainer() && !n.children().empty())
            return counted(n.children().size(), "item", "items");
        return {};
    case SizeColumn:
        if (n.kind() == ckpt::NodeKind::Array || (n.isContainer() && n.arrayBytes() > 0))
            return qs(ckpt::humanBytes(n.arrayBytes()));
        if (n.kind() == ckpt::NodeKind::Bytes)
            return qs(ckpt::humanBytes(n.text().size()));
        return {};
    case ParamsColumn:
        if (n.kind() == ckpt::NodeKind::Array || (n.isContainer() && n.parameterCount() > 0))
            return qs(ckpt::parameterCountText(n.parameterCount()));
        return {};
    case SummaryColumn:
        switch (n.kind()) {
        case ckpt::NodeKind::Array: {
            auto s = m_stats.constFind(it.node.get());
            return s == m_stats.cend() ? QVariant() : statsSummary(*s);
        }
        case ckpt::NodeKind::Scalar: return qs(n.scalar().repr());
        case ckpt::NodeKind::String: return elide(QLatin1Char('\'') + qs(n.text()) + QLatin1Char('\''), 80);
        case ckpt::NodeKind::None: return QStringLiteral("None");
        case ckpt::NodeKind::Dict:
        case ckpt::NodeKind::List:
            return n.leafCount() == 1 && n.children().empty() ? QVariant() : counted(n.leafCount(), "leaf", "leaves");
        case ckpt::NodeKind::Bytes: return counted(n.text().size(), "byte", "bytes");
        }
        return {};
    }
    return {};
}

QVariant PytreeModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || !checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Item &it = item(index);
    switch (role) {
    case Qt::DisplayRole: return display(it, index.column());
    case Qt::ToolTipRole: {
        QString tip = index.column() == NameColumn ? it.path : display(it, index.column()).toString();
        if (it.mark == Unchanged)
            return tip;
        QString note = m_notes.value(it.path);
        if (note.isEmpty()) {
            note = it.mark == Added  ? tr("Added by an edit")
                : it.mark == Changed ? tr("Changed by an edit")
                                     : tr("Contains edited nodes");
        }
        return QString(tip + QLatin1Char('\n') + note);
    }
    case Qt::ForegroundRole:
        switch (it.mark) {
        case Added: return QBrush(QColor(0x1a, 0x7f, 0x37));
        case Changed: return QBrush(QColor(0xb3, 0x59, 0x00));
        case ContainsChanges:
            return index.column() == NameColumn ? QVariant(QBrush(QColor(0x8a, 0x6d, 0x3b))) : QVariant();
        case Unchanged: return {};
        }
        return {};
    case EditMarkRole: return int(it.mark);
    case Qt::TextAlignmentRole:
        if (index.column() == SizeColumn || index.column() == ParamsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::FontRole: {
        const bool fixed = index.column() == ShapeColumn || index.column() == SizeColumn
            || index.column() == ParamsColumn || index.column() == SummaryColumn;
        if (!fixed && it.mark != Added && it.mark != Changed)
            return {};
        QFont f = fixed ? QFontDatabase::systemFont(QFontDatabase::FixedFont) : QFont();
        if (it.mark == Added || it.mark == Changed)
            f.setItalic(true);
        return f;
    }
    case Qt::EditRole: return index.column() == NameColumn ? QVariant(qs(it.key.str())) : display(it, index.column());
    case NodeRole: return QVariant::fromValue(it.node);
    case PathRole: return it.path;
    case PythonPathRole: return qs(ckpt::pythonPath(pathAt(index)));
    case DTypeNameRole:
        return it.node->kind() == ckpt::NodeKind::Array ? qs(ckpt::dtypeName(it.node->arrayInfo().dtype)) : QString();
    case SortRole:
        if (index.column() == SizeColumn)
            return QVariant::fromValue<qulonglong>(
                it.node->kind() == ckpt::NodeKind::Bytes ? it.node->text().size() : it.node->arrayBytes());
        if (index.column() == ParamsColumn)
            return QVariant::fromValue<qulonglong>(it.node->parameterCount());
        return display(it, index.column());
    }
    return {};
}

QVariant PytreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::TextAlignmentRole && (section == SizeColumn || section == ParamsColumn))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Name");
    case KindColumn: return tr("Kind");
    case DTypeColumn: return tr("DType");
    case ShapeColumn: return tr("Shape");
    case SizeColumn: return tr("Size");
    case ParamsColumn: return tr("Parameters");
    case SummaryColumn: return tr("Value / statistics");
    }
    return {};
}
