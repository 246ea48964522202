// ckpt du: where the bytes and parameters of a checkpoint are, per subtree and per dtype.
#include "commands.h"
#include "open_args.h"
#include "text_table.h"

#include "base/error.h"
#include "ops/tree_json.h"
#include "ops/usage.h"

#include <charconv>
#include <cstdio>
#include <iostream>

namespace ckpt::cli {
namespace {

constexpr const char *kUsage = "ckpt du PATH [--depth N] [--json] [--step N] [--item NAME]";

std::string share(uint64_t part, uint64_t whole)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", whole ? 100.0 * double(part) / double(whole) : 0.0);
    return buf;
}

std::string stored(const UsageTotals &t)
{
    if (t.arrays == 0)
        return "-";
    if (t.storedUnknown == t.arrays)
        return "?";
    return humanBytes(t.storedBytes) + (t.storedUnknown ? "+?" : "");
}

nlohmann::json totalsJson(const UsageTotals &t)
{
    return {{"leaves", t.leaves}, {"arrays", t.arrays}, {"parameters", t.parameters}, {"memory_bytes", t.memoryBytes},
        {"stored_bytes", t.storedBytes}, {"stored_unknown_arrays", t.storedUnknown}};
}

nlohmann::json nodeJson(const UsageNode &n, int depth)
{
    nlohmann::json j = totalsJson(n.totals);
    nlohmann::json path = nlohmann::json::array();
    for (const Key &k : n.path)
        path.push_back(k.str());
    j["path"] = std::move(path);
    if (depth > 0 && !n.children.empty()) {
        j["children"] = nlohmann::json::array();
        for (const UsageNode &c : n.children)
            j["children"].push_back(nodeJson(c, depth - 1));
    }
    return j;
}

void addRows(const UsageNode &n, int depth, int indent, uint64_t whole, std::vector<std::vector<std::string>> &rows)
{
    for (const UsageNode &c : n.children) {
        const std::string name = std::string(size_t(indent) * 2, ' ') + (c.path.empty() ? "" : c.path.back().str());
        rows.push_back({name, parameterCountText(c.totals.parameters), humanBytes(c.totals.memoryBytes),
            stored(c.totals), share(c.totals.memoryBytes, whole), std::to_string(c.totals.leaves)});
        if (depth > 1)
            addRows(c, depth - 1, indent + 1, whole, rows);
    }
}

} // namespace

int cmdDu(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert("depth");
    const CliArgs a = parseArgs(args, withOpenFlags({"json"}), valued);
    expectPositionals(a, 1, 1, kUsage);
    int depth = 2;
    if (a.has("depth")) {
        const std::string d = a.get("depth");
        auto [p, ec] = std::from_chars(d.data(), d.data() + d.size(), depth);
        if (ec != std::errc() || p != d.data() + d.size() || depth < 1)
            fail(ErrorCategory::InvalidArgument, "--depth needs a whole number of at least 1, not \"" + d + "\"");
    }
    const Checkpoint c = openFromArgs(a.positional[0], a);
    const Usage u = computeUsage(c.root);
    const UsageTotals &all = u.root.totals;
    if (a.has("json")) {
        nlohmann::json j
            = {{"ckpt_json", kCkptJsonVersion}, {"source", sourceJson(c)}, {"total", nodeJson(u.root, depth)}};
        nlohmann::json dtypes = nlohmann::json::object();
        for (const auto &[name, t] : u.byDtype)
            dtypes[name] = totalsJson(t);
        j["dtypes"] = std::move(dtypes);
        std::cout << j.dump() << std::endl;
        return 0;
    }
    std::vector<std::vector<std::string>> rows = {{"SUBTREE", "PARAMS", "MEMORY", "STORED", "SHARE", "LEAVES"}};
    rows.push_back({"(all)", parameterCountText(all.parameters), humanBytes(all.memoryBytes), stored(all), "100.0%",
        std::to_string(all.leaves)});
    addRows(u.root, depth, 0, all.memoryBytes, rows);
    printTable(rows);
    std::vector<std::pair<std::string, UsageTotals>> dtypes(u.byDtype.begin(), u.byDtype.end());
    std::stable_sort(dtypes.begin(), dtypes.end(),
        [](const auto &x, const auto &y) { return x.second.memoryBytes > y.second.memoryBytes; });
    std::vector<std::vector<std::string>> dt = {{"DTYPE", "ARRAYS", "PARAMS", "MEMORY", "STORED", "SHARE"}};
    for (const auto &[name, t] : dtypes)
        dt.push_back({name, std::to_string(t.arrays), parameterCountText(t.parameters), humanBytes(t.memoryBytes),
            stored(t), share(t.memoryBytes, all.memoryBytes)});
    std::cout << "\n";
    printTable(dt);
    if (all.storedUnknown)
        std::cout << "STORED leaves out " << all.storedUnknown << " arrays whose storage size is unknown (+?)\n";
    return 0;
}

} // namespace ckpt::cli
