#pragma once

#include <string>
#include <vector>

namespace ckpt::cli {

/// Prints rows to stdout as left-aligned columns separated by two spaces (the last column unpadded).
void printTable(const std::vector<std::vector<std::string>> &rows);

} // namespace ckpt::cli
