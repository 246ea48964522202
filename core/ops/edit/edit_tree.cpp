#include "ops/edit/edit_tree.h"

#include "base/error.h"

namespace ckpt {
namespace {

NodePtr rebuild(const Node &like, std::vector<Child> children)
{
    if (like.kind() == NodeKind::List) {
        std::vector<NodePtr> items;
        items.reserve(children.size());
        for (Child &c : children)
            items.push_back(std::move(c.node));
        return Node::makeList(std::move(items));
    }
    return Node::makeDict(std::move(children));
}

Path prefix(const Path &p, size_t n)
{
    return Path(p.begin(), p.begin() + std::ptrdiff_t(n));
}

NodePtr update(const NodePtr &node, const Path &path, size_t depth, const std::function<NodePtr(const NodePtr &)> &fn,
    bool createParents)
{
    if (depth == path.size())
        return fn(node);
    NodePtr here = node;
    if (!here) {
        if (!createParents)
            fail(ErrorCategory::InvalidArgument, "no such key path", {}, std::nullopt, joinPath(prefix(path, depth)));
        here = Node::makeDict({});
    }
    if (!here->isContainer())
        fail(ErrorCategory::InvalidArgument,
            "'" + joinPath(prefix(path, depth)) + "' is a leaf (" + std::string(here->kindName())
                + "); it cannot hold '" + path[depth].str() + "'",
            {}, std::nullopt, joinPath(prefix(path, depth)));
    const std::string &key = path[depth].str();
    const std::vector<Child> &kids = here->children();
    size_t pos = kids.size();
    for (size_t i = 0; i < kids.size(); ++i)
        if (kids[i].key.str() == key) {
            pos = i;
            break;
        }
    const NodePtr old = pos < kids.size() ? kids[pos].node : nullptr;
    const NodePtr now = update(old, path, depth + 1, fn, createParents);
    if (now == old)
        return node;
    std::vector<Child> children = kids;
    if (pos < kids.size()) {
        if (now)
            children[pos].node = now;
        else
            children.erase(children.begin() + std::ptrdiff_t(pos));
    } else {
        if (here->kind() == NodeKind::List && key != std::to_string(kids.size()))
            fail(ErrorCategory::InvalidArgument,
                "a list of " + std::to_string(kids.size()) + " items can only grow at index "
                    + std::to_string(kids.size()) + ", not '" + key + "'",
                {}, std::nullopt, joinPath(prefix(path, depth + 1)));
        children.push_back({Key::name(key), now});
    }
    if (children.empty() && !kids.empty() && depth > 0)
        return nullptr; // emptied by a removal: remove this container too
    return rebuild(*here, std::move(children));
}

NodePtr mapRec(const NodePtr &n, Path &path, const std::function<NodePtr(const Path &, const NodePtr &)> &fn)
{
    if (n->isLeaf())
        return fn(path, n);
    std::vector<Child> children;
    bool changed = false;
    for (const Child &c : n->children()) {
        path.push_back(c.key);
        NodePtr m = mapRec(c.node, path, fn);
        path.pop_back();
        changed = changed || m != c.node;
        children.push_back({c.key, std::move(m)});
    }
    return changed ? rebuild(*n, std::move(children)) : n;
}

} // namespace

NodePtr updateAt(
    const NodePtr &root, const Path &path, const std::function<NodePtr(const NodePtr &)> &fn, bool createParents)
{
    NodePtr r = update(root, path, 0, fn, createParents);
    return r ? r : Node::makeDict({});
}

NodePtr removeAt(const NodePtr &root, const Path &path)
{
    if (path.empty())
        fail(ErrorCategory::InvalidArgument, "the root cannot be removed");
    if (!findNode(root, path))
        fail(ErrorCategory::InvalidArgument, "no such key path", {}, std::nullopt, joinPath(path));
    return updateAt(
        root, path, [](const NodePtr &) { return NodePtr(); }, false);
}

NodePtr insertAt(const NodePtr &root, const Path &path, NodePtr node)
{
    if (path.empty())
        fail(ErrorCategory::InvalidArgument, "the root cannot be replaced by an insertion");
    const std::string where = joinPath(path);
    return updateAt(
        root, path,
        [&](const NodePtr &existing) {
            if (existing)
                fail(ErrorCategory::Mismatch, "'" + where + "' already exists (collision)", {}, std::nullopt, where);
            return node;
        },
        true);
}

NodePtr nodeOrFail(const NodePtr &root, const std::string &path, const char *what)
{
    NodePtr n = findNode(root, editPath(path));
    if (!n)
        fail(ErrorCategory::InvalidArgument, std::string(what) + " '" + path + "' does not exist", {}, std::nullopt,
            path);
    return n;
}

NodePtr mapLeaves(const NodePtr &root, const std::function<NodePtr(const Path &, const NodePtr &)> &fn)
{
    Path p;
    return mapRec(root, p, fn);
}

Path editPath(const std::string &text)
{
    size_t b = 0, e = text.size();
    while (b < e && text[b] == '/')
        ++b;
    while (e > b && text[e - 1] == '/')
        --e;
    return parsePath(text.substr(b, e - b));
}

} // namespace ckpt
