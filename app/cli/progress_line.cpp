#include "progress_line.h"

#include "tree/array_info.h"

#include <cstdio>
#include <unistd.h>

namespace ckpt::cli {
namespace {

std::string duration(double s)
{
    char buf[32];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%.0fs", s);
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
    else
        std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, int(s) / 60 % 60);
    return buf;
}

} // namespace

bool ProgressLine::wanted(const CliArgs &args)
{
    return !args.has("quiet") && ::isatty(STDERR_FILENO) == 1;
}

ProgressLine::ProgressLine(std::string label, const CliArgs &args, bool bytes)
    : m_label(std::move(label))
    , m_enabled(wanted(args))
    , m_bytes(bytes)
    , m_start(std::chrono::steady_clock::now())
{ }

ProgressLine::~ProgressLine()
{
    std::lock_guard lock(m_mutex);
    if (m_drawn)
        std::fputs("\r\033[K", stderr);
}

Progress ProgressLine::progress()
{
    Progress p;
    if (m_enabled)
        p.report = [this](uint64_t done, uint64_t total) { draw(done, total); };
    return p;
}

void ProgressLine::draw(uint64_t done, uint64_t total)
{
    std::lock_guard lock(m_mutex);
    // The core hands the same reporter down to the reads it makes, which report their own smaller
    // totals (one array's chunks): only the largest total is the command's.
    if (total < m_total)
        return;
    m_total = total;
    const auto now = std::chrono::steady_clock::now();
    if (m_drawn && now - m_last < std::chrono::milliseconds(100))
        return;
    m_last = now;
    const double elapsed = std::chrono::duration<double>(now - m_start).count();
    std::string line = m_label;
    if (total > 0) {
        char pct[16];
        std::snprintf(pct, sizeof pct, "  %3.0f%%", 100.0 * double(std::min(done, total)) / double(total));
        line += pct;
    }
    if (m_bytes)
        line += "  " + humanBytes(done) + (total ? " / " + humanBytes(total) : std::string());
    if (elapsed > 0.5 && done > 0) {
        const double rate = double(done) / elapsed;
        if (m_bytes)
            line += "  " + humanBytes(uint64_t(rate)) + "/s";
        if (total > done)
            line += "  ETA " + duration(double(total - done) / rate);
    }
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

} // namespace ckpt::cli
