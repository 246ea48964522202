#include "diff_filter_proxy.h"

DiffFilterProxy::DiffFilterProxy(QObject *parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortRole(DiffModel::SortRole);
}

void DiffFilterProxy::setCategoryShown(DiffModel::Category c, bool shown)
{
    if (m_shown[c] == shown)
        return;
    m_shown[c] = shown;
    invalidateRowsFilter();
}

void DiffFilterProxy::setDifferencesOnly(bool on)
{
    m_shown[DiffModel::Same] = !on;
    m_shown[DiffModel::Added] = m_shown[DiffModel::Removed] = m_shown[DiffModel::Changed] = true;
    invalidateRowsFilter();
}

bool DiffFilterProxy::differencesOnly() const
{
    return !m_shown[DiffModel::Same] && m_shown[DiffModel::Added] && m_shown[DiffModel::Removed]
        && m_shown[DiffModel::Changed];
}

bool DiffFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex ix = sourceModel()->index(sourceRow, 0, sourceParent);
    if (ix.data(DiffModel::EntryRole).toInt() < 0)
        return false; // containers pass through recursive filtering when a leaf below passes
    return m_shown[ix.data(DiffModel::CategoryRole).toInt()];
}
