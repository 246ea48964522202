// ApplyTargetDialog: choosing the target, manual alignment and promoting an alignment to a rule.
#include "apply_target_dialog.h"

#include "base/error.h"
#include "ops/diff/diff_rename.h"
#include "restore_report_model.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace {

QString q(const std::string &s)
{
    return QString::fromStdString(s);
}

size_t alignedCount(const ckpt::RestoreReport &r)
{
    return r.leaves.size() - r.count(ckpt::RestoreLeaf::Fate::Filled);
}

} // namespace

void ApplyTargetDialog::browseFile()
{
    const QString path = QFileDialog::getOpenFileName(this, tr("Target checkpoint or skeleton"), m_targetPath->text());
    if (path.isEmpty())
        return;
    m_targetPath->setText(path);
    loadFromFields();
}

void ApplyTargetDialog::browseFolder()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Target checkpoint folder"), m_targetPath->text());
    if (path.isEmpty())
        return;
    m_targetPath->setText(path);
    loadFromFields();
}

void ApplyTargetDialog::loadFromFields()
{
    if (m_targetPath->text().isEmpty())
        return;
    ckpt::edit::SourceRef ref;
    ref.path = m_targetPath->text().toStdString();
    if (!m_step->text().trimmed().isEmpty())
        ref.step = m_step->text().trimmed().toStdString();
    if (!m_item->text().trimmed().isEmpty())
        ref.item = m_item->text().trimmed().toStdString();
    setTarget(ref);
}

bool ApplyTargetDialog::alignManually(const QString &targetPath, const QString &checkpointPath)
{
    const bool targetLeaf = [&] {
        for (const ckpt::RestoreLeaf &l : report().leaves)
            if (q(l.path) == targetPath)
                return true;
        return false;
    }();
    const ckpt::NodePtr source = ckpt::findNode(m_checkpoint, ckpt::parsePath(checkpointPath.toStdString()));
    if (!targetLeaf) {
        m_status->setText(tr("%1 is not a leaf of the target.").arg(targetPath));
        return false;
    }
    if (!source || !source->isLeaf()) {
        m_status->setText(tr("%1 is not a leaf of the checkpoint.").arg(checkpointPath));
        return false;
    }
    // Our direction tries rules in order, first match wins: a hand-made alignment goes first.
    insertRule(0, Direction::Rename, q(ckpt::exactRenameRule(checkpointPath.toStdString(), targetPath.toStdString())));
    return true;
}

int ApplyTargetDialog::ruleRowFor(const ckpt::RestoreLeaf &leaf) const
{
    const Direction d
        = leaf.ruleKind == ckpt::RestoreLeaf::RuleKind::OriginalKey ? Direction::OriginalKey : Direction::Rename;
    for (int r = 0; r < m_rules->rowCount(); ++r)
        if (Direction(m_rules->item(r, 0)->data(Qt::UserRole + 1).toInt()) == d
            && m_rules->item(r, 1)->text() == q(leaf.rule))
            return r;
    return -1;
}

QString ApplyTargetDialog::promotionFor(const QString &targetPath) const
{
    for (const ckpt::RestoreLeaf &l : report().leaves)
        if (q(l.path) == targetPath && l.fate == ckpt::RestoreLeaf::Fate::Renamed)
            return q(ckpt::suggestRenameRule(l.source, l.path));
    return {};
}

int ApplyTargetDialog::promotionGain(const QString &rule) const
{
    if (!m_target || !m_hasReport)
        return 0;
    std::vector<ckpt::RenameRule> renames, originalKeys;
    if (!parseRules(renames, originalKeys))
        return 0;
    try {
        renames.push_back(ckpt::RenameRule::parse(rule.toStdString()));
    } catch (const ckpt::Exception &) {
        return 0;
    }
    const ckpt::RestoreReport trial = ckpt::planRestore(m_checkpoint, m_target, renames, originalKeys);
    return int(alignedCount(trial)) - int(alignedCount(report()));
}

bool ApplyTargetDialog::promote(const QString &targetPath, const QString &rule)
{
    for (const ckpt::RestoreLeaf &l : report().leaves) {
        if (q(l.path) != targetPath || l.fate != ckpt::RestoreLeaf::Fate::Renamed)
            continue;
        const int row = ruleRowFor(l);
        if (row < 0)
            return false;
        {
            const QSignalBlocker block(m_rules);
            m_rules->item(row, 0)->setData(Qt::UserRole + 1, int(Direction::Rename));
            m_rules->item(row, 0)->setText(tr("\u2192 rename (checkpoint \u2192 target)"));
            m_rules->item(row, 1)->setText(rule);
        }
        replan();
        return true;
    }
    return false;
}

void ApplyTargetDialog::alignSelected()
{
    const QString target = selectedTargetPath();
    if (target.isEmpty() || m_leafCombo->currentText().isEmpty()) {
        m_status->setText(tr("Select a target leaf and pick a checkpoint leaf to align it with."));
        return;
    }
    alignManually(target, m_leafCombo->currentText());
}

void ApplyTargetDialog::promoteSelected()
{
    const QString target = selectedTargetPath();
    const QString suggestion = promotionFor(target);
    if (suggestion.isEmpty())
        return;
    QDialog ask(this);
    ask.setWindowTitle(tr("Promote to Rule"));
    auto *layout = new QVBoxLayout(&ask);
    layout->addWidget(new QLabel(tr("Generalise the alignment of %1 into a rule (REGEX=REPLACEMENT):").arg(target)));
    auto *edit = new QLineEdit(suggestion, &ask);
    edit->setMinimumWidth(520);
    layout->addWidget(edit);
    auto *effect = new QLabel(&ask);
    layout->addWidget(effect);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &ask);
    layout->addWidget(buttons);
    auto update = [&] {
        try {
            ckpt::RenameRule::parse(edit->text().toStdString());
        } catch (const ckpt::Exception &e) {
            effect->setText(q(e.error().message));
            buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
            return;
        }
        effect->setText(tr("Would align %1 other target leaves.").arg(promotionGain(edit->text())));
        buttons->button(QDialogButtonBox::Ok)->setEnabled(true);
    };
    connect(edit, &QLineEdit::textChanged, &ask, update);
    connect(buttons, &QDialogButtonBox::accepted, &ask, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &ask, &QDialog::reject);
    update();
    if (ask.exec() == QDialog::Accepted)
        promote(target, edit->text());
}
