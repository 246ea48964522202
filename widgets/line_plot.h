#pragma once

#include <QColor>
#include <QPointF>
#include <QRectF>
#include <QString>
#include <QWidget>

#include <optional>
#include <vector>

/// One named line of a LinePlot; points in data units, drawn in the order given.
struct LineSeries {
    QString name;
    std::vector<QPointF> points;
    QColor colour; ///< invalid: LinePlot::seriesColour(index)
};

/// A small line plot painted with QPainter: x and y axes with "nice" ticks, optional log10 y
/// axis, one colour per series with a legend on the right, and a read-out of the point nearest
/// the mouse. The geometry (plot area, data range, data <-> pixel mapping, hit test) is exposed as
/// functions of the widget's current size so it can be checked without pixels. Points that cannot
/// be shown (non-finite; y <= 0 on a log axis) are skipped and break the line. UI-thread only.
class LinePlot : public QWidget {
    Q_OBJECT
public:
    /// Visible data range; y is in axis units (log10 of the value when the y axis is logarithmic).
    struct Range {
        double xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    };
    /// A point of a series: series index and point index.
    struct Hit {
        int series = -1;
        int point = -1;
        bool operator==(const Hit &) const = default;
    };

    explicit LinePlot(QWidget *parent = nullptr);

    void setSeries(std::vector<LineSeries> series);
    const std::vector<LineSeries> &series() const { return m_series; }
    void setLogY(bool on);
    bool logY() const { return m_logY; }
    void setAxisTitles(const QString &x, const QString &y);
    /// Text shown when there is nothing to plot.
    void setMessage(const QString &text);

    /// The colour of the i-th series when it has none: a fixed qualitative palette, cycling.
    static QColor seriesColour(int i);
    /// Tick positions covering [lo, hi]: multiples of 1, 2 or 5 x 10^k, at most about `maxTicks`;
    /// with `integers` the spacing is at least 1 (for integer data such as steps).
    static std::vector<double> niceTicks(double lo, double hi, int maxTicks, bool integers = false);

    /// Rectangle of the data area inside the widget (axes labels and legend outside it).
    QRectF plotRect() const;
    /// The range the axes show: every plottable point inside, padded; a default when none.
    Range dataRange() const;
    /// Widget position of a data point (y in data units, mapped through log10 when logY());
    /// nullopt for a point that cannot be shown.
    std::optional<QPointF> toPixel(const QPointF &data) const;
    /// Data point at a widget position inside plotRect() (y in data units); nullopt outside.
    std::optional<QPointF> toData(const QPointF &pos) const;
    /// The shown point nearest `pos` within `radius` pixels, if any.
    std::optional<Hit> pointAt(const QPointF &pos, double radius = 8) const;
    /// "name: x = X, y = Y" of a point; empty for an invalid hit.
    QString pointText(const Hit &hit) const;
    /// Point under the mouse, as last hovered.
    std::optional<Hit> hovered() const { return m_hover; }
    QString hoverText() const { return m_hover ? pointText(*m_hover) : QString(); }

    QSize sizeHint() const override { return {560, 300}; }
    QSize minimumSizeHint() const override { return {240, 160}; }

signals:
    /// The mouse moved onto a point (series, point), or off every point (-1, -1).
    void pointHovered(int series, int point);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    std::optional<double> axisY(double y) const;
    int legendWidth() const;
    QColor colourOf(int i) const;
    void setHover(std::optional<Hit> hit);

    std::vector<LineSeries> m_series;
    bool m_logY = false;
    QString m_xTitle, m_yTitle, m_message;
    std::optional<Hit> m_hover;
};
