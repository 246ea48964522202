#pragma once

#include "tree/node.h"

#include <QWidget>

class PytreeFilterProxy;
class PytreeModel;
class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTreeView;

/// The left half of the main window: the lazy pytree view with its path filter (substring or
/// regex), dtype filter and match count. Owns the PytreeModel and its filter proxy; UI-thread only.
class PytreeBrowser : public QWidget {
    Q_OBJECT
public:
    /// Rows a single "expand" may materialise; beyond this the tree stays collapsed (lazy by design).
    static constexpr int kExpandLimit = 5000;

    explicit PytreeBrowser(QWidget *parent = nullptr);

    /// Shows `root` (null clears): refills the dtype filter, keeps the filter text, fetches and
    /// expands the first level when it is short.
    void setRoot(const ckpt::NodePtr &root);

    /// Selects, reveals and makes current the node at `a/b/c`, clearing filters that hide it;
    /// false when there is no such node.
    bool selectKeyPath(const QString &keyPath);
    /// The current node's path as `a/b/c` or Python `['a']['b']`; empty when nothing is selected.
    QString currentPathText(bool python) const;
    /// Fetches at most kExpandLimit rows and expands them; false when the limit cut it short.
    bool expandAll();
    void collapseAll();
    void focusFilter();

    PytreeModel *model() const { return m_model; }
    PytreeFilterProxy *proxy() const { return m_proxy; }
    QTreeView *treeView() const { return m_tree; }
    QLineEdit *filterEdit() const { return m_filter; }
    QCheckBox *regexBox() const { return m_regex; }
    QComboBox *dtypeCombo() const { return m_dtype; }

signals:
    /// The current node changed; null node when nothing is current.
    void currentChanged(const ckpt::NodePtr &node, const ckpt::Path &path);

private:
    void applyFilter();
    void expandMatches();
    void onCurrentChanged();

    PytreeModel *m_model;
    PytreeFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QCheckBox *m_regex;
    QComboBox *m_dtype;
    QTreeView *m_tree;
    QLabel *m_matches;
};
