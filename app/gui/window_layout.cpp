#include "window_layout.h"

#include <QMainWindow>
#include <QSettings>
#include <QSplitter>

namespace {
// QSettings keys of the window layout; renaming one forgets every user's saved layout.
const QString kGeometryKey = QStringLiteral("window/geometry");
const QString kStateKey = QStringLiteral("window/state");

/// "window/<objectName>" of a splitter (mainSplitter, rightSplitter).
QString splitterKey(const QSplitter *s)
{
    return QStringLiteral("window/") + s->objectName();
}
} // namespace

void saveWindowLayout(
    QSettings &settings, const QMainWindow *window, std::initializer_list<const QSplitter *> splitters)
{
    settings.setValue(kGeometryKey, window->saveGeometry());
    settings.setValue(kStateKey, window->saveState());
    for (const QSplitter *s : splitters)
        settings.setValue(splitterKey(s), s->saveState());
}

bool restoreWindowLayout(QSettings &settings, QMainWindow *window, std::initializer_list<QSplitter *> splitters)
{
    if (!settings.contains(kGeometryKey))
        return false;
    window->restoreGeometry(settings.value(kGeometryKey).toByteArray());
    window->restoreState(settings.value(kStateKey).toByteArray());
    for (QSplitter *s : splitters)
        s->restoreState(settings.value(splitterKey(s)).toByteArray());
    return true;
}
