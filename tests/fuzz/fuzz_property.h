// Shared helpers of the fuzz targets' round-trip properties (not a fuzz target itself: the build
// globs fuzz_*.cpp). A failed property is a finding: it prints what differed and aborts, which
// libFuzzer reports as a crash and the seed replayer as a failed test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <unistd.h>

namespace ckpt::fuzz {

[[noreturn]] inline void propertyFailed(const std::string &what)
{
    std::fprintf(stderr, "PROPERTY FAILED: %s\n", what.c_str());
    std::fflush(stderr);
    std::abort();
}

inline void require(bool ok, const std::string &what)
{
    if (!ok)
        propertyFailed(what);
}

/// A folder of this process under /tmp (created on first use, removed at exit); `fresh()` hands out
/// an empty sub-folder for one input.
class ScratchDir {
public:
    static ScratchDir &get()
    {
        static ScratchDir dir;
        return dir;
    }
    std::string fresh()
    {
        std::error_code ec;
        const auto p = m_root / ("in" + std::to_string(m_next++ % 4));
        std::filesystem::remove_all(p, ec);
        std::filesystem::create_directories(p);
        return p.string();
    }
    ~ScratchDir()
    {
        std::error_code ec;
        std::filesystem::remove_all(m_root, ec);
    }

private:
    ScratchDir()
        : m_root(std::filesystem::temp_directory_path() / ("ckpt-fuzz-" + std::to_string(::getpid())))
    {
        std::error_code ec;
        std::filesystem::remove_all(m_root, ec);
        std::filesystem::create_directories(m_root);
    }
    std::filesystem::path m_root;
    unsigned m_next = 0;
};

} // namespace ckpt::fuzz
