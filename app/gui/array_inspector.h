#pragma once

#include "document_controller.h"
#include "ops/plane/array_plane.h"

#include "ops/stats.h"
#include "tree/node.h"

#include <QWidget>

class ArrayTableModel;
class CheckpointOverview;
class BackgroundJob;
class HeatmapWidget;
class HistogramWidget;
class StatsPanel;
class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QPlainTextEdit;
class QSpinBox;
class QStackedWidget;
class QTabWidget;
class QTableView;

/// Shows the selected leaf: arrays as a table with dimension choosers and index spin boxes, a
/// heatmap and a histogram with statistics; scalars, strings, bytes and None as plain text.
/// Heatmap windows and statistics are computed on worker threads; a newer selection cancels them.
class ArrayInspector : public QWidget {
    Q_OBJECT
public:
    enum Tab { TableTab, HeatmapTab, HistogramTab };
    explicit ArrayInspector(QWidget *parent = nullptr);
    ~ArrayInspector() override;

    /// Shows `node`: an array's table, heatmap and histogram; a container's overview (sizes of its
    /// subtrees); a scalar, string or bytes as text. No node: the overview of the source's root.
    void setNode(const ckpt::NodePtr &node, const QString &path);
    /// The checkpoint and tree the overview shows when no node is selected.
    void setOverviewSource(const CheckpointPtr &checkpoint, const ckpt::NodePtr &root);
    CheckpointOverview *overview() const { return m_overview; }
    const ckpt::NodePtr &node() const { return m_node; }

    /// Sets rows/columns dims and fixed indices through the same widgets a user would use.
    bool setSlice(const ckpt::PlaneSpec &spec);
    const ckpt::PlaneSpec &slice() const;

    /// True while a heatmap window, statistics or a table block is being computed.
    bool isBusy() const;

    QTabWidget *tabs() const { return m_tabs; }
    QTableView *tableView() const { return m_table; }
    ArrayTableModel *tableModel() const { return m_tableModel; }
    HeatmapWidget *heatmap() const { return m_heatmap; }
    HistogramWidget *histogram() const { return m_histogram; }
    StatsPanel *statsPanel() const { return m_stats; }
    QString plainText() const;
    QString headline() const;

    /// Tab-separated exact values of the bounding box of the table's selection (empty when nothing
    /// is selected); shown as an error banner message when the box is too large or unreadable.
    QString selectionAsTsv() const;
    /// Copies selectionAsTsv() to the clipboard (Ctrl+C and the table's context menu).
    void copySelection();

signals:
    void statsReady(const ckpt::Node *node, const ckpt::ArrayStats &stats);
    void busyChanged();
    /// A read for the table (a block or a copy) failed; `message` is the core's error description.
    void errorOccurred(const QString &message);
    /// A subtree bar of the overview was clicked: its key path.
    void subtreeActivated(const QString &path);

private:
    void rebuildSliceControls();
    void applySliceFromControls();
    void startHeatmap();
    void startStats();
    void cancelWork();

    ckpt::NodePtr m_node;
    QLabel *m_title;
    QStackedWidget *m_stack;
    CheckpointOverview *m_overview;
    CheckpointPtr m_overviewCheckpoint;
    ckpt::NodePtr m_overviewRoot;
    QPlainTextEdit *m_text;
    QTabWidget *m_tabs;
    QWidget *m_sliceBar;
    QHBoxLayout *m_sliceLayout;
    QComboBox *m_rowDim;
    QComboBox *m_colDim;
    QList<QSpinBox *> m_indexSpins;
    QTableView *m_table;
    ArrayTableModel *m_tableModel;
    HeatmapWidget *m_heatmap;
    HistogramWidget *m_histogram;
    QCheckBox *m_logCounts;
    StatsPanel *m_stats;
    BackgroundJob *m_heatJob; ///< the shown plane's heatmap window; a newer plane abandons it
    BackgroundJob *m_statsJob; ///< statistics and histograms, each delivered (to statsReady)
    bool m_updatingControls = false;
};
