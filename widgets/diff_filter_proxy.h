#pragma once

#include "diff_model.h"

#include <QSortFilterProxyModel>

/// Filters a DiffModel by status category and sorts numeric columns by value.
///
/// Leaves pass when their category is shown; containers pass when any descendant does (recursive
/// filtering). The default shows differences only (added, removed, changed). UI-thread only.
class DiffFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit DiffFilterProxy(QObject *parent = nullptr);

    void setCategoryShown(DiffModel::Category c, bool shown);
    bool categoryShown(DiffModel::Category c) const { return m_shown[c]; }
    /// Added, removed and changed on, same off (true); everything on (false).
    void setDifferencesOnly(bool on);
    bool differencesOnly() const;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    bool m_shown[4] = {false, true, true, true};
};
