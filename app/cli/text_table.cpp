#include "text_table.h"

#include <algorithm>
#include <iostream>

namespace ckpt::cli {

void printTable(const std::vector<std::vector<std::string>> &rows)
{
    std::vector<size_t> width;
    for (const auto &r : rows)
        for (size_t c = 0; c < r.size(); ++c) {
            width.resize(std::max(width.size(), r.size()), 0);
            width[c] = std::max(width[c], r[c].size());
        }
    std::string out;
    for (const auto &r : rows) {
        std::string line;
        for (size_t c = 0; c < r.size(); ++c) {
            line += r[c];
            if (c + 1 < r.size())
                line.append(width[c] - r[c].size() + 2, ' ');
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    }
    std::cout << out;
}

} // namespace ckpt::cli
