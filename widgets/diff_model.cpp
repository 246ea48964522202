#include "diff_model.h"

#include <QBrush>
#include <QColor>
#include <QHash>

namespace {

QString shapeText(const std::optional<ckpt::DiffSide> &side)
{
    if (!side || side->kind != "array")
        return {};
    QStringList dims;
    for (uint64_t d : side->shape)
        dims << QString::number(d);
    return QLatin1Char('(') + dims.join(QStringLiteral(", "))
        + (dims.size() == 1 ? QStringLiteral(",)") : QStringLiteral(")"));
}

QString dtypeText(const std::optional<ckpt::DiffSide> &side)
{
    if (!side)
        return {};
    return QString::fromStdString(side->dtype.empty() ? side->kind : side->dtype);
}

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

QColor categoryColour(DiffModel::Category c)
{
    switch (c) {
    case DiffModel::Added: return QColor(0x2e, 0x7d, 0x32);
    case DiffModel::Removed: return QColor(0xc6, 0x28, 0x28);
    case DiffModel::Changed: return QColor(0xb2, 0x6a, 0x00);
    case DiffModel::Same: break;
    }
    return QColor(0x75, 0x75, 0x75);
}

} // namespace

DiffModel::DiffModel(QObject *parent)
    : QAbstractItemModel(parent)
{ }

DiffModel::~DiffModel() = default;

DiffModel::Category DiffModel::categoryOf(ckpt::DiffStatus status)
{
    switch (status) {
    case ckpt::DiffStatus::Same: return Same;
    case ckpt::DiffStatus::Added: return Added;
    case ckpt::DiffStatus::Removed: return Removed;
    default: return Changed;
    }
}

QString DiffModel::categoryName(Category c)
{
    switch (c) {
    case Added: return tr("added");
    case Removed: return tr("removed");
    case Changed: return tr("changed");
    case Same: break;
    }
    return tr("same");
}

void DiffModel::setResult(ckpt::DiffResult result)
{
    beginResetModel();
    m_result = std::move(result);
    m_items.clear();
    m_top.clear();
    QHash<QString, int> byPath;
    for (size_t e = 0; e < m_result.entries.size(); ++e) {
        const QString path = QString::fromStdString(m_result.entries[e].path);
        const QStringList parts = path.split(QLatin1Char('/'));
        int parent = -1;
        QString prefix;
        for (int i = 0; i < parts.size(); ++i) {
            prefix = i == 0 ? parts[i] : prefix + QLatin1Char('/') + parts[i];
            const bool leaf = i + 1 == parts.size();
            auto it = byPath.constFind(prefix);
            int item;
            if (it != byPath.constEnd() && !leaf) {
                item = *it;
            } else {
                item = int(m_items.size());
                Item fresh;
                fresh.name = parts[i];
                fresh.path = prefix;
                fresh.parent = parent;
                std::vector<int> &siblings = parent < 0 ? m_top : m_items[size_t(parent)].children;
                fresh.row = int(siblings.size());
                siblings.push_back(item);
                if (leaf) {
                    fresh.entry = int(e);
                    fresh.category = categoryOf(m_result.entries[e].status);
                }
                m_items.push_back(std::move(fresh));
                byPath.insert(prefix, item);
            }
            parent = item;
        }
    }
    for (int top : m_top)
        summarise(top);
    endResetModel();
}

DiffModel::Category DiffModel::summarise(int item)
{
    Item &it = m_items[size_t(item)];
    if (it.entry >= 0 || it.children.empty())
        return it.category;
    bool allAdded = true, allRemoved = true, anyDiff = false;
    const std::vector<int> children = it.children;
    for (int c : children) {
        const Category cat = summarise(c);
        allAdded = allAdded && cat == Added;
        allRemoved = allRemoved && cat == Removed;
        anyDiff = anyDiff || cat != Same;
    }
    Item &self = m_items[size_t(item)];
    self.category = allAdded ? Added : allRemoved ? Removed : anyDiff ? Changed : Same;
    return self.category;
}

const ckpt::DiffEntry *DiffModel::entryAt(const QModelIndex &index) const
{
    const int item = itemOf(index);
    if (item < 0 || m_items[size_t(item)].entry < 0)
        return nullptr;
    return &m_result.entries[size_t(m_items[size_t(item)].entry)];
}

