// PytreeModel's editing side: rename requests from the name editor, node drags and drops.
#include "pytree_model.h"

#include <QCoreApplication>
#include <QMimeData>

void PytreeModel::setSourceRef(const QString &path, const QString &step, const QString &item)
{
    m_sourceRef.path = path;
    m_sourceRef.step = step;
    m_sourceRef.item = item;
}

QString PytreeModel::dragOrigin() const
{
    return QString::number(QCoreApplication::applicationPid()) + QLatin1Char(':') + QString::number(quintptr(this), 16);
}

Qt::ItemFlags PytreeModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractItemModel::flags(index);
    if (!m_editable)
        return f;
    if (!index.isValid())
        return m_root && m_root->isContainer() ? f | Qt::ItemIsDropEnabled : f;
    const Item &it = item(index);
    if (it.path.isEmpty())
        return f; // a leaf root has no key to rename and nowhere to go
    f |= Qt::ItemIsDragEnabled;
    if (index.column() == NameColumn)
        f |= Qt::ItemIsEditable;
    if (it.node->isContainer())
        f |= Qt::ItemIsDropEnabled;
    return f;
}

bool PytreeModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!m_editable || role != Qt::EditRole || !index.isValid() || index.column() != NameColumn)
        return false;
    const Item &it = item(index);
    const QString text = value.toString().trimmed();
    if (it.path.isEmpty() || text.isEmpty())
        return false;
    QString to;
    if (text.contains(QLatin1Char('/'))) {
        to = text;
    } else {
        const QString &parentPath = m_items[it.parent]->path;
        to = parentPath.isEmpty() ? text : parentPath + QLatin1Char('/') + text;
    }
    if (to == it.path)
        return false;
    emit renameRequested(it.path, to);
    return true;
}

QStringList PytreeModel::mimeTypes() const
{
    return {QString::fromLatin1(kNodeMimeType)};
}

QMimeData *PytreeModel::mimeData(const QModelIndexList &indexes) const
{
    if (indexes.isEmpty() || !indexes.first().isValid())
        return nullptr;
    NodeDrag drag = m_sourceRef;
    drag.keyPath = item(indexes.first()).path;
    drag.origin = dragOrigin();
    auto *data = new QMimeData;
    data->setData(QString::fromLatin1(kNodeMimeType), encodeNodeDrag(drag));
    data->setText(drag.keyPath);
    return data;
}

Qt::DropActions PytreeModel::supportedDropActions() const
{
    return Qt::MoveAction | Qt::CopyAction;
}

Qt::DropActions PytreeModel::supportedDragActions() const
{
    return Qt::MoveAction | Qt::CopyAction;
}

QString PytreeModel::dropTarget(const QMimeData *data, const QModelIndex &parent, std::optional<NodeDrag> *out) const
{
    if (!m_editable || !m_root || !data || !data->hasFormat(QString::fromLatin1(kNodeMimeType)))
        return {};
    std::optional<NodeDrag> drag = decodeNodeDrag(data->data(QString::fromLatin1(kNodeMimeType)));
    if (!drag)
        return {};
    const QModelIndex p = parent.isValid() ? parent.siblingAtColumn(NameColumn) : parent;
    const Item &target = item(p);
    if (!(p.isValid() ? target.node : m_root)->isContainer())
        return {};
    const QString &container = target.path;
    QString name = drag->keyPath.section(QLatin1Char('/'), -1);
    if (name.isEmpty())
        name = drag->path.section(QLatin1Char('/'), -1, -1, QString::SectionSkipEmpty);
    if (name.isEmpty())
        return {};
    const QString to = container.isEmpty() ? name : container + QLatin1Char('/') + name;
    if (drag->origin == dragOrigin()) {
        // A move inside this tree: not onto itself, not into its own subtree.
        if (to == drag->keyPath || container == drag->keyPath || container.startsWith(drag->keyPath + QLatin1Char('/')))
            return {};
    }
    if (out)
        *out = std::move(drag);
    return to;
}

bool PytreeModel::canDropMimeData(const QMimeData *data, Qt::DropAction, int, int, const QModelIndex &parent) const
{
    return !dropTarget(data, parent, nullptr).isEmpty();
}

bool PytreeModel::dropMimeData(const QMimeData *data, Qt::DropAction, int, int, const QModelIndex &parent)
{
    std::optional<NodeDrag> drag;
    const QString to = dropTarget(data, parent, &drag);
    if (to.isEmpty())
        return false;
    if (drag->origin == dragOrigin())
        emit moveRequested(drag->keyPath, to);
    else
        emit graftRequested(*drag, to);
    return true;
}
