#include "io/kvstore/ocdbt_data_file_table.h"

#include "base/error.h"
#include "io/byte_reader.h"
#include "io/kvstore/ocdbt_envelope.h"

#include <algorithm>

namespace ckpt {

std::vector<OcdbtDataFile> readOcdbtDataFileTable(ByteReader &r, const std::string &transitivePath)
{
    const uint64_t n = r.varint();
    r.check("data file table");
    // Each file needs at least two length bytes, so a count beyond the remaining bytes is a lie.
    if (n > r.remaining())
        r.error("data file table declares " + std::to_string(n) + " files, more than the bytes that follow");
    if (transitivePath.size() > kOcdbtMaxPathLength)
        r.error("transitive data file path is too long");
    const uint64_t maxPath = kOcdbtMaxPathLength - transitivePath.size();
    std::vector<uint64_t> prefix(n, 0), suffix(n), baseLen(n);
    for (uint64_t i = 1; i < n; ++i)
        prefix[i] = r.varint();
    for (uint64_t i = 0; i < n; ++i)
        suffix[i] = r.varint();
    for (uint64_t i = 0; i < n; ++i)
        baseLen[i] = r.varint();
    r.check("data file table lengths");

    std::vector<OcdbtDataFile> files;
    files.reserve(n);
    std::string prevPath; // previous full path without the transitive part
    for (uint64_t i = 0; i < n; ++i) {
        if (prefix[i] > prevPath.size())
            r.error("data file " + std::to_string(i) + ": shared prefix " + std::to_string(prefix[i])
                + " is longer than the previous path");
        if (suffix[i] > maxPath || prefix[i] + suffix[i] > maxPath)
            r.error("data file " + std::to_string(i) + ": path is longer than " + std::to_string(maxPath));
        const uint64_t length = prefix[i] + suffix[i];
        if (baseLen[i] > length)
            r.error("data file " + std::to_string(i) + ": base path length " + std::to_string(baseLen[i])
                + " exceeds the path length " + std::to_string(length));
        if (i > 0 && prefix[i] > std::min(baseLen[i - 1], baseLen[i]) && baseLen[i] != baseLen[i - 1])
            r.error("data file " + std::to_string(i) + ": shared prefix crosses different base paths");
        const std::string_view sfx = r.chars(size_t(suffix[i]));
        r.check("data file table paths");
        std::string path = prevPath.substr(0, size_t(prefix[i]));
        path.append(sfx);
        OcdbtDataFile f;
        f.basePath = transitivePath + path.substr(0, size_t(baseLen[i]));
        f.relativePath = path.substr(size_t(baseLen[i]));
        files.push_back(std::move(f));
        prevPath = std::move(path);
    }
    return files;
}

void writeOcdbtDataFileTable(std::vector<std::byte> &out, const std::vector<OcdbtDataFile> &files)
{
    appendVarint(out, files.size());
    std::vector<size_t> prefix(files.size(), 0);
    for (size_t i = 1; i < files.size(); ++i) {
        const auto &a = files[i - 1];
        const auto &b = files[i];
        size_t p = std::mismatch(a.basePath.begin(), a.basePath.end(), b.basePath.begin(), b.basePath.end()).first
            - a.basePath.begin();
        if (a.basePath.size() == b.basePath.size() && p == a.basePath.size())
            p += std::mismatch(
                     a.relativePath.begin(), a.relativePath.end(), b.relativePath.begin(), b.relativePath.end())
                     .first
                - a.relativePath.begin();
        prefix[i] = p;
        appendVarint(out, p);
    }
    for (size_t i = 0; i < files.size(); ++i)
        appendVarint(out, files[i].basePath.size() + files[i].relativePath.size() - prefix[i]);
    for (const auto &f : files)
        appendVarint(out, f.basePath.size());
    for (size_t i = 0; i < files.size(); ++i)
        appendString(out, files[i].path().substr(prefix[i]));
}

void validateOcdbtDataFilePath(const std::string &path, const std::string &file, uint64_t offset)
{
    auto refuse = [&](const char *why) {
        fail(ErrorCategory::Corrupt, "data file path \"" + path + "\" refused: " + why, file, offset);
    };
    if (path.empty())
        refuse("empty path");
    if (path.front() == '/')
        refuse("absolute path");
    if (path.find('\\') != std::string::npos)
        refuse("backslash");
    if (path.find('\0') != std::string::npos)
        refuse("NUL byte");
    size_t start = 0;
    for (;;) {
        const size_t end = path.find('/', start);
        const std::string_view seg
            = std::string_view(path).substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (seg == "." || seg == "..")
            refuse("'.' or '..' segment");
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
}

} // namespace ckpt
