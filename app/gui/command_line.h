#pragma once

#include "layout/checkpoint.h"

#include <QString>
#include <QStringList>

#include <optional>

/// What `checkpoint-studio [PATH] [--step N] [--item NAME] [--select KEYPATH] [--screenshot OUT.png] [--demo]`
/// asked for.
struct CommandLine {
    QString path;
    QString step; ///< step of a run to open instead of the latest complete one
    QString item; ///< item of a composite step to open alone
    QString select; ///< `a/b/c` key path to select after opening
    QString screenshot; ///< render the window to this PNG and exit
    bool demo = false;
    QString error; ///< non-empty when the arguments were invalid

    /// Parses `arguments` (argv[0] first), adding --help and --version handling to the caller's app.
    static CommandLine parse(const QStringList &arguments);
    /// The step and item as options for DocumentController::open().
    ckpt::OpenOptions openOptions() const;
};

/// Path of the bundled demo: its Orbax run folder (else its Flax file) from the source tree's
/// resources/demo in a build, the installed copy otherwise; empty when neither exists.
QString demoCheckpointPath();
