// ckpt apply: replay an edit recipe on a checkpoint and write the result.
#include "commands.h"
#include "flag_hints.h"
#include "open_args.h"
#include "progress_line.h"

#include "base/error.h"
#include "ops/edit/recipe.h"
#include "ops/export.h"

#include <iostream>

namespace ckpt::cli {
namespace {

constexpr const char *kUsage = "ckpt apply RECIPE SRC -o DST [--to orbax|flax-msgpack|hdf5|safetensors] [--force] "
                               "[--step N] [--item NAME] [--json]";

std::string defaultFormat(const std::string &dst)
{
    auto endsWith = [&](const char *s) {
        const std::string e = s;
        return dst.size() >= e.size() && dst.compare(dst.size() - e.size(), e.size(), e) == 0;
    };
    if (endsWith(".msgpack"))
        return "flax-msgpack";
    if (endsWith(".h5") || endsWith(".hdf5"))
        return "hdf5";
    if (endsWith(".safetensors"))
        return "safetensors";
    return "orbax";
}

} // namespace

std::vector<std::string> expandShortOutput(const std::vector<std::string> &args)
{
    std::vector<std::string> out;
    for (const std::string &s : args)
        out.push_back(s == "-o" ? "--output" : s);
    return out;
}

std::string writeRepaired(const NodePtr &root, const std::string &dst, const std::string &to, bool force,
    const std::vector<std::string> &sourcePaths, const Progress &progress)
{
    const std::string name = to.empty() ? defaultFormat(dst) : to;
    const auto format = exportFormatFromName(name);
    if (!format)
        fail(ErrorCategory::InvalidArgument,
            "unknown output format '" + name + "' (orbax, flax-msgpack, hdf5, safetensors)");
    ExportOptions o;
    o.format = *format;
    o.force = force;
    o.sourcePaths = sourcePaths;
    for (const std::string &w : exportNamingFlags(root, dst, o, progress).warnings)
        std::cerr << "warning: " << w << "\n";
    return name;
}

int cmdApply(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert({"output", "to"});
    const CliArgs a = parseArgs(expandShortOutput(args), withOpenFlags({"force", "json"}), valued);
    expectPositionals(a, 2, 2, kUsage);
    if (!a.has("output"))
        fail(ErrorCategory::InvalidArgument, std::string("-o DST is required: ") + kUsage);
    const Recipe recipe = loadRecipe(a.positional[0]);
    const Checkpoint c = openFromArgs(a.positional[1], a);
    edit::Context context;
    const NodePtr result = replay(c.root, recipe, context);
    std::vector<std::string> sources = {a.positional[1]};
    for (const edit::Operation &op : recipe.operations) {
        if (const auto *g = std::get_if<edit::Graft>(&op))
            sources.push_back(g->source.path);
    }
    ProgressLine line("apply", a);
    const std::string format
        = writeRepaired(result, a.get("output"), a.get("to"), a.has("force"), sources, line.progress());
    if (a.has("json"))
        std::cout << nlohmann::json{{"ckpt_json", 1}, {"written", a.get("output")}, {"format", format},
            {"operations", recipe.operations.size()}}
                         .dump()
                  << std::endl;
    else
        std::cerr << "applied " << recipe.operations.size() << " operations, wrote " << a.get("output") << " ("
                  << format << ")" << std::endl;
    return 0;
}

} // namespace ckpt::cli
