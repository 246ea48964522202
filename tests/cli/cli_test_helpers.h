#pragma once

// Shared by the tests of the `ckpt` executable (compiled into every tests/cli test).

#include "tree/node.h"

#include "tree_builders.h"

#include <QByteArray>
#include <QJsonObject>
#include <QStringList>

#include <string>
#include <utility>
#include <vector>

namespace clitest {

/// One finished run of the `ckpt` executable: exit code (-1 when it crashed or timed out),
/// standard output and standard error.
struct Run {
    int code = -1;
    QByteArray out, err;
};

/// Runs the `ckpt` executable built with the tests (CKPT_CLI) with `args`, waiting up to `timeoutMs`.
Run runCkpt(const QStringList &args, int timeoutMs = 120000);

using testtree::dict;
using testtree::f32;
/// The JSON object in `bytes` (empty when it is not one).
QJsonObject json(const QByteArray &bytes);
/// The whole file (empty when it cannot be read).
QByteArray readFile(const QString &path);

} // namespace clitest
