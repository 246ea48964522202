#pragma once

#include <future>
#include <utility>

namespace ckpt {

/// Runs `there` on a new thread while `here` runs on this one, and returns when both are done. An
/// exception from `here` is rethrown once `there` has finished; then one from `there`.
template <typename Here, typename There> void runConcurrently(Here &&here, There &&there)
{
    auto other = std::async(std::launch::async, std::forward<There>(there));
    try {
        here();
    } catch (...) {
        other.wait();
        throw;
    }
    other.get();
}

} // namespace ckpt
