#include "apply_target_dialog.h"

#include "background_job.h"
#include "base/error.h"
#include "restore_report_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QCompleter>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTableWidget>
#include <QVBoxLayout>

#include <utility>

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

constexpr int kDirectionRole = Qt::UserRole + 1;

QString directionLabel(ApplyTargetDialog::Direction d)
{
    return d == ApplyTargetDialog::Direction::Rename
        ? ApplyTargetDialog::tr("\u2192 rename (checkpoint \u2192 target)")
        : ApplyTargetDialog::tr("\u2190 original key (target \u2190 checkpoint)");
}

} // namespace

/// What a worker hands back: the loaded target and its report, or an error.
struct ApplyTargetDialog::Plan {
    ckpt::NodePtr target;
    ckpt::RestoreReport report;
    QString error;
};

ApplyTargetDialog::ApplyTargetDialog(ckpt::NodePtr checkpoint, QWidget *parent)
    : QDialog(parent)
    , m_checkpoint(std::move(checkpoint))
    , m_planJob(new BackgroundJob(this))
{
    setWindowTitle(tr("Apply Target Structure"));
    auto *layout = new QVBoxLayout(this);

    auto *targetRow = new QHBoxLayout;
    targetRow->addWidget(new QLabel(tr("Target:"), this));
    m_targetPath = new QLineEdit(this);
    m_targetPath->setPlaceholderText(tr("checkpoint file or folder, or a `ckpt tree --json` skeleton"));
    targetRow->addWidget(m_targetPath, 1);
    auto *file = new QPushButton(tr("File\u2026"), this);
    auto *folder = new QPushButton(tr("Folder\u2026"), this);
    targetRow->addWidget(file);
    targetRow->addWidget(folder);
    m_step = new QLineEdit(this);
    m_step->setPlaceholderText(tr("step"));
    m_step->setMaximumWidth(70);
    m_item = new QLineEdit(this);
    m_item->setPlaceholderText(tr("item"));
    m_item->setMaximumWidth(90);
    targetRow->addWidget(m_step);
    targetRow->addWidget(m_item);
    auto *load = new QPushButton(tr("Load"), this);
    targetRow->addWidget(load);
    layout->addLayout(targetRow);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    auto *rulesBox = new QWidget(splitter);
    auto *rulesLayout = new QVBoxLayout(rulesBox);
    rulesLayout->setContentsMargins(0, 0, 0, 0);
    m_rules = new QTableWidget(0, 2, rulesBox);
    m_rules->setHorizontalHeaderLabels({tr("Direction"), tr("Rule (REGEX=REPLACEMENT, \\1 back-references)")});
    m_rules->horizontalHeader()->setStretchLastSection(true);
    m_rules->verticalHeader()->hide();
    m_rules->setSelectionBehavior(QAbstractItemView::SelectRows);
    rulesLayout->addWidget(m_rules);
    auto *newRule = new QHBoxLayout;
    m_newDirection = new QComboBox(rulesBox);
    m_newDirection->addItem(directionLabel(Direction::Rename), int(Direction::Rename));
    m_newDirection->addItem(directionLabel(Direction::OriginalKey), int(Direction::OriginalKey));
    m_newRule = new QLineEdit(rulesBox);
    m_newRule->setPlaceholderText(tr("params/Dense_(\\d+)/(.*)=model/layers/\\1/\\2"));
    auto *add = new QPushButton(tr("Add rule"), rulesBox);
    auto *remove = new QPushButton(tr("Remove"), rulesBox);
    newRule->addWidget(m_newDirection);
    newRule->addWidget(m_newRule, 1);
    newRule->addWidget(add);
    newRule->addWidget(remove);
    rulesLayout->addLayout(newRule);

    auto *reportBox = new QWidget(splitter);
    auto *reportLayout = new QVBoxLayout(reportBox);
    reportLayout->setContentsMargins(0, 0, 0, 0);
    m_model = new RestoreReportModel(this);
    m_view = new QTableView(reportBox);
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->verticalHeader()->hide();
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setWordWrap(false);
    m_view->setDragEnabled(true); // drag a dropped checkpoint leaf onto a target leaf to align them
    m_view->setAcceptDrops(true);
    m_view->setDragDropMode(QAbstractItemView::DragDrop);
    m_view->setDefaultDropAction(Qt::CopyAction);
    m_view->setDropIndicatorShown(true);
    m_view->setToolTip(tr("Drag a dropped checkpoint leaf onto a target leaf to align them by hand."));
    reportLayout->addWidget(m_view, 1);
    auto *alignRow = new QHBoxLayout;
    m_problemsOnly = new QCheckBox(tr("Problems only"), reportBox);
    alignRow->addWidget(m_problemsOnly);
    alignRow->addStretch(1);
    alignRow->addWidget(new QLabel(tr("Align selected target leaf with:"), reportBox));
    m_leafCombo = new QComboBox(reportBox);
    m_leafCombo->setEditable(true);
    m_leafCombo->setMinimumWidth(260);
    m_leafCombo->setInsertPolicy(QComboBox::NoInsert);
    m_leafCombo->completer()->setFilterMode(Qt::MatchContains);
    m_leafCombo->completer()->setCompletionMode(QCompleter::PopupCompletion);
    alignRow->addWidget(m_leafCombo);
    m_align = new QPushButton(tr("Align"), reportBox);
    m_promote = new QPushButton(tr("Promote to rule\u2026"), reportBox);
    alignRow->addWidget(m_align);
    alignRow->addWidget(m_promote);
    reportLayout->addLayout(alignRow);
    splitter->addWidget(rulesBox);
    splitter->addWidget(reportBox);
    splitter->setStretchFactor(1, 3);
    layout->addWidget(splitter, 1);

    m_summary = new QLabel(tr("No target loaded."), this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    layout->addWidget(m_summary);
    layout->addWidget(m_status);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    layout->addWidget(m_buttons);
    resize(1100, 680);

    connect(file, &QPushButton::clicked, this, &ApplyTargetDialog::browseFile);
    connect(folder, &QPushButton::clicked, this, &ApplyTargetDialog::browseFolder);
    connect(load, &QPushButton::clicked, this, &ApplyTargetDialog::loadFromFields);
    connect(m_targetPath, &QLineEdit::returnPressed, this, &ApplyTargetDialog::loadFromFields);
    connect(m_newRule, &QLineEdit::returnPressed, add, &QPushButton::click);
    connect(add, &QPushButton::clicked, this, [this] {
        if (m_newRule->text().isEmpty())
            return;
        addRule(Direction(m_newDirection->currentData().toInt()), m_newRule->text());
        m_newRule->clear();
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        if (m_rules->currentRow() >= 0)
            removeRule(m_rules->currentRow());
    });
    connect(m_rules, &QTableWidget::itemChanged, this, [this](QTableWidgetItem *) { replan(); });
    connect(m_problemsOnly, &QCheckBox::toggled, m_model, &RestoreReportModel::setProblemsOnly);
    connect(m_model, &QAbstractItemModel::modelReset, this, &ApplyTargetDialog::updateButtons);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ApplyTargetDialog::updateButtons);
    connect(m_align, &QPushButton::clicked, this, &ApplyTargetDialog::alignSelected);
    connect(m_model, &RestoreReportModel::alignRequested, this,
        [this](const QString &target, const QString &source) { alignManually(target, source); });
    connect(m_promote, &QPushButton::clicked, this, &ApplyTargetDialog::promoteSelected);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
}

