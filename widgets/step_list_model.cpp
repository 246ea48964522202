#include "step_list_model.h"

#include "tree/array_info.h"

#include <QDateTime>
#include <QFont>
#include <QFontDatabase>
#include <QGuiApplication>
#include <QPalette>

#include <map>
#include <set>

StepListModel::StepListModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void StepListModel::setSteps(std::vector<ckpt::StepInfo> steps)
{
    beginResetModel();
    m_steps = std::move(steps);
    endResetModel();
}

namespace {

/// Identity of each row across listings: step text plus its rank among rows with that text.
std::vector<std::string> rowKeys(const std::vector<ckpt::StepInfo> &steps)
{
    std::vector<std::string> keys;
    std::map<std::string, int> seen;
    for (const auto &s : steps)
        keys.push_back(s.step.text + '#' + std::to_string(seen[s.step.text]++));
    return keys;
}

bool sameRow(const ckpt::StepInfo &a, const ckpt::StepInfo &b)
{
    return a.name == b.name && a.path == b.path && a.items == b.items && a.isFile == b.isFile
        && a.totalBytes == b.totalBytes && a.timestampNs == b.timestampNs
        && a.timestampFromMetadata == b.timestampFromMetadata && a.complete == b.complete
        && a.incompleteReason == b.incompleteReason;
}

} // namespace

void StepListModel::updateSteps(std::vector<ckpt::StepInfo> steps)
{
    const std::vector<std::string> newKeys = rowKeys(steps);
    const std::set<std::string> keep(newKeys.begin(), newKeys.end());
    std::vector<std::string> keys = rowKeys(m_steps);
    // Both listings share one order, so rows present in both keep their relative order: removing
    // the vanished rows and then inserting the new ones at their final positions yields `steps`.
    for (int r = int(m_steps.size()) - 1; r >= 0; --r) {
        if (keep.count(keys[size_t(r)]))
            continue;
        beginRemoveRows({}, r, r);
        m_steps.erase(m_steps.begin() + r);
        keys.erase(keys.begin() + r);
        endRemoveRows();
    }
    const std::set<std::string> have(keys.begin(), keys.end());
    for (size_t r = 0; r < steps.size(); ++r) {
        if (have.count(newKeys[r])) {
            if (!sameRow(m_steps[r], steps[r])) {
                m_steps[r] = steps[r];
                emit dataChanged(index(int(r), 0), index(int(r), ColumnCount - 1));
            }
            continue;
        }
        beginInsertRows({}, int(r), int(r));
        m_steps.insert(m_steps.begin() + std::ptrdiff_t(r), steps[r]);
        endInsertRows();
    }
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
