#include "io/guarded_read.h"

#include "base/error.h"

#include <csetjmp>
#include <csignal>
#include <cstring>
#include <mutex>

namespace ckpt {
namespace {

thread_local sigjmp_buf *t_landing = nullptr; // the innermost guarded call of this thread
struct sigaction g_previous { };
std::once_flag g_installed;

extern "C" void onSigbus(int, siginfo_t *, void *)
{
    if (sigjmp_buf *landing = t_landing)
        siglongjmp(*landing, 1);
    // Not a guarded read: put the earlier disposition back; the faulting access repeats and gets it.
    sigaction(SIGBUS, &g_previous, nullptr);
}

void install()
{
    struct sigaction action { };
    action.sa_sigaction = onSigbus;
    // SA_NODEFER: SIGBUS stays unblocked after the long jump (no mask to save and restore per call).
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &g_previous);
}

} // namespace

bool guardedRun(void (*fn)(void *), void *context)
{
    std::call_once(g_installed, install);
    sigjmp_buf landing;
    sigjmp_buf *const outer = t_landing;
    if (sigsetjmp(landing, 0) != 0) {
        t_landing = outer;
        return false;
    }
    t_landing = &landing;
    try {
        fn(context);
    } catch (...) {
        t_landing = outer;
        throw;
    }
    t_landing = outer;
    return true;
}

void failShrunkWhileMapped(const std::string &file, uint64_t offset)
{
    fail(ErrorCategory::Io, "the file shrank while it was being read (changed by another program?)", file, offset);
}

void guardedCopy(std::span<const std::byte> from, std::byte *to, const std::string &file, uint64_t offset)
{
    if (!guarded([&] { std::memcpy(to, from.data(), from.size()); }))
        failShrunkWhileMapped(file, offset);
}

bool guardedEqual(std::span<const std::byte> a, std::span<const std::byte> b, const std::string &file)
{
    if (a.size() != b.size())
        return false;
    int c = 0;
    if (!guarded([&] { c = std::memcmp(a.data(), b.data(), a.size()); }))
        failShrunkWhileMapped(file, 0);
    return c == 0;
}

} // namespace ckpt
