#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ckpt {

/// Decodes standard or URL-safe base64 (`+/` or `-_`), with `=` padding (length a multiple of 4).
/// nullopt for any other input. Used for `_sharding` keys and zarr v2 base64 fill values.
std::optional<std::string> base64Decode(std::string_view s);

} // namespace ckpt
