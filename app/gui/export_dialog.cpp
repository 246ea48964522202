#include "export_dialog.h"

#include "background_job.h"
#include "base/error.h"
#include "document_controller.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

ExportDialog::ExportDialog(CheckpointPtr checkpoint, QWidget *parent)
    : QDialog(parent)
    , m_checkpoint(std::move(checkpoint))
    , m_job(new BackgroundJob(this))
{
    setWindowTitle(tr("Export checkpoint"));
    auto *layout = new QVBoxLayout(this);
    auto *source = new QLabel(tr("Source: %1").arg(QString::fromStdString(m_checkpoint->path)), this);
    source->setTextInteractionFlags(Qt::TextSelectableByMouse);
    source->setWordWrap(true);
    layout->addWidget(source);

    auto *form = new QFormLayout;
    m_format = new QComboBox(this);
    m_format->addItem(tr("Orbax PyTree checkpoint"), int(ckpt::ExportFormat::Orbax));
    m_format->addItem(tr("Flax msgpack"), int(ckpt::ExportFormat::FlaxMsgpack));
    m_format->addItem(tr("HDF5"), int(ckpt::ExportFormat::Hdf5));
    m_format->addItem(tr("Hugging Face safetensors"), int(ckpt::ExportFormat::Safetensors));
    form->addRow(tr("Format:"), m_format);

    m_zarr3 = new QCheckBox(tr("zarr v3 arrays (--zarr3)"), this);
    m_noOcdbt = new QCheckBox(tr("One zarr folder per array, no OCDBT (--no-ocdbt)"), this);
    m_widen = new QCheckBox(tr("Widen dtypes the format lacks (HDF5: bfloat16 / float8 / int4 as float32; "
                               "safetensors: int4 / uint4 / int2 / uint2 and three float8s as I8 / U8 / F16)"),
        this);
    auto *shardRow = new QHBoxLayout;
    m_shardSize = new QLineEdit(QStringLiteral("5GB"), this);
    m_shardSize->setMaximumWidth(120);
    m_shardSize->setToolTip(tr("A destination ending in .safetensors is one file; a folder gets model.safetensors "
                               "or shards of at most this size plus model.safetensors.index.json"));
    shardRow->addWidget(new QLabel(tr("safetensors shard size:"), this));
    shardRow->addWidget(m_shardSize);
    shardRow->addStretch(1);
    auto *stepRow = new QHBoxLayout;
    m_asStep = new QCheckBox(tr("Add as step"), this);
    m_step = new QSpinBox(this);
    m_step->setRange(0, std::numeric_limits<int>::max());
    if (m_checkpoint->step)
        m_step->setValue(int(m_checkpoint->step->value));
    stepRow->addWidget(m_asStep);
    stepRow->addWidget(m_step);
    stepRow->addWidget(new QLabel(tr("of the run folder at the destination"), this));
    stepRow->addStretch(1);
    m_force = new QCheckBox(tr("Overwrite an existing destination"), this);
    auto *options = new QVBoxLayout;
    for (QWidget *w :
        {static_cast<QWidget *>(m_zarr3), static_cast<QWidget *>(m_noOcdbt), static_cast<QWidget *>(m_widen)})
        options->addWidget(w);
    options->addLayout(shardRow);
    options->addLayout(stepRow);
    options->addWidget(m_force);
    form->addRow(tr("Options:"), options);

    auto *destRow = new QHBoxLayout;
    m_dest = new QLineEdit(this);
    m_dest->setPlaceholderText(tr("File or folder to create, or a gs:// or s3:// URL"));
    m_dest->setToolTip(tr("A local path, or a bucket URL such as gs://bucket/run/ckpt or s3://bucket/run/ckpt: the "
                          "export is staged locally, then uploaded with its commit marker last"));
    m_dest->setMinimumWidth(360);
    auto *browseButton = new QToolButton(this);
    browseButton->setText(tr("Browse…"));
    connect(browseButton, &QToolButton::clicked, this, &ExportDialog::browse);
    destRow->addWidget(m_dest, 1);
    destRow->addWidget(browseButton);
    form->addRow(tr("Destination:"), destRow);
    layout->addLayout(form);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    layout->addWidget(m_progress);
    connect(m_job, &BackgroundJob::progress, m_progress, &QProgressBar::setValue);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto *buttons = new QDialogButtonBox(this);
    m_exportButton = buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    m_cancelButton = buttons->addButton(QDialogButtonBox::Close);
    connect(m_exportButton, &QPushButton::clicked, this, [this] { startExport(); });
    connect(m_cancelButton, &QPushButton::clicked, this, [this] {
        if (isRunning())
            cancel();
        else
            reject();
    });
    layout->addWidget(buttons);

    connect(m_format, &QComboBox::currentIndexChanged, this, &ExportDialog::updateEnabled);
    connect(m_asStep, &QCheckBox::toggled, this, &ExportDialog::updateEnabled);
    updateEnabled();
}

ExportDialog::~ExportDialog() = default; // m_job cancels and waits

bool ExportDialog::isRunning() const
{
    return m_job->isRunning();
}

void ExportDialog::setFormat(ckpt::ExportFormat format)
{
    m_format->setCurrentIndex(m_format->findData(int(format)));
}

void ExportDialog::setDestination(const QString &path)
{
    m_dest->setText(path);
}

QString ExportDialog::destination() const
{
    return m_dest->text().trimmed();
}

QString ExportDialog::statusText() const
{
    return m_status->text();
}

