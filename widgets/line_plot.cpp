#include "line_plot.h"

#include <QFontMetrics>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>
#include <limits>

namespace {
constexpr int kLeft = 72; ///< room for y tick labels and the y title
constexpr int kTop = 22; ///< room for the hover read-out
constexpr int kBottom = 40; ///< x tick labels and the x title
constexpr int kRight = 12;
constexpr int kLegendMax = 220;
constexpr double kMarker = 2.5;

QString tickLabel(double v)
{
    if (std::abs(v) < 1e-12)
        return QStringLiteral("0");
    return QString::number(v, 'g', 4);
}
} // namespace

LinePlot::LinePlot(QWidget *parent)
    : QWidget(parent)
{
    setMouseTracking(true);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void LinePlot::setSeries(std::vector<LineSeries> series)
{
    m_series = std::move(series);
    m_hover.reset();
    update();
}

void LinePlot::setLogY(bool on)
{
    if (on == m_logY)
        return;
    m_logY = on;
    m_hover.reset();
    update();
}

void LinePlot::setAxisTitles(const QString &x, const QString &y)
{
    m_xTitle = x;
    m_yTitle = y;
    update();
}

void LinePlot::setMessage(const QString &text)
{
    m_message = text;
    update();
}

QColor LinePlot::seriesColour(int i)
{
    static const QColor palette[] = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
        QColor(0xd6, 0x27, 0x28), QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0xe3, 0x77, 0xc2),
        QColor(0x7f, 0x7f, 0x7f), QColor(0xbc, 0xbd, 0x22), QColor(0x17, 0xbe, 0xcf)};
    constexpr int n = int(std::size(palette));
    return palette[((i % n) + n) % n];
}

QColor LinePlot::colourOf(int i) const
{
    const QColor c = m_series[size_t(i)].colour;
    return c.isValid() ? c : seriesColour(i);
}

std::vector<double> LinePlot::niceTicks(double lo, double hi, int maxTicks, bool integers)
{
    if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo))
        return std::isfinite(lo) ? std::vector<double>{lo} : std::vector<double>{};
    const double raw = (hi - lo) / std::max(1, maxTicks);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    if (integers)
        step = std::max(step, 1.0);
    std::vector<double> ticks;
    for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k += 1) {
        const double v = k * step;
        ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
    }
    return ticks;
}

std::optional<double> LinePlot::axisY(double y) const
{
    if (!std::isfinite(y))
        return std::nullopt;
    if (!m_logY)
        return y;
    if (y <= 0)
        return std::nullopt;
    return std::log10(y);
}

int LinePlot::legendWidth() const
{
    if (m_series.empty())
        return 0;
    const QFontMetrics fm = fontMetrics();
    int w = 0;
    for (const LineSeries &s : m_series)
        w = std::max(w, fm.horizontalAdvance(s.name));
    return std::min(kLegendMax, w + 28);
}

QRectF LinePlot::plotRect() const
{
    const double w = double(width()) - kLeft - kRight - legendWidth();
    const double h = double(height()) - kTop - kBottom;
    if (w <= 1 || h <= 1)
        return {};
    return QRectF(kLeft, kTop, w, h);
}

LinePlot::Range LinePlot::dataRange() const
{
    double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
    for (const LineSeries &s : m_series)
        for (const QPointF &p : s.points) {
            const auto y = axisY(p.y());
            if (!y || !std::isfinite(p.x()))
                continue;
            xlo = std::min(xlo, p.x());
            xhi = std::max(xhi, p.x());
            ylo = std::min(ylo, *y);
            yhi = std::max(yhi, *y);
        }
    Range r;
    if (!(xlo <= xhi))
        return r;
    if (xlo == xhi) {
        xlo -= 1;
        xhi += 1;
    } else {
        const double pad = (xhi - xlo) * 0.03;
        xlo -= pad;
        xhi += pad;
    }
    if (ylo == yhi) {
        const double pad = m_logY ? 0.5 : (ylo == 0 ? 1.0 : std::abs(ylo) * 0.1);
        ylo -= pad;
        yhi += pad;
    } else {
        const double pad = (yhi - ylo) * 0.05;
        ylo -= pad;
        yhi += pad;
    }
    return {xlo, xhi, ylo, yhi};
}

