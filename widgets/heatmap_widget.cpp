#include "heatmap_widget.h"

#include "base/error.h"
#include "tree/dtype.h"

#include "background_job.h"
#include <QContextMenuEvent>
#include <QFontDatabase>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>

#include <cmath>

namespace {
constexpr int kBarWidth = 16;
constexpr int kBarLabelWidth = 72;
constexpr int kMargin = 8;
constexpr int kFooter = 22;

QString number(double v)
{
    return QString::number(v, 'g', 5);
}

QString cellText(uint64_t row, uint64_t col)
{
    return QStringLiteral("[%1, %2] = ").arg(row).arg(col);
}
} // namespace

HeatmapWidget::HeatmapWidget(QWidget *parent)
    : QWidget(parent)
    , m_reading(new BackgroundJob(this))
{
    setMouseTracking(true);
    setMinimumSize(200, 160);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

bool HeatmapWidget::isReading() const
{
    return m_reading->isRunning() || m_reading->hasQueued();
}

HeatmapWidget::~HeatmapWidget()
{
    m_reading->abandon();
}

void HeatmapWidget::setWindow(ckpt::PlaneWindow window)
{
    m_window = std::move(window);
    m_message.clear();
    m_hoverText.clear();
    m_hoverCell.reset();
    m_scale = m_fixedScale ? *m_fixedScale : chooseScale(m_window.values, m_window.isSigned);
    m_image = {};
    update();
}

void HeatmapWidget::setFixedScale(std::optional<ColourScale> scale)
{
    m_fixedScale = scale;
    m_scale = m_fixedScale ? *m_fixedScale : chooseScale(m_window.values, m_window.isSigned);
    m_image = {};
    update();
}

void HeatmapWidget::setSource(ckpt::ArraySourcePtr source, const ckpt::PlaneSpec &spec)
{
    m_source = std::move(source);
    m_spec = spec;
    m_exact.reset();
    m_reading->abandon(); // reads of the old source are never delivered
}

void HeatmapWidget::clear(const QString &message)
{
    m_window = {};
    m_image = {};
    m_message = message;
    m_hoverText.clear();
    m_hoverCell.reset();
    update();
}

void HeatmapWidget::setPooling(ckpt::Pooling pooling)
{
    if (pooling == m_pooling)
        return;
    m_pooling = pooling;
    m_image = {};
    update();
}

QRectF HeatmapWidget::plotRect(const QSizeF &size, uint64_t rows, uint64_t cols)
{
    QRectF area(kMargin, kMargin, size.width() - 3 * kMargin - kBarWidth - kBarLabelWidth,
        size.height() - 2 * kMargin - kFooter);
    if (rows == 0 || cols == 0 || area.width() <= 0 || area.height() <= 0)
        return {};
    const double cell = std::min(area.width() / double(cols), area.height() / double(rows));
    const double aspect = double(cols) / double(rows);
    if (cell >= 4 || (aspect >= 0.25 && aspect <= 4)) {
        const QSizeF s(cell * double(cols), cell * double(rows));
        return QRectF(area.topLeft() + QPointF((area.width() - s.width()) / 2, (area.height() - s.height()) / 2), s);
    }
    return area;
}

std::optional<std::pair<uint64_t, uint64_t>> HeatmapWidget::planeCellAt(
    const QRectF &plot, uint64_t rows, uint64_t cols, const QPointF &pos)
{
    if (rows == 0 || cols == 0 || plot.isEmpty() || !plot.contains(pos))
        return std::nullopt;
    const auto at = [](double offset, double extent, uint64_t n) {
        return std::min<uint64_t>(n - 1, uint64_t(std::max(0.0, offset / extent * double(n))));
    };
    return std::pair{at(pos.y() - plot.top(), plot.height(), rows), at(pos.x() - plot.left(), plot.width(), cols)};
}

QString HeatmapWidget::readout(uint64_t row, uint64_t col)
{
    if (row >= m_window.planeRows || col >= m_window.planeCols)
        return {};
    if (const auto cell = m_window.cellOf(row, col))
        return cellText(row, col)
            + QString::fromStdString(ckpt::formatDouble(m_window.values[cell->first * m_window.cols + cell->second]));
    if (m_exact && m_exact->row == row && m_exact->col == col)
        return cellText(row, col) + m_exact->text;
    readExact(row, col);
    return cellText(row, col) + QStringLiteral("…");
}

void HeatmapWidget::readExact(uint64_t row, uint64_t col)
{
    if (!m_source)
        return;
    // One read at a time: a cell hovered meanwhile is read next (only the newest such cell).
    const ckpt::ArraySourcePtr source = m_source;
    const std::vector<uint64_t> index = m_spec.indexOf(row, col);
    m_reading->startWhenIdle(
        [source, index](const ckpt::Progress &) {
            const ckpt::DType dtype = source->info().dtype;
            std::vector<std::byte> one(ckpt::itemSize(dtype));
            source->readSlab(ckpt::Slab{index, std::vector<uint64_t>(index.size(), 1)}, one);
            return one;
        },
        [this, source, row, col](JobResult<std::vector<std::byte>> &&r) {
            if (source != m_source)
                return;
            Exact exact{row, col, {}, std::nan("")};
            if (r.value) {
                const ckpt::DType dtype = source->info().dtype;
                exact.text = QString::fromStdString(ckpt::formatElement(dtype, r.value->data()));
                if (ckpt::dtypeClass(dtype) != ckpt::DTypeClass::Complex)
                    exact.value = ckpt::toDouble(dtype, r.value->data());
            } else
                exact.text = QString::fromStdString(r.error->describe());
            m_exact = exact;
            if (m_hoverCell && *m_hoverCell == std::pair{exact.row, exact.col}) {
                m_hoverText = cellText(exact.row, exact.col) + exact.text;
                emit hovered(exact.row, exact.col, exact.value);
                update();
            }
        });
}

void HeatmapWidget::renderImage(const QSize &pixels)
{
    const uint64_t outRows = std::max(1, pixels.height()), outCols = std::max(1, pixels.width());
    const std::vector<double> pooled
        = ckpt::poolGrid(m_window.values, m_window.rows, m_window.cols, outRows, outCols, m_pooling);
    const uint64_t rows = std::min(m_window.rows, outRows), cols = std::min(m_window.cols, outCols);
    m_image = QImage(int(cols), int(rows), QImage::Format_RGB32);
    for (uint64_t r = 0; r < rows; ++r) {
        auto *line = reinterpret_cast<QRgb *>(m_image.scanLine(int(r)));
        for (uint64_t c = 0; c < cols; ++c)
            line[c] = colourFor(m_scale, pooled[r * cols + c]).rgb();
    }
}

void HeatmapWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    if (m_window.values.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, m_message.isEmpty() ? tr("No array selected") : m_message);
        return;
    }
    const QRectF plot = plotRect(size(), m_window.planeRows, m_window.planeCols);
    // The plot shows the sampled window; pool it to the plot's device pixels when it has more cells.
    const QSize pixels = (plot.size() * devicePixelRatioF()).toSize();
    const QSize wanted(int(std::min<uint64_t>(m_window.cols, uint64_t(std::max(1, pixels.width())))),
        int(std::min<uint64_t>(m_window.rows, uint64_t(std::max(1, pixels.height())))));
    if (m_image.isNull() || m_image.size() != wanted)
        renderImage(wanted);
    p.drawImage(plot, m_image);
    p.setPen(palette().color(QPalette::Mid));
    p.drawRect(plot.adjusted(-0.5, -0.5, 0.5, 0.5));

    // Colour bar: top is the high end.
    const QRectF bar(width() - 2 * kMargin - kBarWidth - kBarLabelWidth + kMargin, plot.top(), kBarWidth,
        std::max(40.0, plot.height()));
    for (int y = 0; y < int(bar.height()); ++y) {
        const double t = 1.0 - double(y) / std::max(1.0, bar.height() - 1);
        p.setPen(paletteColour(t, m_scale.diverging));
        p.drawLine(QPointF(bar.left(), bar.top() + y), QPointF(bar.right(), bar.top() + y));
    }
    p.setPen(palette().color(QPalette::Text));
    p.drawRect(bar);
    const QFontMetrics fm = p.fontMetrics();
    const double lx = bar.right() + 4;
    p.drawText(QPointF(lx, bar.top() + fm.ascent()), number(m_scale.hi));
    p.drawText(QPointF(lx, bar.bottom()), number(m_scale.lo));
    if (m_scale.diverging)
        p.drawText(QPointF(lx, bar.center().y() + fm.ascent() / 2.0), QStringLiteral("0"));

    QString footer = m_hoverText;
    if (footer.isEmpty()) {
        footer = tr("%1 × %2").arg(m_window.planeRows).arg(m_window.planeCols);
        if (m_window.truncated())
            footer += tr("  (showing the top-left %1 × %2)").arg(m_window.rows).arg(m_window.cols);
        else if (m_window.sampled())
            footer += tr("  (sampled every %1 rows × %2 columns; hover reads exact values)")
                          .arg(m_window.rowStep)
                          .arg(m_window.colStep);
        if (uint64_t(m_image.width()) < m_window.cols || uint64_t(m_image.height()) < m_window.rows)
            footer += m_pooling == ckpt::Pooling::MaxAbs ? tr("  · pixels show the largest magnitude")
                                                         : tr("  · pixels show the mean");
    }
    p.drawText(
        QRectF(kMargin, height() - kFooter, width() - 2 * kMargin, kFooter), Qt::AlignLeft | Qt::AlignVCenter, footer);
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent *event)
{
    const QRectF plot = plotRect(size(), m_window.planeRows, m_window.planeCols);
    m_hoverCell = m_window.values.empty()
        ? std::nullopt
        : planeCellAt(plot, m_window.planeRows, m_window.planeCols, event->position());
    QString text;
    if (m_hoverCell) {
        const auto [row, col] = *m_hoverCell;
        text = readout(row, col);
        if (const auto cell = m_window.cellOf(row, col))
            emit hovered(row, col, m_window.values[cell->first * m_window.cols + cell->second]);
    }
    if (text != m_hoverText) {
        m_hoverText = text;
        update();
    }
}

void HeatmapWidget::leaveEvent(QEvent *)
{
    m_hoverCell.reset();
    if (!m_hoverText.isEmpty()) {
        m_hoverText.clear();
        update();
    }
}

void HeatmapWidget::contextMenuEvent(QContextMenuEvent *event)
{
    QMenu menu(this);
    auto *maxAbs
        = menu.addAction(tr("Pixels show the largest magnitude"), this, [this] { setPooling(ckpt::Pooling::MaxAbs); });
    auto *mean = menu.addAction(tr("Pixels show the mean"), this, [this] { setPooling(ckpt::Pooling::Mean); });
    maxAbs->setCheckable(true);
    mean->setCheckable(true);
    maxAbs->setChecked(m_pooling == ckpt::Pooling::MaxAbs);
    mean->setChecked(m_pooling == ckpt::Pooling::Mean);
    menu.exec(event->globalPos());
}
