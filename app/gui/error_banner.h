#pragma once

#include <QFrame>

class QLabel;

/// A dismissible strip above the views that shows why something failed, as selectable text;
/// used instead of modal message boxes so that errors never block. UI-thread only.
class ErrorBanner : public QFrame {
    Q_OBJECT
public:
    explicit ErrorBanner(QWidget *parent = nullptr);

    /// Shows `text` (several lines allowed) and the banner.
    void showError(const QString &text);
    /// The message while the banner is visible to its window; empty when hidden or dismissed.
    QString visibleText() const;

private:
    QLabel *m_label;
};
