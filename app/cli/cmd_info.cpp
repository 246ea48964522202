// ckpt info: what a checkpoint is and how big.
#include "commands.h"
#include "open_args.h"

#include "ops/tree_json.h"

#include <iostream>
#include <map>

namespace ckpt::cli {

int cmdInfo(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    const CliArgs a = parseArgs(args, withOpenFlags({"json"}), valued);
    expectPositionals(a, 1, 1, "ckpt info PATH [--step N] [--item NAME] [--json]");
    const Checkpoint c = openFromArgs(a.positional[0], a);

    std::map<std::string, uint64_t> dtypes;
    uint64_t leaves = 0, arrays = 0;
    forEachLeaf(c.root, [&](const Path &, const NodePtr &n) {
        ++leaves;
        if (n->kind() == NodeKind::Array) {
            ++arrays;
            ++dtypes[std::string(dtypeName(n->arrayInfo().dtype))];
        }
    });
    if (a.has("json")) {
        nlohmann::json j = {{"ckpt_json", kCkptJsonVersion}, {"source", sourceJson(c)}, {"leaves", leaves},
            {"arrays", arrays}, {"array_bytes", c.root->arrayBytes()}, {"dtypes", dtypes}};
        if (!c.warnings.empty())
            j["warnings"] = c.warnings;
        if (!c.metadata.empty())
            j["metadata"] = c.metadata;
        std::cout << j.dump(2) << std::endl;
        return 0;
    }
    std::cout << "path:    " << c.path << "\n"
              << "format:  " << c.format << "\n"
              << "era:     " << c.era << "\n";
    if (c.step)
        std::cout << "step:    " << c.step->text << "\n";
    if (!c.item.empty())
        std::cout << "item:    " << c.item << "\n";
    std::cout << "leaves:  " << leaves << " (" << arrays << " arrays)\n"
              << "bytes:   " << c.root->arrayBytes() << " (" << humanBytes(c.root->arrayBytes()) << ")\n"
              << "dtypes: ";
    for (const auto &[name, count] : dtypes)
        std::cout << " " << name << " x" << count;
    std::cout << "\n";
    if (c.metadata.contains("shards"))
        std::cout << "shards:  " << c.metadata["shards"].dump() << "\n";
    if (c.metadata.contains("safetensors_metadata"))
        for (const auto &[k, v] : c.metadata["safetensors_metadata"].items())
            std::cout << "metadata: " << k << " = " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
    for (const std::string &w : c.warnings)
        std::cout << "warning: " << w << "\n";
    return 0;
}

} // namespace ckpt::cli
