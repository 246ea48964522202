#include "array_inspector.h"

#include "checkpoint_overview.h"

#include "array_table_model.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "plane_tsv.h"
#include "stats_panel.h"

#include "background_job.h"

#include "base/error.h"
#include "ops/array_summary.h"

#include <QAction>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace {

/// Most cells of a plane the heatmap holds (32 MiB of doubles); larger planes are sampled every
/// k-th row and column, and hovering reads the exact element.
constexpr uint64_t kHeatmapMaxCells = 1ull << 22;
QString hexPreview(const std::string &bytes)
{
    const QByteArray b = QByteArray::fromStdString(bytes.substr(0, 256));
    QString out;
    for (qsizetype i = 0; i < b.size(); i += 16)
        out += QString::fromLatin1(b.mid(i, 16).toHex(' ')) + QLatin1Char('\n');
    if (bytes.size() > 256)
        out += QStringLiteral("…");
    return out;
}

} // namespace

ArrayInspector::ArrayInspector(QWidget *parent)
    : QWidget(parent)
    , m_heatJob(new BackgroundJob(this))
    , m_statsJob(new BackgroundJob(this, BackgroundJob::Policy::Concurrent))
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    m_title = new QLabel(this);
    m_title->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_title->setContentsMargins(6, 4, 6, 2);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    layout->addWidget(m_title);

    m_stack = new QStackedWidget(this);
    layout->addWidget(m_stack, 1);
    m_text = new QPlainTextEdit(this);
    m_text->setReadOnly(true);
    m_text->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_stack->addWidget(m_text);

    m_tabs = new QTabWidget(this);
    m_stack->addWidget(m_tabs);
    m_overview = new CheckpointOverview(this);
    m_stack->addWidget(m_overview);
    connect(m_overview, &CheckpointOverview::subtreeActivated, this, &ArrayInspector::subtreeActivated);

    auto *tablePage = new QWidget(this);
    auto *tableLayout = new QVBoxLayout(tablePage);
    tableLayout->setContentsMargins(4, 4, 4, 4);
    m_sliceBar = new QWidget(tablePage);
    m_sliceLayout = new QHBoxLayout(m_sliceBar);
    m_sliceLayout->setContentsMargins(0, 0, 0, 0);
    m_rowDim = new QComboBox(m_sliceBar);
    m_colDim = new QComboBox(m_sliceBar);
    m_rowDim->setToolTip(tr("Dimension shown along the rows"));
    m_colDim->setToolTip(tr("Dimension shown along the columns"));
    m_sliceLayout->addWidget(new QLabel(tr("Rows:"), m_sliceBar));
    m_sliceLayout->addWidget(m_rowDim);
    m_sliceLayout->addWidget(new QLabel(tr("Columns:"), m_sliceBar));
    m_sliceLayout->addWidget(m_colDim);
    m_sliceLayout->addStretch(1);
    tableLayout->addWidget(m_sliceBar);
    m_table = new QTableView(tablePage);
    m_tableModel = new ArrayTableModel(this);
    m_table->setModel(m_tableModel);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setDefaultSectionSize(QFontMetrics(QFontDatabase::systemFont(QFontDatabase::FixedFont))
                                                           .horizontalAdvance(QStringLiteral("-0.000000000000"))
        + 12);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->setAlternatingRowColors(true);
    auto *copy = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Copy as TSV"), m_table);
    copy->setShortcut(QKeySequence::Copy);
    copy->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(copy, &QAction::triggered, this, &ArrayInspector::copySelection);
    m_table->addAction(copy);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    tableLayout->addWidget(m_table, 1);
    m_tabs->addTab(tablePage, style()->standardIcon(QStyle::SP_FileDialogDetailedView), tr("Table"));

    m_heatmap = new HeatmapWidget(this);
    m_tabs->addTab(m_heatmap, style()->standardIcon(QStyle::SP_DesktopIcon), tr("Heatmap"));

    auto *histPage = new QWidget(this);
    auto *histLayout = new QHBoxLayout(histPage);
    histLayout->setContentsMargins(4, 4, 4, 4);
    auto *histLeft = new QVBoxLayout;
    m_histogram = new HistogramWidget(histPage);
    histLeft->addWidget(m_histogram, 1);
    m_logCounts = new QCheckBox(tr("Logarithmic counts"), histPage);
    histLeft->addWidget(m_logCounts);
    histLayout->addLayout(histLeft, 1);
    m_stats = new StatsPanel(histPage);
    histLayout->addWidget(m_stats);
    m_tabs->addTab(histPage, style()->standardIcon(QStyle::SP_FileDialogInfoView), tr("Histogram && statistics"));

    connect(m_logCounts, &QCheckBox::toggled, m_histogram, &HistogramWidget::setLogScale);
    connect(m_rowDim, &QComboBox::currentIndexChanged, this, [this] { applySliceFromControls(); });
    connect(m_colDim, &QComboBox::currentIndexChanged, this, [this] { applySliceFromControls(); });
    connect(m_tableModel, &QAbstractItemModel::dataChanged, this, &ArrayInspector::busyChanged);
    connect(m_tableModel, &ArrayTableModel::readFailed, this, &ArrayInspector::errorOccurred);
    setNode(nullptr, {});
}

