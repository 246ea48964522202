#pragma once

#include "tree/node.h"

#include <string>
#include <vector>

namespace ckpt::cli {

/// Every subcommand takes its arguments (without the program and subcommand names), writes its
/// result to stdout and returns the exit code: 0 ok, 1 differences/problems found, 2 error.
/// Errors are thrown as ckpt::Exception; main() turns them into a message and exit code 2.
int cmdInfo(const std::vector<std::string> &args);
int cmdTree(const std::vector<std::string> &args);
int cmdShow(const std::vector<std::string> &args);
int cmdStats(const std::vector<std::string> &args);
int cmdConvert(const std::vector<std::string> &args);
int cmdSteps(const std::vector<std::string> &args);
int cmdDiff(const std::vector<std::string> &args);
int cmdTransform(const std::vector<std::string> &args);
int cmdApply(const std::vector<std::string> &args);
int cmdDu(const std::vector<std::string> &args);

/// `-o` becomes `--output` (parseArgs knows only long options).
std::vector<std::string> expandShortOutput(const std::vector<std::string> &args);
/// Writes a repaired tree with the exporter `ckpt convert` uses; `to` empty: from DST's extension
/// (.msgpack flax-msgpack, .h5/.hdf5 hdf5, .safetensors safetensors, else orbax). Returns the
/// format name used.
std::string writeRepaired(const NodePtr &root, const std::string &dst, const std::string &to, bool force,
    const std::vector<std::string> &sourcePaths, const Progress &progress = {});

} // namespace ckpt::cli
