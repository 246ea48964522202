#pragma once

#include "tree/array_source.h"
#include "tree/key.h"
#include "tree/scalar.h"

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace ckpt {

/// What a node is. Dict and List are containers; an empty container is reported as the
/// leaf kinds "empty_dict" / "empty_list".
enum class NodeKind { Dict, List, Array, Scalar, String, Bytes, None };

class Node;
using NodePtr = std::shared_ptr<const Node>;

/// Child of a container: its key and the node. For a List the key is Key::index(position).
struct Child {
    Key key;
    NodePtr node;
};

/// Immutable pytree node. Trees share untouched subtrees between versions (edits copy only
/// the path they change), so a NodePtr may be held by many trees and threads at once.
class Node {
public:
    static NodePtr makeDict(std::vector<Child> children);
    static NodePtr makeList(std::vector<NodePtr> items);
    static NodePtr makeArray(ArraySourcePtr source);
    static NodePtr makeScalar(Scalar s);
    static NodePtr makeString(std::string s);
    static NodePtr makeBytes(std::string bytes);
    static NodePtr makeNone();

    NodeKind kind() const { return m_kind; }
    bool isContainer() const { return m_kind == NodeKind::Dict || m_kind == NodeKind::List; }
    /// True for every non-container and for empty containers.
    bool isLeaf() const { return !isContainer() || m_children.empty(); }

    /// "dict", "list", "array", "scalar", "string", "bytes", "none", "empty_dict", "empty_list".
    std::string_view kindName() const;

    const std::vector<Child> &children() const { return m_children; }
    /// Child whose key text equals `key`, or null.
    NodePtr child(const std::string &key) const;

    const ArraySourcePtr &array() const { return m_array; } ///< Array only
    const ArrayInfo &arrayInfo() const { return m_array->info(); }
    const Scalar &scalar() const { return m_scalar; } ///< Scalar only
    const std::string &text() const { return m_text; } ///< String and Bytes

    /// Free-form facts about where a leaf came from (storage, sharding, chunking), for display.
    const std::map<std::string, std::string> &annotations() const { return m_annotations; }
    /// Copy of this node with one more annotation.
    NodePtr withAnnotation(const std::string &key, const std::string &value) const;

    /// Total leaves, array bytes and array elements ("parameters") below (cached at construction).
    uint64_t leafCount() const { return m_leafCount; }
    uint64_t arrayBytes() const { return m_arrayBytes; }
    uint64_t parameterCount() const { return m_parameters; }

private:
    Node() = default;
    void computeTotals();

    NodeKind m_kind = NodeKind::None;
    std::vector<Child> m_children;
    ArraySourcePtr m_array;
    Scalar m_scalar;
    std::string m_text;
    std::map<std::string, std::string> m_annotations;
    uint64_t m_leafCount = 1;
    uint64_t m_arrayBytes = 0;
    uint64_t m_parameters = 0;
};

/// Node at `path` below `root` (keys compared by text), or null.
NodePtr findNode(const NodePtr &root, const Path &path);

/// Calls `fn(path, node)` for every leaf in depth-first, insertion order.
void forEachLeaf(const NodePtr &root, const std::function<void(const Path &, const NodePtr &)> &fn);

} // namespace ckpt
