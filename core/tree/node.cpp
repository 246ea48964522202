#include "tree/node.h"

#include "base/error.h"

namespace ckpt {

NodePtr Node::makeDict(std::vector<Child> children)
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::Dict;
    n->m_children = std::move(children);
    n->computeTotals();
    return n;
}

NodePtr Node::makeList(std::vector<NodePtr> items)
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::List;
    n->m_children.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i)
        n->m_children.push_back({Key::index(i), std::move(items[i])});
    n->computeTotals();
    return n;
}

NodePtr Node::makeArray(ArraySourcePtr source)
{
    if (!source)
        fail(ErrorCategory::InvalidArgument, "array leaf without a source");
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::Array;
    n->m_array = std::move(source);
    n->computeTotals();
    return n;
}

NodePtr Node::makeScalar(Scalar s)
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::Scalar;
    n->m_scalar = s;
    return n;
}

NodePtr Node::makeString(std::string s)
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::String;
    n->m_text = std::move(s);
    return n;
}

NodePtr Node::makeBytes(std::string bytes)
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::Bytes;
    n->m_text = std::move(bytes);
    return n;
}

NodePtr Node::makeNone()
{
    auto n = std::shared_ptr<Node>(new Node);
    n->m_kind = NodeKind::None;
    return n;
}

void Node::computeTotals()
{
    if (m_kind == NodeKind::Array) {
        m_leafCount = 1;
        auto n = m_array->info().checkedNumElements();
        m_arrayBytes = n ? *n * itemSize(m_array->info().dtype) : 0;
        m_parameters = n.value_or(0);
        return;
    }
    if (!isContainer())
        return;
    m_leafCount = m_children.empty() ? 1 : 0;
    m_arrayBytes = 0;
    m_parameters = 0;
    for (const Child &c : m_children) {
        m_leafCount += c.node->leafCount();
        m_arrayBytes += c.node->arrayBytes();
        m_parameters += c.node->parameterCount();
    }
}

std::string_view Node::kindName() const
{
    switch (m_kind) {
    case NodeKind::Dict: return m_children.empty() ? "empty_dict" : "dict";
    case NodeKind::List: return m_children.empty() ? "empty_list" : "list";
    case NodeKind::Array: return "array";
    case NodeKind::Scalar: return "scalar";
    case NodeKind::String: return "string";
    case NodeKind::Bytes: return "bytes";
    case NodeKind::None: return "none";
    }
    return "none";
}

NodePtr Node::child(const std::string &key) const
{
    for (const Child &c : m_children)
        if (c.key.str() == key)
            return c.node;
    return nullptr;
}

NodePtr Node::withAnnotation(const std::string &key, const std::string &value) const
{
    auto n = std::shared_ptr<Node>(new Node(*this));
    n->m_annotations[key] = value;
    return n;
}

NodePtr findNode(const NodePtr &root, const Path &path)
{
    NodePtr n = root;
    for (const Key &k : path) {
        if (!n)
            return nullptr;
        n = n->child(k.str());
    }
    return n;
}

namespace {
void walk(const NodePtr &n, Path &path, const std::function<void(const Path &, const NodePtr &)> &fn)
{
    if (n->isLeaf()) {
        fn(path, n);
        return;
    }
    for (const Child &c : n->children()) {
        path.push_back(c.key);
        walk(c.node, path, fn);
        path.pop_back();
    }
}
} // namespace

void forEachLeaf(const NodePtr &root, const std::function<void(const Path &, const NodePtr &)> &fn)
{
    Path p;
    walk(root, p, fn);
}

} // namespace ckpt
