#pragma once

#include "base/error.h"
#include "layout/checkpoint.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <regex>

namespace ckpt {

/// Version of the `ckpt tree --json` document (docs/architecture.md). Bump only on incompatible change.
inline constexpr int kCkptJsonVersion = 1;

struct TreeJsonOptions {
    bool digest = false; ///< add sha256 of array and bytes leaves (reads every array)
    std::optional<std::regex> filter; ///< keep leaves whose `a/b/c` path matches (std::regex_search)
};

/// The `source` object of the JSON contract for an opened checkpoint.
nlohmann::json sourceJson(const Checkpoint &c);

/// One leaf as in the contract's `leaves` array.
nlohmann::json leafJson(const Path &path, const Node &leaf, bool digest, const Progress &progress = {});

/// The whole `ckpt tree --json` document.
nlohmann::json treeJson(const Checkpoint &c, const TreeJsonOptions &options, const Progress &progress = {});

/// `{"ckpt_json": 1, "error": "<category>: <message>"}`.
nlohmann::json errorJson(const Error &e);

} // namespace ckpt
