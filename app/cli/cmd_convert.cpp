// ckpt convert: write a checkpoint in another format.
#include "commands.h"
#include "open_args.h"

#include "formats/flax_msgpack/msgpack_writer.h"
#include "tree/error.h"

#include <iostream>

namespace ckpt::cli {

int cmdConvert(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert("to");
    const CliArgs a = parseArgs(args, {"force", "json"}, valued);
    expectPositionals(a, 2, 2, "ckpt convert SRC DST --to flax-msgpack [--force] [--step N] [--item NAME]");
    const std::string to = a.get("to");
    if (to.empty())
        fail(ErrorCategory::InvalidArgument, "--to FORMAT is required (flax-msgpack)");
    const Checkpoint c = openFromArgs(a.positional[0], a);
    if (to == "flax-msgpack") {
        flaxmsgpack::WriteOptions o;
        o.overwrite = a.has("force");
        flaxmsgpack::writeFile(c.root, a.positional[1], o);
    } else {
        fail(ErrorCategory::Unsupported, "unknown output format '" + to + "' (supported: flax-msgpack)");
    }
    if (a.has("json"))
        std::cout << nlohmann::json{{"ckpt_json", 1}, {"written", a.positional[1]}, {"format", to}}.dump() << std::endl;
    return 0;
}

} // namespace ckpt::cli