std::optional<QPointF> LinePlot::toPixel(const QPointF &data) const
{
    const QRectF plot = plotRect();
    const auto y = axisY(data.y());
    if (plot.isEmpty() || !y || !std::isfinite(data.x()))
        return std::nullopt;
    const Range r = dataRange();
    return QPointF(plot.left() + (data.x() - r.xlo) / (r.xhi - r.xlo) * plot.width(),
        plot.bottom() - (*y - r.ylo) / (r.yhi - r.ylo) * plot.height());
}

std::optional<QPointF> LinePlot::toData(const QPointF &pos) const
{
    const QRectF plot = plotRect();
    if (plot.isEmpty() || !plot.contains(pos))
        return std::nullopt;
    const Range r = dataRange();
    const double x = r.xlo + (pos.x() - plot.left()) / plot.width() * (r.xhi - r.xlo);
    const double ay = r.ylo + (plot.bottom() - pos.y()) / plot.height() * (r.yhi - r.ylo);
    return QPointF(x, m_logY ? std::pow(10.0, ay) : ay);
}

std::optional<LinePlot::Hit> LinePlot::pointAt(const QPointF &pos, double radius) const
{
    std::optional<Hit> best;
    double bestD2 = radius * radius;
    for (size_t s = 0; s < m_series.size(); ++s)
        for (size_t i = 0; i < m_series[s].points.size(); ++i) {
            const auto px = toPixel(m_series[s].points[i]);
            if (!px)
                continue;
            const QPointF d = *px - pos;
            const double d2 = QPointF::dotProduct(d, d);
            if (d2 <= bestD2) {
                bestD2 = d2;
                best = Hit{int(s), int(i)};
            }
        }
    return best;
}

QString LinePlot::pointText(const Hit &hit) const
{
    if (hit.series < 0 || size_t(hit.series) >= m_series.size() || hit.point < 0
        || size_t(hit.point) >= m_series[size_t(hit.series)].points.size())
        return {};
    const LineSeries &s = m_series[size_t(hit.series)];
    const QPointF p = s.points[size_t(hit.point)];
    return tr("%1: %2 = %3, %4 = %5")
        .arg(s.name, m_xTitle.isEmpty() ? QStringLiteral("x") : m_xTitle, QString::number(p.x(), 'g', 10),
            m_yTitle.isEmpty() ? QStringLiteral("y") : m_yTitle, QString::number(p.y(), 'g', 6));
}

void LinePlot::setHover(std::optional<Hit> hit)
{
    if (hit == m_hover)
        return;
    m_hover = hit;
    emit pointHovered(hit ? hit->series : -1, hit ? hit->point : -1);
    update();
}

void LinePlot::mouseMoveEvent(QMouseEvent *event)
{
    setHover(pointAt(event->position()));
}

void LinePlot::leaveEvent(QEvent *)
{
    setHover(std::nullopt);
}

