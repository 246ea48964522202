#pragma once

#include <QWidget>

class BackgroundJob;
class QLabel;
class QProgressBar;
class QToolButton;

/// A status line for a window's background work: a status label, a progress bar (permille,
/// 0..1000) and a Cancel button, laid out in one row. The bar and the button are shown only
/// between showBusy() and showDone(). UI-thread only.
class ProgressStrip : public QWidget {
    Q_OBJECT
public:
    explicit ProgressStrip(QWidget *parent = nullptr);

    /// Routes `job`'s progress to the bar and the Cancel button to job->cancel().
    void follow(BackgroundJob *job);
    /// Shows `text`, resets the bar to 0 and shows the bar and Cancel.
    void showBusy(const QString &text);
    /// Hides the bar and Cancel and shows `text`.
    void showDone(const QString &text);

    QLabel *statusLabel() const { return m_status; }
    QProgressBar *progressBar() const { return m_progress; }
    QToolButton *cancelButton() const { return m_cancel; }

private:
    QLabel *m_status;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
};
