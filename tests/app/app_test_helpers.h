#pragma once

#include "layout/checkpoint.h"

#include <QSettings>
#include <QString>
#include <QTemporaryDir>

#include <memory>

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
