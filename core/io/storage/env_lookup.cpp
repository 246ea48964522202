#include "io/storage/env_lookup.h"

#include <cstdlib>

namespace ckpt {

EnvLookup processEnvironment()
{
    return [](const std::string &name) -> std::optional<std::string> {
        const char *value = std::getenv(name.c_str());
        if (!value)
            return std::nullopt;
        return std::string(value);
    };
}

} // namespace ckpt
