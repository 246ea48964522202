// Operations with a `match` regex (ops/edit/edit.h): one operation per matching leaf.
#include "ops/diff/diff_rename.h"
#include "ops/edit/edit.h"

#include "base/error.h"
#include "ops/edit/edit_tree.h"

#include <regex>

namespace ckpt::edit {
namespace {

/// Leaf paths below `root` that `re` matches whole (arrays only when `arraysOnly`), with their groups.
std::vector<std::pair<std::string, std::smatch>> matching(
    const NodePtr &root, const std::string &pattern, bool arraysOnly, const char *op)
{
    std::regex re;
    try {
        re = std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error &e) {
        fail(ErrorCategory::InvalidArgument, std::string(op) + ": bad match regex '" + pattern + "': " + e.what());
    }
    std::vector<std::string> paths;
    forEachLeaf(root, [&](const Path &p, const NodePtr &n) {
        if (!arraysOnly || n->kind() == NodeKind::Array)
            paths.push_back(joinPath(p));
    });
    std::vector<std::pair<std::string, std::smatch>> out;
    out.reserve(paths.size());
    for (auto &p : paths) {
        out.emplace_back(std::move(p), std::smatch());
        if (!std::regex_match(out.back().first, out.back().second, re))
            out.pop_back();
    }
    if (out.empty())
        fail(ErrorCategory::InvalidArgument,
            std::string(op) + ": no " + (arraysOnly ? "array " : "") + "leaf path matches '" + pattern + "'");
    return out;
}

/// `tmpl` with `\1`.. replaced by the groups of `m` (the rename rules' syntax, ops/diff/diff_rename.h).
std::string fill(const std::string &pattern, const std::string &tmpl, const std::string &path)
{
    std::string rule;
    for (char c : pattern)
        rule += c == '=' ? std::string("\\=") : std::string(1, c);
    rule += '=';
    for (char c : tmpl)
        rule += c == '=' ? std::string("\\=") : std::string(1, c);
    return applyRenames({RenameRule::parse(rule)}, path);
}

std::string replaceIndex(std::string s, size_t i)
{
    for (size_t at = s.find("{i}"); at != std::string::npos; at = s.find("{i}", at))
        s.replace(at, 3, std::to_string(i));
    return s;
}

} // namespace

NodePtr renameMatching(const NodePtr &root, const Rename &op)
{
    // Take every matched leaf out first, then place them: a leaf may move onto the container that
    // held it (`a/value` -> `a`), and two moves may swap places.
    std::vector<std::pair<std::string, NodePtr>> moves;
    const auto matches = matching(root, op.match, false, "rename");
    for (const auto &[path, m] : matches) {
        const std::string to = fill(op.match, op.to, path);
        if (editPath(to).empty())
            fail(ErrorCategory::InvalidArgument, "rename: '" + path + "' would move to the root", {}, std::nullopt,
                path);
        moves.emplace_back(to, findNode(root, parsePath(path)));
    }
    NodePtr tree = root;
    for (auto it = matches.rbegin(); it != matches.rend(); ++it) // last first: list indices stay valid
        tree = removeAt(tree, editPath(it->first));
    for (const auto &[to, node] : moves) {
        if (findNode(tree, editPath(to)))
            fail(
                ErrorCategory::Mismatch, "rename target '" + to + "' already exists (collision)", {}, std::nullopt, to);
        tree = insertAt(tree, editPath(to), node);
    }
    return tree;
}

std::vector<Operation> expandMatch(const NodePtr &root, const Operation &op)
{
    std::vector<Operation> out;
    if (const auto *o = std::get_if<Delete>(&op); o && !o->match.empty()) {
        for (const auto &[path, m] : matching(root, o->match, false, "delete"))
            out.push_back(Delete{path});
    } else if (const auto *o = std::get_if<Cast>(&op); o && !o->match.empty()) {
        for (const auto &[path, m] : matching(root, o->match, true, "cast"))
            out.push_back(Cast{path, o->dtype});
    } else if (const auto *o = std::get_if<Transpose>(&op); o && !o->match.empty()) {
        for (const auto &[path, m] : matching(root, o->match, true, "transpose"))
            out.push_back(Transpose{path, o->axes});
    } else if (const auto *o = std::get_if<Unstack>(&op); o && !o->match.empty()) {
        if (o->to.size() != 1 || o->to[0].find("{i}") == std::string::npos)
            fail(ErrorCategory::InvalidArgument, "unstack with match needs one \"to\" template holding {i}");
        for (const auto &[path, m] : matching(root, o->match, true, "unstack")) {
            const NodePtr leaf = findNode(root, parsePath(path));
            const auto &shape = leaf->arrayInfo().shape;
            if (o->axis >= shape.size())
                fail(ErrorCategory::InvalidArgument,
                    "unstack axis " + std::to_string(o->axis) + " is past the rank of " + shapeString(shape), {},
                    std::nullopt, path);
            const std::string base = fill(o->match, o->to[0], path);
            Unstack u{path, {}, o->axis};
            for (uint64_t i = 0; i < shape[o->axis]; ++i)
                u.to.push_back(replaceIndex(base, i));
            out.push_back(std::move(u));
        }
    }
    return out;
}

} // namespace ckpt::edit
