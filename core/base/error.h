#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace ckpt {

/// What kind of failure an Error is. The names are part of the CLI/JSON contract
/// (`"error": "<category>: <message>"`), so never rename one.
enum class ErrorCategory {
    Io, ///< the operating system refused a read or write
    NotACheckpoint, ///< the path is not anything we recognise
    Unsupported, ///< recognised, but uses a feature we do not implement
    Corrupt, ///< bytes contradict the format (truncated, bad CRC, bad length, ...)
    MissingData, ///< a file or value the checkpoint refers to does not exist
    Mismatch, ///< two things that must agree do not (structure, shape, dtype)
    Cancelled, ///< the caller's cancel predicate returned true
    InvalidArgument, ///< the caller asked for something impossible
    Auth, ///< a server refused the credentials (or their absence) for an object
};

/// Stable lower-case name of a category, e.g. "not_a_checkpoint", "auth".
std::string_view categoryName(ErrorCategory c);

/// The one error type of the core: what went wrong, and where.
struct Error {
    ErrorCategory category = ErrorCategory::Corrupt;
    std::string message;
    std::string file; ///< file the problem is in, empty if none
    std::optional<uint64_t> byteOffset; ///< offset inside `file`, when known
    std::string keyPath; ///< `a/b/c` path inside the pytree, when known

    /// One line: "<category>: <message> (file F, byte N, key K)".
    std::string describe() const;
};

/// Exception carrying an Error. Every core entry point reports failures this way.
class Exception : public std::exception {
public:
    explicit Exception(Error e);
    const Error &error() const noexcept { return m_error; }
    const char *what() const noexcept override { return m_what.c_str(); }

    /// Returns a copy with the key path set if it was empty (used while unwinding through a tree).
    Exception withKeyPath(const std::string &keyPath) const;

private:
    Error m_error;
    std::string m_what;
};

/// Throws an Exception built from the arguments.
[[noreturn]] void fail(ErrorCategory c, std::string message, std::string file = {},
    std::optional<uint64_t> byteOffset = std::nullopt, std::string keyPath = {});

} // namespace ckpt
