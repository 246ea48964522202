#include "tree/tree_builder.h"

#include "base/error.h"

#include <algorithm>
#include <map>
#include <memory>

namespace ckpt {
namespace {

struct Draft {
    NodePtr leaf;
    std::vector<std::pair<Key, std::unique_ptr<Draft>>> children;
    std::map<std::string, size_t> byName;
};

NodePtr finish(Draft &d)
{
    if (d.leaf)
        return d.leaf;
    bool allIndices = !d.children.empty();
    for (const auto &c : d.children)
        allIndices = allIndices && c.first.isIndex();
    if (allIndices) {
        std::vector<std::pair<uint64_t, size_t>> order;
        for (size_t i = 0; i < d.children.size(); ++i)
            order.emplace_back(d.children[i].first.index(), i);
        std::sort(order.begin(), order.end());
        bool dense = true;
        for (size_t i = 0; i < order.size(); ++i)
            dense = dense && order[i].first == i;
        if (dense) {
            std::vector<NodePtr> items;
            for (const auto &o : order)
                items.push_back(finish(*d.children[o.second].second));
            return Node::makeList(std::move(items));
        }
    }
    std::vector<Child> children;
    for (auto &c : d.children)
        children.push_back({c.first.isIndex() ? Key::name(c.first.str()) : c.first, finish(*c.second)});
    return Node::makeDict(std::move(children));
}

} // namespace

NodePtr buildTree(const std::vector<std::pair<Path, NodePtr>> &leaves, const std::string &file)
{
    Draft root;
    for (const auto &[path, leaf] : leaves) {
        Draft *d = &root;
        for (size_t i = 0; i < path.size(); ++i) {
            if (d->leaf)
                fail(ErrorCategory::Corrupt, "\"" + joinPath(path) + "\" lies below a leaf", file, std::nullopt,
                    joinPath(path));
            auto it = d->byName.find(path[i].str());
            if (it == d->byName.end()) {
                d->byName[path[i].str()] = d->children.size();
                d->children.emplace_back(path[i], std::make_unique<Draft>());
                d = d->children.back().second.get();
            } else {
                d = d->children[it->second].second.get();
            }
        }
        if (d->leaf || !d->children.empty())
            fail(ErrorCategory::Corrupt, "\"" + joinPath(path) + "\" appears twice or is both a leaf and a container",
                file, std::nullopt, joinPath(path));
        d->leaf = leaf;
    }
    if (!root.leaf && root.children.empty())
        return Node::makeDict({});
    return finish(root);
}

} // namespace ckpt
