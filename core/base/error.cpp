#include "base/error.h"

namespace ckpt {

std::string_view categoryName(ErrorCategory c)
{
    switch (c) {
    case ErrorCategory::Io: return "io";
    case ErrorCategory::NotACheckpoint: return "not_a_checkpoint";
    case ErrorCategory::Unsupported: return "unsupported";
    case ErrorCategory::Corrupt: return "corrupt";
    case ErrorCategory::MissingData: return "missing_data";
    case ErrorCategory::Mismatch: return "mismatch";
    case ErrorCategory::Cancelled: return "cancelled";
    case ErrorCategory::InvalidArgument: return "invalid_argument";
    case ErrorCategory::Auth: return "auth";
    }
    return "unknown";
}

std::string Error::describe() const
{
    std::string s(categoryName(category));
    s += ": ";
    s += message;
    std::string where;
    auto add = [&where](const std::string &part) {
        where += where.empty() ? " (" : ", ";
        where += part;
    };
    if (!file.empty())
        add("file " + file);
    if (byteOffset)
        add("byte " + std::to_string(*byteOffset));
    if (!keyPath.empty())
        add("key " + keyPath);
    if (!where.empty())
        s += where + ")";
    return s;
}

Exception::Exception(Error e)
    : m_error(std::move(e))
    , m_what(m_error.describe())
{ }

Exception Exception::withKeyPath(const std::string &keyPath) const
{
    if (!m_error.keyPath.empty())
        return *this;
    Error e = m_error;
    e.keyPath = keyPath;
    return Exception(std::move(e));
}

void fail(
    ErrorCategory c, std::string message, std::string file, std::optional<uint64_t> byteOffset, std::string keyPath)
{
    throw Exception(Error{c, std::move(message), std::move(file), byteOffset, std::move(keyPath)});
}

} // namespace ckpt
