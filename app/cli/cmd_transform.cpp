// ckpt transform: restore a checkpoint into a target structure (Orbax `transforms` semantics),
// report what happens to every target leaf, optionally write the result.
#include "commands.h"
#include "flag_hints.h"
#include "open_args.h"
#include "progress_line.h"

#include "base/error.h"
#include "ops/edit/recipe.h"
#include "ops/edit/restore.h"

#include <iomanip>
#include <iostream>

namespace ckpt::cli {
namespace {

constexpr const char *kUsage
    = "ckpt transform SRC --target TARGET [--target-step N] [--target-item NAME] [--rename 'REGEX=REPL' ...] "
      "[--original-key 'TARGET_REGEX=TEMPLATE' ...] [--report] [--json] [-o DST [--to FORMAT] [--force]] "
      "[--save-recipe FILE] [--step N] [--item NAME]";

void printSummary(const RestoreReport &r, std::ostream &out);

void printReport(const RestoreReport &r, std::ostream &out)
{
    size_t width = 12;
    for (const RestoreLeaf &l : r.leaves)
        width = std::max(width, l.path.size());
    width = std::min<size_t>(width, 60);
    out << std::left << std::setw(int(width)) << "target leaf"
        << "  type (<- checkpoint's)  fate\n";
    for (const RestoreLeaf &l : r.leaves) {
        std::string type = l.targetDesc;
        if (!l.sourceDesc.empty() && l.sourceDesc != l.targetDesc)
            type += " <- " + l.sourceDesc;
        // "taken", "renamed from X (rule R)", "renamed from X (original-key rule R)", "filled from the target".
        out << std::left << std::setw(int(width)) << l.path << "  " << type << "  " << describeFate(l) << "\n";
        for (const RestoreProblem &p : l.problems)
            out << "    " << (p.fatal ? "! " : "~ ") << p.kind << ": " << p.detail << "\n";
    }
    if (!r.extras.empty()) {
        out << "dropped (in the checkpoint, not in the target): " << r.extras.size() << "\n";
        for (const std::string &e : r.extras)
            out << "    " << e << "\n";
    }
    printSummary(r, out);
}

void printSummary(const RestoreReport &r, std::ostream &out)
{
    out << r.count(RestoreLeaf::Fate::Taken) << " taken, " << r.count(RestoreLeaf::Fate::Renamed) << " renamed, "
        << r.count(RestoreLeaf::Fate::Filled) << " filled from the target, " << r.extras.size()
        << " dropped: " << (r.restorable() ? "restores into the target" : "would NOT restore into the target") << "\n";
}

} // namespace

int cmdTransform(const std::vector<std::string> &args)
{
    std::set<std::string> valued = kOpenValued;
    valued.insert({"target", "target-step", "target-item", "rename", "original-key", "output", "to", "save-recipe"});
    const CliArgs a = parseArgs(expandShortOutput(args), withOpenFlags({"report", "json", "force"}), valued);
    expectPositionals(a, 1, 1, kUsage);
    if (!a.has("target"))
        fail(ErrorCategory::InvalidArgument, std::string("--target TARGET is required: ") + kUsage);
    if (a.has("to") && !a.has("output"))
        fail(ErrorCategory::InvalidArgument, "--to needs -o DST");

    edit::ApplyTarget op;
    op.target.path = a.get("target");
    if (a.has("target-step"))
        op.target.step = a.get("target-step");
    if (a.has("target-item"))
        op.target.item = a.get("target-item");
    op.renames = a.all("rename");
    std::vector<RenameRule> rules;
    for (const std::string &r : op.renames)
        rules.push_back(RenameRule::parse(r));
    // Orbax direction: `Transform(original_key=TEMPLATE)` keyed by TARGET_REGEX (ops/edit/restore.h).
    op.originalKeys = a.all("original-key");
    std::vector<RenameRule> originalKeys;
    for (const std::string &r : op.originalKeys)
        originalKeys.push_back(RenameRule::parse(r));

    const Checkpoint c = openFromArgs(a.positional[0], a);
    edit::Context context;
    const NodePtr target = namingOpenFlags({"--target-step", "--target-item"}, [&] { return context.open(op.target); });
    const RestoreReport report = planRestore(c.root, target, rules, originalKeys);

    if (a.has("save-recipe"))
        saveRecipe(Recipe{{op}}, a.get("save-recipe"));
    const bool writing = a.has("output");
    if (!writing || a.has("report")) {
        if (a.has("json"))
            std::cout << reportJson(report).dump(writing ? -1 : 1) << std::endl;
        else
            printReport(report, writing ? std::cerr : std::cout);
    }
    if (!writing)
        return report.restorable() ? 0 : 1;
    if (!a.has("report") && !a.has("json"))
        printSummary(report, std::cerr);
    const NodePtr result = applyRestore(c.root, target, report);
    ProgressLine line("transform", a);
    const std::string format = writeRepaired(
        result, a.get("output"), a.get("to"), a.has("force"), {a.positional[0], op.target.path}, line.progress());
    if (a.has("json") && !a.has("report"))
        std::cout << nlohmann::json{{"ckpt_json", 1}, {"written", a.get("output")}, {"format", format},
            {"restorable", report.restorable()}}
                         .dump()
                  << std::endl;
    return 0;
}

} // namespace ckpt::cli
