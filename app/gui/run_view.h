#pragma once

#include "ops/diff/diff_run.h"
#include "tolerance_bar.h"

#include <QWidget>

#include <memory>
#include <optional>

class BackgroundJob;
class LinePlot;
class QCheckBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class ProgressStrip;
class RunTableModel;

/// A top-level window showing the run view of a training run (ckpt::diffRun, the data of
/// `ckpt diff ROOT --steps FROM..TO`): a table of leaves by consecutive step pairs, coloured by
/// change state with ||B-A||/||A|| as text, a leaf filter, and a line plot of the update norms of
/// the selected leaves over steps (log scale optional). Double-clicking a pair cell asks for the
/// diff window of those two steps (diffRequested). The run is computed on a worker (BackgroundJob)
/// with progress and Cancel; the range and tolerance controls apply to the next computation.
/// UI-thread only.
class RunView : public QWidget {
    Q_OBJECT
public:
    explicit RunView(QWidget *parent = nullptr);
    ~RunView() override;

    /// Computes the run view of the run at `root` (item `item` of composite steps) with the
    /// controls' range and tolerance, cancelling a computation still running.
    void start(const QString &root, const std::optional<QString> &item = std::nullopt);
    /// Computes the same run again with the controls' values; false when no run was started.
    bool recompute();
    void cancel();
    /// The options the controls describe: From/To (empty = open end), atol, rtol, NaN equal.
    ckpt::RunDiffOptions options() const;
    const QString &root() const { return m_root; }
    bool isRunning() const;
    /// A run view has been computed (and not replaced by a failure since).
    bool hasResult() const { return m_hasResult; }

    /// Selects the table rows of these leaves (clearing the selection); returns how many were
    /// found among the rows the filter shows. The plot follows the selection.
    int selectLeaves(const QStringList &paths);
    /// Leaves plotted now, in table order.
    QStringList plottedLeaves() const;

    RunTableModel *model() const { return m_model; }
    QSortFilterProxyModel *proxy() const { return m_proxy; }
    QTableView *table() const { return m_table; }
    LinePlot *plot() const { return m_plot; }
    QLineEdit *filterEdit() const { return m_filter; }
    QLineEdit *fromEdit() const { return m_from; }
    QLineEdit *toEdit() const { return m_to; }
    QLineEdit *atolEdit() const { return m_tolerance->atolEdit(); }
    QLineEdit *rtolEdit() const { return m_tolerance->rtolEdit(); }
    QCheckBox *logScaleBox() const { return m_log; }
    QLabel *statusLabel() const;

    /// At most this many leaves are plotted at once.
    static constexpr int kMaxSeries = 12;

signals:
    void finished(bool ok);
    /// A pair cell was double-clicked: diff step `stepA` (older) with `stepB`, showing `leaf`.
    void diffRequested(const QString &stepA, const QString &stepB, const QString &leaf);

private:
    struct Result;
    void onFinished(Result &&r);
    void updatePlot();
    void applyFilter(const QString &text);

    QString m_root;
    std::optional<QString> m_item;
    bool m_hasResult = false;
    RunTableModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    LinePlot *m_plot;
    QLineEdit *m_filter, *m_from, *m_to;
    ToleranceBar *m_tolerance;
    QCheckBox *m_log;
    ProgressStrip *m_strip;
    BackgroundJob *m_job;
};
