#include "run_table_model.h"

#include <QBrush>
#include <QFontDatabase>

#include <cmath>

namespace {

QString sci(double v)
{
    if (std::isinf(v))
        return v > 0 ? QStringLiteral("inf") : QStringLiteral("-inf");
    return QString::asprintf("%.3e", v);
}

QString general(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

RunTableModel::RunTableModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

void RunTableModel::setRun(ckpt::RunDiff run)
{
    beginResetModel();
    m_run = std::move(run);
    m_leaves.clear();
    m_leaves.reserve(qsizetype(m_run.leaves.size()));
    for (const std::string &l : m_run.leaves)
        m_leaves << QString::fromStdString(l);
    endResetModel();
}

const ckpt::RunCell *RunTableModel::cellAt(const QModelIndex &index) const
{
    if (!index.isValid() || index.model() != this || index.column() < FirstPairColumn)
        return nullptr;
    const size_t pair = size_t(index.column() - FirstPairColumn);
    const size_t leaf = size_t(index.row());
    if (pair >= m_run.cells.size() || leaf >= m_run.cells[pair].size())
        return nullptr;
    return &m_run.cells[pair][leaf];
}

int RunTableModel::rowOf(const QString &path) const
{
    return int(m_leaves.indexOf(path));
}

std::vector<QPointF> RunTableModel::updateSeries(int row) const
{
    std::vector<QPointF> out;
    if (row < 0 || row >= rowCount())
        return out;
    for (size_t t = 0; t < m_run.cells.size() && t + 1 < m_run.steps.size(); ++t) {
        const ckpt::RunCell &c = m_run.cells[t][size_t(row)];
        if (c.state != ckpt::RunCell::State::Changed && c.state != ckpt::RunCell::State::Unchanged)
            continue;
        if (!std::isfinite(c.relUpdate))
            continue;
        out.emplace_back(m_run.steps[t + 1].value, c.relUpdate);
    }
    return out;
}

QString RunTableModel::cellText(const ckpt::RunCell &cell)
{
    switch (cell.state) {
    case ckpt::RunCell::State::Unchanged: return QStringLiteral("=");
    case ckpt::RunCell::State::Changed:
        return std::isnan(cell.relUpdate) ? QStringLiteral("changed") : sci(cell.relUpdate);
    case ckpt::RunCell::State::Absent: return QStringLiteral("-");
    case ckpt::RunCell::State::Incompatible: return QStringLiteral("x");
    }
    return {};
}

QColor RunTableModel::stateColour(ckpt::RunCell::State state)
{
    switch (state) {
    case ckpt::RunCell::State::Unchanged: return QColor(0xe8, 0xf0, 0xe8);
    case ckpt::RunCell::State::Changed: return QColor(0xfd, 0xd8, 0x9e);
    case ckpt::RunCell::State::Absent: return QColor(0xdd, 0xdd, 0xdd);
    case ckpt::RunCell::State::Incompatible: return QColor(0xf4, 0xa6, 0xa6);
    }
    return {};
}

int RunTableModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_leaves.size());
}

int RunTableModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : FirstPairColumn + pairCount();
}

QString RunTableModel::tooltip(int row, int pair) const
{
    const ckpt::RunCell &c = m_run.cells[size_t(pair)][size_t(row)];
    QString text = tr("%1\nstep %2 → %3: %4")
                       .arg(m_leaves[row], QString::fromStdString(m_run.steps[size_t(pair)].text),
                           QString::fromStdString(m_run.steps[size_t(pair) + 1].text),
                           QString::fromLatin1(ckpt::cellStateName(c.state)));
    if (c.state == ckpt::RunCell::State::Changed || c.state == ckpt::RunCell::State::Unchanged) {
        if (std::isnan(c.relUpdate))
            text += tr("\nnot numeric: no update norm");
        else
            text += tr("\n||B−A||/||A|| = %1\n||B−A|| = %2\n||A|| = %3\nmax |B−A| = %4")
                        .arg(sci(c.relUpdate), general(c.normDiff), general(c.normA), general(c.maxAbs));
    }
    return text;
}

QVariant RunTableModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= columnCount())
        return {};
    const int row = index.row();
    if (role == LeafRole)
        return m_leaves[row];
    if (index.column() == LeafColumn) {
        if (role == Qt::DisplayRole || role == Qt::ToolTipRole)
            return m_leaves[row];
        return {};
    }
    const int pair = index.column() - FirstPairColumn;
    const ckpt::RunCell &c = m_run.cells[size_t(pair)][size_t(row)];
    switch (role) {
    case Qt::DisplayRole: return cellText(c);
    case Qt::ToolTipRole: return tooltip(row, pair);
    case Qt::BackgroundRole: return QBrush(stateColour(c.state));
    case Qt::ForegroundRole: return QBrush(Qt::black);
    case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole: return QFontDatabase::systemFont(QFontDatabase::FixedFont);
    case StateRole: return int(c.state);
    case RelUpdateRole: return c.relUpdate;
    case StepARole: return QString::fromStdString(m_run.steps[size_t(pair)].text);
    case StepBRole: return QString::fromStdString(m_run.steps[size_t(pair) + 1].text);
    default: return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= columnCount())
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == LeafColumn)
        return role == Qt::DisplayRole ? QVariant(tr("Leaf")) : QVariant();
    const size_t pair = size_t(section - FirstPairColumn);
    const QString a = QString::fromStdString(m_run.steps[pair].text);
    const QString b = QString::fromStdString(m_run.steps[pair + 1].text);
    if (role == Qt::DisplayRole)
        return QStringLiteral("%1→%2").arg(a, b);
    if (role == Qt::ToolTipRole)
        return tr("Change from step %1 to step %2: ||B−A||/||A||").arg(a, b);
    if (role == StepARole)
        return a;
    if (role == StepBRole)
        return b;
    return {};
}
