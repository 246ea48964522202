#include "histogram_widget.h"

#include "colour_map.h"

#include <QFontDatabase>
#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

HistogramWidget::HistogramWidget(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setMinimumSize(200, 120);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void HistogramWidget::setHistogram(std::vector<quint64> counts, double lo, double hi, const QString &caption)
{
    m_counts = std::move(counts);
    m_lo = lo;
    m_hi = hi;
    m_caption = caption;
    m_message.clear();
    m_hoverBin = -1;
    update();
}

void HistogramWidget::clear(const QString &message)
{
    m_counts.clear();
    m_message = message;
    m_hoverBin = -1;
    update();
}

void HistogramWidget::setLogScale(bool log)
{
    m_log = log;
    update();
}

int HistogramWidget::binAt(double x, double left, double width, int bins)
{
    if (bins <= 0 || width <= 0 || x < left || x >= left + width)
        return -1;
    return std::min(bins - 1, int((x - left) / width * bins));
}

QRectF HistogramWidget::plotRect() const
{
    const QFontMetrics fm(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const double left = fm.horizontalAdvance(QStringLiteral("0000000")) + 8;
    return QRectF(left, 8, width() - left - 12, height() - 16 - 2 * fm.height());
}

void HistogramWidget::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    if (m_counts.empty()) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter, m_message.isEmpty() ? tr("No histogram") : m_message);
        return;
    }
    const QRectF plot = plotRect();
    const quint64 maxCount = *std::max_element(m_counts.begin(), m_counts.end());
    const double w = plot.width() / double(m_counts.size());
    const QColor bar = palette().color(QPalette::Highlight);
    for (size_t i = 0; i < m_counts.size(); ++i) {
        const double h = barHeight(m_counts[i], maxCount, plot.height(), m_log);
        const QRectF r(plot.left() + double(i) * w, plot.bottom() - h, std::max(1.0, w - 1), h);
        p.fillRect(r, int(i) == m_hoverBin ? bar.darker(140) : bar);
    }
    const QFontMetrics fm = p.fontMetrics();
    p.setPen(palette().color(QPalette::Text));
    p.drawLine(plot.bottomLeft(), plot.bottomRight());
    p.drawLine(plot.bottomLeft(), plot.topLeft());
    p.drawText(QRectF(0, plot.top(), plot.left() - 4, fm.height()), Qt::AlignRight, QString::number(maxCount));
    p.drawText(
        QRectF(0, plot.bottom() - fm.height(), plot.left() - 4, fm.height()), Qt::AlignRight, QStringLiteral("0"));
    const double ty = plot.bottom() + 2;
    p.drawText(QRectF(plot.left(), ty, plot.width(), fm.height()), Qt::AlignLeft, QString::number(m_lo, 'g', 5));
    p.drawText(QRectF(plot.left(), ty, plot.width(), fm.height()), Qt::AlignRight, QString::number(m_hi, 'g', 5));
    QString caption = m_caption + (m_log ? tr("  (log counts)") : QString());
    if (m_hoverBin >= 0) {
        const double bw = (m_hi - m_lo) / double(m_counts.size());
        caption = tr("[%1, %2): %3")
                      .arg(m_lo + bw * m_hoverBin, 0, 'g', 5)
                      .arg(m_lo + bw * (m_hoverBin + 1), 0, 'g', 5)
                      .arg(m_counts[size_t(m_hoverBin)]);
    }
    p.drawText(QRectF(plot.left(), ty + fm.height(), plot.width(), fm.height()), Qt::AlignHCenter, caption);
}

void HistogramWidget::mouseMoveEvent(QMouseEvent *event)
{
    const QRectF plot = plotRect();
    const int bin = binAt(event->position().x(), plot.left(), plot.width(), int(m_counts.size()));
    if (bin != m_hoverBin) {
        m_hoverBin = bin;
        update();
    }
}