ApplyTargetDialog::~ApplyTargetDialog() = default; // m_planJob waits for the running plan

bool ApplyTargetDialog::isPlanning() const
{
    return m_planJob->isRunning();
}

void ApplyTargetDialog::setTarget(const ckpt::edit::SourceRef &target)
{
    m_ref = target;
    m_target.reset();
    m_targetPath->setText(q(target.path));
    m_step->setText(target.step ? q(*target.step) : QString());
    m_item->setText(target.item ? q(*target.item) : QString());
    replan();
}

ckpt::edit::Operation ApplyTargetDialog::operation() const
{
    ckpt::edit::ApplyTarget op;
    op.target = m_ref;
    for (const QString &r : renames())
        op.renames.push_back(r.toStdString());
    for (const QString &r : originalKeys())
        op.originalKeys.push_back(r.toStdString());
    return op;
}

void ApplyTargetDialog::addRule(Direction direction, const QString &text)
{
    insertRule(m_rules->rowCount(), direction, text);
}

void ApplyTargetDialog::insertRule(int row, Direction direction, const QString &text)
{
    const QSignalBlocker block(m_rules);
    m_rules->insertRow(row);
    auto *dir = new QTableWidgetItem(directionLabel(direction));
    dir->setData(kDirectionRole, int(direction));
    dir->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
    m_rules->setItem(row, 0, dir);
    m_rules->setItem(row, 1, new QTableWidgetItem(text));
    m_rules->resizeColumnToContents(0);
    replan();
}

void ApplyTargetDialog::removeRule(int row)
{
    if (row < 0 || row >= m_rules->rowCount())
        return;
    m_rules->removeRow(row);
    replan();
}

int ApplyTargetDialog::ruleCount() const
{
    return m_rules->rowCount();
}

QStringList ApplyTargetDialog::renames() const
{
    QStringList out;
    for (int r = 0; r < m_rules->rowCount(); ++r)
        if (Direction(m_rules->item(r, 0)->data(kDirectionRole).toInt()) == Direction::Rename)
            out << m_rules->item(r, 1)->text();
    return out;
}

