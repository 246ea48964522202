#pragma once

#include <QString>
#include <QStringList>

#include <optional>

/// What `checkpoint-studio [PATH] [--select KEYPATH] [--screenshot OUT.png] [--demo]` asked for.
struct CommandLine {
    QString path;
    QString select; ///< `a/b/c` key path to select after opening
    QString screenshot; ///< render the window to this PNG and exit
    bool demo = false;
    QString error; ///< non-empty when the arguments were invalid

    /// Parses `arguments` (argv[0] first), adding --help and --version handling to the caller's app.
    static CommandLine parse(const QStringList &arguments);
};

/// Path of the bundled demo: its Orbax run folder (else its Flax file) from the source tree's
/// resources/demo in a build, the installed copy otherwise; empty when neither exists.
QString demoCheckpointPath();
