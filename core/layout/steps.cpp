#include "layout/steps.h"

#include "base/error.h"
#include "io/path_ops.h"
#include "io/storage/storage_url.h"
#include "layout/layout_detect.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <regex>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

/// Marker of an in-progress Orbax save (any suffix after it); part of Orbax's naming, never change it.
constexpr std::string_view kTmpMarker = ".orbax-checkpoint-tmp";
/// Commit marker file written by Orbax on GCS (and everywhere since 0.12.3).
constexpr const char *kCommitSuccess = "commit_success.txt";

uint64_t treeBytes(const PathEntry &entry, const std::string &path)
{
    if (!entry.isDir)
        return entry.size;
    uint64_t total = 0;
    for (const PathEntry &e : listPathRecursive(path))
        total += e.size;
    return total;
}

std::optional<int64_t> mtimeNs(const std::string &p)
{
    if (isStorageUrl(p))
        return std::nullopt; // object stores have no folder times; the metadata's timestamp is used
    std::error_code ec;
    auto t = fs::last_write_time(p, ec);
    if (ec)
        return std::nullopt;
    // file_clock and system_clock differ by a constant offset; measure it once per call.
    const auto sys = std::chrono::system_clock::now() + (t - fs::file_time_type::clock::now());
    return std::chrono::duration_cast<std::chrono::nanoseconds>(sys.time_since_epoch()).count();
}

} // namespace

std::optional<StepId> parseStepName(const std::string &fullName)
{
    std::string name = fullName;
    if (auto pos = name.find(kTmpMarker); pos != std::string::npos)
        name = name.substr(0, pos);
    static const std::regex intStep(R"(^(?:.*_)?(0|[0-9]+)$)");
    static const std::regex floatStep(R"(^(?:.*_)?([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)$)");
    std::smatch m;
    if (std::regex_match(name, m, intStep) || std::regex_match(name, m, floatStep)) {
        StepId id;
        id.text = m[1].str();
        try {
            id.value = std::stod(id.text);
        } catch (...) {
            return std::nullopt;
        }
        return id;
    }
    return std::nullopt;
}

std::vector<StepInfo> listSteps(const std::string &root)
{
    refreshPath(root); // a run being written: list what is there now, not what a cache saw
    if (!pathIsDir(root))
        fail(ErrorCategory::MissingData, "not a directory", root);
    std::vector<StepInfo> steps;
    bool anyCommitMarker = false;
    for (const PathEntry &entry : listPath(root)) {
        const std::string &name = entry.name;
        const std::string entryPath = joinPath(root, name);
        if (name == "metadata" || name.ends_with("_gda") || name.ends_with("_gda" + std::string(kTmpMarker)))
            continue;
        auto id = parseStepName(name);
        const bool legacyTmp = name.size() > 3 && name.ends_with("tmp") && name.find(kTmpMarker) == std::string::npos
            && name.find('_') != std::string::npos;
        if (!id && !legacyTmp)
            continue;
        StepInfo s;
        s.name = name;
        s.path = entryPath;
        s.isFile = !entry.isDir;
        if (id)
            s.step = *id;
        s.totalBytes = treeBytes(entry, entryPath);
        if (name.find(kTmpMarker) != std::string::npos) {
            s.complete = false;
            s.incompleteReason = "in-progress save (name contains .orbax-checkpoint-tmp)";
        } else if (legacyTmp && !id) {
            s.complete = false;
            s.incompleteReason = "in-progress legacy Flax save (temporary name)";
        }
        if (s.isFile) {
            if (s.complete && !isFlaxMsgpackFile(s.path)) {
                s.complete = false;
                s.incompleteReason = "not a msgpack checkpoint file";
            }
        } else {
            const std::string meta = joinPath(entryPath, "_CHECKPOINT_METADATA");
            if (pathIsFile(meta)) {
                nlohmann::json j;
                try {
                    j = nlohmann::json::parse(readPathText(meta, 64u << 20), nullptr, false);
                } catch (const Exception &e) {
                    if (e.error().category == ErrorCategory::Auth || e.error().category == ErrorCategory::Cancelled)
                        throw;
                }
                if (j.is_object() && j.contains("commit_timestamp_nsecs")
                    && j["commit_timestamp_nsecs"].is_number_integer()) {
                    s.timestampNs = j["commit_timestamp_nsecs"].get<int64_t>();
                    s.timestampFromMetadata = true;
                }
            }
            if (pathIsFile(joinPath(entryPath, kCommitSuccess)))
                anyCommitMarker = true;
            const auto kind = detectLayout(s.path);
            if (kind == LayoutKind::CompositeStep)
                s.items = listStepItems(s.path);
            else if (kind != LayoutKind::Item && s.complete) {
                s.complete = false;
                s.incompleteReason = "holds no checkpoint item";
            }
        }
        if (!s.timestampNs)
            s.timestampNs = mtimeNs(entryPath);
        steps.push_back(std::move(s));
    }
    if (anyCommitMarker) {
        for (auto &s : steps) {
            if (s.isFile || !s.complete)
                continue;
            if (!pathIsFile(joinPath(s.path, kCommitSuccess))) {
                s.complete = false;
                s.incompleteReason = "no commit_success.txt although other steps have one (uncommitted save)";
            }
        }
    }
    std::sort(steps.begin(), steps.end(), [](const StepInfo &a, const StepInfo &b) {
        if (a.step.value != b.step.value)
            return a.step.value < b.step.value;
        if (a.complete != b.complete)
            return !a.complete; // a complete step sorts after an in-progress one of the same number
        return a.name < b.name;
    });
    return steps;
}

std::optional<StepInfo> latestCompleteStep(const std::vector<StepInfo> &steps)
{
    for (auto it = steps.rbegin(); it != steps.rend(); ++it)
        if (it->complete)
            return *it;
    return std::nullopt;
}

} // namespace ckpt
