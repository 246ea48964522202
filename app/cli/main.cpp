// ckpt: the command-line twin of Checkpoint Studio, over the same core.
#include "commands.h"

#include "base/error.h"
#include "ops/tree_json.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

namespace {

constexpr const char *kUsage = R"(usage: ckpt <command> [options]

Inspect, compare and convert JAX checkpoints (Flax msgpack files, Orbax checkpoints and runs,
Hugging Face safetensors and sharded checkpoints).

commands:
  steps ROOT [--json]             steps of a run: items, size, time, completeness
  info PATH                       format, era, leaf count, total bytes, dtypes
  tree PATH [--json] [--digest] [--filter REGEX]
                                  the pytree with dtype, shape and size
  show PATH KEYPATH [--slice S] [--json]
                                  values of one leaf, NumPy-like (S like '0,:,2:5')
  stats PATH [KEYPATH] [--json] [--histogram]
                                  min, max, mean, std, NaN/Inf/zero counts per array
  diff A B [--step-a N] [--step-b M] [--atol X] [--rtol Y] [--nan-equal]
       [--rename 'REGEX=REPL' ...] [--recipe-a R.json] [--recipe-b R.json]
       [--only-differences] [--json]
                                  leaf-by-leaf comparison; exit 0 identical, 1 different
  diff RUN --step-a N --step-b M [...] the same for two steps of one run
  diff ROOT --steps FROM..TO [--json]
                                  run view: per leaf, ||B-A||/||A|| between consecutive steps
  convert SRC DST --to orbax|flax-msgpack|hdf5|safetensors [--zarr3] [--no-ocdbt]
          [--hdf5-widen] [--max-shard-size 5GB] [--name-sep .] [--widen] [--as-step M] [--force]
                                  write the checkpoint in another format (atomically)
  transform SRC --target TARGET [--rename 'REGEX=REPL' ...] [--report] [--json]
            [-o DST [--to FORMAT]] [--save-recipe FILE]
                                  restore SRC into TARGET's structure (a checkpoint, a step
                                  via --target-step, or a `tree --json` file) like Orbax
                                  transforms; exit 0 when nothing is missing or mismatched
  apply RECIPE SRC -o DST [--to FORMAT]
                                  replay an edit recipe (JSON) and write the result
  du PATH [--depth N] [--json]    parameters, memory and stored bytes per subtree and dtype

reading commands accept --step N and --item NAME for runs and composite checkpoints, and
--flat-names (safetensors names stay flat keys).
exit status: 0 ok, 1 differences or problems found, 2 error.
)";

using Command = int (*)(const std::vector<std::string> &);

} // namespace

int main(int argc, char **argv)
{
    const std::map<std::string, Command> commands = {
        {"info", ckpt::cli::cmdInfo},
        {"tree", ckpt::cli::cmdTree},
        {"show", ckpt::cli::cmdShow},
        {"stats", ckpt::cli::cmdStats},
        {"convert", ckpt::cli::cmdConvert},
        {"steps", ckpt::cli::cmdSteps},
        {"diff", ckpt::cli::cmdDiff},
        {"transform", ckpt::cli::cmdTransform},
        {"apply", ckpt::cli::cmdApply},
        {"du", ckpt::cli::cmdDu},
    };
    if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string name = argv[1];
    const auto it = commands.find(name);
    if (it == commands.end()) {
        std::fprintf(stderr, "ckpt: unknown command '%s'\n\n%s", name.c_str(), kUsage);
        return 2;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    const bool json = std::find(args.begin(), args.end(), "--json") != args.end();
    try {
        return it->second(args);
    } catch (const ckpt::Exception &e) {
        std::cout.flush();
        if (json)
            std::cout << ckpt::errorJson(e.error()).dump() << std::endl;
        std::cerr << "ckpt " << name << ": " << e.error().describe() << std::endl;
        return 2;
    } catch (const std::exception &e) {
        // Only a bug gets here; still fail cleanly with the contract's exit code.
        ckpt::Error err{ckpt::ErrorCategory::Io, e.what(), {}, std::nullopt, {}};
        if (json)
            std::cout << ckpt::errorJson(err).dump() << std::endl;
        std::cerr << "ckpt " << name << ": internal error: " << e.what() << std::endl;
        return 2;
    }
}
