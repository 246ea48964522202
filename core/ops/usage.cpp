#include "ops/usage.h"

#include <algorithm>

namespace ckpt {
namespace {

struct Walker {
    const Progress &progress;
    std::map<std::string, UsageTotals> &byDtype;
    uint64_t done = 0;
    uint64_t total = 0;

    UsageNode visit(const NodePtr &n, Path &path)
    {
        UsageNode u;
        u.path = path;
        if (n->isContainer() && !n->children().empty()) {
            for (const Child &c : n->children()) {
                path.push_back(c.key);
                u.children.push_back(visit(c.node, path));
                path.pop_back();
                u.totals.add(u.children.back().totals);
            }
            std::stable_sort(u.children.begin(), u.children.end(), [](const UsageNode &a, const UsageNode &b) {
                if (a.totals.memoryBytes != b.totals.memoryBytes)
                    return a.totals.memoryBytes > b.totals.memoryBytes;
                return a.totals.parameters > b.totals.parameters;
            });
            return u;
        }
        u.totals.leaves = 1;
        if (n->kind() == NodeKind::Array) {
            const ArrayInfo &info = n->arrayInfo();
            u.totals.arrays = 1;
            u.totals.parameters = info.checkedNumElements().value_or(0);
            u.totals.memoryBytes = n->arrayBytes();
            if (const auto stored = n->array()->storedBytes())
                u.totals.storedBytes = *stored;
            else
                u.totals.storedUnknown = 1;
            byDtype[std::string(dtypeName(info.dtype))].add(u.totals);
        }
        if (++done % 1024 == 0) {
            progress.throwIfCancelled();
            progress.update(done, total);
        }
        return u;
    }
};

} // namespace

void UsageTotals::add(const UsageTotals &o)
{
    leaves += o.leaves;
    arrays += o.arrays;
    parameters += o.parameters;
    memoryBytes += o.memoryBytes;
    storedBytes += o.storedBytes;
    storedUnknown += o.storedUnknown;
}

Usage computeUsage(const NodePtr &root, const Progress &progress)
{
    Usage u;
    Walker w{progress, u.byDtype, 0, root->leafCount()};
    Path path;
    u.root = w.visit(root, path);
    progress.update(w.total, w.total);
    return u;
}

} // namespace ckpt
