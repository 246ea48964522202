#include "io/storage/env_lookup.h"

#include <cstdlib>

namespace ckpt {

EnvLookup processEnvironment()
{
    return [](const std::string &name) -> std::optional<std::string> {
        const char *value
            = std::getenv(name.c_str()); // NOLINT(concurrency-mt-unsafe): nothing in the process calls setenv
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

} // namespace ckpt