QModelIndex DiffModel::indexForPath(const QString &path) const
{
    for (size_t i = 0; i < m_items.size(); ++i)
        if (m_items[i].path == path)
            return createIndex(m_items[i].row, 0, quintptr(i));
    return {};
}

QModelIndex DiffModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0)
        return {};
    if (parent.isValid() && parent.column() != 0)
        return {};
    const std::vector<int> &rows = childrenOf(itemOf(parent));
    if (row >= int(rows.size()))
        return {};
    return createIndex(row, column, quintptr(rows[size_t(row)]));
}

QModelIndex DiffModel::parent(const QModelIndex &child) const
{
    const int item = itemOf(child);
    if (item < 0)
        return {};
    const int p = m_items[size_t(item)].parent;
    if (p < 0)
        return {};
    return createIndex(m_items[size_t(p)].row, 0, quintptr(p));
}

int DiffModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(childrenOf(itemOf(parent)).size());
}

int DiffModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant DiffModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Item &it = m_items[size_t(itemOf(index))];
    const ckpt::DiffEntry *e = it.entry >= 0 ? &m_result.entries[size_t(it.entry)] : nullptr;
    const bool numbers = e && e->compared && e->numeric;
    switch (role) {
    case CategoryRole: return int(it.category);
    case EntryRole: return it.entry;
    case PathRole: return it.path;
    case Qt::ForegroundRole:
        if (index.column() == NameColumn || index.column() == StatusColumn)
            return QBrush(categoryColour(it.category));
        return {};
    case Qt::DecorationRole:
        if (index.column() == NameColumn)
            return categoryColour(it.category);
        return {};
    case Qt::TextAlignmentRole:
        if (index.column() >= MaxAbsColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::ToolTipRole: {
        QStringList tips;
        if (e && e->renamed && e->a)
            tips << tr("A's %1, renamed by a rule").arg(QString::fromStdString(e->a->path));
        if (e && e->promoted)
            tips << tr("Compared as %1 after promotion").arg(QString::fromStdString(e->compareType));
        return tips.isEmpty() ? QVariant() : QVariant(tips.join(QLatin1Char('\n')));
    }
    case SortRole:
        switch (index.column()) {
        case MaxAbsColumn: return numbers ? e->numbers.maxAbs : -1.0;
        case MaxRelColumn: return numbers && e->numbers.hasMaxRel ? e->numbers.maxRel : -1.0;
        case DifferingColumn: return numbers ? double(e->numbers.differing) : -1.0;
        default: return data(index, Qt::DisplayRole);
        }
    case Qt::DisplayRole:
        switch (index.column()) {
        case NameColumn: return it.name;
        case StatusColumn:
            if (e) {
                QString text = QString::fromStdString(std::string(ckpt::statusName(e->status)))
                                   .replace(QLatin1Char('_'), QLatin1Char(' '));
                return e->renamed ? tr("%1, renamed").arg(text) : text;
            }
            return categoryName(it.category);
        case DTypeAColumn: return e ? dtypeText(e->a) : QString();
        case DTypeBColumn: return e ? dtypeText(e->b) : QString();
        case ShapeAColumn: return e ? shapeText(e->a) : QString();
        case ShapeBColumn: return e ? shapeText(e->b) : QString();
        case MaxAbsColumn: return numbers ? number(e->numbers.maxAbs) : QString();
        case MaxRelColumn: return numbers && e->numbers.hasMaxRel ? number(e->numbers.maxRel) : QString();
        case DifferingColumn:
            return numbers ? QStringLiteral("%1 / %2").arg(e->numbers.differing).arg(e->numbers.count) : QString();
        default: return {};
        }
    default: return {};
    }
}

QVariant DiffModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn: return tr("Name");
    case StatusColumn: return tr("Status");
    case DTypeAColumn: return tr("dtype A");
    case DTypeBColumn: return tr("dtype B");
    case ShapeAColumn: return tr("shape A");
    case ShapeBColumn: return tr("shape B");
    case MaxAbsColumn: return tr("max |A-B|");
    case MaxRelColumn: return tr("max rel");
    case DifferingColumn: return tr("differing");
    default: return {};
    }
}
