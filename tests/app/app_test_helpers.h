#pragma once

#include "layout/checkpoint.h"

#include <QSettings>
#include <QSize>
#include <QString>
#include <QTemporaryDir>

#include <map>
#include <memory>
#include <string>
#include <vector>

class MainWindow;
class QWidget;

/// Settings in a private temporary INI file, so tests never touch the user's recent files.
struct TestSettings {
    QTemporaryDir dir;
    std::unique_ptr<QSettings> settings;
    TestSettings();
};

/// Path of a corpus file, or empty when the corpus is absent (callers QSKIP).
QString corpusFile(const QString &relative);

/// A checkpoint built in memory: {params: {Dense_0: {bias f32 (3,), kernel f32 (2, 3)}}, step: 4,
/// name: 'run', blob: b'\x00\x01', nothing: None}.
ckpt::Checkpoint syntheticCheckpoint(const std::string &path);

/// The demo training run (resources/demo/run), or empty when it was not generated (callers QSKIP).
QString demoRun();

/// A float32 array of `shape` holding `values` (row-major; values.size() must be the element count).
ckpt::NodePtr floatArray(std::vector<uint64_t> shape, const std::vector<float> &values);

/// Path -> digest (ckpt::arrayDigest) of every array leaf, the kind name of every other leaf.
std::map<std::string, std::string> leafDigests(const ckpt::NodePtr &root);

/// Opens `path` in `w` and waits up to `timeoutMs` for it; true when a checkpoint is then shown.
bool openAndWait(MainWindow &w, const QString &path, int timeoutMs);

/// A main window with private settings showing the demo run (its latest step).
struct DemoRunWindow {
    TestSettings settings;
    QString run; ///< the run's root folder
    std::unique_ptr<MainWindow> window;
    bool opened = false; ///< the run opened within the timeout
    DemoRunWindow();
    ~DemoRunWindow();
};

/// Opens the demo run in a new window and waits up to `timeoutMs`; null when the demo run was not
/// generated (callers QSKIP), else check `opened`.
std::unique_ptr<DemoRunWindow> openDemoRunWindow(int timeoutMs);

/// Resizes `widget` to `size` (when valid), lets it lay out, and saves its picture as
/// <build>/screenshots/<name>.png; false when the folder or the file cannot be written.
bool saveScreenshot(QWidget *widget, const QString &name, QSize size = {});