void ExportDialog::updateEnabled()
{
    const auto format = ckpt::ExportFormat(m_format->currentData().toInt());
    const bool busy = isRunning();
    const bool orbax = format == ckpt::ExportFormat::Orbax;
    m_format->setEnabled(!busy);
    m_zarr3->setEnabled(!busy && orbax);
    m_noOcdbt->setEnabled(!busy && orbax);
    const bool safetensors = format == ckpt::ExportFormat::Safetensors;
    m_widen->setEnabled(!busy && (format == ckpt::ExportFormat::Hdf5 || safetensors));
    m_shardSize->setEnabled(!busy && safetensors);
    m_asStep->setEnabled(!busy && format != ckpt::ExportFormat::Hdf5 && !safetensors);
    m_step->setEnabled(!busy && m_asStep->isEnabled() && m_asStep->isChecked());
    m_force->setEnabled(!busy);
    m_dest->setEnabled(!busy);
    m_exportButton->setEnabled(!busy);
    m_cancelButton->setText(busy ? tr("Cancel") : tr("Close"));
}

ckpt::ExportOptions ExportDialog::options() const
{
    ckpt::ExportOptions o;
    o.format = ckpt::ExportFormat(m_format->currentData().toInt());
    if (o.format == ckpt::ExportFormat::Orbax) {
        o.orbax.useZarr3 = m_zarr3->isChecked();
        o.orbax.useOcdbt = !m_noOcdbt->isChecked();
    }
    o.hdf5Widen = o.format == ckpt::ExportFormat::Hdf5 && m_widen->isChecked();
    if (m_asStep->isEnabled() && m_asStep->isChecked())
        o.asStep = std::to_string(m_step->value());
    if (o.format == ckpt::ExportFormat::Safetensors) {
        o.safetensors.widen = m_widen->isChecked();
        if (const auto bytes = ckpt::safetensors::parseSize(m_shardSize->text().toStdString()))
            o.safetensors.maxShardBytes = *bytes;
    }
    o.force = m_force->isChecked();
    o.sourcePaths.push_back(m_checkpoint->path);
    if (m_checkpoint->metadata.contains("step_path") && m_checkpoint->metadata["step_path"].is_string())
        o.sourcePaths.push_back(m_checkpoint->metadata["step_path"].get<std::string>());
    return o;
}

void ExportDialog::browse()
{
    const auto format = ckpt::ExportFormat(m_format->currentData().toInt());
    QString path;
    if (format == ckpt::ExportFormat::Orbax || m_asStep->isChecked())
        path = QFileDialog::getSaveFileName(
            this, tr("Export to folder"), destination(), {}, nullptr, QFileDialog::DontConfirmOverwrite);
    else if (format == ckpt::ExportFormat::Safetensors)
        path = QFileDialog::getSaveFileName(this, tr("Export to a safetensors file or folder"), destination(),
            tr("safetensors (*.safetensors);;Folder (*)"), nullptr, QFileDialog::DontConfirmOverwrite);
    else if (format == ckpt::ExportFormat::Hdf5)
        path = QFileDialog::getSaveFileName(this, tr("Export to HDF5 file"), destination(), tr("HDF5 (*.h5 *.hdf5)"));
    else
        path = QFileDialog::getSaveFileName(
            this, tr("Export to Flax msgpack file"), destination(), tr("Flax msgpack (*.msgpack);;All files (*)"));
    if (!path.isEmpty())
        m_dest->setText(path);
}

bool ExportDialog::startExport()
{
    if (isRunning())
        return false;
    const QString dst = destination();
    if (dst.isEmpty()) {
        m_status->setText(tr("Choose a destination first."));
        return false;
    }
    if (ckpt::ExportFormat(m_format->currentData().toInt()) == ckpt::ExportFormat::Safetensors
        && !ckpt::safetensors::parseSize(m_shardSize->text().toStdString())) {
        m_status->setText(tr("The shard size \"%1\" is not a size like 5GB, 500MB or 2GiB.").arg(m_shardSize->text()));
        return false;
    }
    m_progress->setValue(0);
    m_status->setText(tr("Exporting to %1…").arg(dst));
    m_job->start([root = m_checkpoint->root, keep = m_checkpoint, file = dst.toStdString(), o = options()](
                     const ckpt::Progress &progress) { return ckpt::exportTree(root, file, o, progress); },
        [this](JobResult<ckpt::ExportResult> &&r) {
            onFinished(std::move(r.error), r.value ? *r.value : ckpt::ExportResult{});
        },
        dst.toStdString());
    updateEnabled();
    return true;
}

void ExportDialog::cancel()
{
    m_job->cancel();
}

void ExportDialog::onFinished(std::optional<ckpt::Error> error, const ckpt::ExportResult &result)
{
    updateEnabled();
    if (error && error->category == ckpt::ErrorCategory::Cancelled) {
        m_progress->setValue(0);
        m_status->setText(tr("Export cancelled; nothing was written."));
        emit failed(m_status->text());
        return;
    }
    if (error) {
        m_status->setText(tr("Export failed: %1").arg(DocumentController::describe(*error)));
        emit failed(m_status->text());
        return;
    }
    m_progress->setValue(1000);
    const QString path = QString::fromStdString(result.path);
    QString text = tr("Exported to %1").arg(path);
    for (const std::string &w : result.warnings)
        text += QStringLiteral("\n") + tr("Note: %1").arg(QString::fromStdString(w));
    m_status->setText(text);
    emit exported(path);
}
