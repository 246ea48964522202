// DiffView's lower half: the A, B and A-B heatmaps of the selected pair's current slice (read on a
// worker), the slice controls shared by the three, the colour scales and the histogram of A-B.
#include "diff_view.h"

#include "base/error.h"
#include "diff_filter_proxy.h"
#include "diff_model.h"
#include "document_controller.h"
#include "heatmap_widget.h"
#include "histogram_widget.h"
#include "tree/key.h"

#include "background_job.h"
#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QTreeView>

#include <algorithm>
#include <cmath>

struct DiffView::Planes {
    ckpt::PlaneWindow a, b;
};

namespace {
constexpr uint64_t kMaxPlaneCells = 256 * 1024; ///< cells read per side for the heatmaps
constexpr int kHistogramBins = 64;

ckpt::ArraySourcePtr arrayAt(const ckpt::NodePtr &root, const std::optional<ckpt::DiffSide> &side)
{
    if (!root || !side || side->kind != "array")
        return nullptr;
    const ckpt::NodePtr node = ckpt::findNode(root, ckpt::parsePath(side->path));
    return node && node->kind() == ckpt::NodeKind::Array ? node->array() : nullptr;
}
} // namespace

void DiffView::showPlaneMessage(const QString &text)
{
    m_srcA.reset();
    m_srcB.reset();
    m_shape.clear();
    const QString message = text.isEmpty() ? tr("Select a changed array to compare its values.") : text;
    m_pairLabel->setText(message);
    m_sliceBox->hide();
    m_heatA->clear(QString());
    m_heatB->clear(QString());
    m_heatDiff->clear(QString());
    m_hist->clear(QString());
}

void DiffView::onSelection()
{
    const ckpt::DiffEntry *e = m_model->entryAt(m_proxy->mapToSource(m_tree->currentIndex()));
    if (!e || !m_a || !m_b) {
        showPlaneMessage({});
        return;
    }
    auto srcA = arrayAt(m_a->root, e->a);
    auto srcB = arrayAt(m_b->root, e->b);
    if (!srcA || !srcB) {
        showPlaneMessage(
            tr("%1: values can be compared only between two arrays.").arg(QString::fromStdString(e->path)));
        return;
    }
    if (srcA->info().shape != srcB->info().shape) {
        showPlaneMessage(tr("%1: shapes differ, values are not compared.").arg(QString::fromStdString(e->path)));
        return;
    }
    m_srcA = std::move(srcA);
    m_srcB = std::move(srcB);
    m_shape = m_srcA->info().shape;
    m_spec = ckpt::PlaneSpec::defaultFor(m_shape);
    m_pairLabel->setText(QStringLiteral("%1 — %2").arg(QString::fromStdString(e->path),
        m_model->data(m_model->indexForPath(QString::fromStdString(e->path)).siblingAtColumn(DiffModel::StatusColumn))
            .toString()));
    m_heatA->setSource(m_srcA, m_spec);
    m_heatB->setSource(m_srcB, m_spec);
    m_heatDiff->setSource(nullptr, m_spec);
    rebuildSliceControls();
    readPlanes();
}

bool DiffView::setSlice(const ckpt::PlaneSpec &spec)
{
    if (!m_srcA || !spec.isValidFor(m_shape))
        return false;
    m_spec = spec;
    m_heatA->setSource(m_srcA, m_spec);
    m_heatB->setSource(m_srcB, m_spec);
    rebuildSliceControls();
    readPlanes();
    return true;
}

