#include "io/temp_sibling.h"

#include <atomic>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <string>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ckpt {
namespace {
std::atomic<unsigned> g_counter{0};
constexpr std::string_view kTmpInfix = ".ckpt-tmp-";
constexpr std::string_view kOldInfix = ".ckpt-old-";

fs::path parentOf(const fs::path &target)
{
    return target.has_parent_path() ? target.parent_path() : fs::path(".");
}

/// The writer's pid of a sibling named `.<name>.ckpt-tmp-<pid>-<n>`; 0 when `entry` is not one.
pid_t writerPid(const std::string &entry, const std::string &name, std::string_view infix)
{
    const std::string prefix = "." + name + std::string(infix);
    if (entry.size() <= prefix.size() || entry.compare(0, prefix.size(), prefix) != 0)
        return 0;
    const char *first = entry.data() + prefix.size(), *last = entry.data() + entry.size();
    long pid = 0;
    auto [p, ec] = std::from_chars(first, last, pid);
    if (ec != std::errc() || p == first || p == last || *p != '-' || pid <= 0)
        return 0;
    unsigned n = 0;
    auto [q, ec2] = std::from_chars(p + 1, last, n);
    if (ec2 != std::errc() || q != last)
        return 0;
    return static_cast<pid_t>(pid);
}

bool processRuns(pid_t pid)
{
    return ::kill(pid, 0) == 0 || errno != ESRCH;
}

fs::path siblingPath(const fs::path &target, std::string_view infix)
{
    return parentOf(target)
        / ("." + target.filename().string() + std::string(infix) + std::to_string(::getpid()) + "-"
            + std::to_string(g_counter++));
}
} // namespace

fs::path tempSiblingPath(const fs::path &target)
{
    return siblingPath(target, kTmpInfix);
}

fs::path oldSiblingPath(const fs::path &target)
{
    return siblingPath(target, kOldInfix);
}

size_t removeStaleTempSiblings(const fs::path &target)
{
    const std::string name = target.filename().string();
    if (name.empty())
        return 0;
    std::error_code ec;
    const bool targetExists = fs::symlink_status(target, ec).type() != fs::file_type::not_found;
    size_t removed = 0;
    fs::directory_iterator it(parentOf(target), ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string entry = it->path().filename().string();
        pid_t pid = writerPid(entry, name, kTmpInfix);
        if (pid == 0 && targetExists)
            pid = writerPid(entry, name, kOldInfix);
        if (pid == 0 || pid == ::getpid() || processRuns(pid))
            continue;
        std::error_code rm;
        if (fs::remove_all(it->path(), rm) > 0 && !rm)
            ++removed;
    }
    return removed;
}

} // namespace ckpt
