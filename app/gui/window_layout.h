#pragma once

#include <initializer_list>

class QMainWindow;
class QSettings;
class QSplitter;

/// Saves the window's geometry, its dock and toolbar state, and the state of each splitter (by
/// object name) in `settings`. The keys are part of every user's saved layout: never rename them.
void saveWindowLayout(
    QSettings &settings, const QMainWindow *window, std::initializer_list<const QSplitter *> splitters);

/// Restores what saveWindowLayout() saved; false (and nothing changed) when nothing was saved.
bool restoreWindowLayout(QSettings &settings, QMainWindow *window, std::initializer_list<QSplitter *> splitters);
