#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ckpt::orbax {

/// JSON text as Python's `json.dumps(obj)` writes it (separators ", " and ": ", ASCII-escaped,
/// insertion order as given by `j`'s own order). Orbax writes `_METADATA` and
/// `_CHECKPOINT_METADATA` this way.
std::string pythonJsonDumps(const nlohmann::ordered_json &j);

/// Python `str()` of a tuple of strings: `()`, `('a',)`, `('b', 'c')` (repr quoting rules).
std::string pythonTupleRepr(const std::vector<std::string> &items);

/// URL-safe base64 with `=` padding (`_sharding` keys).
std::string base64UrlEncode(const std::string &bytes);

} // namespace ckpt::orbax
