// ckpt convert: write a checkpoint in another format.
#include "commands.h"
#include "flag_hints.h"
#include "open_args.h"
#include "progress_line.h"

#include "base/error.h"
#include "ops/export.h"

#include <charconv>
#include <iostream>

namespace ckpt::cli {
namespace {

constexpr const char *kUsage
    = "ckpt convert SRC DST --to orbax|flax-msgpack|hdf5|safetensors [--zarr3] [--no-ocdbt] [--no-compression] "
      "[--hdf5-widen] [--max-shard-size 5GB] [--name-sep .] [--widen] [--step N] [--item NAME] [--flat-names] "
      "[--as-step M] [--force]";

uint64_t parseBytes(const std::string &text, const std::string &option)
{
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size())
        fail(ErrorCategory::InvalidArgument, "--" + option + " needs a byte count, not \"" + text + "\"");
    return v;
}

} // namespace

int cmdConvert(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert({"to", "as-step", "ocdbt-target-bytes", "max-shard-size", "name-sep"});
    const CliArgs a = parseArgs(
        args, withOpenFlags({"force", "json", "zarr3", "no-ocdbt", "no-compression", "hdf5-widen", "widen"}), valued);
    expectPositionals(a, 2, 2, kUsage);
    const std::string to = a.get("to");
    if (to.empty())
        fail(ErrorCategory::InvalidArgument, std::string("--to FORMAT is required: ") + kUsage);
    const auto format = exportFormatFromName(to);
    if (!format)
        fail(ErrorCategory::Unsupported, "unknown output format '" + to + "' (orbax, flax-msgpack, hdf5, safetensors)");
    if (*format != ExportFormat::Orbax
        && (a.has("zarr3") || a.has("no-ocdbt") || a.has("no-compression") || a.has("ocdbt-target-bytes")))
        fail(ErrorCategory::InvalidArgument, "--zarr3, --no-ocdbt and --no-compression apply to --to orbax");
    if (*format != ExportFormat::Hdf5 && a.has("hdf5-widen"))
        fail(ErrorCategory::InvalidArgument, "--hdf5-widen applies to --to hdf5");
    if (*format != ExportFormat::Safetensors && (a.has("max-shard-size") || a.has("name-sep") || a.has("widen")))
        fail(ErrorCategory::InvalidArgument, "--max-shard-size, --name-sep and --widen apply to --to safetensors");
    const std::string dst = a.positional[1];
    if (a.has("max-shard-size") && dst.size() > 12 && dst.ends_with(".safetensors"))
        fail(ErrorCategory::InvalidArgument,
            "--max-shard-size shards into a folder; DST ending in .safetensors is one file (give a folder)");

    ExportOptions o;
    o.format = *format;
    o.force = a.has("force");
    o.hdf5Widen = a.has("hdf5-widen");
    o.orbax.useZarr3 = a.has("zarr3");
    o.orbax.useOcdbt = !a.has("no-ocdbt");
    o.orbax.compress = !a.has("no-compression");
    if (a.has("ocdbt-target-bytes"))
        o.orbax.targetDataFileBytes = parseBytes(a.get("ocdbt-target-bytes"), "ocdbt-target-bytes");
    if (a.has("as-step"))
        o.asStep = a.get("as-step");
    if (a.has("max-shard-size")) {
        const auto bytes = safetensors::parseSize(a.get("max-shard-size"));
        if (!bytes)
            fail(ErrorCategory::InvalidArgument,
                "--max-shard-size needs a size above zero like 5GB, 500MB or 2GiB, not \"" + a.get("max-shard-size")
                    + "\"");
        o.safetensors.maxShardBytes = *bytes;
    }
    if (a.has("name-sep"))
        o.safetensors.nameSeparator = a.get("name-sep");
    o.safetensors.widen = a.has("widen");

    const Checkpoint c = openFromArgs(a.positional[0], a);
    o.sourcePaths.push_back(a.positional[0]);
    if (c.metadata.contains("step_path") && c.metadata["step_path"].is_string())
        o.sourcePaths.push_back(c.metadata["step_path"].get<std::string>());
    ProgressLine line("convert", a);
    const ExportResult r = exportNamingFlags(c.root, dst, o, line.progress());
    for (const std::string &w : r.warnings)
        std::cerr << "warning: " << w << "\n";
    if (a.has("json")) {
        nlohmann::json j{{"ckpt_json", 1}, {"written", r.path}, {"format", to}};
        if (!r.item.empty())
            j["item"] = r.item;
        if (!r.warnings.empty())
            j["warnings"] = r.warnings;
        std::cout << j.dump() << std::endl;
    }
    return 0;
}

} // namespace ckpt::cli
