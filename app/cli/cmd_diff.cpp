// ckpt diff: two checkpoints (or steps) leaf by leaf, or the run view over consecutive steps.
#include "commands.h"
#include "flag_hints.h"
#include "open_args.h"
#include "progress_line.h"
#include "text_table.h"

#include "base/error.h"
#include "ops/diff/diff.h"
#include "ops/diff/diff_json.h"
#include "ops/diff/diff_run.h"
#include "ops/edit/recipe.h"
#include "ops/tree_json.h"

#include <cmath>
#include <cstdio>
#include <iostream>

namespace ckpt::cli {
namespace {

constexpr const char *kDiffUsage
    = "ckpt diff A B [--step-a N] [--step-b M] [--item NAME] [--atol X] [--rtol Y] "
      "[--nan-equal] [--rename 'REGEX=REPL' ...] [--recipe-a R.json] [--recipe-b R.json] [--flat-names] "
      "[--only-differences] [--json] | "
      "ckpt diff RUN --step-a N --step-b M [options as above] | "
      "ckpt diff ROOT --steps FROM..TO [--item NAME] [--atol X] [--rtol Y] [--json]";

double toleranceArg(const CliArgs &a, const std::string &name)
{
    if (!a.has(name))
        return 0;
    const std::string text = a.get(name);
    size_t used = 0;
    double v = -1;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != text.size() || !std::isfinite(v) || v < 0)
        fail(ErrorCategory::InvalidArgument, "--" + name + " needs a finite number >= 0, not '" + text + "'");
    return v;
}

std::optional<double> stepBound(const std::string &text, const std::string &whole)
{
    if (text.empty())
        return std::nullopt;
    size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception &) {
        used = 0;
    }
    if (used != text.size() || !std::isfinite(v))
        fail(
            ErrorCategory::InvalidArgument, "--steps needs FROM..TO (either end may be left out), not '" + whole + "'");
    return v;
}

std::string fmt(double v, const char *spec = "%.4g")
{
    if (std::isnan(v))
        return "nan";
    if (std::isinf(v))
        return v > 0 ? "inf" : "-inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, spec, v);
    return buf;
}

std::string sideText(const std::optional<DiffSide> &s)
{
    if (!s)
        return "-";
    if (s->kind == "array")
        return s->dtype + shapeString(s->shape);
    if (s->kind == "scalar")
        return s->dtype + " " + s->value;
    if (!s->value.empty())
        return s->value;
    return s->kind;
}

std::string describeSource(const Checkpoint &c)
{
    return c.path + "  [" + c.era + (c.step ? ", step " + c.step->text : std::string())
        + (c.item.empty() ? std::string() : ", item " + c.item) + "]";
}

int runView(const CliArgs &a, const ArrayCompareOptions &compare)
{
    if (a.positional.size() != 1)
        fail(ErrorCategory::InvalidArgument, std::string("usage: ") + kDiffUsage);
    for (const char *o : {"step-a", "step-b", "rename", "only-differences"})
        if (a.has(o))
            fail(ErrorCategory::InvalidArgument, std::string("--") + o + " does not apply to the run view (--steps)");
    const std::string range = a.get("steps");
    const auto dots = range.find("..");
    if (dots == std::string::npos)
        fail(
            ErrorCategory::InvalidArgument, "--steps needs FROM..TO (either end may be left out), not '" + range + "'");
    RunDiffOptions o;
    o.from = stepBound(range.substr(0, dots), range);
    o.to = stepBound(range.substr(dots + 2), range);
    if (a.has("item"))
        o.item = a.get("item");
    o.diff.compare = compare;
    // The run view opens steps it chose itself; only --item comes from the user.
    RunDiff run;
    {
        ProgressLine line("diff --steps", a, false);
        run = namingOpenFlags({"--steps", "--item"}, [&] { return diffRun(a.positional[0], o, line.progress()); });
    }
    bool anyChange = false;
    for (const auto &row : run.cells)
        for (const RunCell &c : row)
            anyChange |= c.state != RunCell::State::Unchanged;
    if (a.has("json")) {
        nlohmann::json j = runDiffJson(run);
        j["ckpt_json"] = kCkptJsonVersion;
        j["options"] = {{"atol", compare.atol}, {"rtol", compare.rtol}, {"nan_equal", compare.nanEqual}};
        std::cout << j.dump() << std::endl;
        return anyChange ? 1 : 0;
    }
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> head = {"LEAF"};
    for (size_t t = 0; t + 1 < run.steps.size(); ++t)
        head.push_back(run.steps[t].text + "->" + run.steps[t + 1].text);
    rows.push_back(std::move(head));
    for (size_t l = 0; l < run.leaves.size(); ++l) {
        std::vector<std::string> r = {run.leaves[l]};
        for (const auto &row : run.cells) {
            const RunCell &c = row[l];
            switch (c.state) {
            case RunCell::State::Unchanged: r.push_back("="); break;
            case RunCell::State::Changed:
                r.push_back(std::isnan(c.relUpdate) ? "changed" : fmt(c.relUpdate, "%.3e"));
                break;
            case RunCell::State::Absent: r.push_back("-"); break;
            case RunCell::State::Incompatible: r.push_back("x"); break;
            }
        }
        rows.push_back(std::move(r));
    }
    printTable(rows);
    std::cout << run.leaves.size() << " leaves over " << run.steps.size()
              << " steps; cells: ||B-A||/||A|| of changed leaves, '=' unchanged, '-' absent, 'x' shape or kind "
                 "changed\n";
    return anyChange ? 1 : 0;
}

} // namespace

