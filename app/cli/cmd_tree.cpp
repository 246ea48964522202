// ckpt tree: the pytree, for people or as the JSON contract of docs/architecture.md.
#include "commands.h"
#include "open_args.h"

#include "base/error.h"
#include "ops/tree_json.h"

#include <iostream>

namespace ckpt::cli {
namespace {

std::string leafSummary(const Node &n)
{
    switch (n.kind()) {
    case NodeKind::Array: {
        const ArrayInfo &i = n.arrayInfo();
        return std::string(dtypeName(i.dtype)) + shapeString(i.shape) + "  " + humanBytes(n.arrayBytes());
    }
    case NodeKind::Scalar: return std::string(n.scalar().typeName()) + " = " + n.scalar().repr();
    case NodeKind::String: {
        std::string s = n.text().size() > 60 ? n.text().substr(0, 57) + "..." : n.text();
        return "str = '" + s + "'";
    }
    case NodeKind::Bytes: return "bytes[" + std::to_string(n.text().size()) + "]";
    case NodeKind::None: return "None";
    case NodeKind::Dict: return "{}";
    case NodeKind::List: return "[]";
    }
    return {};
}

/// Prints `node` and below; returns whether anything under it matched the filter.
bool printNode(std::string &out, const NodePtr &node, Path &path, const std::optional<std::regex> &filter, int depth)
{
    if (node->isLeaf()) {
        if (filter && !std::regex_search(joinPath(path), *filter))
            return false;
        out.append(size_t(depth) * 2, ' ');
        out += (path.empty() ? std::string("<root>") : path.back().str()) + ": " + leafSummary(*node) + "\n";
        return true;
    }
    std::string sub;
    bool any = false;
    for (const Child &c : node->children()) {
        path.push_back(c.key);
        any |= printNode(sub, c.node, path, filter, depth + 1);
        path.pop_back();
    }
    if (!any)
        return false;
    if (!path.empty()) {
        out.append(size_t(depth) * 2, ' ');
        out += path.back().str() + "/  (" + std::to_string(node->leafCount()) + " leaves, "
            + humanBytes(node->arrayBytes()) + ")\n";
    }
    out += sub;
    return true;
}

} // namespace

int cmdTree(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert("filter");
    const CliArgs a = parseArgs(args, withOpenFlags({"json", "digest"}), valued);
    expectPositionals(a, 1, 1, "ckpt tree PATH [--json] [--digest] [--filter REGEX] [--step N] [--item NAME]");
    TreeJsonOptions opts;
    opts.digest = a.has("digest");
    if (a.has("filter")) {
        try {
            opts.filter = std::regex(a.get("filter"));
        } catch (const std::regex_error &e) {
            fail(ErrorCategory::InvalidArgument, "bad --filter regex: " + std::string(e.what()));
        }
    }
    const Checkpoint c = openFromArgs(a.positional[0], a);
    if (a.has("json")) {
        std::cout << treeJson(c, opts).dump() << std::endl;
        return 0;
    }
    std::string out = c.path + "  [" + c.era + (c.step ? ", step " + c.step->text : std::string())
        + (c.item.empty() ? std::string() : ", item " + c.item) + "]  " + std::to_string(c.root->leafCount())
        + " leaves, " + humanBytes(c.root->arrayBytes()) + "\n";
    Path p;
    printNode(out, c.root, p, opts.filter, 0);
    std::cout << out;
    if (opts.digest) {
        forEachLeaf(c.root, [&](const Path &lp, const NodePtr &n) {
            if (opts.filter && !std::regex_search(joinPath(lp), *opts.filter))
                return;
            auto j = leafJson(lp, *n, true);
            if (j.contains("sha256"))
                std::cout << j["sha256"].get<std::string>() << "  " << joinPath(lp) << "\n";
        });
    }
    for (const std::string &w : c.warnings)
        std::cout << "warning: " << w << "\n";
    return 0;
}

} // namespace ckpt::cli
