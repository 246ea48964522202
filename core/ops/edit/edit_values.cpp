#include "ops/edit/edit_values.h"

#include "base/error.h"
#include "ops/edit/edit_convert.h"

#include <limits>

namespace ckpt {

std::vector<std::byte> encodeJsonValue(DType dtype, const nlohmann::json &value, const std::string &keyPath)
{
    std::vector<std::byte> out(itemSize(dtype));
    if (value.is_boolean()) {
        encodeInt(dtype, value.get<bool>() ? 1 : 0, out.data());
    } else if (value.is_number_integer() && !value.is_number_unsigned()) {
        encodeInt(dtype, value.get<int64_t>(), out.data());
    } else if (value.is_number_unsigned()) {
        const uint64_t u = value.get<uint64_t>();
        if (isInteger(dtype))
            encodeInt(dtype, int64_t(u), out.data());
        else
            encodeDouble(dtype, double(u), out.data());
    } else if (value.is_number_float()) {
        encodeDouble(dtype, value.get<double>(), out.data());
    } else if (value.is_string() && (value == "nan" || value == "inf" || value == "-inf")) {
        const double inf = std::numeric_limits<double>::infinity();
        encodeDouble(dtype,
            value == "nan"       ? std::numeric_limits<double>::quiet_NaN()
                : value == "inf" ? inf
                                 : -inf,
            out.data());
    } else {
        fail(ErrorCategory::InvalidArgument, "value " + value.dump() + " is not a number, bool, nan or inf", {},
            std::nullopt, keyPath);
    }
    return out;
}

DType dtypeOrFail(const std::string &name, const std::string &keyPath)
{
    const auto t = dtypeFromName(name);
    if (!t)
        fail(ErrorCategory::InvalidArgument, "unknown dtype '" + name + "'", {}, std::nullopt, keyPath);
    return *t;
}

} // namespace ckpt