void LinePlot::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QRectF plot = plotRect();
    const QColor text = palette().color(QPalette::Text);
    const QColor grid = palette().color(QPalette::Midlight);
    const QFontMetrics fm = p.fontMetrics();
    bool any = false;
    for (const LineSeries &s : m_series)
        for (const QPointF &pt : s.points)
            any |= axisY(pt.y()).has_value() && std::isfinite(pt.x());
    if (plot.isEmpty() || !any) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect(), Qt::AlignCenter,
            m_message.isEmpty() ? (m_series.empty() ? tr("Nothing to plot") : tr("No plottable values")) : m_message);
        return;
    }
    const Range r = dataRange();

    // Grid and ticks.
    const auto xPix = [&](double x) { return plot.left() + (x - r.xlo) / (r.xhi - r.xlo) * plot.width(); };
    const auto yPix = [&](double ay) { return plot.bottom() - (ay - r.ylo) / (r.yhi - r.ylo) * plot.height(); };
    const int xTicks = std::max(2, int(plot.width() / 80));
    bool integerX = true;
    for (const LineSeries &s : m_series)
        for (const QPointF &pt : s.points)
            integerX &= !std::isfinite(pt.x()) || pt.x() == std::round(pt.x());
    for (double x : niceTicks(r.xlo, r.xhi, xTicks, integerX)) {
        const double px = xPix(x);
        p.setPen(grid);
        p.drawLine(QPointF(px, plot.top()), QPointF(px, plot.bottom()));
        p.setPen(text);
        p.drawLine(QPointF(px, plot.bottom()), QPointF(px, plot.bottom() + 4));
        const QString label = tickLabel(x);
        p.drawText(QPointF(px - fm.horizontalAdvance(label) / 2.0, plot.bottom() + 6 + fm.ascent()), label);
    }
    std::vector<double> yTicks;
    const int yCount = std::max(2, int(plot.height() / 40));
    if (m_logY && r.yhi - r.ylo >= 1) {
        const double step = std::ceil((r.yhi - r.ylo) / yCount);
        for (double k = std::ceil(r.ylo / step) * step; k <= r.yhi; k += step)
            yTicks.push_back(k);
    } else {
        yTicks = niceTicks(r.ylo, r.yhi, yCount);
    }
    for (double ay : yTicks) {
        const double py = yPix(ay);
        p.setPen(grid);
        p.drawLine(QPointF(plot.left(), py), QPointF(plot.right(), py));
        p.setPen(text);
        p.drawLine(QPointF(plot.left() - 4, py), QPointF(plot.left(), py));
        const QString label = m_logY ? QString::number(std::pow(10.0, ay), 'g', 3) : tickLabel(ay);
        p.drawText(QPointF(plot.left() - 6 - fm.horizontalAdvance(label), py + fm.ascent() / 2.0 - 1), label);
    }
    p.setPen(text);
    p.setBrush(Qt::NoBrush);
    p.drawRect(plot);
    if (!m_xTitle.isEmpty())
        p.drawText(QRectF(plot.left(), plot.bottom() + 6 + fm.height(), plot.width(), fm.height()), Qt::AlignHCenter,
            m_xTitle);
    if (!m_yTitle.isEmpty()) {
        p.save();
        p.translate(12, plot.center().y());
        p.rotate(-90);
        const QString title = m_logY ? tr("%1 (log)").arg(m_yTitle) : m_yTitle;
        p.drawText(QRectF(-plot.height() / 2, -fm.height() / 2.0, plot.height(), fm.height()), Qt::AlignCenter, title);
        p.restore();
    }

    // Series, clipped to the plot.
    p.save();
    p.setClipRect(plot.adjusted(-kMarker - 1, -kMarker - 1, kMarker + 1, kMarker + 1));
    for (size_t s = 0; s < m_series.size(); ++s) {
        const QColor c = colourOf(int(s));
        QPainterPath path;
        bool pen = false;
        std::vector<QPointF> marks;
        for (const QPointF &pt : m_series[s].points) {
            const auto px = toPixel(pt);
            if (!px) {
                pen = false;
                continue;
            }
            if (pen)
                path.lineTo(*px);
            else
                path.moveTo(*px);
            pen = true;
            marks.push_back(*px);
        }
        p.setPen(QPen(c, 1.6));
        p.setBrush(Qt::NoBrush);
        p.drawPath(path);
        p.setBrush(c);
        for (const QPointF &m : marks)
            p.drawEllipse(m, kMarker, kMarker);
    }
    if (m_hover) {
        if (const auto px = toPixel(m_series[size_t(m_hover->series)].points[size_t(m_hover->point)])) {
            p.setPen(QPen(text, 1.5));
            p.setBrush(colourOf(m_hover->series));
            p.drawEllipse(*px, kMarker * 2, kMarker * 2);
        }
    }
    p.restore();

    // Legend.
    const int lw = legendWidth();
    const double lx = plot.right() + 10;
    double ly = plot.top();
    for (size_t s = 0; s < m_series.size() && ly + fm.height() <= height(); ++s) {
        const QColor c = colourOf(int(s));
        p.setPen(QPen(c, 2));
        p.drawLine(QPointF(lx, ly + fm.height() / 2.0), QPointF(lx + 14, ly + fm.height() / 2.0));
        p.setPen(text);
        p.drawText(QPointF(lx + 20, ly + fm.ascent()), fm.elidedText(m_series[s].name, Qt::ElideLeft, lw - 24));
        ly += fm.height() + 2;
    }

    // Hover read-out above the plot.
    const QString hover = hoverText();
    if (!hover.isEmpty()) {
        p.setPen(text);
        p.drawText(QRectF(plot.left(), 2, width() - plot.left() - kRight, kTop - 4), Qt::AlignLeft | Qt::AlignVCenter,
            fm.elidedText(hover, Qt::ElideMiddle, int(width() - plot.left() - kRight)));
    }
}
