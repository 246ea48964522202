#pragma once

#include "cli_args.h"

#include "base/progress.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace ckpt::cli {

/// A progress line on stderr for a long command: `convert  45%  1.2 GiB / 2.6 GiB  310 MiB/s  ETA 5s`,
/// redrawn at most ten times a second and erased when the command ends. Shown only when stderr is
/// a terminal and --quiet was not given, so pipes and logs never see it. Thread-safe (workers
/// report through progress()).
class ProgressLine {
public:
    /// `bytes`: the core reports bytes (rate and sizes shown), else items (percent and ETA only).
    ProgressLine(std::string label, const CliArgs &args, bool bytes = true);
    ~ProgressLine();
    ProgressLine(const ProgressLine &) = delete;
    ProgressLine &operator=(const ProgressLine &) = delete;

    bool enabled() const { return m_enabled; }
    /// The reporter to hand to the core; does nothing when the line is not shown.
    Progress progress();

    /// Whether a progress line would be shown for `args` (stderr a terminal, no --quiet).
    static bool wanted(const CliArgs &args);

private:
    void draw(uint64_t done, uint64_t total);
    std::string m_label;
    bool m_enabled;
    bool m_bytes;
    bool m_drawn = false;
    uint64_t m_total = 0; ///< the largest total reported so far
    std::mutex m_mutex;
    std::chrono::steady_clock::time_point m_start, m_last;
};

} // namespace ckpt::cli
