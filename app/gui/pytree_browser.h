#pragma once

#include "node_mime.h"
#include "tree/node.h"

#include <QHash>

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
    /// Shows an edited tree with rows marked against `baseline` (PytreeModel::setRoot), keeping
    /// the expanded rows, the current row, the scroll position (wherever their paths still exist)
    /// and the statistics of nodes the edit did not touch.
    /// `moved` (from, to): the subtree at `from` is now at `to`, so its view state follows it.
    void showEdited(const ckpt::NodePtr &root, const ckpt::NodePtr &baseline, const QHash<QString, QString> &notes,
        const std::pair<QString, QString> &moved = {});

    /// Turns on tree editing: F2 / the name editor renames, Delete deletes, rows drag and drop
    /// (kNodeMimeType). Requests arrive as the signals below, queued, after the view is done.
    void setEditable(bool on);
    /// Opens the inline name editor on the current row; false when nothing editable is current.
    bool editCurrentName();
    /// `a/b/c` of the current row; empty when none.
    QString currentPath() const;

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
    void renameRequested(const QString &from, const QString &to);
    void moveRequested(const QString &from, const QString &to);
    void graftRequested(const NodeDrag &source, const QString &to);
    void deleteRequested(const QString &path);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void applyFilter();
    void expandMatches();
    void onCurrentChanged();
    void restoreView(const QStringList &expanded, const QString &current, int scroll);

    PytreeModel *m_model;
    PytreeFilterProxy *m_proxy;
    QLineEdit *m_filter;
    QCheckBox *m_regex;
    QComboBox *m_dtype;
    QTreeView *m_tree;
    QLabel *m_matches;
    bool m_editable = false;
};
