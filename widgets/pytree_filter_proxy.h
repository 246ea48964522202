#pragma once

#include <QRegularExpression>
#include <QSet>
#include <QSortFilterProxyModel>

class PytreeModel;

/// Filters a PytreeModel by path (case-insensitive substring or regular expression) and by array
/// dtype, keeping every ancestor of a match visible.
///
/// Matching is decided on the whole snapshot, not only on rows the lazy source has fetched: each
/// filter change walks the tree once and records the visible paths, and fetchMore() keeps fetching
/// source batches until a visible row appears. The source must be a PytreeModel. UI-thread only.
class PytreeFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit PytreeFilterProxy(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *source) override;

    /// Empty text matches everything. An invalid regular expression matches nothing.
    void setPathFilter(const QString &text, bool regex = false);
    /// Only array leaves of this dtype name (e.g. "float32") match; empty for any kind and dtype.
    void setDTypeFilter(const QString &dtype);

    QString pathFilter() const { return m_text; }
    QString dtypeFilter() const { return m_dtype; }
    bool isFiltering() const { return !m_text.isEmpty() || !m_dtype.isEmpty(); }
    bool isRegexValid() const { return !m_regexMode || m_regex.isValid(); }
    /// Leaves (and empty containers) that match, across the whole snapshot.
    int matchCount() const { return m_matches; }

    void fetchMore(const QModelIndex &parent) override;

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;

private:
    void rebuild();
    bool pathMatches(const QString &path) const;

    PytreeModel *m_source = nullptr;
    QString m_text;
    QString m_dtype;
    bool m_regexMode = false;
    QRegularExpression m_regex;
    QSet<QString> m_visible; ///< paths of matches and their ancestors
    int m_matches = 0;
};
