#include "ops/export.h"

#include "base/error.h"
#include "formats/flax_msgpack/msgpack_writer.h"
#include "formats/hdf5/hdf5_writer.h"
#include "io/atomic_file.h"
#include "io/path_ops.h"
#include "io/storage/storage_url.h"
#include "io/temp_sibling.h"
#include "layout/steps.h"
#include "ops/export_remote.h"

#include <charconv>
#include <chrono>
#include <fcntl.h>
#include <filesystem>
#include <set>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ckpt {
namespace {

int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

fs::path absolutePath(const std::string &p)
{
    std::error_code ec;
    fs::path a = fs::weakly_canonical(fs::absolute(p, ec), ec);
    return ec ? fs::absolute(p) : a;
}

bool isInside(const fs::path &inner, const fs::path &outer)
{
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty())
            continue;
        if (i == inner.end() || *i != *o)
            return false;
    }
    return true;
}

/// Refuses a destination whose creation or replacement would touch a source path.
void checkNotSource(const fs::path &target, const std::vector<std::string> &sources, bool allowInside)
{
    const fs::path t = absolutePath(target.string());
    for (const auto &s : sources) {
        const fs::path src = absolutePath(s);
        if (isInside(src, t))
            fail(ErrorCategory::InvalidArgument, "the destination is (or contains) the source " + s, target.string());
        if (!allowInside && isInside(t, src))
            fail(ErrorCategory::InvalidArgument, "the destination lies inside the source " + s, target.string());
    }
}

void writeText(const fs::path &path, const std::string &text)
{
    AtomicFileWriter w(path.string(), false);
    w.write(text.data(), text.size());
    w.commit();
}

void makeDir(const fs::path &p)
{
    std::error_code ec;
    if (!fs::create_directory(p, ec) || ec)
        fail(ErrorCategory::Io, "cannot create folder: " + (ec ? ec.message() : std::string("it already exists")),
            p.string());
}

/// Creates `dir` and its parents unless it is a folder already; throws Io naming `what`.
void makeFolders(const fs::path &dir, const std::string &what)
{
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
        fail(ErrorCategory::Io, "cannot create the " + what + (ec ? ": " + ec.message() : std::string()), dir.string());
}

/// fsyncs every folder below and including `dir` (files were fsynced when written).
void syncTree(const fs::path &dir)
{
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec))
        if (e.is_directory(ec) && !e.is_symlink(ec))
            syncTree(e.path());
    syncDirectory(dir.string());
}

/// Removes a temporary output unless released.
struct TempGuard {
    fs::path path;
    bool released = false;
    ~TempGuard()
    {
        if (!released && !path.empty()) {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    }
};

/// Moves the finished `tmp` to `target`, replacing an existing `target` only when `force`.
void install(const fs::path &tmp, const fs::path &target, bool force)
{
    std::error_code ec;
    const fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (fs::symlink_status(target, ec).type() != fs::file_type::not_found) {
        if (!force)
            fail(ErrorCategory::InvalidArgument, kDestinationExists, target.string());
        const fs::path old = oldSiblingPath(target);
        fs::rename(target, old, ec);
        if (ec)
            fail(ErrorCategory::Io, "cannot move the old destination aside: " + ec.message(), target.string());
        fs::rename(tmp, target, ec);
        if (ec) {
            std::error_code ec2;
            fs::rename(old, target, ec2);
            fail(ErrorCategory::Io, "cannot rename the new output into place: " + ec.message(), target.string());
        }
        syncDirectory(parent.string());
        fs::remove_all(old, ec);
        return;
    }
    fs::rename(tmp, target, ec);
    if (ec)
        fail(ErrorCategory::Io, "cannot rename the new output into place: " + ec.message(), target.string());
    syncDirectory(parent.string());
}

void requireStep(const std::string &step, bool integerOnly)
{
    if (step.empty())
        fail(ErrorCategory::InvalidArgument, kAsStepEmpty);
    if (integerOnly) {
        if (step.find_first_not_of("0123456789") != std::string::npos)
            fail(ErrorCategory::InvalidArgument, "Orbax steps are non-negative integers, not \"" + step + "\"");
        return;
    }
    double v = 0;
    auto [p, ec] = std::from_chars(step.data(), step.data() + step.size(), v);
    if (ec != std::errc() || p != step.data() + step.size() || step.find('/') != std::string::npos)
        fail(ErrorCategory::InvalidArgument, "not a step number: \"" + step + "\"");
}

/// Handler the run's newest step records for `item`, when it is one whose layout we write (PyTree or
/// Standard), so a CheckpointManager that already registered it restores the new step too.
std::string handlerForItem(const std::string &root, const std::string &item)
{
    std::vector<StepInfo> steps;
    try {
        steps = listSteps(root);
    } catch (const Exception &) {
        return orbax::kPyTreeHandlerName;
    }
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
        if (it->isFile || !it->complete)
            continue;
        std::string text;
        try {
            text = readPathText(joinPath(it->path, "_CHECKPOINT_METADATA"), 1U << 20);
        } catch (const Exception &) {
            continue;
        }
        const auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("item_handlers"))
            continue;
        const auto &h = j["item_handlers"];
        if (h.is_object() && h.contains(item) && h[item].is_string()) {
            const std::string name = h[item].get<std::string>();
            if (name == orbax::kPyTreeHandlerName || name == orbax::kStandardHandlerName)
                return name;
        }
        break;
    }
    return orbax::kPyTreeHandlerName;
}

