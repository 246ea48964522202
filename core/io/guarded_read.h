#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>

namespace ckpt {

/// Reading a mapped file raises SIGBUS when another program shrinks the file meanwhile. Code that
/// reads mapped bytes runs inside guardedRun(): such a fault then ends the call (returning false)
/// instead of the process. A fault outside any guarded call keeps its default effect.
///
/// The guarded code is left with a long jump, so it must not own anything with a destructor
/// between guardedRun() and the reads (plain C calls such as memcpy, memcmp or libzstd). An
/// exception thrown inside passes through normally. Thread-safe; guarded calls may nest.
bool guardedRun(void (*fn)(void *), void *context);

/// guardedRun() for a callable (keep it to plain reads, see above).
template <typename Fn> bool guarded(Fn &&fn)
{
    return guardedRun([](void *p) { (*static_cast<std::remove_reference_t<Fn> *>(p))(); }, &fn);
}

/// Throws Exception{Io} for a guarded read that faulted: `file` shrank after it was opened.
[[noreturn]] void failShrunkWhileMapped(const std::string &file, uint64_t offset);

/// Copies `from` (possibly mapped) into `to` (as large); throws like failShrunkWhileMapped on a fault.
void guardedCopy(std::span<const std::byte> from, std::byte *to, const std::string &file, uint64_t offset);

/// Whether two byte ranges (possibly mapped) are equal; throws like failShrunkWhileMapped on a fault.
bool guardedEqual(std::span<const std::byte> a, std::span<const std::byte> b, const std::string &file);

} // namespace ckpt
