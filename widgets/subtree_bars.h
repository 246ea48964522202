#pragma once

#include <QString>
#include <QWidget>

#include <cstdint>
#include <vector>

/// Horizontal bars, one per subtree, each as long as its share of the largest: name, bar, size and
/// parameter count. Clicking a row emits activated(row). Paints only what it was given.
class SubtreeBars : public QWidget {
    Q_OBJECT
public:
    struct Row {
        QString name;
        uint64_t bytes = 0;
        uint64_t parameters = 0;
        QString detail; ///< right-hand text, e.g. "6.0 KiB · 1.5K params · 66.4%"
    };
    explicit SubtreeBars(QWidget *parent = nullptr);
    void setRows(std::vector<Row> rows);
    const std::vector<Row> &rows() const { return m_rows; }
    /// The row under widget y coordinate `y`, or -1.
    int rowAt(int y) const;
    QSize sizeHint() const override;

signals:
    void activated(int row);

protected:
    void paintEvent(QPaintEvent *) override;
    void mousePressEvent(QMouseEvent *event) override;

private:
    int rowHeight() const;
    std::vector<Row> m_rows;
};
