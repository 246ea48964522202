#pragma once

#include <QWidget>

class QListWidget;
class QPushButton;

/// First screen: open a file or folder, open the bundled demo, or pick a recent checkpoint.
class StartPage : public QWidget {
    Q_OBJECT
public:
    explicit StartPage(QWidget *parent = nullptr);
    void setRecentFiles(const QStringList &paths);
    void setDemoAvailable(bool available);
    QListWidget *recentList() const { return m_recent; }

signals:
    void openFileRequested();
    void openFolderRequested();
    void openDemoRequested();
    void openPathRequested(const QString &path);

private:
    QListWidget *m_recent;
    QPushButton *m_demo;
};
