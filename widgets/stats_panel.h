#pragma once

#include "ops/stats.h"

#include <QWidget>

class QLabel;

/// Read-only form of an ArrayStats record (count, finite, NaN, Inf, zeros, min, max, mean, std).
class StatsPanel : public QWidget {
    Q_OBJECT
public:
    explicit StatsPanel(QWidget *parent = nullptr);

    void setStats(const ckpt::ArrayStats &stats);
    /// Shows `message` (e.g. "computing…") instead of numbers.
    void clear(const QString &message = {});
    /// Text of the value shown for a field ("count", "min", ...), for tests.
    QString valueText(const QString &field) const;

private:
    QList<QPair<QString, QLabel *>> m_fields;
};
