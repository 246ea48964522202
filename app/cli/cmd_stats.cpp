// ckpt stats: summary statistics per array leaf, and with --histogram the histogram the GUI shows
// (one policy for both: ops/array_summary.h).
#include "commands.h"
#include "open_args.h"

#include "ops/array_summary.h"
#include "ops/stats.h"
#include "ops/tree_json.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ckpt::cli {
namespace {

nlohmann::json num(double v)
{
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(formatDouble(v));
}

std::string fmt(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

} // namespace

int cmdStats(const std::vector<std::string> &args)
{
    const CliArgs a = parseArgs(args, withOpenFlags({"json", "histogram"}), kOpenValued);
    expectPositionals(a, 1, 2, "ckpt stats PATH [KEYPATH] [--json] [--histogram] [--step N] [--item NAME]");
    const bool withHistogram = a.has("histogram");
    const Checkpoint c = openFromArgs(a.positional[0], a);
    const std::string base = a.positional.size() > 1 ? a.positional[1] : std::string();
    const NodePtr start = findOrFail(c, base);
    const Path prefix = parsePath(base);

    nlohmann::json rows = nlohmann::json::array();
    std::string table;
    char line[512];
    std::snprintf(line, sizeof line, "%-48s %-10s %12s %12s %12s %12s %8s %8s %8s\n", "path", "dtype", "min", "max",
        "mean", "std", "nan", "inf", "zero");
    table += line;
    forEachLeaf(start, [&](const Path &rel, const NodePtr &n) {
        if (n->kind() != NodeKind::Array)
            return;
        Path p = prefix;
        p.insert(p.end(), rel.begin(), rel.end());
        ArraySummary summary;
        try {
            if (withHistogram)
                summary = summarizeArray(*n->array(), PlaneSpec::defaultFor(n->arrayInfo().shape));
            else
                summary.stats = computeStats(*n->array());
        } catch (const Exception &e) {
            throw e.withKeyPath(joinPath(p));
        }
        const ArrayStats &s = summary.stats;
        const std::string dt(dtypeName(n->arrayInfo().dtype));
        nlohmann::json jp = nlohmann::json::array();
        for (const Key &k : p)
            jp.push_back(k.str());
        rows.push_back({{"path", jp}, {"dtype", dt}, {"count", s.count}, {"min", num(s.min)}, {"max", num(s.max)},
            {"mean", num(s.mean)}, {"std", num(s.std)}, {"nan", s.nanCount}, {"inf", s.infCount},
            {"zero", s.zeroCount}});
        if (withHistogram)
            rows.back()["histogram"] = {{"lo", num(summary.lo)}, {"hi", num(summary.hi)}, {"counts", summary.counts},
                {"whole_array", summary.wholeArray}};
        std::snprintf(line, sizeof line, "%-48s %-10s %12s %12s %12s %12s %8llu %8llu %8llu\n", joinPath(p).c_str(),
            dt.c_str(), fmt(s.min).c_str(), fmt(s.max).c_str(), fmt(s.mean).c_str(), fmt(s.std).c_str(),
            (unsigned long long)s.nanCount, (unsigned long long)s.infCount, (unsigned long long)s.zeroCount);
        table += line;
        if (withHistogram) {
            std::snprintf(line, sizeof line, "    histogram over [%s, %s], %s:", fmt(summary.lo).c_str(),
                fmt(summary.hi).c_str(), summary.wholeArray ? "every element" : "a sampled plane");
            table += line;
            for (uint64_t c : summary.counts)
                table += ' ' + std::to_string(c);
            table += '\n';
        }
    });
    if (a.has("json")) {
        nlohmann::json j = {{"ckpt_json", kCkptJsonVersion}, {"source", sourceJson(c)}, {"stats", rows}};
        std::cout << j.dump() << std::endl;
    } else {
        std::cout << table;
    }
    return 0;
}

} // namespace ckpt::cli
