#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace ckpt::cli {

/// Parsed command line of one subcommand: positionals and `--name [value]` options.
struct CliArgs {
    std::vector<std::string> positional;
    std::multimap<std::string, std::string> options;

    bool has(const std::string &name) const { return options.count(name) != 0; }
    /// Last value given for `name`, or `fallback`.
    std::string get(const std::string &name, const std::string &fallback = {}) const;
    std::vector<std::string> all(const std::string &name) const;
};

/// Parses `args`; `flags` take no value, `valued` take one (`--x V` or `--x=V`).
/// Throws Exception{InvalidArgument} on an unknown option or a missing value.
CliArgs parseArgs(
    const std::vector<std::string> &args, const std::set<std::string> &flags, const std::set<std::string> &valued);

/// Throws Exception{InvalidArgument} unless there are between min and max positionals.
void expectPositionals(const CliArgs &a, size_t min, size_t max, const char *usage);

} // namespace ckpt::cli