void writeItem(const NodePtr &tree, const fs::path &dir, const fs::path &finalPath, const ExportOptions &o,
    const Progress &progress)
{
    makeDir(dir);
    orbax::writePyTreeItem(tree, dir.string(), o.orbax, progress);
    writeText(dir / "commit_success.txt", orbax::commitSuccessText(finalPath.string()));
}

ExportResult exportOrbax(const NodePtr &root, const fs::path &dst, const ExportOptions &o, const Progress &progress)
{
    const int64_t init = nowNs();
    if (!o.asStep) {
        checkNotSource(dst, o.sourcePaths, false);
        std::error_code ec;
        if (!o.force && fs::symlink_status(dst, ec).type() != fs::file_type::not_found)
            fail(ErrorCategory::InvalidArgument, kDestinationExists, dst.string());
        removeStaleTempSiblings(dst);
        TempGuard tmp{tempSiblingPath(dst)};
        writeItem(root, tmp.path, o.finalLocation.empty() ? absolutePath(dst.string()) : fs::path(o.finalLocation), o,
            progress);
        writeText(
            tmp.path / "_CHECKPOINT_METADATA", orbax::checkpointMetadataText(orbax::kPyTreeHandlerName, init, nowNs()));
        syncTree(tmp.path);
        install(tmp.path, dst, o.force);
        tmp.released = true;
        return {dst.string(), {}};
    }
    requireStep(*o.asStep, true);
    makeFolders(dst, "run folder");
    std::error_code ec;
    // The run whose steps name the new one: the destination, or where a staged step will go.
    const std::string run = o.finalLocation.empty() ? dst.string() : o.finalLocation;
    const std::string stepName = managerStepDirName(run, *o.asStep);
    const fs::path target = dst / stepName;
    checkNotSource(target, o.sourcePaths, true);
    if (!o.force && fs::symlink_status(target, ec).type() != fs::file_type::not_found)
        fail(ErrorCategory::InvalidArgument, kStepFolderExists, target.string());
    const std::vector<std::string> items = managerItemNames(run, root);
    nlohmann::ordered_json handlers = nlohmann::ordered_json::object();
    for (const auto &name : items)
        handlers[name] = handlerForItem(run, name);
    TempGuard tmp{dst / (stepName + ".orbax-checkpoint-tmp-ckpt" + std::to_string(::getpid()))};
    fs::remove_all(tmp.path, ec);
    makeDir(tmp.path);
    const fs::path finalAbs
        = o.finalLocation.empty() ? absolutePath(target.string()) : fs::path(joinPath(run, stepName));
    if (items.size() == 1) {
        writeItem(root, tmp.path / items[0], finalAbs / items[0], o, progress);
    } else {
        for (const auto &name : items) {
            writeItem(root->child(name), tmp.path / name, finalAbs / name, o, progress);
        }
    }
    writeText(tmp.path / "_CHECKPOINT_METADATA", orbax::checkpointMetadataText(handlers, init, nowNs()));
    writeText(tmp.path / "commit_success.txt", orbax::commitSuccessText(finalAbs.string()));
    syncTree(tmp.path);
    install(tmp.path, target, o.force);
    tmp.released = true;
    return {target.string(), items.size() == 1 ? items[0] : std::string()};
}

ExportResult exportFlax(const NodePtr &root, const fs::path &dst, const ExportOptions &o, const Progress &progress)
{
    if (!root->isContainer())
        fail(ErrorCategory::Unsupported, "a Flax checkpoint needs a dict at the root of the tree", dst.string());
    fs::path target = dst;
    if (o.asStep) {
        requireStep(*o.asStep, false);
        makeFolders(dst, "checkpoint folder");
        target = dst / ("checkpoint_" + *o.asStep);
    }
    checkNotSource(target, o.sourcePaths, o.asStep.has_value());
    std::error_code ec;
    if (fs::is_directory(target, ec) && o.force)
        fail(ErrorCategory::InvalidArgument, "destination is a folder; refusing to replace it with a file",
            target.string());
    flaxmsgpack::WriteOptions w;
    w.overwrite = o.force;
    flaxmsgpack::writeFile(root, target.string(), w, progress);
    return {target.string(), {}};
}

