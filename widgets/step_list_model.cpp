#include "step_list_model.h"

#include "tree/array_info.h"

#include <QDateTime>
#include <QFont>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>

StepListModel::StepListModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void StepListModel::setSteps(std::vector<ckpt::StepInfo> steps)
{
    beginResetModel();
    m_steps = std::move(steps);
    endResetModel();
}

void StepListModel::setCurrentStep(const QString &step)
{
    m_current = step;
    if (!m_steps.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1), {Qt::FontRole});
}

int StepListModel::rowOf(const QString &step) const
{
    for (size_t i = 0; i < m_steps.size(); ++i) {
        if (QString::fromStdString(m_steps[i].step.text) == step)
            return int(i);
    }
    return -1;
}

int StepListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_steps.size());
}

int StepListModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant StepListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ckpt::StepInfo &s = m_steps[size_t(index.row())];
    const QString stepText = QString::fromStdString(s.step.text);
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case StepColumn: return stepText;
        case ItemsColumn: {
            QStringList items;
            for (const auto &i : s.items)
                items << QString::fromStdString(i);
            return items.join(QStringLiteral(", "));
        }
        case SizeColumn: return QString::fromStdString(ckpt::humanBytes(s.totalBytes));
        case SavedColumn:
            if (!s.timestampNs)
                return {};
            return QDateTime::fromMSecsSinceEpoch(*s.timestampNs / 1000000, Qt::UTC)
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'"));
        case StatusColumn: return s.complete ? tr("complete") : tr("incomplete");
        }
        return {};
    case Qt::ToolTipRole:
        if (!s.complete)
            return QString::fromStdString(s.incompleteReason);
        if (index.column() == SavedColumn && s.timestampNs)
            return s.timestampFromMetadata ? tr("commit time from _CHECKPOINT_METADATA")
                                           : tr("folder modification time");
        return QString::fromStdString(s.path);
    case Qt::TextAlignmentRole:
        if (index.column() == StepColumn || index.column() == SizeColumn)
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        return {};
    case Qt::FontRole: {
        QFont f = index.column() == StepColumn || index.column() == SizeColumn
            ? QFontDatabase::systemFont(QFontDatabase::FixedFont)
            : QGuiApplication::font();
        f.setBold(!m_current.isEmpty() && stepText == m_current);
        return f;
    }
    case Qt::ForegroundRole:
        return s.complete ? QVariant() : QVariant(QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text));
    case StepTextRole: return stepText;
    case CompleteRole: return s.complete;
    }
    return {};
}

QVariant StepListModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case StepColumn: return tr("Step");
    case ItemsColumn: return tr("Items");
    case SizeColumn: return tr("Size");
    case SavedColumn: return tr("Saved");
    case StatusColumn: return tr("Status");
    }
    return {};
}
