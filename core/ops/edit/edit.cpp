#include "ops/edit/edit.h"

#include "base/error.h"
#include "layout/checkpoint.h"
#include "ops/edit/edit_layout_sources.h"
#include "ops/edit/edit_sources.h"
#include "ops/edit/edit_tree.h"
#include "ops/edit/edit_values.h"
#include "ops/edit/restore.h"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>

namespace ckpt::edit {
namespace {

template <class... Ts> struct Overloaded : Ts... {
    using Ts::operator()...;
};
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

NodePtr openDefault(const SourceRef &ref)
{
    if (isSkeletonFile(ref.path)) {
        std::ifstream in(ref.path);
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception &e) {
            fail(ErrorCategory::InvalidArgument, std::string("skeleton is not valid JSON: ") + e.what(), ref.path);
        }
        return loadSkeleton(doc, ref.path);
    }
    OpenOptions o;
    o.step = ref.step;
    o.item = ref.item;
    return openCheckpoint(ref.path, o).root;
}

NodePtr arrayOrFail(const NodePtr &root, const std::string &path)
{
    NodePtr n = nodeOrFail(root, path);
    if (n->kind() != NodeKind::Array)
        fail(ErrorCategory::InvalidArgument, "'" + path + "' is " + std::string(n->kindName()) + ", not an array", {},
            std::nullopt, path);
    return n;
}

NodePtr replaceLeaf(const NodePtr &root, const std::string &path, NodePtr leaf)
{
    return updateAt(
        root, editPath(path), [&](const NodePtr &) { return leaf; }, false);
}

void requireNotRoot(const std::string &path, const char *op)
{
    if (editPath(path).empty())
        fail(ErrorCategory::InvalidArgument, std::string(op) + " needs a key path other than the root");
}

NodePtr doRename(const NodePtr &root, const Rename &op)
{
    requireNotRoot(op.from, "rename");
    requireNotRoot(op.to, "rename");
    const Path from = editPath(op.from), to = editPath(op.to);
    NodePtr moving = nodeOrFail(root, op.from, "rename source");
    if (to.size() >= from.size() && std::equal(from.begin(), from.end(), to.begin()))
        fail(ErrorCategory::InvalidArgument, "cannot move '" + op.from + "' into itself ('" + op.to + "')", {},
            std::nullopt, op.from);
    if (findNode(root, to))
        fail(ErrorCategory::Mismatch, "rename target '" + op.to + "' already exists (collision)", {}, std::nullopt,
            op.to);
    // Check the destination before removing, so a leaf in the way is reported against the original tree.
    insertAt(root, to, moving);
    return insertAt(removeAt(root, from), to, moving);
}

NodePtr doGraft(const NodePtr &root, const Graft &op, Context &ctx)
{
    requireNotRoot(op.to, "graft");
    const NodePtr source = ctx.open(op.source);
    NodePtr subtree = findNode(source, editPath(op.from));
    if (!subtree)
        fail(ErrorCategory::InvalidArgument, "'" + op.from + "' does not exist in " + op.source.path, op.source.path,
            std::nullopt, op.from);
    const Path to = editPath(op.to);
    if (op.replace && findNode(root, to))
        return replaceLeaf(root, op.to, subtree);
    return insertAt(root, to, subtree);
}

NodePtr doAddLeaf(const NodePtr &root, const AddLeaf &op)
{
    ArrayInfo info;
    if (!op.like.empty()) {
        info = arrayOrFail(root, op.like)->arrayInfo();
        info.chunkShape.clear();
    } else {
        info.dtype = dtypeOrFail(op.dtype, op.path);
        info.shape = op.shape;
    }
    std::vector<std::byte> element;
    std::string what;
    switch (op.fill) {
    case AddLeaf::Fill::Zeros:
        element = encodeJsonValue(info.dtype, 0, op.path);
        what = "zeros";
        break;
    case AddLeaf::Fill::Ones:
        element = encodeJsonValue(info.dtype, 1, op.path);
        what = "ones";
        break;
    case AddLeaf::Fill::Constant:
        element = encodeJsonValue(info.dtype, op.value, op.path);
        what = "constant " + op.value.dump();
        break;
    }
    auto src = std::make_shared<ConstantArraySource>(info, std::move(element), what);
    return insertAt(root, editPath(op.path), Node::makeArray(src));
}

NodePtr doCast(const NodePtr &root, const Cast &op)
{
    const DType to = dtypeOrFail(op.dtype, op.path);
    NodePtr target = nodeOrFail(root, op.path);
    auto castLeaf = [&](const NodePtr &leaf) {
        if (leaf->arrayInfo().dtype == to)
            return leaf;
        return Node::makeArray(std::make_shared<CastArraySource>(leaf->array(), to));
    };
    if (target->kind() == NodeKind::Array)
        return replaceLeaf(root, op.path, castLeaf(target));
    if (!target->isContainer())
        fail(ErrorCategory::InvalidArgument,
            "'" + op.path + "' is " + std::string(target->kindName()) + ", not an array", {}, std::nullopt, op.path);
    NodePtr mapped = mapLeaves(target, [&](const Path &, const NodePtr &leaf) {
        if (leaf->kind() != NodeKind::Array || !isFloating(leaf->arrayInfo().dtype))
            return leaf;
        return castLeaf(leaf);
    });
    return editPath(op.path).empty() ? mapped : replaceLeaf(root, op.path, mapped);
}

NodePtr doReshape(const NodePtr &root, const Reshape &op)
{
    NodePtr leaf = arrayOrFail(root, op.path);
    const uint64_t total = leaf->arrayInfo().numElements();
    std::vector<uint64_t> shape;
    int inferred = -1;
    uint64_t known = 1;
    for (size_t i = 0; i < op.shape.size(); ++i) {
        if (op.shape[i] == -1 && inferred < 0) {
            inferred = int(i);
            shape.push_back(0);
        } else if (op.shape[i] < 0) {
            fail(ErrorCategory::InvalidArgument, "reshape dimensions must be >= 0 (one may be -1)", {}, std::nullopt,
                op.path);
        } else {
            shape.push_back(uint64_t(op.shape[i]));
            known *= uint64_t(op.shape[i]);
        }
    }
    if (inferred >= 0) {
        if (known == 0 || total % known)
            fail(ErrorCategory::Mismatch,
                "cannot reshape " + shapeString(leaf->arrayInfo().shape) + " with -1 into " + std::to_string(known)
                    + "-element pieces",
                {}, std::nullopt, op.path);
        shape[size_t(inferred)] = total / known;
    }
    try {
        return replaceLeaf(root, op.path, Node::makeArray(std::make_shared<ReshapeArraySource>(leaf->array(), shape)));
    } catch (const Exception &e) {
        throw e.withKeyPath(op.path);
    }
}

NodePtr doTranspose(const NodePtr &root, const Transpose &op)
{
    NodePtr leaf = arrayOrFail(root, op.path);
    std::vector<size_t> axes = op.axes;
    if (axes.empty())
        for (size_t i = leaf->arrayInfo().shape.size(); i-- > 0;)
            axes.push_back(i);
    try {
        return replaceLeaf(root, op.path, Node::makeArray(std::make_shared<TransposeArraySource>(leaf->array(), axes)));
    } catch (const Exception &e) {
        throw e.withKeyPath(op.path);
    }
}

NodePtr doStack(const NodePtr &root, const Stack &op)
{
    std::vector<ArraySourcePtr> parts;
    for (const std::string &p : op.from)
        parts.push_back(arrayOrFail(root, p)->array());
    NodePtr stacked;
    try {
        stacked = Node::makeArray(std::make_shared<StackArraySource>(parts, op.axis));
    } catch (const Exception &e) {
        throw e.withKeyPath(op.to);
    }
    NodePtr r = root;
    for (const std::string &p : op.from)
        r = removeAt(r, editPath(p));
    return insertAt(r, editPath(op.to), stacked);
}

NodePtr doUnstack(const NodePtr &root, const Unstack &op)
{
    NodePtr leaf = arrayOrFail(root, op.from);
    const std::vector<uint64_t> &shape = leaf->arrayInfo().shape;
    if (op.axis >= shape.size())
        fail(ErrorCategory::InvalidArgument,
            "unstack axis " + std::to_string(op.axis) + " is outside rank " + std::to_string(shape.size()), {},
            std::nullopt, op.from);
    if (shape[op.axis] != op.to.size())
        fail(ErrorCategory::Mismatch,
            "dimension " + std::to_string(op.axis) + " has " + std::to_string(shape[op.axis]) + " entries but "
                + std::to_string(op.to.size()) + " destinations were given",
            {}, std::nullopt, op.from);
    NodePtr r = removeAt(root, editPath(op.from));
    for (size_t i = 0; i < op.to.size(); ++i)
        r = insertAt(
            r, editPath(op.to[i]), Node::makeArray(std::make_shared<TakeArraySource>(leaf->array(), op.axis, i)));
    return r;
}

NodePtr doSetValue(const NodePtr &root, const SetValue &op)
{
    requireNotRoot(op.path, "set");
    NodePtr existing = findNode(root, editPath(op.path));
    if (existing && existing->isContainer() && !existing->children().empty())
        fail(ErrorCategory::InvalidArgument, "'" + op.path + "' is a container; set works on leaves", {}, std::nullopt,
            op.path);
    if (existing && existing->kind() == NodeKind::Array && existing->arrayInfo().numElements() != 1)
        fail(ErrorCategory::InvalidArgument,
            "'" + op.path + "' is an array of shape " + shapeString(existing->arrayInfo().shape)
                + "; set_elements edits its values, delete replaces it",
            {}, std::nullopt, op.path);
    NodePtr leaf;
    if (op.value.is_string() && !(existing && existing->kind() == NodeKind::Array)) {
        leaf = Node::makeString(op.value.get<std::string>());
    } else if (existing && existing->kind() == NodeKind::Array && existing->arrayInfo().numElements() == 1) {
        ArrayInfo info = existing->arrayInfo();
        info.chunkShape.clear();
        leaf = Node::makeArray(
            std::make_shared<MemoryArraySource>(info, encodeJsonValue(info.dtype, op.value, op.path), "edited value"));
    } else if (op.value.is_boolean()) {
        leaf = Node::makeScalar(Scalar::fromBool(op.value.get<bool>()));
    } else if (op.value.is_number_unsigned() && op.value.get<uint64_t>() > uint64_t(INT64_MAX)) {
        leaf = Node::makeScalar(Scalar::fromUInt(op.value.get<uint64_t>()));
    } else if (op.value.is_number_integer()) {
        leaf = Node::makeScalar(Scalar::fromInt(op.value.get<int64_t>()));
    } else if (op.value.is_number_float()) {
        leaf = Node::makeScalar(Scalar::fromFloat(op.value.get<double>()));
    } else if (op.value.is_null()) {
        leaf = Node::makeNone();
    } else {
        fail(ErrorCategory::InvalidArgument, "cannot set a value " + op.value.dump(), {}, std::nullopt, op.path);
    }
    return updateAt(
        root, editPath(op.path), [&](const NodePtr &) { return leaf; }, true);
}

NodePtr doSetElements(const NodePtr &root, const SetElements &op)
{
    NodePtr leaf = arrayOrFail(root, op.path);
    const ArrayInfo &info = leaf->arrayInfo();
    std::map<uint64_t, std::vector<std::byte>> patches;
    for (const SetElements::Element &e : op.elements) {
        if (e.index.size() != info.shape.size())
            fail(ErrorCategory::InvalidArgument,
                "index has " + std::to_string(e.index.size()) + " entries, the array has rank "
                    + std::to_string(info.shape.size()),
                {}, std::nullopt, op.path);
        uint64_t flat = 0;
        for (size_t d = 0; d < e.index.size(); ++d) {
            if (e.index[d] >= info.shape[d])
                fail(ErrorCategory::InvalidArgument,
                    "index " + std::to_string(e.index[d]) + " is outside dimension " + std::to_string(d) + " of size "
                        + std::to_string(info.shape[d]),
                    {}, std::nullopt, op.path);
            flat = flat * info.shape[d] + e.index[d];
        }
        patches[flat] = encodeJsonValue(info.dtype, e.value, op.path);
    }
    return replaceLeaf(root, op.path, Node::makeArray(std::make_shared<PatchedArraySource>(leaf->array(), patches)));
}

NodePtr doApplyTarget(const NodePtr &root, const ApplyTarget &op, Context &ctx)
{
    std::vector<RenameRule> rules;
    for (const std::string &r : op.renames)
        rules.push_back(RenameRule::parse(r));
    std::vector<RenameRule> originalKeys;
    for (const std::string &r : op.originalKeys)
        originalKeys.push_back(RenameRule::parse(r));
    const NodePtr target = ctx.open(op.target);
    return applyRestore(root, target, planRestore(root, target, rules, originalKeys));
}

std::string joined(const std::vector<std::string> &v)
{
    std::string s;
    for (const std::string &x : v)
        s += (s.empty() ? "" : ", ") + x;
    return s;
}

} // namespace

