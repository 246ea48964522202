#pragma once

#include "array_slice.h"
#include "layout/checkpoint.h"
#include "ops/diff.h"

#include <QWidget>

#include <functional>
#include <memory>

class DiffFilterProxy;
class DiffModel;
class HeatmapWidget;
class HistogramWidget;
class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;
class QToolButton;
class QTreeView;
template <typename T> class QFutureWatcher;

/// A top-level window comparing two checkpoints: the merged diff tree with status filters, and for
/// a selected array pair heatmaps of A, B and A-B of one 2-D plane (one set of slice controls
/// drives all three) plus a histogram of A-B.
///
/// The diff runs with ckpt::diffTrees on a worker (QtConcurrent) with progress and Cancel; planes
/// are read on a worker too (readPlaneSample, bounded cells). Both checkpoints are kept alive by
/// shared pointers for as long as the view shows them. UI-thread only.
class DiffView : public QWidget {
    Q_OBJECT
public:
    using CheckpointPtr = std::shared_ptr<const ckpt::Checkpoint>;

    explicit DiffView(QWidget *parent = nullptr);
    ~DiffView() override;

    /// Starts diffing `a` against `b` (cancelling a diff still running).
    void start(CheckpointPtr a, CheckpointPtr b, const ckpt::DiffOptions &options = {});
    /// Opens `pathB` (ckpt::openCheckpoint) on the worker, then diffs `a` against it.
    void start(CheckpointPtr a, const QString &pathB, const ckpt::OpenOptions &openB = {},
        const ckpt::DiffOptions &options = {});
    void cancel();
    /// Compares the same two checkpoints again with the tolerance controls' values (atol, rtol,
    /// NaN equal); false while a diff runs or before one has finished.
    bool recompare();
    /// The options the tolerance controls describe (renames and threads as last started).
    ckpt::DiffOptions options() const;
    QLineEdit *atolEdit() const { return m_atol; }
    QLineEdit *rtolEdit() const { return m_rtol; }
    QCheckBox *nanEqualBox() const { return m_nanEqual; }
    bool isRunning() const { return m_diffWatcher != nullptr; }
    bool isReadingPlanes() const { return m_planeWatcher != nullptr; }

    DiffModel *model() const { return m_model; }
    DiffFilterProxy *proxy() const { return m_proxy; }
    QTreeView *tree() const { return m_tree; }
    HeatmapWidget *heatmapA() const { return m_heatA; }
    HeatmapWidget *heatmapB() const { return m_heatB; }
    HeatmapWidget *heatmapDiff() const { return m_heatDiff; }
    HistogramWidget *histogram() const { return m_hist; }
    QLabel *statusLabel() const { return m_status; }
    /// Selects the row with aligned path `path` (expanding its parents); false when it is filtered out.
    bool selectPath(const QString &path);
    const SliceSpec &slice() const { return m_spec; }
    /// Shows another plane of the selected pair; false when `spec` does not fit its shape.
    bool setSlice(const SliceSpec &spec);

signals:
    void finished(bool ok);

private:
    struct Result;
    struct Planes;
    using OpenB = std::function<CheckpointPtr(const ckpt::Progress &)>;
    void run(CheckpointPtr a, OpenB openB, const QString &titleB, const ckpt::DiffOptions &options);
    void onDiffFinished();
    void onSelection();
    void rebuildSliceControls();
    void readPlanes();
    void onPlanesRead();
    void showPlaneMessage(const QString &text);

    CheckpointPtr m_a, m_b;
    DiffModel *m_model;
    DiffFilterProxy *m_proxy;
    QTreeView *m_tree;
    QCheckBox *m_toggles[4];
    QCheckBox *m_diffOnly;
    QLabel *m_status;
    QLineEdit *m_atol, *m_rtol;
    QCheckBox *m_nanEqual;
    ckpt::DiffOptions m_options;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
    QWidget *m_sliceBox;
    QHBoxLayout *m_sliceLayout;
    QLabel *m_pairLabel;
    HeatmapWidget *m_heatA, *m_heatB, *m_heatDiff;
    HistogramWidget *m_hist;
    QFutureWatcher<std::shared_ptr<Result>> *m_diffWatcher = nullptr;
    QFutureWatcher<std::shared_ptr<Planes>> *m_planeWatcher = nullptr;
    bool m_planesStale = false;

    ckpt::ArraySourcePtr m_srcA, m_srcB;
    std::vector<uint64_t> m_shape;
    SliceSpec m_spec;
};
