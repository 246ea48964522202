#pragma once

#include <QObject>
#include <QString>

class QLabel;
class QProgressBar;
class QStatusBar;
class QToolButton;

/// The main window's status bar: a message on the left, and on the right a progress bar (permille)
/// with a Cancel button that are shown only while long work runs. UI-thread only.
class StatusArea : public QObject {
    Q_OBJECT
public:
    /// Adds its widgets to `bar`, which owns them.
    explicit StatusArea(QStatusBar *bar);

    QString text() const;
    /// Shows or hides the progress bar and Cancel.
    void setBusy(bool busy);

public slots:
    void setText(const QString &text);
    void setProgress(int permille);

signals:
    void cancelRequested();

private:
    QLabel *m_text;
    QProgressBar *m_progress;
    QToolButton *m_cancel;
};