Context::Context()
{
    auto cache = std::make_shared<std::map<std::string, NodePtr>>();
    auto mutex = std::make_shared<std::mutex>();
    open = [cache, mutex](const SourceRef &ref) {
        const std::string key = ref.path + '\n' + ref.step.value_or("") + '\n' + ref.item.value_or("");
        {
            std::lock_guard lock(*mutex);
            if (auto it = cache->find(key); it != cache->end())
                return it->second;
        }
        NodePtr n = openDefault(ref);
        std::lock_guard lock(*mutex);
        (*cache)[key] = n;
        return n;
    };
}

NodePtr apply(const NodePtr &root, const Operation &op, Context &ctx)
{
    ctx.progress.throwIfCancelled();
    if (const std::vector<Operation> each = expandMatch(root, op); !each.empty())
        return applyAll(root, each, ctx);
    return std::visit(
        Overloaded{
            [&](const Rename &o) { return o.match.empty() ? doRename(root, o) : renameMatching(root, o); },
            [&](const Delete &o) {
                requireNotRoot(o.path, "delete");
                return removeAt(root, editPath(o.path));
            },
            [&](const Graft &o) { return doGraft(root, o, ctx); },
            [&](const AddLeaf &o) { return doAddLeaf(root, o); },
            [&](const Cast &o) { return doCast(root, o); },
            [&](const Reshape &o) { return doReshape(root, o); },
            [&](const Transpose &o) { return doTranspose(root, o); },
            [&](const Stack &o) { return doStack(root, o); },
            [&](const Unstack &o) { return doUnstack(root, o); },
            [&](const SetValue &o) { return doSetValue(root, o); },
            [&](const SetElements &o) { return doSetElements(root, o); },
            [&](const ApplyTarget &o) { return doApplyTarget(root, o, ctx); },
        },
        op);
}

