#pragma once

#include "array_slice.h"
#include "colour_map.h"

#include <QImage>
#include <QWidget>

/// Paints a window of a 2-D plane as coloured cells with a colour bar, and reports the cell under
/// the mouse. Colours come from colour_map.h; the widget only lays out and paints.
class HeatmapWidget : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapWidget(QWidget *parent = nullptr);

    /// Shows `window`; `rowLabel`/`colLabel` name the plane's dimensions in the read-out.
    void setWindow(SliceWindow window);
    void clear(const QString &message = {});
    const SliceWindow &window() const { return m_window; }
    const ColourScale &scale() const { return m_scale; }

    /// Where the cells are painted inside a widget of `size`: square cells when they can be at least 4 px,
    /// otherwise the plot fills the area.
    static QRectF plotRect(const QSizeF &size, int rows, int cols);
    /// Read-out for the cell (row, col) of the window, e.g. "[12, 3] = -0.25".
    QString readout(int row, int col) const;

    QSize sizeHint() const override { return {480, 360}; }

signals:
    void hovered(int row, int col, double value);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;

private:
    SliceWindow m_window;
    ColourScale m_scale;
    QImage m_image;
    QString m_message;
    QString m_hoverText;
};