ArrayInspector::~ArrayInspector()
{
    // Workers hold their own references to the arrays; stop them before the widgets go.
    m_heatJob->abandon();
    m_statsJob->cancel();
}

void ArrayInspector::cancelWork()
{
    // A stale heatmap is never shown; stale statistics still reach statsReady() when they finish
    // before the cancel takes effect (they are right for their node).
    const bool wasBusy = m_heatJob->isRunning() || m_statsJob->isRunning();
    m_heatJob->abandon();
    m_statsJob->cancel();
    if (wasBusy)
        emit busyChanged();
}

bool ArrayInspector::isBusy() const
{
    return m_heatJob->isRunning() || m_statsJob->isRunning() || m_tableModel->pendingBlocks() > 0
        || m_overview->isBusy();
}

void ArrayInspector::setOverviewSource(const CheckpointPtr &checkpoint, const ckpt::NodePtr &root)
{
    m_overviewCheckpoint = checkpoint;
    m_overviewRoot = root;
}

QString ArrayInspector::plainText() const
{
    return m_text->toPlainText();
}

QString ArrayInspector::headline() const
{
    return m_title->text();
}

const ckpt::PlaneSpec &ArrayInspector::slice() const
{
    return m_tableModel->slice();
}

void ArrayInspector::setNode(const ckpt::NodePtr &node, const QString &path)
{
    cancelWork();
    m_node = node;
    const QString shownPath = path.isEmpty() ? tr("(root)") : path;
    if (!node || (node->isContainer() && !node->children().empty())) {
        m_tableModel->setSource(nullptr);
        const ckpt::NodePtr shown = node ? node : m_overviewRoot;
        if (!shown) {
            m_title->setText(tr("Nothing selected"));
            m_text->setPlainText(tr("Select a leaf in the tree to see its values."));
            m_stack->setCurrentWidget(m_text);
            return;
        }
        m_title->setText(node ? shownPath + QStringLiteral("  ·  ") + QString::fromUtf8(node->kindName())
                              : tr("Nothing selected: the whole checkpoint"));
        m_overview->show(m_overviewCheckpoint, shown, node ? ckpt::parsePath(path.toStdString()) : ckpt::Path{});
        m_stack->setCurrentWidget(m_overview);
        return;
    }
    if (node->kind() != ckpt::NodeKind::Array) {
        m_tableModel->setSource(nullptr);
        m_title->setText(shownPath + QStringLiteral("  ·  ") + QString::fromUtf8(node->kindName()));
        QString text;
        switch (node->kind()) {
        case ckpt::NodeKind::Scalar: text = QString::fromStdString(node->scalar().repr()); break;
        case ckpt::NodeKind::String: text = QString::fromStdString(node->text()); break;
        case ckpt::NodeKind::Bytes: text = hexPreview(node->text()); break;
        case ckpt::NodeKind::None: text = QStringLiteral("None"); break;
        default:
            text = tr("%1 with %2 children, %3 leaves below")
                       .arg(QString::fromUtf8(node->kindName()))
                       .arg(node->children().size())
                       .arg(node->leafCount());
        }
        m_text->setPlainText(text);
        m_stack->setCurrentWidget(m_text);
        return;
    }
    const ckpt::ArrayInfo &info = node->arrayInfo();
    m_title->setText(shownPath + QStringLiteral("  ·  ") + QString::fromUtf8(ckpt::dtypeName(info.dtype))
        + QLatin1Char(' ') + QString::fromStdString(ckpt::shapeString(info.shape)) + QStringLiteral("  ·  ")
        + QString::fromStdString(ckpt::humanBytes(node->arrayBytes())));
    m_tableModel->setSource(node->array());
    rebuildSliceControls();
    m_stack->setCurrentWidget(m_tabs);
    startHeatmap();
    startStats();
}