ExportResult exportSafetensors(
    const NodePtr &root, const fs::path &dst, const ExportOptions &o, const Progress &progress)
{
    if (o.asStep)
        fail(ErrorCategory::InvalidArgument, kAsStepSafetensors);
    checkNotSource(dst, o.sourcePaths, false);
    safetensors::WriteSummary s;
    if (dst.extension() == ".safetensors") {
        std::error_code ec;
        if (fs::is_directory(dst, ec))
            fail(ErrorCategory::InvalidArgument, "destination is a folder; refusing to replace it with a file",
                dst.string());
        s = safetensors::writeFile(root, dst.string(), o.safetensors, o.force, progress);
        return {dst.string(), {}, s.warnings};
    }
    std::error_code ec;
    if (!o.force && fs::symlink_status(dst, ec).type() != fs::file_type::not_found)
        fail(ErrorCategory::InvalidArgument, kDestinationExists, dst.string());
    removeStaleTempSiblings(dst);
    TempGuard tmp{tempSiblingPath(dst)};
    makeDir(tmp.path);
    s = safetensors::writeFolder(root, tmp.path.string(), o.safetensors, progress);
    syncTree(tmp.path);
    install(tmp.path, dst, o.force);
    tmp.released = true;
    return {dst.string(), {}, s.warnings};
}

} // namespace

std::optional<ExportFormat> exportFormatFromName(const std::string &name)
{
    if (name == "orbax")
        return ExportFormat::Orbax;
    if (name == "flax-msgpack" || name == "msgpack" || name == "flax")
        return ExportFormat::FlaxMsgpack;
    if (name == "hdf5" || name == "h5")
        return ExportFormat::Hdf5;
    if (name == "safetensors")
        return ExportFormat::Safetensors;
    return std::nullopt;
}

std::string managerStepDirName(const std::string &root, const std::string &step)
{
    std::vector<StepInfo> steps;
    try {
        steps = listSteps(root);
    } catch (const Exception &) {
        return step;
    }
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
        if (it->isFile || !it->step.isInteger() || it->name.find(".orbax-checkpoint-tmp") != std::string::npos)
            continue;
        const std::string &n = it->name;
        size_t k = n.size();
        while (k > 0 && n[k - 1] >= '0' && n[k - 1] <= '9')
            --k;
        const std::string prefix = n.substr(0, k);
        const std::string number = n.substr(k);
        std::string s = step;
        if (number.size() > 1 && number[0] == '0' && s.size() < number.size())
            s = std::string(number.size() - s.size(), '0') + s;
        return prefix + s;
    }
    return step;
}

std::vector<std::string> managerItemNames(const std::string &root, const NodePtr &tree)
{
    std::vector<StepInfo> steps;
    try {
        steps = listSteps(root);
    } catch (const Exception &) {
        return {"default"};
    }
    for (auto it = steps.rbegin(); it != steps.rend(); ++it) {
        if (it->isFile || !it->complete || it->items.empty())
            continue;
        if (it->items.size() == 1)
            return {it->items[0]};
        if (tree && tree->kind() == NodeKind::Dict) {
            std::set<std::string> want(it->items.begin(), it->items.end()), have;
            for (const auto &c : tree->children())
                have.insert(c.key.str());
            if (want == have)
                return it->items;
        }
        break;
    }
    return {"default"};
}

ExportResult exportTree(
    const NodePtr &root, const std::string &dst, const ExportOptions &options, const Progress &progress)
{
    if (!root)
        fail(ErrorCategory::InvalidArgument, "no tree to export");
    if (dst.empty())
        fail(ErrorCategory::InvalidArgument, "no destination given");
    if (isStorageUrl(dst))
        return exportToStorage(root, dst, options, progress);
    const fs::path d(dst);
    switch (options.format) {
    case ExportFormat::Orbax: return exportOrbax(root, d, options, progress);
    case ExportFormat::FlaxMsgpack: return exportFlax(root, d, options, progress);
    case ExportFormat::Safetensors: return exportSafetensors(root, d, options, progress);
    case ExportFormat::Hdf5: {
        if (options.asStep)
            fail(ErrorCategory::InvalidArgument, kAsStepHdf5);
        checkNotSource(d, options.sourcePaths, false);
        hdf5::WriteOptions w;
        w.overwrite = options.force;
        w.widen = options.hdf5Widen;
        hdf5::writeFile(root, dst, w, progress);
        return {dst, {}};
    }
    }
    fail(ErrorCategory::InvalidArgument, "unknown export format");
}

} // namespace ckpt
