#pragma once

#include "base/error.h"
#include "layout/checkpoint.h"
#include "ops/export.h"

#include <QDialog>

#include <memory>
#include <optional>

class BackgroundJob;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

/// File > Export…: writes the open checkpoint's tree with ckpt::exportTree in a chosen format
/// (Orbax, Flax msgpack, HDF5) with its options, on a worker with progress and Cancel.
///
/// The source path (and an Orbax step folder) are passed as ExportOptions::sourcePaths so the
/// destination can never overwrite the source. Emits exported() or failed() when the export ends
/// (a cancel emits failed() with a Cancelled message). Keeps the checkpoint alive while it runs.
/// UI-thread only.
class ExportDialog : public QDialog {
    Q_OBJECT
public:
    using CheckpointPtr = std::shared_ptr<const ckpt::Checkpoint>;

    explicit ExportDialog(CheckpointPtr checkpoint, QWidget *parent = nullptr);
    ~ExportDialog() override;

    /// The options the controls describe.
    ckpt::ExportOptions options() const;
    QString destination() const;
    void setDestination(const QString &path);
    void setFormat(ckpt::ExportFormat format);

    /// Starts the export; false (with the reason in the status line) when one runs or the
    /// destination is empty.
    bool startExport();
    void cancel();
    bool isRunning() const;
    QString statusText() const;

    QComboBox *formatCombo() const { return m_format; }
    QCheckBox *zarr3Box() const { return m_zarr3; }
    QCheckBox *noOcdbtBox() const { return m_noOcdbt; }
    QCheckBox *widenBox() const { return m_widen; }
    QLineEdit *shardSizeEdit() const { return m_shardSize; }
    QCheckBox *asStepBox() const { return m_asStep; }
    QSpinBox *stepSpin() const { return m_step; }
    QCheckBox *forceBox() const { return m_force; }

signals:
    void exported(const QString &path);
    void failed(const QString &message);

private:
    void updateEnabled();
    void browse();
    void onFinished(std::optional<ckpt::Error> error, const ckpt::ExportResult &result);

    CheckpointPtr m_checkpoint;
    QComboBox *m_format;
    QCheckBox *m_zarr3, *m_noOcdbt, *m_widen, *m_asStep, *m_force;
    QSpinBox *m_step;
    QLineEdit *m_dest;
    QLineEdit *m_shardSize; ///< safetensors folder exports: bytes per shard
    QProgressBar *m_progress;
    QLabel *m_status;
    QPushButton *m_exportButton;
    QPushButton *m_cancelButton;
    BackgroundJob *m_job;
};
