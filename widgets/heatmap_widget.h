#pragma once

#include "colour_map.h"
#include "ops/plane/array_plane.h"
#include "ops/plane/plane_pooling.h"

#include "tree/array_source.h"

#include <QImage>
#include <QWidget>

#include <optional>

class BackgroundJob;

/// Paints a 2-D plane (possibly sampled every k-th row/column) as coloured cells with a colour
/// bar, pooling cells to the plot's pixels when there are more cells than pixels, and reports the
/// plane cell under the mouse. Cells the window lacks (sampling skipped them) are read one at a
/// time from the source on a worker when hovered. Colours come from colour_map.h and pooling from
/// plane_pooling.h; the widget only lays out and paints. UI-thread only.
class HeatmapWidget : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapWidget(QWidget *parent = nullptr);
    ~HeatmapWidget() override;

    /// Shows `window`; the colour scale is chosen from its values unless a fixed scale is set.
    void setWindow(ckpt::PlaneWindow window);
    /// Colours by `scale` instead of one chosen from each window's values (so that several
    /// heatmaps share one scale); nullopt returns to the per-window choice. Unset by default.
    void setFixedScale(std::optional<ColourScale> scale);
    const std::optional<ColourScale> &fixedScale() const { return m_fixedScale; }
    /// Where exact values of cells missing from the window are read (null: none are read).
    void setSource(ckpt::ArraySourcePtr source, const ckpt::PlaneSpec &spec);
    void clear(const QString &message = {});
    const ckpt::PlaneWindow &window() const { return m_window; }
    const ColourScale &scale() const { return m_scale; }
    void setPooling(ckpt::Pooling pooling);
    ckpt::Pooling pooling() const { return m_pooling; }
    /// The image last painted (pooled to the plot's pixels); null before the first paint.
    const QImage &image() const { return m_image; }

    /// Where the plane is painted inside a widget of `size`: whole square cells when they can be at
    /// least 4 px, otherwise the plane's aspect ratio when it lies within 1:4 and 4:1, otherwise the
    /// whole area; centred.
    static QRectF plotRect(const QSizeF &size, uint64_t rows, uint64_t cols);
    /// Plane cell under `pos` when a rows x cols plane fills `plot`, or nullopt outside it.
    static std::optional<std::pair<uint64_t, uint64_t>> planeCellAt(
        const QRectF &plot, uint64_t rows, uint64_t cols, const QPointF &pos);
    /// Read-out for plane cell (row, col), e.g. "[12, 3] = -0.25"; a cell that sampling skipped
    /// shows "…" until its exact value has been read. Empty outside the plane.
    QString readout(uint64_t row, uint64_t col);
    /// True while an exact value is being read for the read-out.
    bool isReading() const;

    QSize sizeHint() const override { return {480, 360}; }

signals:
    /// The mouse is over plane cell (row, col) whose value is known (NaN for non-numeric reads).
    void hovered(quint64 row, quint64 col, double value);

protected:
    void paintEvent(QPaintEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;

private:
    struct Exact {
        uint64_t row = 0, col = 0;
        QString text;
        double value = 0;
    };
    void readExact(uint64_t row, uint64_t col);
    void renderImage(const QSize &pixels);

    ckpt::PlaneWindow m_window;
    ColourScale m_scale;
    std::optional<ColourScale> m_fixedScale;
    ckpt::Pooling m_pooling = ckpt::Pooling::MaxAbs;
    QImage m_image;
    QString m_message;
    QString m_hoverText;
    std::optional<std::pair<uint64_t, uint64_t>> m_hoverCell;
    ckpt::ArraySourcePtr m_source;
    ckpt::PlaneSpec m_spec;
    std::optional<Exact> m_exact; ///< last exact value read for the current source and spec
    BackgroundJob *m_reading; ///< exact reads of hovered cells, one at a time
};
