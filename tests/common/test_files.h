// Files written and read by tests that build checkpoints on disk, shared by the test folders.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <string_view>

namespace testfiles {

/// Writes `bytes` to `p` (replacing it), creating the parent folders first.
inline void writeFile(const std::filesystem::path &p, std::span<const std::byte> bytes)
{
    std::filesystem::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
}

/// Writes `text` to `p` (replacing it), creating the parent folders first.
inline void writeFile(const std::filesystem::path &p, std::string_view text)
{
    writeFile(p, std::as_bytes(std::span(text.data(), text.size())));
}

} // namespace testfiles