QStringList ApplyTargetDialog::originalKeys() const
{
    QStringList out;
    for (int r = 0; r < m_rules->rowCount(); ++r)
        if (Direction(m_rules->item(r, 0)->data(kDirectionRole).toInt()) == Direction::OriginalKey)
            out << m_rules->item(r, 1)->text();
    return out;
}

bool ApplyTargetDialog::parseRules(std::vector<ckpt::RenameRule> &renames, std::vector<ckpt::RenameRule> &originalKeys,
    const QString &replace, int replaceRow, QString *error) const
{
    renames.clear();
    originalKeys.clear();
    for (int r = 0; r < m_rules->rowCount(); ++r) {
        const QString text = r == replaceRow ? replace : m_rules->item(r, 1)->text();
        try {
            ckpt::RenameRule rule = ckpt::RenameRule::parse(text.toStdString());
            if (Direction(m_rules->item(r, 0)->data(kDirectionRole).toInt()) == Direction::Rename)
                renames.push_back(std::move(rule));
            else
                originalKeys.push_back(std::move(rule));
        } catch (const ckpt::Exception &e) {
            if (error)
                *error = tr("Rule %1: %2").arg(r + 1).arg(q(e.error().message));
            return false;
        }
    }
    return true;
}

void ApplyTargetDialog::replan()
{
    if (m_ref.path.empty())
        return;
    std::vector<ckpt::RenameRule> renames, originalKeys;
    QString error;
    if (!parseRules(renames, originalKeys, {}, -1, &error)) {
        m_status->setText(error);
        return;
    }
    m_status->setText(m_target ? tr("Planning\u2026") : tr("Loading %1\u2026").arg(q(m_ref.path)));
    // Starting a plan drops the one still running: only the newest rules' plan is shown.
    m_planJob->start(
        [checkpoint = m_checkpoint, target = m_target, ref = m_ref, renames = std::move(renames),
            originalKeys = std::move(originalKeys)](const ckpt::Progress &) {
            Plan p;
            p.target = target ? target : ckpt::edit::Context().open(ref);
            p.report = ckpt::planRestore(checkpoint, p.target, renames, originalKeys);
            return p;
        },
        [this](JobResult<Plan> &&r) {
            if (r.error) {
                Plan failed;
                failed.error = QString::fromStdString(r.error->describe());
                showPlan(failed);
            } else {
                showPlan(*r.value);
            }
        });
}

void ApplyTargetDialog::showPlan(const Plan &plan)
{
    if (!plan.error.isEmpty()) {
        m_status->setText(tr("Could not plan: %1").arg(plan.error));
        emit planFailed(plan.error);
        return;
    }
    m_target = plan.target;
    const QString selected = selectedTargetPath();
    m_model->setReport(plan.report);
    m_hasReport = true;
    m_leafCombo->clear();
    m_leafCombo->addItems(unmatchedCheckpointLeaves());
    m_leafCombo->setCurrentIndex(-1);
    if (const int row = m_model->rowOf(selected); row >= 0)
        m_view->selectRow(row);
    m_view->resizeColumnsToContents();
    m_summary->setText(m_model->summary());
    m_status->setText(plan.report.restorable()
            ? QString()
            : tr("A real restore into this target would fail. OK applies it anyway: filled leaves keep the "
                 "target's values and mismatches stay; you decide."));
    updateButtons();
    emit reportReady();
}

const ckpt::RestoreReport &ApplyTargetDialog::report() const
{
    return m_model->report();
}

QStringList ApplyTargetDialog::unmatchedCheckpointLeaves() const
{
    QStringList out;
    for (const std::string &e : report().extras)
        out << q(e);
    return out;
}

QString ApplyTargetDialog::summaryText() const
{
    return m_summary->text();
}

QString ApplyTargetDialog::statusText() const
{
    return m_status->text();
}

QPushButton *ApplyTargetDialog::okButton() const
{
    return m_buttons->button(QDialogButtonBox::Ok);
}

QString ApplyTargetDialog::selectedTargetPath() const
{
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    if (rows.isEmpty() || !m_model->leafAt(rows.front().row()))
        return {};
    return rows.front().data(RestoreReportModel::PathRole).toString();
}

void ApplyTargetDialog::updateButtons()
{
    const ckpt::RestoreLeaf *leaf = nullptr;
    if (const QModelIndexList rows = m_view->selectionModel()->selectedRows(); !rows.isEmpty())
        leaf = m_model->leafAt(rows.front().row());
    m_align->setEnabled(leaf && leaf->fate != ckpt::RestoreLeaf::Fate::Taken);
    m_promote->setEnabled(leaf && leaf->fate == ckpt::RestoreLeaf::Fate::Renamed);
    okButton()->setEnabled(m_hasReport);
    okButton()->setText(!m_hasReport || report().restorable() ? tr("Apply") : tr("Apply with problems"));
}
