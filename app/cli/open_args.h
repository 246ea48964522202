#pragma once

#include "cli_args.h"
#include "layout/checkpoint.h"

namespace ckpt::cli {

/// Options every reading subcommand accepts: --step N, --item NAME.
inline const std::set<std::string> kOpenValued = {"step", "item"};

/// `flags` plus the switches every reading subcommand accepts: --flat-names (safetensors names
/// stay flat keys) and --quiet (no progress line on a terminal).
std::set<std::string> withOpenFlags(std::set<std::string> flags);

/// Opens `path` with the --step/--item options of `a` (errors name them, see openNamingFlags).
Checkpoint openFromArgs(const std::string &path, const CliArgs &a);

/// Looks up `keyPath` (`a/b/c`, empty for the root); throws InvalidArgument naming the path.
NodePtr findOrFail(const Checkpoint &c, const std::string &keyPath);

} // namespace ckpt::cli
