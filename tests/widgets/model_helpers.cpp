#include "model_helpers.h"

QStringList printModel(const QAbstractItemModel *model, const QModelIndex &parent, int depth)
{
    QStringList lines;
    for (int r = 0; r < model->rowCount(parent); ++r) {
        QStringList cells;
        for (int c = 0; c < model->columnCount(parent); ++c)
            cells << model->index(r, c, parent).data().toString();
        while (!cells.isEmpty() && cells.last().isEmpty())
            cells.removeLast();
        lines << QString(depth * 2, QLatin1Char(' ')) + cells.join(QStringLiteral(" | "));
        lines << printModel(model, model->index(r, 0, parent), depth + 1);
    }
    return lines;
}

QStringList printTable(const QAbstractItemModel *model)
{
    QStringList lines;
    for (int r = 0; r < model->rowCount(); ++r) {
        QStringList cells;
        for (int c = 0; c < model->columnCount(); ++c)
            cells << model->index(r, c).data().toString();
        lines << cells.join(QStringLiteral(" | "));
    }
    return lines;
}