void ArrayInspector::rebuildSliceControls()
{
    m_updatingControls = true;
    qDeleteAll(m_indexSpins);
    m_indexSpins.clear();
    const auto &shape = m_node->arrayInfo().shape;
    const ckpt::PlaneSpec &spec = m_tableModel->slice();
    m_rowDim->clear();
    m_colDim->clear();
    for (size_t d = 0; d < shape.size(); ++d) {
        const QString label = tr("dim %1 (%2)").arg(d).arg(shape[d]);
        m_rowDim->addItem(label, int(d));
        m_colDim->addItem(label, int(d));
    }
    m_rowDim->setCurrentIndex(spec.rowDim);
    m_colDim->setCurrentIndex(spec.colDim);
    m_rowDim->setEnabled(shape.size() >= 2);
    m_colDim->setEnabled(shape.size() >= 2);
    m_sliceBar->setVisible(!shape.empty());
    for (size_t d = 0; d < shape.size(); ++d) {
        if (int(d) == spec.rowDim || int(d) == spec.colDim)
            continue;
        auto *spin = new QSpinBox(m_sliceBar);
        spin->setPrefix(tr("dim %1 = ").arg(d));
        spin->setSuffix(tr(" / %1").arg(shape[d]));
        spin->setRange(0, int(std::min<uint64_t>(shape[d], INT_MAX)) - 1);
        spin->setValue(int(spec.fixed[d]));
        spin->setProperty("dim", int(d));
        connect(spin, &QSpinBox::valueChanged, this, [this] { applySliceFromControls(); });
        m_sliceLayout->insertWidget(m_sliceLayout->count() - 1, spin);
        m_indexSpins.append(spin);
    }
    m_updatingControls = false;
}

bool ArrayInspector::setSlice(const ckpt::PlaneSpec &spec)
{
    if (!m_node || m_node->kind() != ckpt::NodeKind::Array)
        return false;
    if (!m_tableModel->setSlice(spec))
        return false;
    rebuildSliceControls();
    startHeatmap();
    return true;
}

void ArrayInspector::applySliceFromControls()
{
    if (m_updatingControls || !m_node || m_node->kind() != ckpt::NodeKind::Array)
        return;
    const auto &shape = m_node->arrayInfo().shape;
    if (shape.size() < 2 && m_indexSpins.isEmpty())
        return;
    ckpt::PlaneSpec spec = m_tableModel->slice();
    spec.rowDim = m_rowDim->currentData().toInt();
    spec.colDim = shape.size() >= 2 ? m_colDim->currentData().toInt() : -1;
    if (spec.rowDim == spec.colDim) {
        // Swap: the other chooser takes the dimension the changed one gave up.
        const ckpt::PlaneSpec old = m_tableModel->slice();
        if (sender() == m_rowDim)
            spec.colDim = old.rowDim;
        else
            spec.rowDim = old.colDim;
    }
    for (QSpinBox *spin : std::as_const(m_indexSpins))
        spec.fixed[size_t(spin->property("dim").toInt())] = uint64_t(spin->value());
    const bool dimsChanged = spec.rowDim != slice().rowDim || spec.colDim != slice().colDim;
    if (!m_tableModel->setSlice(spec))
        return;
    if (dimsChanged)
        rebuildSliceControls();
    startHeatmap();
}

