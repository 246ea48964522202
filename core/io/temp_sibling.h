#pragma once

#include <cstddef>
#include <filesystem>

namespace ckpt {

/// A fresh path beside `target` for writing it atomically: `.<name>.ckpt-tmp-<pid>-<n>` in the same
/// folder (same file system, so the final rename is atomic). This pattern must never change:
/// removeStaleTempSiblings() recognises the leftovers of earlier runs by it. Thread-safe.
std::filesystem::path tempSiblingPath(const std::filesystem::path &target);

/// Where a replaced `target` is moved aside until the new one is in place:
/// `.<name>.ckpt-old-<pid>-<n>`. Never change the pattern (see removeStaleTempSiblings()).
std::filesystem::path oldSiblingPath(const std::filesystem::path &target);

/// Removes what a killed writer of `target` left behind, once that process no longer runs on this
/// machine: temporary siblings (files or folders), and moved-aside old copies only when `target`
/// exists again (otherwise the old copy is the user's only one and stays). Siblings of live
/// processes (another writer, or this one) are kept, as is anything not named by the functions
/// above. Never throws; returns how many were removed.
size_t removeStaleTempSiblings(const std::filesystem::path &target);

} // namespace ckpt