int cmdDiff(const std::vector<std::string> &args)
{
    const CliArgs a = parseArgs(args, {"json", "nan-equal", "only-differences", "flat-names", "quiet"},
        {"step-a", "step-b", "item", "atol", "rtol", "rename", "steps", "recipe-a", "recipe-b"});
    ArrayCompareOptions compare;
    compare.atol = toleranceArg(a, "atol");
    compare.rtol = toleranceArg(a, "rtol");
    compare.nanEqual = a.has("nan-equal");
    if (a.has("steps"))
        return runView(a, compare);
    expectPositionals(a, 1, 2, kDiffUsage);
    // One path: two steps of the same run, as people type it (`ckpt diff RUN --step-a 4 --step-b 5`).
    if (a.positional.size() == 1 && !(a.has("step-a") && a.has("step-b")))
        fail(ErrorCategory::InvalidArgument,
            "one path diffs two steps of a run: give both --step-a and --step-b (usage: " + std::string(kDiffUsage)
                + ")");
    const std::string &pathA = a.positional[0];
    const std::string &pathB = a.positional.size() > 1 ? a.positional[1] : a.positional[0];

    DiffOptions options;
    options.compare = compare;
    for (const std::string &r : a.all("rename"))
        options.renames.push_back(RenameRule::parse(r));
    OpenOptions oa, ob;
    if (a.has("step-a"))
        oa.step = a.get("step-a");
    if (a.has("step-b"))
        ob.step = a.get("step-b");
    if (a.has("item"))
        oa.item = ob.item = a.get("item");
    oa.flatNames = ob.flatNames = a.has("flat-names");
    Checkpoint ca = openNamingFlags(pathA, oa, {"--step-a", "--item"});
    Checkpoint cb = openNamingFlags(pathB, ob, {"--step-b", "--item"});
    // A recipe on one side maps it onto the other's names and layout before comparing (a conversion
    // checked against its source): the recipe's leaves stay lazy, so nothing is read twice.
    edit::Context context;
    if (a.has("recipe-a"))
        ca.root = replay(ca.root, loadRecipe(a.get("recipe-a")), context);
    if (a.has("recipe-b"))
        cb.root = replay(cb.root, loadRecipe(a.get("recipe-b")), context);
    DiffResult r;
    {
        ProgressLine line("diff", a);
        r = diffTrees(ca.root, cb.root, options, line.progress());
    }
    const bool onlyDiff = a.has("only-differences");
    const int code = r.summary.identical() ? 0 : 1;

    if (a.has("json")) {
        nlohmann::json j = diffResultJson(r, onlyDiff);
        j["ckpt_json"] = kCkptJsonVersion;
        j["a"] = sourceJson(ca);
        j["b"] = sourceJson(cb);
        j["options"] = {{"atol", compare.atol}, {"rtol", compare.rtol}, {"nan_equal", compare.nanEqual},
            {"rename", a.all("rename")}};
        for (const char *side : {"recipe-a", "recipe-b"})
            if (a.has(side))
                j["options"][side == std::string("recipe-a") ? "recipe_a" : "recipe_b"] = a.get(side);
        nlohmann::json warnings = nlohmann::json::array();
        for (const std::string &w : ca.warnings)
            warnings.push_back("a: " + w);
        for (const std::string &w : cb.warnings)
            warnings.push_back("b: " + w);
        if (!warnings.empty())
            j["warnings"] = std::move(warnings);
        std::cout << j.dump() << std::endl;
        return code;
    }

    std::cout << "A: " << describeSource(ca) << "\nB: " << describeSource(cb) << "\n";
    std::vector<std::vector<std::string>> rows
        = {{"STATUS", "PATH", "A", "B", "MAX|A-B|", "MAX_REL", "DIFFERING", "||A-B||/||A||"}};
    for (const DiffEntry *e : sortedForDisplay(r)) {
        if (onlyDiff && e->status == DiffStatus::Same)
            continue;
        std::vector<std::string> row = {std::string(statusName(e->status)),
            e->renamed ? e->a->path + " -> " + e->path : e->path, sideText(e->a), sideText(e->b)};
        const ArrayDiff &n = e->numbers;
        if (e->compared && e->numeric) {
            row.push_back(fmt(n.maxAbs));
            row.push_back(n.hasMaxRel ? fmt(n.maxRel) : "-");
            row.push_back(std::to_string(n.differing) + "/" + std::to_string(n.count) + " ("
                + fmt(100 * n.fraction(), "%.3g") + "%)");
            row.push_back(n.normA > 0 ? fmt(n.normDiff / n.normA) : (n.normDiff == 0 ? "0" : "inf"));
        } else if (e->compared && (e->a->kind == "string" || e->a->kind == "bytes")) {
            row.insert(row.end(), {"-", "-", e->valuesEqual ? "0/1" : "1/1", "-"});
        }
        rows.push_back(std::move(row));
    }
    if (rows.size() > 1)
        printTable(rows);
    std::string summary = std::to_string(r.summary.pairs) + " pairs:";
    for (int i = 0; i < kDiffStatusCount; ++i)
        if (r.summary.counts[i])
            summary += " " + std::to_string(r.summary.counts[i]) + " " + std::string(statusName(DiffStatus(i))) + ",";
    if (summary.back() == ',')
        summary.pop_back();
    summary += code == 0 ? "; identical" : "; different";
    if (compare.atol != 0 || compare.rtol != 0)
        summary += " (atol " + fmt(compare.atol) + ", rtol " + fmt(compare.rtol) + ")";
    if (r.summary.chunksShortCut)
        summary += "; " + std::to_string(r.summary.chunksShortCut) + " chunks identical in storage, decoded once";
    std::cout << summary << "\n";
    for (const std::string &w : ca.warnings)
        std::cout << "warning (A): " << w << "\n";
    for (const std::string &w : cb.warnings)
        std::cout << "warning (B): " << w << "\n";
    return code;
}

} // namespace ckpt::cli
