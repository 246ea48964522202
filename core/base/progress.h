#pragma once

#include <cstdint>
#include <functional>

namespace ckpt {

/// Progress sink and cancel predicate handed to long-running core work. Both are optional;
/// both may be called from worker threads, so they must be thread-safe.
struct Progress {
    std::function<void(uint64_t done, uint64_t total)> report; ///< units chosen by the callee
    std::function<bool()> isCancelled; ///< true stops the work with Cancelled

    bool cancelled() const { return isCancelled && isCancelled(); }
    /// Throws Exception{Cancelled} when the predicate says so.
    void throwIfCancelled() const;
    void update(uint64_t done, uint64_t total) const
    {
        if (report)
            report(done, total);
    }
};

} // namespace ckpt
