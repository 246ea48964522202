#pragma once

#include <QWidget>

#include <vector>

/// Bar chart of a histogram over [lo, hi] with linear or logarithmic counts.
class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget *parent = nullptr);

    void setHistogram(std::vector<quint64> counts, double lo, double hi, const QString &caption = {});
    void clear(const QString &message = {});
    void setLogScale(bool log);
    bool logScale() const { return m_log; }
    const std::vector<quint64> &counts() const { return m_counts; }

    /// Bin under x in a plot spanning [left, left + width), or -1.
    static int binAt(double x, double left, double width, int bins);

    QSize sizeHint() const override { return {480, 240}; }

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;

private:
    QRectF plotRect() const;

    std::vector<quint64> m_counts;
    double m_lo = 0, m_hi = 0;
    bool m_log = false;
    QString m_caption;
    QString m_message;
    int m_hoverBin = -1;
};
