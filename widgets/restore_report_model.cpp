#include "restore_report_model.h"

#include <QBrush>
#include <QColor>
#include <QMimeData>

using ckpt::RestoreLeaf;

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

bool hasFatal(const RestoreLeaf &l)
{
    if (l.fate == RestoreLeaf::Fate::Filled)
        return true;
    for (const ckpt::RestoreProblem &p : l.problems)
        if (p.fatal)
            return true;
    return false;
}

} // namespace

RestoreReportModel::RestoreReportModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void RestoreReportModel::setReport(ckpt::RestoreReport report)
{
    beginResetModel();
    m_report = std::move(report);
    rebuildRows();
    endResetModel();
}

void RestoreReportModel::setProblemsOnly(bool on)
{
    if (on == m_problemsOnly)
        return;
    beginResetModel();
    m_problemsOnly = on;
    rebuildRows();
    endResetModel();
}

bool RestoreReportModel::needsAttention(int entry) const
{
    if (entry < 0)
        return true;
    const RestoreLeaf &l = m_report.leaves[size_t(entry)];
    return l.fate == RestoreLeaf::Fate::Filled || !l.problems.empty();
}

void RestoreReportModel::rebuildRows()
{
    m_rows.clear();
    for (size_t i = 0; i < m_report.leaves.size(); ++i)
        if (!m_problemsOnly || needsAttention(int(i)))
            m_rows.push_back(int(i));
    for (size_t i = 0; i < m_report.extras.size(); ++i)
        m_rows.push_back(-int(i) - 1);
}

int RestoreReportModel::rowOf(const QString &path) const
{
    const std::string p = path.toStdString();
    for (size_t r = 0; r < m_rows.size(); ++r) {
        const int e = m_rows[r];
        if ((e >= 0 && m_report.leaves[size_t(e)].path == p) || (e < 0 && m_report.extras[size_t(-e - 1)] == p))
            return int(r);
    }
    return -1;
}

const RestoreLeaf *RestoreReportModel::leafAt(int row) const
{
    if (row < 0 || size_t(row) >= m_rows.size() || m_rows[size_t(row)] < 0)
        return nullptr;
    return &m_report.leaves[size_t(m_rows[size_t(row)])];
}

QString RestoreReportModel::summary() const
{
    size_t problems = m_report.extras.size();
    for (const RestoreLeaf &l : m_report.leaves)
        problems += l.problems.size() + (l.fate == RestoreLeaf::Fate::Filled && l.problems.empty() ? 1 : 0);
    return tr("%1 taken, %2 renamed, %3 filled, %4 problems \u2014 would restore: %5")
        .arg(m_report.count(RestoreLeaf::Fate::Taken))
        .arg(m_report.count(RestoreLeaf::Fate::Renamed))
        .arg(m_report.count(RestoreLeaf::Fate::Filled))
        .arg(problems)
        .arg(m_report.restorable() ? tr("yes") : tr("no"));
}

QString RestoreReportModel::rowKindName(RowKind k)
{
    switch (k) {
    case Taken: return tr("taken");
    case Renamed: return tr("renamed");
    case Filled: return tr("filled");
    case Extra: return tr("dropped");
    }
    return {};
}

Qt::ItemFlags RestoreReportModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (!index.isValid())
        return f;
    const RestoreLeaf *leaf = leafAt(index.row());
    if (!leaf)
        f |= Qt::ItemIsDragEnabled;
    else if (leaf->fate != RestoreLeaf::Fate::Taken)
        f |= Qt::ItemIsDropEnabled;
    return f;
}

QStringList RestoreReportModel::mimeTypes() const
{
    return {QString::fromLatin1(kMimeType)};
}

QMimeData *RestoreReportModel::mimeData(const QModelIndexList &indexes) const
{
    for (const QModelIndex &i : indexes) {
        if (i.isValid() && !leafAt(i.row())) {
            auto *data = new QMimeData;
            data->setData(QString::fromLatin1(kMimeType), i.data(PathRole).toString().toUtf8());
            data->setText(i.data(PathRole).toString());
            return data;
        }
    }
    return nullptr;
}

Qt::DropActions RestoreReportModel::supportedDropActions() const
{
    return Qt::CopyAction; // never Move: a view would then try to remove the dragged row
}

const RestoreLeaf *RestoreReportModel::dropTarget(int row, const QModelIndex &parent) const
{
    // Dropped onto an item: Qt passes row -1 and the item as parent.
    const RestoreLeaf *leaf = parent.isValid() ? leafAt(parent.row()) : leafAt(row);
    return leaf && leaf->fate != RestoreLeaf::Fate::Taken ? leaf : nullptr;
}

