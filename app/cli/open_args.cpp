#include "open_args.h"

#include "base/error.h"
#include "flag_hints.h"

namespace ckpt::cli {

std::set<std::string> withOpenFlags(std::set<std::string> flags)
{
    flags.insert({"flat-names", "quiet"});
    return flags;
}

Checkpoint openFromArgs(const std::string &path, const CliArgs &a)
{
    OpenOptions o;
    o.flatNames = a.has("flat-names");
    if (a.has("step"))
        o.step = a.get("step");
    if (a.has("item"))
        o.item = a.get("item");
    return openNamingFlags(path, o);
}

NodePtr findOrFail(const Checkpoint &c, const std::string &keyPath)
{
    std::string kp = keyPath;
    while (!kp.empty() && kp.front() == '/')
        kp.erase(kp.begin());
    while (!kp.empty() && kp.back() == '/')
        kp.pop_back();
    NodePtr n = findNode(c.root, parsePath(kp));
    if (!n)
        fail(ErrorCategory::InvalidArgument, "no such key path in the checkpoint", c.path, std::nullopt, kp);
    return n;
}

} // namespace ckpt::cli
