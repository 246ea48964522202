#pragma once

#include "tree/dtype.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace ckpt {

/// A recipe value (number, bool, or "nan" / "inf" / "-inf") as one canonical element of `dtype`
/// (edit_convert.h rules; integers stay exact for integer dtypes). Throws InvalidArgument naming
/// `keyPath` on anything else.
std::vector<std::byte> encodeJsonValue(DType dtype, const nlohmann::json &value, const std::string &keyPath);

/// dtypeFromName or InvalidArgument naming `keyPath`.
DType dtypeOrFail(const std::string &name, const std::string &keyPath);

} // namespace ckpt
