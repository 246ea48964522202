#include "recent_files.h"

#include <QSettings>

namespace {
const QString kKey = QStringLiteral("recentFiles");
}

QStringList RecentFiles::paths() const
{
    return m_settings->value(kKey).toStringList();
}

void RecentFiles::add(const QString &path)
{
    QStringList list = paths();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxEntries)
        list.removeLast();
    store(list);
}

void RecentFiles::remove(const QString &path)
{
    QStringList list = paths();
    list.removeAll(path);
    store(list);
}

void RecentFiles::store(const QStringList &paths)
{
    m_settings->setValue(kKey, paths);
    m_settings->sync();
}
