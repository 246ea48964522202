#pragma once

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

} // namespace ckpt::cli
