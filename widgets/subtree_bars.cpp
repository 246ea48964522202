#include "subtree_bars.h"

#include <QMouseEvent>
#include <QPainter>

#include <algorithm>

SubtreeBars::SubtreeBars(QWidget *parent)
    : QWidget(parent)
{
    setCursor(Qt::PointingHandCursor);
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void SubtreeBars::setRows(std::vector<Row> rows)
{
    m_rows = std::move(rows);
    updateGeometry();
    update();
}

int SubtreeBars::rowHeight() const
{
    return fontMetrics().height() + 8;
}

int SubtreeBars::rowAt(int y) const
{
    const int r = y / rowHeight();
    return y >= 0 && r < int(m_rows.size()) ? r : -1;
}

QSize SubtreeBars::sizeHint() const
{
    return {400, rowHeight() * int(std::max<size_t>(1, m_rows.size()))};
}

void SubtreeBars::paintEvent(QPaintEvent *)
{
    QPainter p(this);
    const int h = rowHeight();
    const QFontMetrics fm = fontMetrics();
    int nameWidth = 0, detailWidth = 0;
    uint64_t largest = 1;
    for (const Row &r : m_rows) {
        nameWidth = std::max(nameWidth, fm.horizontalAdvance(r.name));
        detailWidth = std::max(detailWidth, fm.horizontalAdvance(r.detail));
        largest = std::max(largest, r.bytes);
    }
    nameWidth = std::min(nameWidth + 4, width() / 3);
    const int barLeft = nameWidth + 12;
    const int barSpace = std::max(10, width() - barLeft - detailWidth - 16);
    const QColor bar = palette().color(QPalette::Highlight);
    for (size_t i = 0; i < m_rows.size(); ++i) {
        const Row &r = m_rows[i];
        const int y = int(i) * h;
        p.setPen(palette().color(QPalette::WindowText));
        p.drawText(QRect(0, y, nameWidth, h), Qt::AlignVCenter | Qt::AlignLeft,
            fm.elidedText(r.name, Qt::ElideMiddle, nameWidth));
        const int w = std::max(r.bytes ? 2 : 0, int(double(barSpace) * double(r.bytes) / double(largest)));
        p.fillRect(QRect(barLeft, y + 3, w, h - 6), bar);
        p.drawText(QRect(barLeft + w + 6, y, width() - barLeft - w - 6, h), Qt::AlignVCenter | Qt::AlignLeft, r.detail);
    }
}

void SubtreeBars::mousePressEvent(QMouseEvent *event)
{
    const int r = rowAt(int(event->position().y()));
    if (r >= 0)
        emit activated(r);
}
