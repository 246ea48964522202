#include "heatmap_widget.h"

#include "tree/dtype.h"

#include <QFontDatabase>
#include <QMouseEvent>
#include <QPainter>

namespace {
constexpr int kBarWidth = 16;
constexpr int kBarLabelWidth = 72;
constexpr int kMargin = 8;
constexpr int kFooter = 22;

QString number(double v)
{
    return QString::number(v, 'g', 5);
}
} // namespace

HeatmapWidget::HeatmapWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setMinimumSize(200, 160);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void HeatmapWidget::setWindow(SliceWindow window)
{
    m_window = std::move(window);
    m_message.clear();
    m_hoverText.clear();
    m_scale = chooseScale(m_window.values, m_window.isSigned);
    m_image = QImage(int(m_window.cols), int(m_window.rows), QImage::Format_RGB32);
    for (uint64_t r = 0; r < m_window.rows; ++r) {
        auto *line = reinterpret_cast<QRgb *>(m_image.scanLine(int(r)));
        for (uint64_t c = 0; c < m_window.cols; ++c)
            line[c] = colourFor(m_scale, m_window.values[r * m_window.cols + c]).rgb();
    }
    update();
}

void HeatmapWidget::clear(const QString &message)
{
    m_window = {};
    m_image = {};
    m_message = message;
    m_hoverText.clear();
    update();
}

QRectF HeatmapWidget::plotRect(const QSizeF &size, int rows, int cols)
{
    QRectF area(kMargin, kMargin, size.width() - 3 * kMargin - kBarWidth - kBarLabelWidth,
        size.height() - 2 * kMargin - kFooter);
    if (rows <= 0 || cols <= 0 || area.width() <= 0 || area.height() <= 0)
        return {};
    const double cell = std::min(area.width() / cols, area.height() / rows);
    if (cell >= 4) {
        const QSizeF s(cell * cols, cell * rows);
        return QRectF(area.topLeft() + QPointF((area.width() - s.width()) / 2, 0), s);
    }
    return area;
}

QString HeatmapWidget::readout(int row, int col) const
{
    if (row < 0 || col < 0 || uint64_t(row) >= m_window.rows || uint64_t(col) >= m_window.cols)
        return {};
    const double v = m_window.values[uint64_t(row) * m_window.cols + uint64_t(col)];
    return QStringLiteral("[%1, %2] = ").arg(m_window.row0 + uint64_t(row)).arg(m_window.col0 + uint64_t(col))
        + QString::fromStdString(ckpt::formatDouble(v));
}

void HeatmapWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    if (m_image.isNull()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, m_message.isEmpty() ? tr("No array selected") : m_message);
        return;
    }
    const QRectF plot = plotRect(size(), int(m_window.rows), int(m_window.cols));
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
    }
    p.drawText(
        QRectF(kMargin, height() - kFooter, width() - 2 * kMargin, kFooter), Qt::AlignLeft | Qt::AlignVCenter, footer);
}

void HeatmapWidget::mouseMoveEvent(QMouseEvent *event)
{
    const QRectF plot = plotRect(size(), int(m_window.rows), int(m_window.cols));
    const auto cell = cellAt(plot, int(m_window.rows), int(m_window.cols), event->position());
    QString text;
    if (cell) {
        text = readout(cell->first, cell->second);
        emit hovered(
            cell->first, cell->second, m_window.values[uint64_t(cell->first) * m_window.cols + uint64_t(cell->second)]);
    }
    if (text != m_hoverText) {
        m_hoverText = text;
        update();
    }
}

void HeatmapWidget::leaveEvent(QEvent *)
{
    if (!m_hoverText.isEmpty()) {
        m_hoverText.clear();
        update();
    }
}
