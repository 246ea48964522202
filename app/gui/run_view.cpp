#include "run_view.h"

#include "background_job.h"
#include "base/error.h"
#include "document_controller.h"
#include "line_plot.h"
#include "progress_strip.h"
#include "run_table_model.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

struct RunView::Result {
    ckpt::RunDiff run;
    std::optional<ckpt::Error> error;
};

namespace {
constexpr int kAutoSelect = 5; ///< leaves plotted when a run view arrives: the largest updates

std::optional<double> optionalNumber(const QLineEdit *edit)
{
    bool ok = false;
    const double v = QLocale::c().toDouble(edit->text().trimmed(), &ok);
    return ok ? std::optional<double>(v) : std::nullopt;
}
} // namespace

RunView::RunView(QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_model(new RunTableModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_job(new BackgroundJob(this))
{
    setWindowTitle(tr("Run view"));
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterKeyColumn(RunTableModel::LeafColumn);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    auto *layout = new QVBoxLayout(this);

    auto *bar = new QHBoxLayout;
    m_from = numberEdit(this, -1e300, tr("First step of the range (empty: the first step)"));
    m_to = numberEdit(this, -1e300, tr("Last step of the range (empty: the last step)"));
    m_from->setPlaceholderText(tr("first"));
    m_to->setPlaceholderText(tr("last"));
    m_tolerance = new ToleranceBar(tr("unchanged"), this);
    auto *compute = new QToolButton(this);
    compute->setText(tr("Compute"));
    connect(compute, &QToolButton::clicked, this, [this] { recompute(); });
    bar->addWidget(new QLabel(tr("Steps"), this));
    bar->addWidget(m_from);
    bar->addWidget(new QLabel(tr(".."), this));
    bar->addWidget(m_to);
    bar->addSpacing(12);
    bar->addWidget(m_tolerance);
    bar->addWidget(compute);
    bar->addStretch(1);
    m_strip = new ProgressStrip(this);
    m_strip->follow(m_job);
    bar->addWidget(m_strip);
    layout->addLayout(bar);

    auto *filterBar = new QHBoxLayout;
    m_filter = new QLineEdit(this);
    m_filter->setPlaceholderText(
        tr("Filter leaves: text anywhere in the path, or a wildcard for the whole path (params/*/kernel)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, this, &RunView::applyFilter);
    filterBar->addWidget(new QLabel(tr("Leaves:"), this));
    filterBar->addWidget(m_filter, 1);
    m_log = new QCheckBox(tr("Log scale"), this);
    m_log->setChecked(true);
    filterBar->addWidget(m_log);
    layout->addLayout(filterBar);

    auto *split = new QSplitter(Qt::Vertical, this);
    m_table = new QTableView(split);
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectItems);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setDefaultSectionSize(96);
    m_table->setWordWrap(false);
    m_table->setToolTip(tr("Select leaves to plot them; double-click a cell to diff its two steps."));
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, &RunView::updatePlot);
    connect(m_table, &QTableView::doubleClicked, this, [this](const QModelIndex &ix) {
        const QModelIndex source = m_proxy->mapToSource(ix);
        if (!m_model->cellAt(source))
            return;
        emit diffRequested(source.data(RunTableModel::StepARole).toString(),
            source.data(RunTableModel::StepBRole).toString(), source.data(RunTableModel::LeafRole).toString());
    });
    m_plot = new LinePlot(split);
    m_plot->setAxisTitles(tr("step"), tr("||B−A||/||A||"));
    m_plot->setLogY(m_log->isChecked());
    m_plot->setMessage(tr("Select leaves in the table to plot their update norms over steps."));
    connect(m_log, &QCheckBox::toggled, this, [this](bool on) {
        m_plot->setLogY(on);
        updatePlot();
    });
    split->addWidget(m_table);
    split->addWidget(m_plot);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    layout->addWidget(split, 1);
    resize(1100, 760);
}

RunView::~RunView()
{
    cancel();
    m_job->waitForFinished();
}

bool RunView::isRunning() const
{
    return m_job->isRunning();
}

QLabel *RunView::statusLabel() const
{
    return m_strip->statusLabel();
}

ckpt::RunDiffOptions RunView::options() const
{
    ckpt::RunDiffOptions o;
    o.from = optionalNumber(m_from);
    o.to = optionalNumber(m_to);
    if (m_item)
        o.item = m_item->toStdString();
    o.diff.compare = m_tolerance->options(o.diff.compare);
    return o;
}

void RunView::start(const QString &root, const std::optional<QString> &item)
{
    m_job->abandon();
    m_root = root;
    m_item = item;
    setWindowTitle(tr("Run view: %1").arg(root));
    m_strip->showBusy(tr("Comparing steps…"));
    m_job->start([path = root.toStdString(), options = options()](
                     const ckpt::Progress &progress) { return ckpt::diffRun(path, options, progress); },
        [this](JobResult<ckpt::RunDiff> &&r) {
            onFinished(Result{r.value ? std::move(*r.value) : ckpt::RunDiff{}, std::move(r.error)});
        });
}

bool RunView::recompute()
{
    if (m_root.isEmpty())
        return false;
    start(m_root, m_item);
    return true;
}

void RunView::cancel()
{
    m_job->cancel();
}

void RunView::onFinished(Result &&r)
{
    if (r.error && r.error->category == ckpt::ErrorCategory::Cancelled) {
        m_strip->showDone(tr("Run view cancelled"));
        emit finished(false);
        return;
    }
    if (r.error) {
        m_hasResult = false;
        m_model->setRun({});
        updatePlot();
        m_strip->showDone(tr("Run view failed: %1").arg(DocumentController::describe(*r.error)));
        emit finished(false);
        return;
    }
    m_hasResult = true;
    size_t changed = 0;
    for (const auto &row : r.run.cells)
        for (const ckpt::RunCell &c : row)
            changed += c.state == ckpt::RunCell::State::Changed;
    const QString summary
        = tr("%1 leaves over %2 steps (%3 → %4); %5 changed cells")
              .arg(r.run.leaves.size())
              .arg(r.run.steps.size())
              .arg(QString::fromStdString(r.run.steps.front().text), QString::fromStdString(r.run.steps.back().text))
              .arg(changed);
    m_model->setRun(std::move(r.run));
    m_table->horizontalHeader()->resizeSection(RunTableModel::LeafColumn, 300);
    m_strip->showDone(summary);

    // Plot the leaves with the largest updates to start with.
    std::vector<std::pair<double, int>> biggest;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        double top = -1;
        for (const QPointF &p : m_model->updateSeries(row))
            top = std::max(top, p.y());
        if (top > 0)
            biggest.emplace_back(top, row);
    }
    std::sort(biggest.begin(), biggest.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    QStringList pick;
    for (size_t i = 0; i < biggest.size() && i < size_t(kAutoSelect); ++i)
        pick << m_model->index(biggest[i].second, 0).data(RunTableModel::LeafRole).toString();
    selectLeaves(pick);
    emit finished(true);
}

void RunView::applyFilter(const QString &text)
{
    const QString t = text.trimmed();
    if (t.contains(QLatin1Char('*')) || t.contains(QLatin1Char('?')))
        m_proxy->setFilterRegularExpression(QRegularExpression(
            QRegularExpression::wildcardToRegularExpression(t), QRegularExpression::CaseInsensitiveOption));
    else
        m_proxy->setFilterFixedString(t);
}

int RunView::selectLeaves(const QStringList &paths)
{
    QItemSelection selection;
    int found = 0;
    for (const QString &p : paths) {
        const int row = m_model->rowOf(p);
        if (row < 0)
            continue;
        const QModelIndex ix = m_proxy->mapFromSource(m_model->index(row, 0));
        if (!ix.isValid())
            continue;
        ++found;
        selection.select(ix, ix.siblingAtColumn(m_proxy->columnCount() - 1));
    }
    m_table->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    updatePlot();
    return found;
}

QStringList RunView::plottedLeaves() const
{
    QStringList out;
    for (const LineSeries &s : m_plot->series())
        out << s.name;
    return out;
}

void RunView::updatePlot()
{
    std::vector<int> rows;
    for (const QModelIndex &ix : m_table->selectionModel()->selectedIndexes())
        rows.push_back(m_proxy->mapToSource(ix).row());
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
    std::vector<LineSeries> series;
    for (int row : rows) {
        if (int(series.size()) == kMaxSeries)
            break;
        series.push_back(
            {m_model->index(row, 0).data(RunTableModel::LeafRole).toString(), m_model->updateSeries(row), {}});
    }
    m_plot->setMessage(rows.empty() ? tr("Select leaves in the table to plot their update norms over steps.")
            : m_log->isChecked()    ? tr("The selected leaves have no update norms above 0 to plot on a log scale.")
                                    : tr("The selected leaves have no finite update norms to plot."));
    m_plot->setSeries(std::move(series));
}
