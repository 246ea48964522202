#pragma once

#include <QStringList>

class QSettings;

/// Most-recently-opened paths, newest first, stored under "recentFiles" in the given settings.
class RecentFiles {
public:
    static constexpr int kMaxEntries = 10;
    explicit RecentFiles(QSettings *settings)
        : m_settings(settings)
    { }
    QStringList paths() const;
    void add(const QString &path);
    void remove(const QString &path);

private:
    void store(const QStringList &paths);
    QSettings *m_settings;
};
