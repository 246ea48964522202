#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ckpt {

class ByteReader;

/// One entry of an OCDBT data file table: the file is `basePath + relativePath`, relative to the
/// database directory. `basePath` already includes the transitive path of the node it was read from.
struct OcdbtDataFile {
    std::string basePath;
    std::string relativePath;
    std::string path() const { return basePath + relativePath; }
    bool operator==(const OcdbtDataFile &) const = default;
};

/// Reads a data file table (docs/formats.md §4.4) at the reader's position; every entry's base path is
/// prefixed with `transitivePath`. Throws Exception{Corrupt} on bad lengths or truncation.
std::vector<OcdbtDataFile> readOcdbtDataFileTable(ByteReader &r, const std::string &transitivePath);

/// Appends the table for `files`, which must be sorted by (basePath, relativePath) and unique
/// (as TensorStore writes it; index i in the table is files[i]).
void writeOcdbtDataFileTable(std::vector<std::byte> &out, const std::vector<OcdbtDataFile> &files);

/// Throws Exception{Corrupt} (naming `file` and `offset`) unless `path` is a relative path that
/// stays inside the database directory: not absolute, no backslash, no NUL, no "." or ".." segment.
void validateOcdbtDataFilePath(const std::string &path, const std::string &file, uint64_t offset);

} // namespace ckpt