void ArrayInspector::startHeatmap()
{
    const ckpt::ArraySourcePtr src = m_node->array();
    const ckpt::PlaneSpec spec = m_tableModel->slice();
    m_heatmap->clear(tr("Loading…"));
    const ckpt::NodePtr node = m_node;
    m_heatJob->start(
        [src, spec](const ckpt::Progress &p) { return ckpt::readPlaneSample(*src, spec, kHeatmapMaxCells, p); },
        [this, node, spec](JobResult<ckpt::PlaneWindow> &&r) {
            if (node == m_node && spec == m_tableModel->slice()) {
                if (r.value) {
                    m_heatmap->setSource(m_node->array(), spec);
                    m_heatmap->setWindow(std::move(*r.value));
                } else
                    m_heatmap->clear(QString::fromStdString(r.error->describe()));
            }
            emit busyChanged();
        });
    emit busyChanged();
}

void ArrayInspector::startStats()
{
    const ckpt::NodePtr node = m_node;
    const ckpt::PlaneSpec spec = m_tableModel->slice();
    m_stats->clear(tr("computing…"));
    m_histogram->clear(tr("Computing…"));
    m_statsJob->start(
        [node, spec](const ckpt::Progress &p) {
            ckpt::SummaryPolicy policy;
            policy.planeMaxCells = kHeatmapMaxCells;
            return ckpt::summarizeArray(*node->array(), spec, policy, p);
        },
        [this, node](JobResult<ckpt::ArraySummary> &&r) {
            if (r.value)
                emit statsReady(node.get(), r.value->stats);
            if (node == m_node) {
                if (!r.value) {
                    m_stats->clear(tr("failed"));
                    m_histogram->clear(QString::fromStdString(r.error->describe()));
                } else {
                    const ckpt::ArraySummary &s = *r.value;
                    m_stats->setStats(s.stats);
                    m_histogram->setHistogram(std::vector<quint64>(s.counts.begin(), s.counts.end()), s.lo, s.hi,
                        s.wholeArray ? tr("all %1 elements").arg(s.stats.count)
                                     : tr("the shown plane only (array too large)"));
                }
            }
            emit busyChanged();
        });
    emit busyChanged();
}

QString ArrayInspector::selectionAsTsv() const
{
    const QModelIndexList cells
        = m_table->selectionModel() ? m_table->selectionModel()->selectedIndexes() : QModelIndexList();
    if (cells.isEmpty() || !m_tableModel->source())
        return {};
    int r0 = cells.front().row(), r1 = r0, c0 = cells.front().column(), c1 = c0;
    for (const QModelIndex &i : cells) {
        r0 = qMin(r0, i.row());
        r1 = qMax(r1, i.row());
        c0 = qMin(c0, i.column());
        c1 = qMax(c1, i.column());
    }
    return planeRangeToTsv(*m_tableModel->source(), m_tableModel->slice(), uint64_t(r0), uint64_t(r1 - r0 + 1),
        uint64_t(c0), uint64_t(c1 - c0 + 1));
}

void ArrayInspector::copySelection()
{
    try {
        const QString text = selectionAsTsv();
        if (!text.isEmpty())
            QGuiApplication::clipboard()->setText(text);
    } catch (const ckpt::Exception &e) {
        emit errorOccurred(QString::fromStdString(e.error().describe()));
    }
}
