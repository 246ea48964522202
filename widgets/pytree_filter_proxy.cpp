#include "pytree_filter_proxy.h"

#include "pytree_model.h"

#include "tree/dtype.h"
#include "tree/natural_order.h"

#include <functional>

PytreeFilterProxy::PytreeFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setSortRole(PytreeModel::SortRole);
}

void PytreeFilterProxy::setSourceModel(QAbstractItemModel *source)
{
    if (m_source)
        disconnect(m_source, nullptr, this, nullptr);
    m_source = qobject_cast<PytreeModel *>(source);
    Q_ASSERT(m_source || !source);
    if (m_source)
        connect(m_source, &QAbstractItemModel::modelAboutToBeReset, this, [this] { m_visible.clear(); });
    if (m_source)
        connect(m_source, &QAbstractItemModel::modelReset, this, [this] { rebuild(); });
    QSortFilterProxyModel::setSourceModel(source);
    rebuild();
}

void PytreeFilterProxy::setPathFilter(const QString &text, bool regex)
{
    if (text == m_text && regex == m_regexMode)
        return;
    m_text = text;
    m_regexMode = regex;
    m_regex = QRegularExpression(text, QRegularExpression::CaseInsensitiveOption);
    rebuild();
}

void PytreeFilterProxy::setDTypeFilter(const QString &dtype)
{
    if (dtype == m_dtype)
        return;
    m_dtype = dtype;
    rebuild();
}

bool PytreeFilterProxy::pathMatches(const QString &path) const
{
    if (m_text.isEmpty())
        return true;
    if (m_regexMode)
        return m_regex.isValid() && m_regex.match(path).hasMatch();
    return path.contains(m_text, Qt::CaseInsensitive);
}

void PytreeFilterProxy::rebuild()
{
    m_visible.clear();
    m_matches = 0;
    const ckpt::NodePtr root = m_source ? m_source->root() : nullptr;
    if (root && isFiltering()) {
        // Returns whether `node` at `path` or anything below it matches.
        std::function<bool(const ckpt::NodePtr &, const QString &)> walk
            = [&](const ckpt::NodePtr &node, const QString &path) {
                  bool any = false;
                  if (node->isLeaf()) {
                      const bool dtypeOk = m_dtype.isEmpty()
                          || (node->kind() == ckpt::NodeKind::Array
                              && QLatin1String(ckpt::dtypeName(node->arrayInfo().dtype)) == m_dtype);
                      any = dtypeOk && pathMatches(path);
                      m_matches += any ? 1 : 0;
                  } else {
                      for (const ckpt::Child &c : node->children()) {
                          const QString key = QString::fromStdString(c.key.str());
                          any |= walk(c.node, path.isEmpty() ? key : path + QLatin1Char('/') + key);
                      }
                  }
                  if (any)
                      m_visible.insert(path);
                  return any;
              };
        walk(root, QString());
    }
    invalidateFilter();
}

bool PytreeFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    if (!isFiltering())
        return true;
    const QModelIndex ix = sourceModel()->index(sourceRow, 0, sourceParent);
    return m_visible.contains(ix.data(PytreeModel::PathRole).toString());
}

bool PytreeFilterProxy::lessThan(const QModelIndex &left, const QModelIndex &right) const
{
    const QVariant l = left.data(sortRole());
    const QVariant r = right.data(sortRole());
    if (l.typeId() == QMetaType::ULongLong && r.typeId() == QMetaType::ULongLong)
        return l.toULongLong() < r.toULongLong();
    // Natural order, so layers_2 sorts before layers_10 (as the files name them, not as text).
    return ckpt::naturalLess(l.toString().toStdString(), r.toString().toStdString());
}

void PytreeFilterProxy::fetchMore(const QModelIndex &parent)
{
    const QModelIndex src = mapToSource(parent);
    const int before = rowCount(parent);
    do {
        sourceModel()->fetchMore(src);
    } while (isFiltering() && rowCount(parent) == before && sourceModel()->canFetchMore(src));
}