void DiffView::rebuildSliceControls()
{
    while (QLayoutItem *item = m_sliceLayout->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    const int rank = int(m_shape.size());
    m_sliceBox->setVisible(rank > 0);
    if (rank == 0)
        return;
    const auto dimCombo = [this, rank](int current, bool allowNone) {
        auto *combo = new QComboBox(m_sliceBox);
        if (allowNone)
            combo->addItem(tr("—"), -1);
        for (int d = 0; d < rank; ++d)
            combo->addItem(tr("dim %1 (%2)").arg(d).arg(m_shape[size_t(d)]), d);
        combo->setCurrentIndex(combo->findData(current));
        return combo;
    };
    m_sliceLayout->addWidget(new QLabel(tr("Rows:"), m_sliceBox));
    auto *rows = dimCombo(m_spec.rowDim, false);
    m_sliceLayout->addWidget(rows);
    m_sliceLayout->addWidget(new QLabel(tr("Columns:"), m_sliceBox));
    auto *cols = dimCombo(m_spec.colDim, true);
    m_sliceLayout->addWidget(cols);
    const auto apply = [this, rows, cols] {
        ckpt::PlaneSpec s = m_spec;
        s.rowDim = rows->currentData().toInt();
        s.colDim = cols->currentData().toInt();
        if (s.rowDim == s.colDim)
            s.colDim = -1;
        QMetaObject::invokeMethod(
            this, [this, s] { setSlice(s); }, Qt::QueuedConnection);
    };
    connect(rows, &QComboBox::currentIndexChanged, this, apply);
    connect(cols, &QComboBox::currentIndexChanged, this, apply);
    for (int d = 0; d < rank; ++d) {
        if (d == m_spec.rowDim || d == m_spec.colDim)
            continue;
        m_sliceLayout->addWidget(new QLabel(tr("dim %1:").arg(d), m_sliceBox));
        auto *spin = new QSpinBox(m_sliceBox);
        spin->setRange(0, int(std::min<uint64_t>(m_shape[size_t(d)], uint64_t(INT32_MAX)) - 1));
        spin->setValue(int(m_spec.fixed[size_t(d)]));
        spin->setKeyboardTracking(false);
        connect(spin, &QSpinBox::valueChanged, this, [this, d](int v) {
            m_spec.fixed[size_t(d)] = uint64_t(v);
            m_heatA->setSource(m_srcA, m_spec);
            m_heatB->setSource(m_srcB, m_spec);
            readPlanes();
        });
        m_sliceLayout->addWidget(spin);
    }
    m_sliceLayout->addStretch(1);
}

void DiffView::readPlanes()
{
    // While a read runs, the newest request waits for it and the running one's planes are dropped.
    m_planeJob->startWhenIdle(
        [a = m_srcA, b = m_srcB, spec = m_spec](const ckpt::Progress &progress) {
            auto p = std::make_shared<Planes>();
            p->a = ckpt::readPlaneSample(*a, spec, kMaxPlaneCells, progress);
            p->b = ckpt::readPlaneSample(*b, spec, kMaxPlaneCells, progress);
            return p;
        },
        [this](JobResult<std::shared_ptr<Planes>> &&r) { onPlanesRead(std::move(r)); });
}

void DiffView::onPlanesRead(JobResult<std::shared_ptr<Planes>> &&r)
{
    if (m_planeJob->hasQueued() || !m_srcA)
        return;
    if (r.error) {
        m_heatA->clear(DocumentController::describe(*r.error));
        return;
    }
    const std::shared_ptr<Planes> p = *r.value;
    ckpt::PlaneWindow d = p->a;
    d.isSigned = true;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < d.values.size(); ++i) {
        d.values[i] = p->a.values[i] - p->b.values[i];
        if (std::isfinite(d.values[i])) {
            lo = std::min(lo, d.values[i]);
            hi = std::max(hi, d.values[i]);
        }
    }
    m_heatA->setWindow(std::move(p->a));
    m_heatB->setWindow(std::move(p->b));
    applyScales();
    if (!(lo <= hi)) {
        m_heatDiff->setWindow(std::move(d));
        m_hist->clear(tr("No finite differences"));
        return;
    }
    if (lo == hi) {
        lo -= 0.5;
        hi += 0.5;
    }
    std::vector<quint64> counts(kHistogramBins, 0);
    for (double v : d.values)
        if (std::isfinite(v))
            ++counts[size_t(std::clamp(int((v - lo) / (hi - lo) * kHistogramBins), 0, kHistogramBins - 1))];
    const QString caption = d.sampled() ? tr("A − B over a sampled plane") : tr("A − B over the plane");
    m_heatDiff->setWindow(std::move(d));
    m_hist->setHistogram(std::move(counts), lo, hi, caption);
}

void DiffView::applyScales()
{
    const ckpt::PlaneWindow &a = m_heatA->window();
    const ckpt::PlaneWindow &b = m_heatB->window();
    if (!m_sharedScale->isChecked() || a.values.empty() || b.values.empty()) {
        m_heatA->setFixedScale(std::nullopt);
        m_heatB->setFixedScale(std::nullopt);
        return;
    }
    std::vector<double> both;
    both.reserve(a.values.size() + b.values.size());
    both.insert(both.end(), a.values.begin(), a.values.end());
    both.insert(both.end(), b.values.begin(), b.values.end());
    const ColourScale shared = chooseScale(both, a.isSigned || b.isSigned);
    m_heatA->setFixedScale(shared);
    m_heatB->setFixedScale(shared);
}
