#include "cli_args.h"

#include "base/error.h"

namespace ckpt::cli {

std::string CliArgs::get(const std::string &name, const std::string &fallback) const
{
    auto range = options.equal_range(name);
    if (range.first == range.second)
        return fallback;
    auto last = range.second;
    --last;
    return last->second;
}

std::vector<std::string> CliArgs::all(const std::string &name) const
{
    std::vector<std::string> v;
    auto range = options.equal_range(name);
    for (auto it = range.first; it != range.second; ++it)
        v.push_back(it->second);
    return v;
}

CliArgs parseArgs(
    const std::vector<std::string> &args, const std::set<std::string> &flags, const std::set<std::string> &valued)
{
    CliArgs a;
    bool onlyPositional = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &s = args[i];
        if (onlyPositional || s.size() < 2 || s.rfind("--", 0) != 0) {
            a.positional.push_back(s);
            continue;
        }
        if (s == "--") {
            onlyPositional = true;
            continue;
        }
        std::string name = s.substr(2), value;
        const auto eq = name.find('=');
        const bool inlineValue = eq != std::string::npos;
        if (inlineValue) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (flags.count(name)) {
            if (inlineValue)
                fail(ErrorCategory::InvalidArgument, "option --" + name + " takes no value");
            a.options.emplace(name, "");
        } else if (valued.count(name)) {
            if (!inlineValue) {
                if (i + 1 >= args.size())
                    fail(ErrorCategory::InvalidArgument, "option --" + name + " needs a value");
                value = args[++i];
            }
            a.options.emplace(name, value);
        } else {
            fail(ErrorCategory::InvalidArgument, "unknown option --" + name);
        }
    }
    return a;
}

void expectPositionals(const CliArgs &a, size_t min, size_t max, const char *usage)
{
    if (a.positional.size() < min || a.positional.size() > max)
        fail(ErrorCategory::InvalidArgument, std::string("usage: ") + usage);
}

} // namespace ckpt::cli
