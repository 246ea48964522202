#pragma once

#include "ops/edit/edit.h"
#include "ops/edit/restore.h"
#include "tree/node.h"

#include <QDialog>

#include <memory>
#include <vector>

class BackgroundJob;
class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableView;
class QTableWidget;
class RestoreReportModel;

/// Edit > Apply target structure…: reshapes the open checkpoint like a target tree (ops/edit/restore.h)
/// with rules in both directions, showing the restore report as a table before anything happens.
///
/// The target (file, folder or `ckpt tree --json` skeleton, optional step/item) is opened and the
/// report planned on a worker; every rule change re-plans (stale results are dropped). Manual
/// alignment of a missing target leaf with an unused checkpoint leaf adds an exact
/// checkpoint -> target rule; "Promote to rule…" generalises such an alignment into a regex with
/// back-references (ckpt::suggestRenameRule) after showing how many other leaves it would align.
/// OK is allowed with problems, and the dialog says so. The checkpoint tree and the target are
/// immutable and shared with the worker. UI-thread only.
class ApplyTargetDialog : public QDialog {
    Q_OBJECT
public:
    enum class Direction { Rename, OriginalKey };

    explicit ApplyTargetDialog(ckpt::NodePtr checkpoint, QWidget *parent = nullptr);
    ~ApplyTargetDialog() override;

    /// Loads the target on a worker; the report refreshes when it is loaded.
    void setTarget(const ckpt::edit::SourceRef &target);

    /// The operation the dialog describes; valid after accept(): an edit::ApplyTarget.
    ckpt::edit::Operation operation() const;

    /// Appends a rule (re-plans). Rename: `REGEX=REPL` on checkpoint paths; OriginalKey:
    /// `TARGET_REGEX=TEMPLATE` as Orbax `Transform(original_key=...)`.
    void addRule(Direction direction, const QString &text);
    void removeRule(int row);
    int ruleCount() const;
    QStringList renames() const;
    QStringList originalKeys() const;

    /// Aligns target leaf `targetPath` with checkpoint leaf `checkpointPath` by an exact rename
    /// rule; false (status line says why) when either is not a leaf of its tree.
    bool alignManually(const QString &targetPath, const QString &checkpointPath);
    /// The general rule suggested for the alignment shown at `targetPath` (a renamed leaf), or
    /// empty when that leaf is not renamed.
    QString promotionFor(const QString &targetPath) const;
    /// How many target leaves that are not aligned now `rule` would align (planned synchronously).
    int promotionGain(const QString &rule) const;
    /// Replaces the rule that renamed `targetPath` by `rule` (re-plans); false when none did.
    bool promote(const QString &targetPath, const QString &rule);

    bool isPlanning() const;
    bool hasReport() const { return m_hasReport; }
    const ckpt::RestoreReport &report() const;
    /// Checkpoint leaves no target leaf uses (the manual-alignment candidates).
    QStringList unmatchedCheckpointLeaves() const;
    QString summaryText() const;
    QString statusText() const;

    RestoreReportModel *reportModel() const { return m_model; }
    QTableView *reportView() const { return m_view; }
    QCheckBox *problemsOnlyBox() const { return m_problemsOnly; }
    QComboBox *checkpointLeafCombo() const { return m_leafCombo; }
    QPushButton *okButton() const;
    QPushButton *alignButton() const { return m_align; }
    QPushButton *promoteButton() const { return m_promote; }

signals:
    /// A new report is shown (after a load or a rule change).
    void reportReady();
    /// The target could not be opened or planned; the message is in the status line too.
    void planFailed(const QString &message);

private:
    struct Plan;
    void replan();
    void showPlan(const Plan &plan);
    void browseFile();
    void browseFolder();
    void loadFromFields();
    void alignSelected();
    void promoteSelected();
    void updateButtons();
    QString selectedTargetPath() const;
    void insertRule(int row, Direction direction, const QString &text);
    bool parseRules(std::vector<ckpt::RenameRule> &renames, std::vector<ckpt::RenameRule> &originalKeys,
        const QString &replace = {}, int replaceRow = -1, QString *error = nullptr) const;
    int ruleRowFor(const ckpt::RestoreLeaf &leaf) const;

    ckpt::NodePtr m_checkpoint;
    ckpt::edit::SourceRef m_ref;
    ckpt::NodePtr m_target; ///< loaded target, null until the first plan succeeds
    bool m_hasReport = false;
    BackgroundJob *m_planJob;

    QLineEdit *m_targetPath = nullptr;
    QLineEdit *m_step = nullptr;
    QLineEdit *m_item = nullptr;
    QTableWidget *m_rules = nullptr;
    QComboBox *m_newDirection = nullptr;
    QLineEdit *m_newRule = nullptr;
    RestoreReportModel *m_model = nullptr;
    QTableView *m_view = nullptr;
    QCheckBox *m_problemsOnly = nullptr;
    QComboBox *m_leafCombo = nullptr;
    QPushButton *m_align = nullptr;
    QPushButton *m_promote = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_status = nullptr;
    QDialogButtonBox *m_buttons = nullptr;
};
