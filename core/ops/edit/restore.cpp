#include "ops/edit/restore.h"

#include "base/error.h"
#include "ops/edit/edit_tree.h"

#include <algorithm>
#include <map>

namespace ckpt {
namespace {

std::string describeNode(const Node &n)
{
    switch (n.kind()) {
    case NodeKind::Array: {
        std::string s = std::string(dtypeName(n.arrayInfo().dtype)) + "[";
        for (size_t i = 0; i < n.arrayInfo().shape.size(); ++i)
            s += (i ? ", " : "") + std::to_string(n.arrayInfo().shape[i]);
        return s + "]";
    }
    case NodeKind::Scalar: return std::string(n.scalar().typeName()) + " scalar";
    default: return std::string(n.kindName());
    }
}

bool isScalarLike(const Node &n)
{
    return n.kind() == NodeKind::Scalar || (n.kind() == NodeKind::Array && n.arrayInfo().shape.empty());
}

void compareLeaves(const Node &target, const Node &source, RestoreLeaf &leaf)
{
    if (target.kind() == NodeKind::Array && source.kind() == NodeKind::Array) {
        const ArrayInfo &t = target.arrayInfo(), &s = source.arrayInfo();
        if (t.shape != s.shape)
            leaf.problems.push_back(
                {"shape", "checkpoint has shape " + shapeString(s.shape) + ", target " + shapeString(t.shape), true});
        if (t.dtype != s.dtype)
            leaf.problems.push_back({"dtype",
                "checkpoint has " + std::string(dtypeName(s.dtype)) + ", target " + std::string(dtypeName(t.dtype)),
                true});
        return;
    }
    if (target.kindName() == source.kindName())
        return;
    // A NumPy 0-d array and a Python scalar restore into each other.
    const bool soft = isScalarLike(target) && isScalarLike(source);
    leaf.problems.push_back(
        {"kind", "checkpoint has " + describeNode(source) + ", target " + describeNode(target), !soft});
}

/// One original-key rule matching a target path, with the checkpoint key it names.
struct OriginalKeyMatch {
    const RenameRule *rule;
    std::string original;
};

/// The rules whose REGEX fully matches `targetPath`, in the order Orbax applies them: sorted by
/// regex text (stable for equal texts), so the last one is the one whose value stays.
std::vector<OriginalKeyMatch> matchOriginalKeys(const std::vector<RenameRule> &rules, const std::string &targetPath)
{
    std::vector<OriginalKeyMatch> out;
    for (const RenameRule &r : rules) {
        std::smatch m;
        if (std::regex_match(targetPath, m, r.pattern))
            out.push_back({&r, m.format(r.replacement)});
    }
    std::stable_sort(out.begin(), out.end(),
        [](const OriginalKeyMatch &a, const OriginalKeyMatch &b) { return a.rule->regexText < b.rule->regexText; });
    return out;
}

} // namespace

std::string describeFate(const RestoreLeaf &leaf)
{
    switch (leaf.fate) {
    case RestoreLeaf::Fate::Taken: return "taken";
    case RestoreLeaf::Fate::Renamed:
        return "renamed from " + leaf.source + " ("
            + (leaf.ruleKind == RestoreLeaf::RuleKind::OriginalKey ? "original-key rule " : "rule ") + leaf.rule + ")";
    case RestoreLeaf::Fate::Filled: return "filled from the target";
    }
    return "filled from the target";
}

std::string_view fateName(RestoreLeaf::Fate f)
{
    switch (f) {
    case RestoreLeaf::Fate::Taken: return "taken";
    case RestoreLeaf::Fate::Renamed: return "renamed";
    case RestoreLeaf::Fate::Filled: return "filled";
    }
    return "filled";
}

bool RestoreReport::restorable() const
{
    for (const RestoreLeaf &l : leaves) {
        if (l.fate == RestoreLeaf::Fate::Filled)
            return false;
        for (const RestoreProblem &p : l.problems)
            if (p.fatal)
                return false;
    }
    return true;
}

size_t RestoreReport::count(RestoreLeaf::Fate f) const
{
    size_t n = 0;
    for (const RestoreLeaf &l : leaves)
        n += l.fate == f;
    return n;
}

RestoreReport planRestore(const NodePtr &checkpoint, const NodePtr &target, const std::vector<RenameRule> &renames,
    const std::vector<RenameRule> &originalKeys)
{
    struct Source {
        std::string path;
        NodePtr node;
    };
    std::vector<Source> sources;
    std::map<std::string, size_t> byPath;
    forEachLeaf(checkpoint, [&](const Path &p, const NodePtr &n) {
        byPath.emplace(joinPath(p), sources.size());
        sources.push_back({joinPath(p), n});
    });
    // Target path -> checkpoint leaves renamed onto it (in checkpoint order), with the rule used.
    std::map<std::string, std::vector<std::pair<size_t, std::string>>> renamedTo;
    for (size_t i = 0; i < sources.size(); ++i) {
        for (const RenameRule &r : renames) {
            std::smatch m;
            if (std::regex_match(sources[i].path, m, r.pattern)) {
                const std::string to = m.format(r.replacement);
                if (to != sources[i].path)
                    renamedTo[to].push_back({i, r.text});
                break;
            }
        }
    }
    std::vector<bool> used(sources.size(), false);
    RestoreReport report;
    forEachLeaf(target, [&](const Path &p, const NodePtr &t) {
        RestoreLeaf leaf;
        leaf.path = joinPath(p);
        leaf.targetDesc = describeNode(*t);
        const auto ren = renamedTo.find(leaf.path);
        const auto same = byPath.find(leaf.path);
        std::optional<size_t> from;
        const std::vector<OriginalKeyMatch> matches = matchOriginalKeys(originalKeys, leaf.path);
        if (!matches.empty()) {
            const OriginalKeyMatch &win = matches.back();
            leaf.rule = win.rule->text;
            leaf.ruleKind = RestoreLeaf::RuleKind::OriginalKey;
            for (const OriginalKeyMatch &m : matches) {
                if (!byPath.count(m.original))
                    leaf.problems.push_back({"missing",
                        "original-key rule '" + m.rule->text + "' names '" + m.original
                            + "', which is not in the checkpoint (Orbax raises ValueError)",
                        true});
                else if (&m != &win)
                    leaf.problems.push_back({"ambiguous",
                        "original-key rule '" + m.rule->text + "' matches too; '" + win.rule->text
                            + "' wins (Orbax applies every match in sorted order, the last one stays)",
                        false});
            }
            if (const auto it = byPath.find(win.original); it != byPath.end()) {
                from = it->second;
                leaf.fate = win.original == leaf.path ? RestoreLeaf::Fate::Taken : RestoreLeaf::Fate::Renamed;
            } else {
                leaf.fate = RestoreLeaf::Fate::Filled;
            }
            if (ren != renamedTo.end())
                leaf.problems.push_back({"collision",
                    "'" + sources[ren->second.front().first].path + "' is renamed here by '"
                        + ren->second.front().second + "' but the original-key rule decides",
                    false});
        } else if (ren != renamedTo.end()) {
            from = ren->second.front().first;
            leaf.fate = RestoreLeaf::Fate::Renamed;
            leaf.rule = ren->second.front().second;
            for (size_t k = 1; k < ren->second.size(); ++k)
                leaf.problems.push_back({"collision",
                    "'" + sources[ren->second[k].first].path + "' is renamed here too and is ignored", true});
            if (same != byPath.end())
                leaf.problems.push_back(
                    {"collision", "the checkpoint's own '" + leaf.path + "' is shadowed by the rename", false});
        } else if (same != byPath.end()) {
            from = same->second;
            leaf.fate = RestoreLeaf::Fate::Taken;
        } else {
            leaf.fate = RestoreLeaf::Fate::Filled;
            NodePtr there = findNode(checkpoint, p);
            if (there && !p.empty())
                leaf.problems.push_back({"kind",
                    "the checkpoint has a " + std::string(there->kindName()) + " here, the target a leaf ("
                        + leaf.targetDesc + ")",
                    true});
            else
                leaf.problems.push_back({"missing", "not in the checkpoint; the target's value is kept", true});
        }
        if (from) {
            used[*from] = true;
            leaf.source = sources[*from].path;
            leaf.sourceDesc = describeNode(*sources[*from].node);
            compareLeaves(*t, *sources[*from].node, leaf);
        }
        report.leaves.push_back(std::move(leaf));
    });
    for (size_t i = 0; i < sources.size(); ++i)
        if (!used[i])
            report.extras.push_back(sources[i].path);
    return report;
}

NodePtr applyRestore(const NodePtr &checkpoint, const NodePtr &target, const RestoreReport &report)
{
    size_t next = 0;
    return mapLeaves(target, [&](const Path &p, const NodePtr &t) -> NodePtr {
        if (next >= report.leaves.size() || report.leaves[next].path != joinPath(p))
            fail(ErrorCategory::InvalidArgument, "the restore report does not belong to this target", {}, std::nullopt,
                joinPath(p));
        const RestoreLeaf &leaf = report.leaves[next++];
        if (leaf.fate == RestoreLeaf::Fate::Filled)
            return t->withAnnotation("filled", "from the target: not in the checkpoint");
        NodePtr n = findNode(checkpoint, parsePath(leaf.source));
        if (!n)
            fail(ErrorCategory::InvalidArgument, "the restore report does not belong to this checkpoint", {},
                std::nullopt, leaf.source);
        return n;
    });
}

nlohmann::json reportJson(const RestoreReport &report)
{
    nlohmann::json leaves = nlohmann::json::array();
    for (const RestoreLeaf &l : report.leaves) {
        nlohmann::json j = {{"path", l.path}, {"fate", std::string(fateName(l.fate))}, {"target", l.targetDesc}};
        if (!l.source.empty()) {
            j["source"] = l.source;
            j["checkpoint"] = l.sourceDesc;
        }
        if (!l.rule.empty()) {
            j["rule"] = l.rule;
            j["rule_kind"] = l.ruleKind == RestoreLeaf::RuleKind::OriginalKey ? "original_key" : "rename";
        }
        nlohmann::json problems = nlohmann::json::array();
        for (const RestoreProblem &p : l.problems)
            problems.push_back({{"kind", p.kind}, {"detail", p.detail}, {"fatal", p.fatal}});
        j["problems"] = std::move(problems);
        leaves.push_back(std::move(j));
    }
    return {{"ckpt_json", 1}, {"restorable", report.restorable()},
        {"counts",
            {{"taken", report.count(RestoreLeaf::Fate::Taken)}, {"renamed", report.count(RestoreLeaf::Fate::Renamed)},
                {"filled", report.count(RestoreLeaf::Fate::Filled)}, {"extra", report.extras.size()}}},
        {"leaves", std::move(leaves)}, {"extras", report.extras}};
}

} // namespace ckpt