bool RestoreReportModel::canDropMimeData(
    const QMimeData *data, Qt::DropAction, int row, int, const QModelIndex &parent) const
{
    return data && data->hasFormat(QString::fromLatin1(kMimeType)) && dropTarget(row, parent);
}

bool RestoreReportModel::dropMimeData(
    const QMimeData *data, Qt::DropAction action, int row, int column, const QModelIndex &parent)
{
    if (!canDropMimeData(data, action, row, column, parent))
        return false;
    const RestoreLeaf *leaf = dropTarget(row, parent);
    emit alignRequested(q(leaf->path), QString::fromUtf8(data->data(QString::fromLatin1(kMimeType))));
    return false; // nothing moves: the dialog adds a rule and re-plans
}

int RestoreReportModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int RestoreReportModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RestoreReportModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int entry = m_rows[size_t(index.row())];
    if (entry < 0) {
        const QString path = q(m_report.extras[size_t(-entry - 1)]);
        switch (role) {
        case Qt::DisplayRole:
            switch (index.column()) {
            case FateColumn: return rowKindName(Extra);
            case SourceColumn: return path;
            case ProblemsColumn: return tr("extra: in the checkpoint, not in the target (dropped)");
            default: return {};
            }
        case Qt::ToolTipRole: return tr("%1 is not used by the target and is dropped").arg(path);
        case Qt::BackgroundRole: return QBrush(QColor(0xee, 0xee, 0xee));
        case Qt::ForegroundRole: return QBrush(QColor(0x20, 0x20, 0x20));
        case RowKindRole: return int(Extra);
        case LeafRole: return -1;
        case PathRole: return path;
        case FatalRole: return false;
        default: return {};
        }
    }
    const RestoreLeaf &l = m_report.leaves[size_t(entry)];
    const RowKind kind = l.fate == RestoreLeaf::Fate::Taken ? Taken
        : l.fate == RestoreLeaf::Fate::Renamed              ? Renamed
                                                            : Filled;
    switch (role) {
    case Qt::DisplayRole:
        switch (index.column()) {
        case TargetColumn: return q(l.path);
        case FateColumn: return rowKindName(kind);
        case SourceColumn: return q(l.source);
        case RuleColumn:
            if (l.rule.empty())
                return QString();
            return QString((l.ruleKind == RestoreLeaf::RuleKind::OriginalKey ? QStringLiteral("\u2190 ")
                                                                             : QStringLiteral("\u2192 "))
                + q(l.rule));
        case ProblemsColumn: {
            QStringList parts;
            for (const ckpt::RestoreProblem &p : l.problems)
                parts << q(p.kind) + QStringLiteral(": ") + q(p.detail);
            return parts.join(QStringLiteral("; "));
        }
        case TargetTypeColumn: return q(l.targetDesc);
        case SourceTypeColumn: return q(l.sourceDesc);
        default: return {};
        }
    case Qt::ToolTipRole:
        if (index.column() == ProblemsColumn && !l.problems.empty()) {
            QStringList lines;
            for (const ckpt::RestoreProblem &p : l.problems)
                lines << q(p.kind) + QStringLiteral(": ") + q(p.detail);
            return lines.join(QLatin1Char('\n'));
        }
        return QString(q(l.path) + QStringLiteral(": ") + q(ckpt::describeFate(l)));
    case Qt::BackgroundRole:
        if (hasFatal(l))
            return QBrush(QColor(0xf8, 0xd0, 0xc8));
        if (!l.problems.empty())
            return QBrush(QColor(0xfa, 0xec, 0xc0));
        return QBrush(kind == Renamed ? QColor(0xd4, 0xe6, 0xfa) : QColor(0xdc, 0xf2, 0xdc));
    case Qt::ForegroundRole: return QBrush(QColor(0x20, 0x20, 0x20));
    case RowKindRole: return int(kind);
    case LeafRole: return entry;
    case PathRole: return q(l.path);
    case FatalRole: return hasFatal(l);
    default: return {};
    }
}

QVariant RestoreReportModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case TargetColumn: return tr("Target leaf");
    case FateColumn: return tr("Fate");
    case SourceColumn: return tr("From checkpoint");
    case RuleColumn: return tr("Rule");
    case ProblemsColumn: return tr("Problems");
    case TargetTypeColumn: return tr("Target type");
    case SourceTypeColumn: return tr("Checkpoint type");
    default: return {};
    }
}