NodePtr applyAll(const NodePtr &root, const std::vector<Operation> &ops, Context &ctx)
{
    NodePtr r = root;
    for (const Operation &op : ops)
        r = apply(r, op, ctx);
    return r;
}

std::string describe(const Operation &op)
{
    return std::visit(
        Overloaded{
            [](const Rename &o) {
                return "rename " + (o.match.empty() ? o.from : "/" + o.match + "/") + " -> " + o.to;
            },
            [](const Delete &o) { return "delete " + (o.match.empty() ? o.path : "/" + o.match + "/"); },
            [](const Graft &o) {
                return "graft " + o.source.path + (o.from.empty() ? "" : ":" + o.from) + " -> " + o.to;
            },
            [](const AddLeaf &o) { return "add " + o.path; },
            [](const Cast &o) { return "cast " + (o.match.empty() ? o.path : "/" + o.match + "/") + " to " + o.dtype; },
            [](const Reshape &o) { return "reshape " + o.path; },
            [](const Transpose &o) { return "transpose " + (o.match.empty() ? o.path : "/" + o.match + "/"); },
            [](const Stack &o) { return "stack " + joined(o.from) + " -> " + o.to; },
            [](const Unstack &o) {
                return "unstack " + (o.match.empty() ? o.from : "/" + o.match + "/") + " -> " + joined(o.to);
            },
            [](const SetValue &o) { return "set " + o.path + " = " + o.value.dump(); },
            [](const SetElements &o) { return "edit " + std::to_string(o.elements.size()) + " values of " + o.path; },
            [](const ApplyTarget &o) {
                const size_t n = o.renames.size() + o.originalKeys.size();
                return "apply target " + o.target.path
                    + (n ? " with " + std::to_string(n) + (n == 1 ? " rule" : " rules") : std::string());
            },
        },
        op);
}

} // namespace ckpt::edit
