#pragma once

#include <functional>
#include <optional>
#include <string>

namespace ckpt {

/// Looks up an environment variable by name: its value, or nullopt when it is not set. Credential
/// resolvers take one instead of reading the process environment, so tests inject a map.
using EnvLookup = std::function<std::optional<std::string>(const std::string &name)>;

/// The real process environment (std::getenv). An empty value is returned as an empty string, not
/// nullopt. Thread-safe as long as nothing in the process calls setenv/putenv concurrently.
EnvLookup processEnvironment();

} // namespace ckpt
