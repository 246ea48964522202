// ckpt steps: the steps of a run, with items, sizes, times and completeness.
#include "commands.h"
#include "open_args.h"

#include "layout/steps.h"
#include "ops/tree_json.h"

#include <ctime>
#include <iostream>

namespace ckpt::cli {
namespace {

std::string isoTime(int64_t ns)
{
    const std::time_t secs = std::time_t(ns / 1000000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

} // namespace

int cmdSteps(const std::vector<std::string> &args)
{
    const CliArgs a = parseArgs(args, {"json"}, {});
    expectPositionals(a, 1, 1, "ckpt steps ROOT [--json]");
    const std::vector<StepInfo> steps = listSteps(a.positional[0]);
    const auto latest = latestCompleteStep(steps);
    if (a.has("json")) {
        nlohmann::json rows = nlohmann::json::array();
        for (const StepInfo &s : steps) {
            nlohmann::json r = {{"name", s.name}, {"path", s.path}, {"items", s.items}, {"bytes", s.totalBytes},
                {"complete", s.complete}, {"file", s.isFile}, {"latest", latest && latest->path == s.path}};
            if (s.step.isInteger())
                r["step"] = std::stoll(s.step.text);
            else
                r["step"] = s.step.value;
            if (s.timestampNs) {
                r["time"] = isoTime(*s.timestampNs);
                r["time_source"] = s.timestampFromMetadata ? "metadata" : "mtime";
            }
            if (!s.complete)
                r["incomplete_reason"] = s.incompleteReason;
            rows.push_back(std::move(r));
        }
        std::cout << nlohmann::json{{"ckpt_json", kCkptJsonVersion}, {"root", a.positional[0]}, {"steps", rows}}.dump()
                  << std::endl;
        return 0;
    }
    for (const StepInfo &s : steps) {
        std::string items;
        for (const std::string &i : s.items)
            items += (items.empty() ? "" : ",") + i;
        std::cout << (latest && latest->path == s.path ? "* " : "  ") << s.step.text << "\t" << s.name << "\t"
                  << humanBytes(s.totalBytes) << "\t" << (s.timestampNs ? isoTime(*s.timestampNs) : "-") << "\t"
                  << (items.empty() ? "-" : items)
                  << (s.complete ? std::string() : "\tINCOMPLETE: " + s.incompleteReason) << "\n";
    }
    if (steps.empty())
        std::cout << "no steps\n";
    return 0;
}

} // namespace ckpt::cli
