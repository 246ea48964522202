#pragma once

#include "document_controller.h"
#include "tree/node.h"

#include <QWidget>

class BackgroundJob;
class QLabel;
class SubtreeBars;

/// What a checkpoint (or one subtree of it) holds, shown when no leaf is selected: parameter count,
/// bytes and leaves, the step and save time, the dtypes, and the subtrees as bars sized by bytes;
/// clicking a bar asks to select that subtree. The totals are cached in the nodes (instant at any
/// size); the dtype breakdown walks the leaves on a worker.
class CheckpointOverview : public QWidget {
    Q_OBJECT
public:
    explicit CheckpointOverview(QWidget *parent = nullptr);
    ~CheckpointOverview() override;
    /// Shows `node` at `path` (empty: the root) of `checkpoint` (for step, era and save times).
    void show(const CheckpointPtr &checkpoint, const ckpt::NodePtr &node, const ckpt::Path &path);
    QString summaryText() const;
    QString dtypeText() const;
    SubtreeBars *bars() const { return m_bars; }
    bool isBusy() const;

signals:
    /// A bar was clicked: the key path (`a/b`) of that subtree.
    void subtreeActivated(const QString &path);

private:
    QLabel *m_title, *m_summary, *m_dtypes;
    SubtreeBars *m_bars;
    BackgroundJob *m_job;
    ckpt::Path m_path;
    std::vector<ckpt::Path> m_barPaths;
};
