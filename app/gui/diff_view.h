#pragma once

#include "layout/checkpoint.h"
#include "ops/diff/diff.h"
#include "ops/plane/array_plane.h"
#include "tolerance_bar.h"

#include <QWidget>

#include <functional>
#include <memory>

class BackgroundJob;
class DiffFilterProxy;
class DiffModel;
class HeatmapWidget;
class HistogramWidget;
class QCheckBox;
class QComboBox;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class ProgressStrip;
class QTreeView;
template <typename T> struct JobResult;

/// A top-level window comparing two checkpoints: the merged diff tree with status filters, and for
/// a selected array pair heatmaps of A, B and A-B of one 2-D plane (one set of slice controls
/// drives all three) plus a histogram of A-B.
///
/// The diff runs with ckpt::diffTrees on a worker (BackgroundJob) with progress and Cancel; planes
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
    /// Opens both sides on the worker (e.g. two steps of one run), then diffs A against B.
    void start(const QString &pathA, const ckpt::OpenOptions &openA, const QString &pathB,
        const ckpt::OpenOptions &openB, const ckpt::DiffOptions &options = {});
    /// Selects the row of aligned path `path` when the diff now running finishes (once).
    void selectWhenFinished(const QString &path) { m_pendingSelect = path; }
    /// Recipe files applied to A and B (after opening, before comparing); empty: none.
    QLineEdit *recipeAEdit() const { return m_recipeA; }
    QLineEdit *recipeBEdit() const { return m_recipeB; }
    /// The two checkpoints of the last finished diff, after their recipes (null before one finished).
    CheckpointPtr sideA() const { return m_a; }
    CheckpointPtr sideB() const { return m_b; }
    void cancel();
    /// Compares the same two checkpoints again with the tolerance controls' values (atol, rtol,
    /// NaN equal) and rename rules; false while a diff runs, before one has finished, or while
    /// a rename rule is invalid.
    bool recompare();
    /// The options the controls describe: tolerances and the valid rename rules (threads as last
    /// started).
    ckpt::DiffOptions options() const;
    /// Rename rules editor: one `REGEX=REPL` rule per line (ckpt::RenameRule syntax), applied to
    /// A's paths by the next Compare again. Each edit is parsed; an invalid rule turns the editor
    /// red and renameMessage() shows the parser's message.
    QPlainTextEdit *renameEdit() const { return m_renameEdit; }
    QLabel *renameMessage() const { return m_renameMessage; }
    bool renamesValid() const { return m_renamesValid; }
    /// "Shared scale": A and B heatmaps use one colour scale over both planes (default on); A-B
    /// keeps its own symmetric scale.
    QCheckBox *sharedScaleBox() const { return m_sharedScale; }
    QLineEdit *atolEdit() const { return m_tolerance->atolEdit(); }
    QLineEdit *rtolEdit() const { return m_tolerance->rtolEdit(); }
    QCheckBox *nanEqualBox() const { return m_tolerance->nanEqualBox(); }
    bool isRunning() const;
    bool isReadingPlanes() const;

    DiffModel *model() const { return m_model; }
    DiffFilterProxy *proxy() const { return m_proxy; }
    QTreeView *tree() const { return m_tree; }
    HeatmapWidget *heatmapA() const { return m_heatA; }
    HeatmapWidget *heatmapB() const { return m_heatB; }
    HeatmapWidget *heatmapDiff() const { return m_heatDiff; }
    HistogramWidget *histogram() const { return m_hist; }
    QLabel *statusLabel() const;
    /// Selects the row with aligned path `path` (expanding its parents); false when it is filtered out.
    bool selectPath(const QString &path);
    const ckpt::PlaneSpec &slice() const { return m_spec; }
    /// Shows another plane of the selected pair; false when `spec` does not fit its shape.
    bool setSlice(const ckpt::PlaneSpec &spec);

signals:
    void finished(bool ok);

private:
    struct Result;
    struct Planes;
    using OpenSide = std::function<CheckpointPtr(const ckpt::Progress &)>;
    void run(
        OpenSide openA, OpenSide openB, const QString &titleA, const QString &titleB, const ckpt::DiffOptions &options);
    void onDiffFinished(Result &&r);
    void onSelection();
    void rebuildSliceControls();
    void readPlanes();
    void onPlanesRead(JobResult<std::shared_ptr<Planes>> &&r);
    void showPlaneMessage(const QString &text);
    void parseRenames();
    void applyScales();

    CheckpointPtr m_a, m_b; ///< compared (after the recipes)
    CheckpointPtr m_openedA, m_openedB; ///< as opened; what Compare again starts from
    QLineEdit *m_recipeA = nullptr, *m_recipeB = nullptr;
    DiffModel *m_model;
    DiffFilterProxy *m_proxy;
    QTreeView *m_tree;
    QCheckBox *m_toggles[4];
    QCheckBox *m_diffOnly;
    ToleranceBar *m_tolerance;
    QPlainTextEdit *m_renameEdit;
    QLabel *m_renameMessage;
    std::vector<ckpt::RenameRule> m_renames; ///< parsed from m_renameEdit
    bool m_renamesValid = true;
    QCheckBox *m_sharedScale;
    ckpt::DiffOptions m_options;
    ProgressStrip *m_strip;
    BackgroundJob *m_diffJob;
    QWidget *m_sliceBox;
    QHBoxLayout *m_sliceLayout;
    QLabel *m_pairLabel;
    HeatmapWidget *m_heatA, *m_heatB, *m_heatDiff;
    HistogramWidget *m_hist;
    BackgroundJob *m_planeJob; ///< the heatmap planes of both sides
    QString m_pendingSelect;

    ckpt::ArraySourcePtr m_srcA, m_srcB;
    std::vector<uint64_t> m_shape;
    ckpt::PlaneSpec m_spec;
};
